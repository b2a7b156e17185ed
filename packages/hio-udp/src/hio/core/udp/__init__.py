"""hio.core.udp package

Nonblocking UDP datagram peers whose sockets are serviced through datagram
buffers (.txgs, .rxgs) by hio doers.

Modules:
    udping: Peer, PeerDoer, openPeer, GramSizeError and the UDP size constants
"""

from hio.core.udp.udping import (
    UDP_MAX_DATAGRAM_SIZE,
    UDP_MAX_PACKET_SIZE,
    UDP_MAX_SAFE_PAYLOAD,
    GramSizeError,
    Peer,
    PeerDoer,
    openPeer,
)

__all__ = [
    "UDP_MAX_DATAGRAM_SIZE",
    "UDP_MAX_PACKET_SIZE",
    "UDP_MAX_SAFE_PAYLOAD",
    "GramSizeError",
    "Peer",
    "PeerDoer",
    "openPeer",
]
