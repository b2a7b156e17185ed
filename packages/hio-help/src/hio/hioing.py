"""hio.hioing module

Generic constants, the cooperative ``Mixin`` base class and the hio exception
classes shared by every hio distribution.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import sys
import warnings
from collections import namedtuple
from collections.abc import Iterable
from typing import Any

Versionage = namedtuple("Versionage", "major minor")
Versionage.__doc__ = """Version of a serialization or protocol as (major, minor) integers.

Fields:
    major: the major version, changed by incompatible changes
    minor: the minor version, changed by compatible ones
"""

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
        """Ends the cooperative ``__init__`` chain.

        A keyword argument that reaches this end was taken by no class of the
        chain: a misspelt or mistaken name. It is reported with a warning
        (UserWarning) that names the class, the keyword and the closest
        keyword the class takes (see ``unexpectedKeywords``), and then
        ignored, as hio has always ignored it: applications pass keywords
        through cooperative ``__init__`` chains of their own and rely on it.
        Leftover positional arguments are ignored silently.

        Parameters:
            pa: leftover positional arguments from subclasses
            kwa: leftover keyword arguments from subclasses, none expected
        """
        if kwa:
            warnUnexpected(type(self), kwa)
        super().__init__()


def warnUnexpected(cls: type, given: Iterable[str], valid: Iterable[str] | None = None) -> None:
    """Warns (UserWarning) of keyword arguments ``given`` that ``cls`` does not take.

    The message is ``unexpectedKeywords(cls, given, valid)``; the warning
    points at the code that constructed the instance, past every
    ``__init__`` of its chain.

    Parameters:
        cls: the class constructed
        given: the keywords it does not take
        valid: the keywords it takes, None means those of ``keywordsOf(cls)``
    """
    level = 2
    frame = sys._getframe(1)
    while frame.f_code.co_name == "__init__" and frame.f_back is not None:
        frame = frame.f_back
        level += 1
    warnings.warn(unexpectedKeywords(cls, given, valid), UserWarning, stacklevel=level)


def keywordsOf(*classes: type) -> set[str]:
    """The keyword arguments that the ``__init__`` methods of ``classes`` and their bases take by name.

    Parameters:
        classes: the classes whose keyword arguments are wanted
    """
    names: set[str] = set()
    for cls in classes:
        names |= _keywordsOfClass(cls)
    return names


@functools.lru_cache(maxsize=256)
def _keywordsOfClass(cls: type) -> frozenset[str]:
    """keywordsOf one class, kept: classes seldom change their signatures."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):  # a builtin without a signature
            continue
        names.update(
            p.name
            for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "cls")
        )
    return frozenset(names)


def unexpectedKeywords(cls: type, given: Iterable[str], valid: Iterable[str] | None = None) -> str:
    """The message for keyword arguments ``given`` that ``cls`` does not take.

    Names the class, each keyword and the closest keyword it takes, e.g.
    ``hio.base.doing.Doist() got an unexpected keyword argument 'tok'
    (did you mean 'tock'?)``.

    Parameters:
        cls: the class constructed
        given: the keywords it does not take
        valid: the keywords it takes, None means those of ``keywordsOf(cls)``
    """
    known = sorted(keywordsOf(cls) if valid is None else set(valid))
    parts = []
    for name in given:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    noun = "argument" if len(parts) == 1 else "arguments"
    return f"{cls.__module__}.{cls.__qualname__}() got an unexpected keyword {noun} {', '.join(parts)}"
