"""hio.core.udp.udping module

Nonblocking UDP datagram transport. A Peer owns one UDP socket bound to its
host address ``.ha``: ``receive`` returns one datagram and its source address
at a time, ``send`` sends one datagram to a destination address. For service
by doers a Peer also keeps two deques of datagrams: ``.rxgs``, filled by
``serviceReceives``, and ``.txgs``, emptied in order by ``serviceTxGrams``;
a PeerDoer runs both every time it runs.

A datagram is never cut: ``send`` refuses one larger than the protocol can
carry with a GramSizeError, and ``receive`` reads into a buffer that holds
the largest datagram UDP can deliver.

UDP gives no delivery receipt. Where the operating system can report that a
datagram sent earlier was refused by its destination (Linux, through
IP_RECVERR), the Peer collects each report, with the destination address, in
``.undelivered``.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hio import help
from hio.core import coring
from hio.core.gramming import GramDoer, GramQueue, GramSizeError

__all__ = [
    "UDP_MAX_DATAGRAM_SIZE",
    "UDP_MAX_PACKET_SIZE",
    "UDP_MAX_SAFE_PAYLOAD",
    "GramSizeError",
    "Peer",
    "PeerDoer",
    "openPeer",
]

logger = help.ogler.getLogger()

UDP_MAX_DATAGRAM_SIZE = (2**16) - 1  # 65535: the 16 bit UDP length field, 8 byte header included
"""Largest UDP datagram, header included: the limit of the 16 bit UDP length field."""

UDP_MAX_SAFE_PAYLOAD = 548  # IPv4 minimum reassembly size 576 - 20 IP header - 8 UDP header
"""Largest payload that every IPv4 path delivers without fragmentation."""

UDP_MAX_PACKET_SIZE = UDP_MAX_DATAGRAM_SIZE - 20 - 8  # 65507
"""Largest payload of one UDP datagram over IPv4 (IPv6 carries UDP_MAX_DATAGRAM_SIZE - 8)."""

UDP_MAX_PACKET_SIZE_IPV6 = UDP_MAX_DATAGRAM_SIZE - 8  # 65527
"""Largest payload of one UDP datagram over IPv6 without jumbograms."""

# Linux reports refusals by a destination to unconnected sockets only when asked to.
_RECVERR = {socket.AF_INET: (socket.IPPROTO_IP, 11), socket.AF_INET6: (socket.IPPROTO_IPV6, 25)}
_MSG_ERRQUEUE = getattr(socket, "MSG_ERRQUEUE", 0x2000)

# errors a socket reports later for a datagram sent earlier
_DEFERRED = frozenset(
    code
    for code in (
        errno.ECONNREFUSED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        getattr(errno, "EHOSTDOWN", None),
        getattr(errno, "EPROTO", None),
    )
    if code is not None
)

EXHAUSTED = coring.EXHAUSTED


class Peer(coring.Addressed, GramQueue):
    """Nonblocking UDP socket bound to a local address, sending and receiving whole datagrams.

    Attributes:
        name (str): name of this Peer, for telling Peers apart in logs
        ha (tuple): local (host, port) address; after open, the address actually
            bound, so a Peer on host "" (every interface) shows ('0.0.0.0', port)
        bs (int): smallest socket send and receive buffer size requested
        wl (WireLog | None): logs every rx and tx with the remote address when given
        bcast (bool): True means the socket may send to broadcast addresses
        ls (socket.socket | None): the local socket when open
        opened (bool): True when the socket is open and bound
        rxgs (deque): received (data, source address) duples, oldest first, at most .maxRxgs
        maxRxgs (int): most received datagrams that wait in .rxgs, default .MaxRxgs (256)
        dropped (int): count of received datagrams dropped because .rxgs was full:
            the oldest goes, so that the application reads fresh data (see GramQueue)
        txgs (deque): (data, destination address) duples waiting to be sent, in order
        undelivered (deque): (destination address, OSError) duples, one for each datagram
            that could not be delivered, newest last, at most .UndeliveredSize

    Properties:
        host (str): host of .ha
        port (int): port of .ha
        eha (tuple): (host, port) that senders on this machine send to, the
            bound port once open (as a TCP Server's .eha)
        maxGramSize (int): largest payload this Peer sends in one datagram
    """

    Kind = "UDP"

    def __init__(
        self,
        ha: tuple[str, int] | None = None,
        host: str = "",
        port: int = 55000,
        bufsize: int = 1024,
        wl: Any = None,
        bcast: bool = False,
        name: str = "main",
    ):
        """Initializes the Peer, not yet open.

        Parameters:
            ha: local (host, port) to bind, overrides host and port when given
            host: local dns name or ip address, "" means every interface
            port: local port, 0 means any free port (see .ha after open)
            bufsize: smallest socket send and receive buffer size to request
            wl: WireLog instance to record rx and tx, if any
            bcast: True means allow sending to broadcast addresses
            name: name of this Peer, for logs
        """
        super().__init__()
        self.name = name
        host, port = ha if ha else (host, port)
        self.ha = (coring.normalizeHost(host) if host else "", int(port))
        self.bs = int(bufsize)
        self.wl = wl
        self.bcast = bool(bcast)
        self.opened = False
        self._family = socket.AF_INET6 if ":" in self.ha[0] else socket.AF_INET
        self._rxbuf = bytearray(UDP_MAX_DATAGRAM_SIZE + 1)  # holds any UDP payload whole
        self._rxview = memoryview(self._rxbuf)
        self._recverr = False  # True when the socket reports deferred delivery errors

    @property
    def eha(self) -> tuple[str, int]:
        """(host, port) that senders on this machine reach this Peer at: .ha
        with every interface ("" or "0.0.0.0") as 127.0.0.1; once open, the
        port actually bound (so it tells the port picked for port 0)."""
        return (coring.externalHost(self.ha[0]), self.ha[1])

    @property
    def maxGramSize(self) -> int:
        """Largest payload this Peer sends in one datagram: 65507 over IPv4, 65527 over IPv6."""
        return UDP_MAX_PACKET_SIZE_IPV6 if self._family == socket.AF_INET6 else UDP_MAX_PACKET_SIZE

    def _where(self) -> tuple[str, int]:
        """Returns where this Peer is, for messages: .ha"""
        return self.ha

    def open(self) -> bool:
        """Opens the socket in non blocking mode and binds it to .ha.

        With port 0 the operating system picks a free port; .ha then holds the
        address actually bound.

        Returns:
            bool: True when opened

        Raises:
            OSError: when the socket cannot be made or bound, naming .ha, for
                example [Errno 98] Address already in use: '127.0.0.1:5000'
                when another socket holds .ha.
                Nothing stays open.
        """
        self.close()
        ls = socket.socket(self._family, socket.SOCK_DGRAM)
        try:
            if self.bcast:
                ls.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            self._sizeBuffers(ls, self.bs)
            ls.setblocking(False)
            self._recverr = False
            if sys.platform.startswith("linux"):
                level, option = _RECVERR[self._family]
                try:
                    ls.setsockopt(level, option, 1)
                    self._recverr = True
                except OSError:
                    pass
            ls.bind(self.ha)
        except OSError as ex:
            self._failed(ls, ex)
            raise coring.placedError(ex, self.ha) from ex
        self.ha = ls.getsockname()[:2]
        return self._opened(ls)

    def reopen(self) -> bool:
        """Idempotently opens the socket, closing it first when open.

        Returns:
            bool: True when opened
        """
        self.close()
        return self.open()

    def close(self) -> None:
        """Closes the socket, if open. Datagrams queued in .txgs stay queued."""
        self._closeSocket()

    def receive(self) -> tuple[bytes, Any]:
        """Performs a non blocking read of one datagram.

        Returns:
            tuple: (data, sa): the datagram and its source address (host, port);
                (b'', None) when nothing is waiting. Always a duple.

        Reports of datagrams refused by their destination that the socket
        raises here are moved into .undelivered, not raised.
        """
        ls = self._socket()
        for _ in range(2):  # a deferred error pending first, then the datagram
            try:
                count, sa = ls.recvfrom_into(self._rxbuf)
            except (BlockingIOError, InterruptedError):
                return (b"", None)
            except OSError as ex:
                if ex.errno in _DEFERRED:
                    self._collectDeferred(ex)
                    continue
                raise
            data = bytes(self._rxview[:count])
            if self.wl:
                self.wl.writeRx(data, who=sa)
            return (data, sa)
        return (b"", None)

    def send(self, data: bytes, da: tuple[str, int]) -> int:
        """Performs a non blocking send of one datagram.

        Parameters:
            data: the whole datagram payload
            da: destination address (host, port); an ip address, since a dns
                name is resolved by the operating system, which may block

        Returns:
            int: bytes sent, len(data); 0 when the socket has no room now
                (nothing was sent: send it again later)

        Raises:
            GramSizeError: data is larger than .maxGramSize; nothing is sent
            OSError: the destination cannot be sent to, such as an address that
                does not resolve, an unreachable network, or a broadcast address
                without .bcast (PermissionError)
        """
        return self._sendGram(data, da)

    def _sendto(self, data: bytes, dst: Any) -> int:
        """Sends one datagram, first collecting a pending report about an earlier one."""
        try:
            return super()._sendto(data, dst)
        except OSError as ex:
            if ex.errno in _DEFERRED and self._collectDeferred(ex, strict=True):
                return super()._sendto(data, dst)  # the error was about an earlier datagram: send this one now
            raise

    def _collectDeferred(self, ex: OSError, strict: bool = False) -> int:
        """Moves reports of earlier datagrams that could not be delivered into .undelivered.

        Parameters:
            ex: the error the socket raised
            strict: True means record nothing when the socket holds no report
                (the error then belongs to the current call)

        Returns:
            int: number of reports recorded
        """
        count = 0
        if self._recverr and self.ls is not None:
            while True:
                try:
                    _, ancdata, _, address = self.ls.recvmsg(1, 512, _MSG_ERRQUEUE)
                except OSError:  # nothing more queued
                    break
                code = ex.errno
                for _, _, cdata in ancdata:
                    if len(cdata) >= 4:  # struct sock_extended_err begins with ee_errno
                        code = struct.unpack_from("=I", cdata)[0] or code
                da = address[:2] if address else None
                self._undeliver(da, OSError(code, f"{_strerror(code)}: datagram to {da}"))
                count += 1
        if not count and not strict:
            self._undeliver(None, ex)
            count = 1
        return count


def _strerror(code: int | None) -> str:
    """Returns the operating system's message for error number ``code`` (None when the error had none)."""
    if code is None:
        return "unknown error"
    try:
        return os.strerror(code)
    except ValueError:
        return f"error {code}"


@contextmanager
def openPeer(cls: type[Peer] | None = None, **kwa: Any) -> Iterator[Peer]:
    """Wrapper to create and open UDP Peer instances; closes the Peer on exit of the with block.

    Usage:
        with openPeer(host="127.0.0.1", port=0) as peer:
            peer.send(b"hello", ("127.0.0.1", 55001))

    Parameters:
        cls: Peer class or subclass to instantiate, default Peer
        kwa: keyword arguments for cls
    """
    peer = (cls or Peer)(**kwa)
    try:
        peer.reopen()
        yield peer
    finally:
        peer.close()


class PeerDoer(GramDoer):
    """Doer that opens a UDP Peer on enter, services it every run and closes it on exit.

    Each run receives every waiting datagram into peer.rxgs and sends the
    datagrams queued in peer.txgs until the socket has no room. While the
    Peer cannot be opened for lack of descriptors or memory (EXHAUSTED) the
    doer is starved and backs off (see GramDoer); any other failure to open
    is raised.

    Attributes:
        peer (Peer): the UDP Peer it services
        starved (bool): True while the Peer cannot be opened for lack of resources
    """
