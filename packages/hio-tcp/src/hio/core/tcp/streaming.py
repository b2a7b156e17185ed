"""hio.core.tcp.streaming module

The byte stream of one connected TCP socket, the part that the two ends hio
makes have in common: the Client (clienting) that connects out and the
Remoter (serving) that a Server accepts. Stream moves bytes between the
socket and the .txbs and .rxbs buffers; StreamTls adds the nonblocking TLS
handshake, and reading and writing the same stream through TLS. Clients and
servers alike are opened for a with block by opened and serviced under a
Doist by a WoundOnRun doer.
"""

from __future__ import annotations

import socket
import ssl
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from hio import help
from hio.base import doing, tyming
from hio.base.servicing import ServiceDoer
from hio.base.waking import READABLE, WRITABLE, Watcher, wakerOf
from hio.core.wiring import WireLog

logger = help.ogler.getLogger()

_S = TypeVar("_S")


@contextmanager
def opened(servant: _S) -> Iterator[_S]:
    """Opens servant (its reopen) for a with block and closes it when the block ends, however it ends.

    Parameters:
        servant: the transport to open and close: a Client, Server or Peer
    """
    try:
        servant.reopen()  # type: ignore[attr-defined]
        yield servant
    finally:
        servant.close()  # type: ignore[attr-defined]


class WoundOnRun(ServiceDoer):
    """A ServiceDoer whose servant keeps its own tyme until the doer runs.

    A TCP client or server given to its doer is wound with the doer's tymth
    when a scheduler runs the doer (see Doer.do), not when the doer is made.
    """

    def __init__(self, servant: Any, tymth: Callable[[], float] | None = None, **kwa: Any) -> None:
        """Makes the doer of ``servant``.

        Parameters:
            servant: the client or server to service
            tymth: the injected tymist.tymth of this doer alone (the servant is
                wound with the doer's tymth when a scheduler runs the doer)
            kwa: Doer parameters (tock, opts)
        """
        super().__init__(servant=servant, **kwa)
        doing.Doer.wind(self, tymth)


TLS_ENDS = (ssl.SSLZeroReturnError, ssl.SSLEOFError)
"""TLS errors that mean the peer ended the session: a close, not a failure."""


