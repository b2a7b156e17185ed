"""hio.core.tcp.streaming module

The byte stream of one connected TCP socket, the part that the two ends hio
makes have in common: the Client (clienting) that connects out and the
Remoter (serving) that a Server accepts. Stream moves bytes between the
socket and the .txbs and .rxbs buffers; StreamTls adds the nonblocking TLS
handshake, and reading and writing the same stream through TLS.
"""

from __future__ import annotations

import socket
import ssl
import sys
from typing import Any

from hio import help
from hio.base import tyming
from hio.core.wiring import WireLog

logger = help.ogler.getLogger()

TLS_ENDS = (ssl.SSLZeroReturnError, ssl.SSLEOFError)
"""TLS errors that mean the peer ended the session: a close, not a failure."""


class Stream(tyming.Tymee):
    """Nonblocking sends and receives over one connected TCP socket, through .txbs and .rxbs.

    The subclass sets the attributes below and says, through _receivable
    and _sendable, when the stream may be read and written.

    Attributes:
        cs (socket.socket | None): connected socket, None once closed
        bs (int): buffer size, the most bytes read from the socket at once
        txbs (bytearray): bytes waiting to be sent, in order
        rxbs (bytearray): bytes received and not yet consumed, in order
        wl (WireLog | None): logs every rx and tx with the remote address when given
        cutoff (bool): True when the peer closed or reset the connection
        refreshable (bool): True means every receive and send that moves
            bytes restarts the activity tymer (see _touch)
    """

    Retry: tuple[type[OSError], ...] = (BlockingIOError, InterruptedError)
    """Exceptions of a send, receive or handshake meaning: nothing moved, try again later."""

    Reads = sys.maxsize  # most socket reads in one serviceReceives
    refreshable = False
    _kind = "Stream"  # what the messages call this end
    _tls = False  # True when data moves only after a TLS handshake
    _linked = True  # False while data may not move yet: not connected, or TLS not shaken hands

    cs: socket.socket | None
    bs: int
    txbs: bytearray
    rxbs: bytearray
    wl: WireLog | None
    cutoff: bool

    def close(self) -> None:
        """Shutdown and close connected socket .cs"""
        raise NotImplementedError

    @property
    def _remote(self) -> Any:
        """The remote address named in logs and the wire log."""
        raise NotImplementedError

    def _touch(self) -> None:
        """Notes activity: called after each receive and send that moved bytes, when .refreshable."""

    def _receivable(self) -> bool:
        """True when serviceReceives and serviceReceiveOnce may read."""
        return self._linked and not self.cutoff and self.cs is not None

    def _sendable(self) -> bool:
        """True when serviceSends may send."""
        return self._linked and not self.cutoff and self.cs is not None

    def _receiveFailed(self, ex: OSError) -> None:
        """Logs receive failure ex (a TLS session end is no failure); the connection is cut off."""
        if not isinstance(ex, TLS_ENDS):
            logger.debug("%s %s receive failed: %s.", self._kind, self._remote, ex)

    def _sendFailed(self, ex: OSError) -> None:
        """Takes the consequences of send failure ex, once logged and cut off."""

    def receive(self) -> bytes | None:
        """Perform non blocking receive on connected socket .cs

        If no data then returns None
        If connection closed then returns empty bytes and sets .cutoff
        Otherwise returns data bytes

        Raises AttributeError once closed (.cs is None).
        """
        cs = self.cs
        if cs is None:
            raise AttributeError(f"{self._kind} is closed: there is no socket to receive on.")
        if not self._linked:
            return None
        try:
            data = cs.recv(self.bs)
        except self.Retry:
            return None
        except OSError as ex:  # reset, timed out, closed, a TLS error
            self.cutoff = True
            self._receiveFailed(ex)
            return b""
        if data:
            if self.wl:
                self.wl.writeRx(data, who=self._remote)
            if self.refreshable:
                self._touch()
        else:
            self.cutoff = True
        return data

    def serviceReceives(self) -> None:
        """Service receives until no more

        Reads until the socket is drained (a read shorter than .bs), at most
        .Reads times in one service so that a peer that never stops sending
        cannot hold the others up.
        """
        if not self._receivable():
            return
        rxbs = self.rxbs
        bs = self.bs
        for _ in range(self.Reads):
            data = self.receive()
            if not data:  # None nothing waiting, empty closed
                return
            rxbs.extend(data)
            if len(data) < bs:  # drained: anything later waits for the next service
                return

    def serviceReceiveOnce(self) -> None:
        """Retrieve only one reception"""
        if not self._receivable():
            return
        data = self.receive()
        if data:
            self.rxbs.extend(data)

    def clearRxbs(self) -> None:
        """Clear .rxbs"""
        self.rxbs.clear()

    def send(self, data: bytes | bytearray | memoryview) -> int:
        """Perform non blocking send on connected socket .cs.

        Return number of bytes sent, 0 when the socket cannot take more now.
        A failed connection sets .cutoff (see also _sendFailed).
        Raises AttributeError once closed (.cs is None).
        """
        cs = self.cs
        if cs is None:
            raise AttributeError(f"{self._kind} is closed: there is no socket to send on.")
        try:
            count = cs.send(data)
        except self.Retry:
            return 0
        except OSError as ex:  # broken pipe, reset, a TLS error
            logger.debug("%s %s send failed: %s.", self._kind, self._remote, ex)
            self.cutoff = True
            self._sendFailed(ex)
            return 0
        if count:
            if self.wl:
                self.wl.writeTx(data[:count], who=self._remote)
            if self.refreshable:
                self._touch()
        return count

    def tx(self, data: bytes | bytearray | memoryview) -> None:
        """Queue data onto .txbs, which copies it."""
        self.txbs.extend(data)

    def serviceSends(self) -> None:
        """Service sends (transmits) of data in .txbs bytearray

        Send as much of .txbs as the socket takes and delete what is sent;
        what it does not take now stays at the front of .txbs, in order, for
        the next service.
        """
        txbs = self.txbs
        if not txbs or not self._sendable():
            return
        try:
            count = self.send(txbs)
        except OSError:  # logged and cut off by send
            return
        if count >= len(txbs):
            txbs.clear()
        elif count:  # partial, socket full for now
            del txbs[:count]


