"""hio.hioing module

Generic constants, the cooperative ``Mixin`` base class and the hio exception
classes shared by every hio distribution.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

Versionage = namedtuple("Versionage", "major minor")
"""Version of a serialization or protocol as (major, minor) integers."""

Version = Versionage(major=1, minor=0)
"""Current version of hio serializations, a Versionage."""

SEPARATOR = "\n\n---------- \n\n"
"""Multiline string that separates sections of printed or logged output."""

SEPARATOR_BYTES = SEPARATOR.encode("utf-8")
"""SEPARATOR as utf-8 encoded bytes."""


class HioError(Exception):
    """Base class for hio exceptions.

    Usage:
        raise HioError("Error: message")
    """


class ValidationError(HioError):
    """Validation related errors.

    Usage:
        raise ValidationError("error message")
    """


class VersionError(ValidationError):
    """Bad or unsupported version.

    Usage:
        raise VersionError("error message")
    """


class OglerError(HioError):
    """Error using or configuring an Ogler.

    Usage:
        raise OglerError("error message")
    """


class FilerError(HioError):
    """Error using or configuring a Filer, such as a path component that would
    escape its head directory.

    Usage:
        raise FilerError("error message")
    """


class SizeError(HioError):
    """Something larger than its container allows, such as a socket path too
    long for its address family.

    Usage:
        raise SizeError("error message")
    """


class Mixin:
    """Base class to enable a consistent MRO for mixin multiple inheritance.

    Every class in a cooperative hierarchy calls ``super().__init__(*pa, **kwa)``
    so that ``__init__`` propagates along the MRO up to this common top, which
    swallows whatever positional and keyword arguments are left over instead of
    passing them on to ``object.__init__`` (which would reject them).

    Example::

        class A(Mixin):
            def __init__(self, a=1, **kwa):
                super().__init__(**kwa)
                self.a = a

        class B(Mixin):
            def __init__(self, b=2, **kwa):
                super().__init__(**kwa)
                self.b = b

        class C(A, B):
            pass

        c = C(a=3, b=4)  # both A.__init__ and B.__init__ run
    """

    def __init__(self, *pa: Any, **kwa: Any) -> None:
        """Ends the cooperative ``__init__`` chain; extra arguments are ignored.

        Parameters:
            pa: leftover positional arguments from subclasses
            kwa: leftover keyword arguments from subclasses
        """
        super().__init__()
