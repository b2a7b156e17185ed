"""hio.core.udp package

Nonblocking UDP datagram peers serviced by hio doers: this package
re-exports the names of hio.core.udp.udping, which documents them.
"""

from hio.core.udp.udping import *  # noqa: F403  # the names of udping.__all__
from hio.core.udp.udping import __all__  # noqa: F401  # re-exported as this package's own
