"""hio.base: tyme, the hierarchical scheduler and Filer (package-level conveniences).

Owned by the ``hio`` meta-package; ``hio-timing``, ``hio-doing`` and
``hio-filing`` install the modules themselves.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from .doing import DoDoer, Doer, Doist, doify, doize
from .filing import Filer, FilerDoer, openFiler
from .tyming import Tymee, Tymer, Tymist

__all__ = [
    "DoDoer",
    "Doer",
    "Doist",
    "Filer",
    "FilerDoer",
    "Tymee",
    "Tymer",
    "Tymist",
    "doify",
    "doize",
    "openFiler",
]