class StreamTls(Stream):
    """A Stream through TLS: the nonblocking handshake, then TLS sends and receives.

    Mixed in before Client or Remoter. The subclass wraps .cs (wrap) and
    says what a handshake still under way, a failed one and a done one mean
    for it (_handshaking, _handshakeFailed, _handshaken).
    """

    Retry = (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError)
    _tls = True

    @property
    def connected(self) -> bool:
        """True when the connection is established and its TLS handshake done."""
        return self._linked

    def _handshaking(self) -> None:
        """Called each time the handshake is still under way."""

    def _handshakeFailed(self, ex: OSError) -> None:
        """Called once the handshake failed with ex."""
        raise NotImplementedError

    def _handshaken(self) -> None:
        """Called once the handshake is done."""

    def handshake(self) -> bool:
        """Attempt nonblocking TLS handshake on .cs

        Returns True once done, False while under way or when it failed
        (see _handshakeFailed). Raises AttributeError when .cs is no TLS socket.
        """
        cs = self.cs
        if not isinstance(cs, ssl.SSLSocket):
            raise AttributeError(f"{self._kind} has no TLS socket to shake hands on.")
        try:
            cs.do_handshake()
        except self.Retry:
            self._handshaking()
            return False
        except OSError as ex:  # includes ssl.SSLError; reset or closed during the handshake
            self._handshakeFailed(ex)
            return False
        self._linked = True
        self._handshaken()
        logger.debug("%s %s TLS handshake done, %s.", self._kind, self._remote, cs.version())
        return True

    def close(self) -> None:
        """Sends the TLS close_notify of a connected stream, without waiting for
        the reply, then shuts down and closes .cs"""
        cs = self.cs
        if self._linked and isinstance(cs, ssl.SSLSocket):
            try:
                cs.unwrap()
            except (OSError, ValueError):
                pass
        self._linked = False
        super().close()
