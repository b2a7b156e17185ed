"""hio.core: transports and wire logging (package-level conveniences).

Owned by the ``hio`` meta-package; the transport distributions install the
subpackages themselves.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from .wiring import WireLog, WireLogDoer, openWL

__all__ = ["WireLog", "WireLogDoer", "openWL"]
