"""hio.core.uxd package

Nonblocking Unix domain datagram (UXD) peers, each bound to a socket file at
a Filer path, serviced by hio doers.

Modules:
    uxding: Peer, PeerDoer, openPeer
"""

from hio.core.uxd.uxding import GramSizeError, Peer, PeerDoer, openPeer

__all__ = ["GramSizeError", "Peer", "PeerDoer", "openPeer"]