class Stream(Watcher, tyming.Tymee):
    """Nonblocking sends and receives over one connected TCP socket, through .txbs and .rxbs.

    The subclass sets the attributes below, and ._linked while data may move.
    Its socket is watched (see waking.Watcher) on the waker of the Doist it is
    wound to, so that a real-time Doist wakes when it becomes readable.

    Attributes:
        cs (socket.socket | None): connected socket, None once closed
        bs (int): buffer size, the most bytes read from the socket at once
        txbs (bytearray): bytes waiting to be sent, in order
        rxbs (bytearray): bytes received and not yet consumed, in order
        wl (WireLog | None): logs every rx and tx with the remote address when given
        cutoff (bool): True when the peer closed or reset the connection
        refreshable (bool): True means every receive and send that moves
            bytes restarts the activity tymer (see _touch)
        maxUnsent (int): most unsent bytes in .txbs before it stops receiving
    """

    Retry: tuple[type[OSError], ...] = (BlockingIOError, InterruptedError)
    """Exceptions of a send, receive or handshake meaning: nothing moved, try again later."""

    Reads = 64
    """Most socket reads in one serviceReceives (512 KiB at the default .bs of 8096): a peer that
    never stops sending grows .rxbs by at most Reads * .bs bytes a service, and holds nothing else up."""
    _kind = "Stream"  # what the messages call this end
    _tls = False  # True when data moves only after a TLS handshake
    _lingers = False  # True means a stream cut off by its peer still sends what it holds

    _HOT = ("receive", "send", "serviceReceives", "serviceSends")
    """Methods every subclass gets its own copy of (see __init_subclass__)."""

    def __init_subclass__(cls, **kwa: Any) -> None:
        """Gives each subclass its own copy of the ._HOT methods it inherits: the one place this is done.

        The interpreter caches, for each attribute access in a code object,
        where the attribute of one class is found; code shared by Clients and
        Remoters running in one process would miss the cache every other
        call. A copy per class keeps every cache warm (see tools/bench/tcp_callgrind.py).

        A copy is the inherited function with its code, globals, defaults
        and closure (so a zero-argument ``super()`` in it still names the
        class that defined it), under the subclass's qualified name. A
        subclass's own ``receive``, ``send``, ``serviceReceives`` or
        ``serviceSends`` is never replaced, and its subclasses copy it in
        turn. One consequence: patching one of these methods on a class (say
        ``mock.patch.object(Stream, "receive")``) does not reach the
        subclasses made before, which hold their own copies: patch the class
        whose instances are used.
        """
        super().__init_subclass__(**kwa)
        for name in cls._HOT:
            if name not in cls.__dict__:
                method = getattr(cls, name)
                copy = types.FunctionType(
                    method.__code__.replace(), method.__globals__, name, method.__defaults__, method.__closure__
                )
                copy.__kwdefaults__ = method.__kwdefaults__
                copy.__qualname__ = f"{cls.__qualname__}.{name}"
                copy.__doc__ = method.__doc__
                copy.__module__ = method.__module__
                setattr(cls, name, copy)

    def __init__(self, **kwa: Any) -> None:
        """Initialize instance: no socket yet, no bound on .txbs.

        Parameters:
            kwa: passed on, tymth is the injected tymist.tymth
        """
        super().__init__(**kwa)
        self._waker = wakerOf(self._tymth)  # nothing watched yet
        self.cs = None
        self.cutoff = False
        self.refreshable = False
        self.maxUnsent = 1 << 62  # no bound unless the subclass sets one
        self._linked = False  # True while data may move: open, connected and, for TLS, shaken hands
        self._ready: Any = None  # readiness poll over .cs alone (waking.pollOne), None means just try to read

    cs: socket.socket | None
    bs: int
    txbs: bytearray
    rxbs: bytearray
    wl: WireLog | None
    cutoff: bool

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Injects a new tymth, changing the tyme base; takes up the waker it carries (see waking.wakerOf).

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        self._wakeWith(tymth)

    def close(self) -> None:
        """Shutdown and close connected socket .cs"""
        raise NotImplementedError

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        """Shutdown connected socket .cs

        Raises AttributeError once closed (.cs is None).

        Parameters:
            how: socket.SHUT_RD, socket.SHUT_WR or socket.SHUT_RDWR (2, the default)
        """
        cs = self.cs
        if cs is None:
            raise AttributeError(f"{self._kind} is closed: there is no socket to shut down.")
        try:
            cs.shutdown(how)
        except OSError:  # not connected or already shut
            pass

    def shutdownSend(self) -> None:
        """Shutdown send on connected socket .cs"""
        self.shutdown(how=socket.SHUT_WR)

    def shutdownReceive(self) -> None:
        """Shutdown receive on connected socket .cs"""
        self.shutdown(how=socket.SHUT_RD)

    def _closeSocket(self) -> None:
        """Shuts down and closes .cs and takes it off the waker, leaving .cs None and data unable to move."""
        cs = self.cs
        if cs is not None:
            self.shutdown()
            self._unwatch(cs)
            cs.close()
            self.cs = None
        self._linked = False

    @property
    def _remote(self) -> Any:
        """The remote address named in logs and the wire log."""
        raise NotImplementedError

    def _touch(self) -> None:
        """Notes activity: called after each receive and send that moved bytes, when .refreshable."""

    def _readable(self) -> bool:
        """Returns True when .cs may have something to receive, an end or an error."""
        return self._ready is None or bool(self._ready.poll(0))

    def _receivable(self) -> bool:
        """True when open, connected, not cut off and not holding .maxUnsent unsent bytes."""
        return self._linked and not self.cutoff and len(self.txbs) < self.maxUnsent

    def _receiveFailed(self, ex: OSError) -> None:
        """Logs receive failure ex (a TLS session end is no failure); the connection is cut off."""
        if not isinstance(ex, TLS_ENDS):
            logger.info("%s %s receive failed: %s.", self._kind, self._remote, ex)

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
            logger.info("%s %s: connection closed by the peer.", self._kind, self._remote)
        return data

    def serviceReceives(self) -> None:
        """Service receives until no more

        Reads until the socket is drained (a read shorter than .bs), at most
        .Reads times in one service so that a peer that never stops sending
        cannot hold the others up. Reads nothing unless _receivable, nor when
        the readiness poll says there is nothing.
        """
        # the test of _receivable, written out on this hot path
        if not self._linked or self.cutoff or len(self.txbs) >= self.maxUnsent:
            return
        if self._ready is not None and not self._readable():
            return
        rxbs = self.rxbs
        bs = self.bs
        reads = self.Reads
        while reads:
            reads -= 1
            data = self.receive()
            if not data:  # None nothing waiting, empty closed
                return
            rxbs.extend(data)
            if len(data) < bs:  # drained: anything later waits for the next service
                return

    def serviceReceiveOnce(self) -> None:
        """Retrieve only one reception"""
        if self._receivable():
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

        Parameters:
            data: the bytes to send
        """
        cs = self.cs
        if cs is None:
            raise AttributeError(f"{self._kind} is closed: there is no socket to send on.")
        try:
            count = cs.send(data)
        except self.Retry:
            return 0
        except OSError as ex:  # broken pipe, reset, a TLS error
            logger.info("%s %s send failed: %s.", self._kind, self._remote, ex)
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
        """Queue data onto .txbs, which copies it.

        Parameters:
            data: the bytes to queue
        """
        self.txbs.extend(data)

    def serviceSends(self) -> None:
        """Service sends (transmits) of data in .txbs bytearray

        Send as much of .txbs as the socket takes and delete what is sent;
        what it does not take now stays at the front of .txbs, in order, for
        the next service.
        """
        txbs = self.txbs
        if not txbs or not self._linked or (self.cutoff and not self._lingers):
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
    _want = READABLE  # what a handshake under way waits for: READABLE, or WRITABLE after a want-write

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
        except self.Retry as ex:
            self._want = WRITABLE if isinstance(ex, ssl.SSLWantWriteError) else READABLE
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
