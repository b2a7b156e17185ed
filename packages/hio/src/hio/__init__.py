"""hio: hierarchical structured concurrency with asynchronous I/O.

This file belongs to the ``hio`` meta-package. The nine hio distributions
install their modules into the ``hio`` namespace without an ``__init__.py``
at this level; extending ``__path__`` first keeps every portion reachable,
wherever on ``sys.path`` it was installed.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hio")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from ._intact import check

check(__path__, __version__)  # an upgrade in place from the single hio can leave pieces without their files
del check

from .hioing import HioError, Mixin, ValidationError, VersionError  # noqa: E402

__all__ = ["HioError", "Mixin", "ValidationError", "VersionError", "__version__"]
