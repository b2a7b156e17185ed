"""hio.base: tyme, the hierarchical scheduler and Filer (package-level conveniences).

Owned by the ``hio`` meta-package; ``hio-timing``, ``hio-doing`` and
``hio-filing`` install the modules themselves.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)
