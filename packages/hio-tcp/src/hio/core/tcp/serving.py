"""hio.core.tcp.serving module

Acceptor listens and accepts incoming TCP socket connections
Server is subclass of Acceptor
Server creates Remoters
Remoter is accepted incoming socket connection

ServerTls is subclass of Server
RemoterTls is subclass of Remoter
"""

from __future__ import annotations

import socket
import ssl
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from hio import help
from hio.base import tyming
from hio.base.servicing import Alias
from hio.base.waking import READABLE, Poller, Watcher, pollOne, wakerOf
from hio.core import coring
from hio.core.tcp import tlsing
from hio.core.tcp.streaming import Stream, StreamTls, WoundOnRun, opened
from hio.core.wiring import WireLog

logger = help.ogler.getLogger()

# least send buffer fixed for the accepted sockets: with less, a remoter that
# answers a big request waits on its peer every few hundred KiB and spins meanwhile
_LEAST_SNDBUF = 1 << 18

MAX_UNSENT = 1 << 20
"""Default most unsent bytes (1 MiB) a Remoter holds in .txbs before it stops receiving."""

EXHAUSTED = coring.EXHAUSTED
"""Error numbers of an accept (or socket) that failed for lack of descriptors or memory."""


def openServer(cls: type[Server] | None = None, **kwa: Any) -> AbstractContextManager[Server]:
    """Returns a with-block context that makes a ``cls(**kwa)``, default a Server,
    opens its listen socket and closes it with every connection at the end.

    Parameters:
        kwa: the parameters of cls (see Server, ServerTls)

    Usage:
        with openServer(cls=ServerTls, ha=("", 0)) as server0:
            server0.service()
    """
    return opened((cls or Server)(**kwa))


def _maxUnsent(maxUnsent: int | None) -> int:
    """Returns maxUnsent, MAX_UNSENT when None; raises ValueError when less than 1."""
    if maxUnsent is None:
        return MAX_UNSENT
    maxUnsent = int(maxUnsent)
    if maxUnsent < 1:
        raise ValueError(f"Invalid maxUnsent={maxUnsent}: must be at least 1.")
    return maxUnsent


class Acceptor(Watcher, tyming.Tymee):
    """Acceptor Base Class for Server.

    Nonblocking TCP Socket Acceptor Class. Listen socket for incoming TCP connections

    See tyming.Tymee for inherited attributes, properties, and methods

    Attributes:
        ha (tuple): (host, port) to listen on; host "" or "0.0.0.0" means all
            interfaces; port 0 means any free port. Once opened ha holds the
            address actually bound, host as a normalized ip address ("" becomes
            "0.0.0.0", "localhost" becomes "127.0.0.1") and the port bound
        eha (tuple): normalized (host, port) as external facing address for TLS context
        bs (int): buffer size, the least socket buffer sizes
        bl (int): backlog of connections waiting to be accepted
        ss (socket.socket | None): server listen socket for incoming accept requests
        axes (deque): accepted connection duples (ca, cs) not yet serviced
        opened (bool): True if listen socket .ss opened. False otherwise
        starved (bool): True while accepts fail for lack of descriptors or
            memory (EMFILE, ENFILE, ENOBUFS, ENOMEM)

    Its listen socket is watched (see waking.Watcher) on the waker of the
    Doist it is wound to, so that a real-time Doist wakes when a connection
    waits.

    Starved, the acceptor backs off: it leaves the listen socket alone (and
    takes it off the waker, so that a real-time Doist does not wake for it)
    for .Backoff seconds of real time, doubled after each failed try up to
    .BackoffMax, then tries once more; the first failure of such an episode
    is logged as an error, the recovery as info. So a server at its
    descriptor limit costs next to nothing and accepts again by itself once
    descriptors free up. Connections wait meanwhile in the listen backlog.
    """

    Backoff = 0.01  # first pause in seconds after an accept failed for lack of resources
    BackoffMax = 0.25  # longest pause in seconds between tries while starved

    def __init__(
        self,
        ha: tuple[str, int] | None = None,
        bs: int = 8096,
        bl: int = 128,
        tymth: Callable[[], float] | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            ha: (host, port) to listen on, default ("", 56000)
            bs: buffer size
            bl: listen backlog
            tymth: the injected tymist.tymth
            kwa: passed on
        """
        super().__init__(tymth=tymth, **kwa)
        self._waker = wakerOf(tymth)  # nothing watched yet, nobody to tell
        self.ha: tuple[str, int] = (*ha,) if ha else ("", 56000)
        self.eha = (coring.externalHost(self.ha[0]), self.ha[1])
        self.bs = bs
        self.bl = bl
        self.ss: socket.socket | None = None
        self.axes: deque[tuple[Any, socket.socket]] = deque()
        self.opened = False
        self._starvation = coring.Starvation(self.Backoff, self.BackoffMax)
        self._watched = False  # True while .ss is watched on the waker
        self._ready: Any = None  # readiness poll over .ss alone (waking.pollOne), cheaper than a refused accept
        # whether a connection waits, as a Server's one poll of .ss and its remoters found it for
        # the serviceAccepts that follows; None means serviceAccepts polls .ss itself
        self._acceptable: bool | None = None

    @property
    def starved(self) -> bool:
        """True while accepts fail for lack of descriptors or memory (see class docs)."""
        return self._starvation.starved

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Injects a new tymth, changing the tyme base; takes up the waker it carries (see waking.wakerOf).

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        self._wakeWith(tymth)

    def actualBufSizes(self) -> tuple[int, int]:
        """Returns duple of the the actual socket send and receive buffer size (send, receive)"""
        if not self.ss:
            return (0, 0)
        return (
            self.ss.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
            self.ss.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
        )

    def open(self) -> bool:
        """Opens binds listen socket in non blocking mode.

        Returns True when opened. Raises OSError when the socket cannot be
        bound, naming the address, for example
        ``OSError: [Errno 98] Address already in use: '127.0.0.1:8080'``.
        """
        Acceptor.close(self)
        host = self.ha[0]
        ss = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            ss.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            for option, least in (
                (socket.SO_SNDBUF, _LEAST_SNDBUF),
                (socket.SO_RCVBUF, 0),
            ):  # inherited by accepted sockets
                if ss.getsockopt(socket.SOL_SOCKET, option) < self.bs:
                    ss.setsockopt(socket.SOL_SOCKET, option, max(self.bs, least))
            ss.bind(self.ha)
            ss.listen(self.bl)
            ss.setblocking(False)
        except OSError as ex:
            ss.close()
            logger.error("Acceptor cannot listen on %s: %s", coring.placeOf(self.ha), ex)
            raise coring.placedError(ex, self.ha) from ex
        self.ss = ss
        self._watch(ss)  # a real-time Doist wakes when a connection is waiting
        self._watched = True
        self._ready = pollOne(ss)
        host, port = ss.getsockname()[:2]  # the interface and port actually bound
        self.ha = (host, port)
        self.eha = (self.eha[0], port)
        self.opened = True
        self._starvation.fed()
        return True

    def reopen(self, **kwa: Any) -> bool:
        """Idempotently opens listen socket. Returns True when opened.

        A listen socket already open on .ha is kept, with the connections
        waiting in its backlog: an application that opens its server to learn
        early that the port is free, and then hands it to a ServerDoer (which
        reopens it on enter), loses no connection made in between. Otherwise
        (closed, or .ha changed since) it opens a new one, as open does.

        Parameters:
            kwa: ignored, for the parameters of subclasses' reopen
        """
        if self.opened and self.ss is not None and self._bound() == self.ha:
            return True
        return self.open()

    def _bound(self) -> tuple[str, int] | None:
        """The (host, port) the listen socket is bound to, None when it cannot tell."""
        try:
            host, port = self.ss.getsockname()[:2]  # type: ignore[union-attr]
        except OSError:
            return None
        return (host, port)

    def close(self) -> None:
        """Closes listen socket."""
        if self.ss:
            self._unwatch(self.ss)
            self._watched = False
            try:
                self.ss.close()
            except OSError:
                pass
            self.ss = None
        self._ready = None
        self.opened = False
        self._starvation.fed()

    def accept(self) -> tuple[socket.socket | None, tuple | None]:
        """Accept new connection nonblocking.

        Returns duple (cs, ca) of connected socket and connected host address
        Otherwise if no new connection returns (None, None)
        """
        if self.ss is None:
            return (None, None)
        try:
            cs, ca = self.ss.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return (None, None)
        except OSError as ex:
            if ex.errno in EXHAUSTED:  # out of descriptors or memory: back off
                self._starve(ex)
            else:  # that connection failed before it was accepted
                logger.debug("Acceptor on %s: accept failed: %s", self.ha, ex)
            return (None, None)
        if self.starved:
            self._recover()
        return (cs, ca)

    def _starve(self, ex: OSError) -> None:
        """Backs off after an accept failed for lack of resources (see class docs)."""
        if self._starvation.failed():
            logger.error("Acceptor on %s cannot accept: %s; backing off until resources free up", self.ha, ex)
        if self.ss is not None and self._watched:
            self._unwatch(self.ss)
            self._watched = False

    def _recover(self) -> None:
        """Ends a starved episode: an accept succeeded again."""
        if self._starvation.fed():
            logger.info("Acceptor on %s accepts again", self.ha)

    def serviceAccepts(self) -> None:
        """Service any accept requests. Adds to .axes duples (ca, cs)

        While starved (see class docs) does nothing until the pause is over.
        """
        acceptable, self._acceptable = self._acceptable, None
        if self._starvation.starved:
            if not self._starvation.due():
                return
            if not self._watched and self.ss is not None:  # the pause is over
                self._watch(self.ss)
                self._watched = True
        if acceptable is None:
            if self._ready is not None and not self._ready.poll(0):
                return
        elif not acceptable:
            return
        while True:
            cs, ca = self.accept()
            if cs is None:
                return
            self.axes.append((ca, cs))


class Server(Acceptor):
    """Nonblocking TCP Socket Server Class.

    Listen socket for incoming TCP connections that generates Remoter sockets
    for accepted connections

    See tyming.Tymee for inherited attributes, properties, and methods

    Inherited Attributes:
        ha, eha, bs, bl, ss, axes, opened: see Acceptor

    Attributes:
        tymeout (float): tymeout in seconds for connection refresh, given to each
            Remoter; ServerTls also limits handshakes with it
        wl (WireLog | None): WireLog instance if any
        ixes (dict): incoming connections, Remoters, indexed by remote (host, port) duple
        maxUnsent (int): most unsent bytes a remoter holds in .txbs before it
            stops receiving, given to each Remoter, default MAX_UNSENT (1 MiB)

    Bounded memory per connection: a remoter whose .txbs holds .maxUnsent
    bytes or more (its peer does not read what it is sent) is not read any
    more: readyIxes leaves it out and parks it, off the readiness poller and
    off the waker, so that it costs nothing while its socket stays readable.
    It is read again once its peer has taken enough that fewer than half of
    .maxUnsent bytes wait. tx never refuses bytes: what a remoter holds is
    bounded for an application that answers what it receives (such as the
    echo server), since it receives nothing more while full; an application
    that sends of its own accord looks at Remoter.full before queueing more.

    A Remoter stays in .ixes, with what it received, until the caller
    removes it (removeIx) or a new connection comes from the same remote
    address: when its peer goes away it is only marked .cutoff, and closeIx,
    closeAllIx and close close remoters without removing them, so that what
    they received can still be read after a run.
    """

    Tymeout = 1.0
    _tls = False  # True when remoters may hold decrypted bytes that their sockets no longer signal

    def __init__(
        self,
        ha: tuple[str, int] | None = None,
        host: str = "",
        port: int = 56000,
        tymeout: float | None = None,
        wl: WireLog | None = None,
        maxUnsent: int | None = None,
        tymth: Callable[[], float] | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            ha: (host, port) to listen on, overrides host and port when given
            host: host to listen on, "" means all interfaces
            port: port to listen on, 0 means any free port
            tymeout: tymeout in seconds for connection refresh, default .Tymeout
            wl: WireLog instance to record rx and tx of every connection
            maxUnsent: most unsent bytes per remoter before it stops receiving,
                None means MAX_UNSENT (1 MiB)
            tymth: the injected tymist.tymth
            kwa: passed on to Acceptor
        """
        super().__init__(ha=ha or (host, port), tymth=tymth, **kwa)
        self.tymeout = tymeout if tymeout is not None else self.Tymeout
        self.wl = wl
        self.maxUnsent = _maxUnsent(maxUnsent)
        self.ixes: dict[tuple[Any, ...], Remoter] = {}
        # What the server keeps about each connection beyond .ixes lives on the connection
        # itself (Remoter._polled, ._parked, ._shaking); these are the poller and work lists.
        self._poller: Poller | None = None  # readiness poller over .ss, the remoters and the TLS handshakes
        self._polled: dict[int, Remoter] = {}  # the remoter of each descriptor on the poller but .ss's
        self._ssfd: int | None = None  # descriptor of the listen socket .ss on the readiness poller
        self._events: list[tuple[int, int]] | None = None  # events of pollReady, for the next readyIxes
        # True when serviceConnects and serviceAccepts are Server's and Acceptor's own: one that
        # finds no connection waiting, no accepted one left and no starvation does nothing
        self._plainConnects = (
            type(self).serviceConnects is Server.serviceConnects
            and type(self).serviceAccepts is Acceptor.serviceAccepts
        )
        self._fresh: list[Remoter] = []  # remoters not yet read since added, in order
        self._parked: list[Remoter] = []  # remoters not read while their .txbs is full
        self._carry: list[Remoter] = []  # TLS remoters last found ready: their sockets may hold decrypted bytes

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Changes tymist.tyme base.

        Updates winds .tymer .tymth of every remoter

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        for ix in self.ixes.values():
            ix.wind(tymth)

    def _followers(self) -> Iterable[Watcher]:
        """Its remoters keep the server's waker."""
        return list(self.ixes.values())

    def open(self) -> bool:
        """Opens the listen socket (see Acceptor.open) and the readiness poller
        of the remoters, so that the poller's descriptor is not left to be
        found when the accepted connections may have taken them all."""
        opened = super().open()
        if self._poller is None:
            self._makePoller()
        else:
            self._pollListen(self._poller)
        return opened

    def _pollListen(self, poller: Poller) -> None:
        """Registers the listen socket .ss on the readiness poller of the remoters, so that one
        poll a pass tells both whether a connection waits and which remoters are readable
        (see _connectedReceivedIxes)."""
        self._ssfd = None
        if self.ss is None:
            return
        fd = self.ss.fileno()
        stale = self._polled.pop(fd, None)
        if stale is not None:  # descriptor of a remoter closed directly, reused
            stale._polled = None
        try:
            poller.register(fd, READABLE)
        except OSError as ex:  # serviceAccepts polls .ss by itself then
            logger.debug("Server on %s polls its listen socket apart: %s", self.ha, ex)
            return
        self._ssfd = fd

    def _makePoller(self) -> Poller | None:
        """Makes the readiness poller and registers every remoter read from now on.

        Returns the poller, None when it cannot be made for lack of
        descriptors: meanwhile every remoter is tried each service, as
        without a poller, and making it is tried again with the next remoter added.
        """
        try:
            poller = Poller()
        except OSError as ex:
            logger.error("Server on %s cannot make its readiness poller: %s", self.ha, ex)
            return None
        self._poller = poller
        self._pollListen(poller)
        for ix in self._unpolled():  # added while there was none
            self._poll(ix)
        return poller

    def _unpolled(self) -> list[Remoter]:
        """The open remoters that belong on the poller and are not on it (there was no poller)."""
        return [
            ix for ix in self.ixes.values() if ix.opened and not ix.cutoff and not ix._parked and ix._polled is None
        ]

    def _register(self, ca: tuple, ix: Remoter) -> None:
        """Adds remoter ix at ca to .ixes and to the readiness poller, to be read once at once."""
        self.ixes[ca] = ix
        self._fresh.append(ix)
        self._poll(ix)

    def _poll(self, ix: Remoter, events: int = READABLE) -> None:
        """Puts remoter ix on the readiness poller, for ``events``."""
        poller = self._poller
        if poller is None:
            poller = self._makePoller()
            if poller is None:
                return
        cs = ix.cs
        if cs is None:
            return
        fd = cs.fileno()
        stale = self._polled.get(fd)
        if stale is not None and stale is not ix:  # descriptor reused after a remoter was closed directly
            stale._polled = None
        if fd == self._ssfd:  # descriptor of a listen socket closed directly, reused
            self._ssfd = None
        poller.register(fd, events)
        self._polled[fd] = ix
        ix._polled = fd

    def _unpoll(self, ix: Remoter) -> None:
        """Takes remoter ix off the readiness poller."""
        fd = ix._polled
        if fd is None:
            return
        ix._polled = None
        if self._polled.get(fd) is ix:
            del self._polled[fd]
            if self._poller is not None:
                self._poller.unregister(fd)

    def _unregisterFd(self, fd: int) -> None:
        """Removes a file descriptor that maps to no open remoter from the poller."""
        ix = self._polled.pop(fd, None)
        if ix is not None:
            ix._polled = None
        if self._poller is not None:
            self._poller.unregister(fd)

    def _newRemoter(self, ca: tuple, cs: socket.socket) -> Remoter:
        """Returns a new Remoter for accepted socket cs from ca."""
        return Remoter(ha=cs.getsockname(), ca=ca, cs=cs, **self._remoterKwa())

    def _remoterKwa(self) -> dict[str, Any]:
        """Returns the keyword arguments every new remoter gets from this server."""
        return {"tymeout": self.tymeout, "bs": self.bs, "wl": self.wl, "maxUnsent": self.maxUnsent, "tymth": self.tymth}

    def _park(self, ix: Remoter) -> None:
        """Stops reading remoter ix while its .txbs is full: off the poller and the waker."""
        self._unpoll(ix)
        if ix.cs is not None:
            ix._unwatch(ix.cs)
        ix._parked = True
        self._parked.append(ix)

    def _unpark(self) -> None:
        """Reads again the parked remoters whose peers took enough of their .txbs.

        Each goes back on the poller and the waker, and is read once at
        once as a fresh one is (see readyIxes). Closed or replaced ones are
        forgotten.
        """
        parked: list[Remoter] = []
        for ix in self._parked:
            if self.ixes.get(ix.ca) is not ix or not ix.opened or ix.cutoff:
                ix._parked = False
            elif len(ix.txbs) < ix.maxUnsent // 2 and ix.cs is not None:
                ix._parked = False
                ix._watch(ix.cs)
                self._register(ix.ca, ix)
            else:
                parked.append(ix)
        self._parked = parked

    def serviceAxes(self) -> list[tuple]:
        """Service axes.

        For each newly accepted connection in .axes create Remoter and add to
        .ixes keyed by ca

        Returns:
            list[tuple]: the cas of the remoters added to .ixes, in order
        """
        added = []
        while self.axes:
            ca, cs = self.axes.popleft()
            self._forget(ca)  # remote address reused, the old connection is gone
            try:
                ix = self._newRemoter(ca, cs)
            except OSError as ex:  # reset before it could be set up
                logger.info("Server on %s dropped connection from %s: %s", self.ha, ca, ex)
                cs.close()
                continue
            if self._waker is not None and ix.waker is not self._waker:
                ix.waker = self._waker  # watched where the server is
            self._admit(ca, ix)
            added.append(ca)
        return added

    def _forget(self, ca: tuple) -> None:
        """Removes and closes the old connection from ca, if any, before a new one from ca is added."""
        if ca in self.ixes:
            self.removeIx(ca)

    def _admit(self, ca: tuple, ix: Remoter) -> None:
        """Adds the new remoter ix from ca to the connections served."""
        self._register(ca, ix)

    def serviceConnects(self) -> None:
        """Service connects is method name to be used.

        Accepts new connections and creates their Remoters.
        """
        self.serviceAccepts()
        if self.axes:
            self.serviceAxes()

    def _ix(self, ca: tuple) -> Remoter:
        """Returns remoter at ca. Raises ValueError when there is none."""
        ix = self.ixes.get(ca)
        if ix is None:
            raise ValueError(f"Invalid connection address {ca!r}: no remoter.")
        return ix

    def shutdownIx(self, ca: tuple, how: int = socket.SHUT_RDWR) -> None:
        """Shutdown remoter given by connection address ca

        Parameters:
            ca: the connection's remote address, its key in .ixes
            how: socket.SHUT_RD, socket.SHUT_WR or socket.SHUT_RDWR (2, the default)
        """
        self._ix(ca).shutdown(how=how)

    def shutdownSendIx(self, ca: tuple) -> None:
        """Shutdown send on remoter given by connection address ca

        Parameters:
            ca: the connection's remote address, its key in .ixes
        """
        self._ix(ca).shutdownSend()

    def shutdownReceiveIx(self, ca: tuple) -> None:
        """Shutdown receive on remoter given by connection address ca

        Parameters:
            ca: the connection's remote address, its key in .ixes
        """
        self._ix(ca).shutdownReceive()

    def closeIx(self, ca: tuple) -> None:
        """Shutdown and close remoter given by connection address ca.

        The closed remoter stays in .ixes, so that its .rxbs can still be
        read, until removed with removeIx.

        Parameters:
            ca: the connection's remote address, its key in .ixes
        """
        ix = self.ixes.get(ca)
        if ix is not None:
            self._unpoll(ix)  # the work lists forget it as they find it closed
            ix.close()

    def closeAllIx(self) -> None:
        """Shutdown and close all remoter connections, keeping them in .ixes"""
        for ca in list(self.ixes):
            self.closeIx(ca)

    def close(self) -> None:
        """Close all sockets: the listen socket and every remoter.

        The closed remoters stay in .ixes with what they received.
        """
        self.closeAllIx()
        while self.axes:
            _, cs = self.axes.popleft()
            cs.close()
        self._fresh.clear()
        self._carry.clear()
        for ix in self._parked:
            ix._parked = False
        self._parked.clear()
        if self._poller is not None:
            self._poller.close()
            self._poller = None
            for ix in self._polled.values():
                ix._polled = None
            self._polled.clear()
        self._ssfd = None
        self._acceptable = None
        self._events = None
        super().close()

    def removeIx(self, ca: tuple, close: bool = True) -> None:
        """Remove remoter given by connection address ca.

        Parameters:
            ca: remote (host, port) of the connection
            close: True means also close the remoter
        """
        ix = self.ixes.pop(ca, None)
        if ix is not None:
            self._unpoll(ix)  # the work lists forget it as they find it gone
            if close:
                ix.close()

    def serviceReceivesIx(self, ca: tuple) -> None:
        """Service receives for remoter by connection address ca

        Parameters:
            ca: the connection's remote address, its key in .ixes
        """
        self._ix(ca).serviceReceives()

    def readyIxes(self) -> list[tuple[tuple, Remoter]]:
        """Returns the (ca, remoter) duples of the connections worth reading now, in order.

        Those are each remoter once right after it was added, those whose
        sockets the readiness poller reports readable (one poll for all of
        them, so a pass costs little when few connections are busy), and TLS
        remoters last found ready whose sockets still hold decrypted bytes.
        Closed remoters and those cut off by their peers are left out and their
        descriptors taken off the poller, as they stay readable at end of stream.
        Remoters whose .txbs is full are left out and parked until their peers
        read (see class docs). Without a poller on the platform every remoter
        is returned. After pollReady, its poll stands for this one.
        """
        events, self._events = self._events, None
        return self._readyIxes(events)

    def pollReady(self) -> bool:
        """Makes the one readiness poll of a pass over the listen socket and the remoters together.

        The serviceAccepts that follows learns from it whether a connection
        waits, and the readyIxes that follows which remoters are readable, so
        that a pass of accepts and receives makes one poll instead of two.
        Returns True when the poll was made, False when the listen socket is
        not on the readiness poller (each then polls by itself).
        """
        ssfd = self._ssfd
        poller = self._poller
        if ssfd is None or poller is None:
            return False
        waker = self._waker
        events = self._woken() if waker is not None and waker.ready is not None else None
        if events is None:
            events = poller.poll(0)
        acceptable = False
        for fd, _ in events:
            if fd == ssfd:
                acceptable = True
                break
        self._acceptable = acceptable
        self._events = events
        return True

    def _woken(self) -> list[tuple[int, int]] | None:
        """What the Doist's last wait found readable, when it stands for a poll of this server's
        own descriptors in this pass (its waker's .ready, see Waker), else None: poll them."""
        waker = self._waker
        return waker.ready if waker is not None else None

    def _readyIxes(self, events: list[tuple[int, int]] | None) -> list[tuple[tuple, Remoter]]:
        """readyIxes, given the events of the poll of this pass (None: the wait's, or polls here)."""
        waker = self._waker
        if events is None and waker is not None and waker.ready is not None and self._poller is not None:
            events = self._woken()  # a wait came before this pass
        if events is not None and not events and not (self._parked or self._fresh or self._carry):
            return []  # nothing came, nothing waits: the common pass of a busy server's idle moments
        ixes = self.ixes
        ready: dict[tuple[Any, ...], Remoter] = {}
        if self._parked:
            self._unpark()
        if self._fresh:
            for ix in self._fresh:
                if ix.opened and ixes.get(ix.ca) is ix:
                    ready[ix.ca] = ix
            self._fresh = []
        if self._carry:
            for ix in self._carry:
                if ix.opened and not ix.cutoff and ixes.get(ix.ca) is ix:
                    cs = ix.cs
                    if isinstance(cs, ssl.SSLSocket) and cs.pending():
                        ready[ix.ca] = ix
            self._carry = []
        if self._poller is None:
            ready.update(ixes)
        else:
            polled = self._polled
            for fd, _ in self._poller.poll(0) if events is None else events:
                found = polled.get(fd)
                if found is None:
                    # the listen socket is serviceAccepts' own; a descriptor on no poller of
                    # this server is another's, which the wait's events hold too
                    if fd != self._ssfd and fd in self._poller:
                        self._unregisterFd(fd)
                    continue
                ix = found
                if ix._shaking:  # a TLS handshake under way: serviceCxes' own
                    continue
                elif not ix.opened or ix.cutoff or ixes.get(ix.ca) is not ix:
                    self._unpoll(ix)  # closed, replaced, or readable for good at end of stream
                elif len(ix.txbs) >= ix.maxUnsent:  # its peer does not read: nor do we
                    ready.pop(ix.ca, None)
                    self._park(ix)
                else:
                    ready[ix.ca] = ix
        if ready and self._tls:
            self._carry = [ix for ix in ready.values() if isinstance(ix.cs, ssl.SSLSocket)]
        return list(ready.items())

    def serviceReceivesAllIx(self) -> None:
        """Service receives for all remoters in .ixes

        Only remoters whose sockets are readable are read, plus each remoter
        once right after it was added (see readyIxes).
        """
        for _ in self.receivedIxes():
            pass

    def receivedIxes(self) -> Iterator[tuple[tuple, Remoter]]:
        """Services the receives of the remoters worth reading now (see readyIxes),
        yielding each (ca, remoter) as soon as it is read, so that what it
        received can be answered before the next one is read."""
        yield from self._received(self.readyIxes())

    def _received(self, ready: list[tuple[tuple, Remoter]]) -> Iterator[tuple[tuple, Remoter]]:
        """receivedIxes over the remoters ready, found already."""
        for ca, ix in ready:
            ix.serviceReceives()
            if ix.cutoff:  # stays readable at end of stream, nothing more to read
                self._unpoll(ix)
            yield ca, ix

    def _connectedReceivedIxes(self) -> Iterator[tuple[tuple, Remoter]]:
        """serviceConnects, then receivedIxes, on one readiness poll of the pass.

        The poll covers the listen socket and the remoters together: it
        tells the serviceAccepts that follows whether a connection waits, and
        readyIxes which remoters are readable; the connections accepted are
        fresh remoters, read in this same pass. While the listen socket is not
        on the poller, each polls by itself as when called apart.
        """
        if self.pollReady():
            if self._acceptable or self.axes or self._starvation.starved or not self._plainConnects:
                self.serviceConnects()
            else:  # nothing waits to be accepted: serviceConnects would do nothing
                self._acceptable = None
        else:
            self.serviceConnects()
        ready = self.readyIxes()  # on the events of that poll
        return self._received(ready) if ready else iter(())

    def transmitIx(self, data: bytes | bytearray | memoryview, ca: tuple) -> None:
        """Queue data onto .txbs for remoter given by connection address ca

        Parameters:
            data: the bytes to queue
            ca: the connection's remote address, its key in .ixes
        """
        self._ix(ca).tx(data)

    def serviceSendsAllIx(self) -> None:
        """Service transmits for all remoters in .ixes"""
        for ix in self.ixes.values():
            if ix.txbs:
                ix.serviceSends()

    def service(self) -> None:
        """Service connects and service receives and sends for all ix, on one readiness poll."""
        self.pollReady()
        self.serviceConnects()
        self.serviceReceivesAllIx()
        self.serviceSendsAllIx()


# its parameters are ServedTls's: the documented function and the constructor that takes the same settings
def initServerContext(
    context: ssl.SSLContext | None = None,
    version: int | ssl.TLSVersion | None = None,
    certify: int | bool | None = None,
    keypath: str | None = None,
    certpath: str | None = None,
    cafilepath: str | None = None,
) -> ssl.SSLContext:
    """Initialize and return context for TLS Server.

    IF context is None THEN create a context
    IF version is None THEN create context for TLS 1.2 or later ELSE create
    context with version (see tlsing.newContext)
    If certify is not None then use certify value provided Otherwise use
    default: ssl.CERT_REQUIRED when cafilepath is given, ssl.CERT_NONE otherwise

    Parameters:
        context: tls/ssl context object; if None make a new one
        version: ssl protocol version; if None use default
        certify: client cert requirement; True, False or ssl.CERT_NONE (0),
            ssl.CERT_OPTIONAL (1), ssl.CERT_REQUIRED (2)
        keypath: local server PKI private key file path; applied with certpath
        certpath: local server PKI public cert file path; if given apply to context
        cafilepath: cert authority file path to verify client certs; if given apply to context
    """
    if context is None:
        context = tlsing.newContext(ssl.PROTOCOL_TLS_SERVER, version)
        if certify is None:
            certify = ssl.CERT_REQUIRED if cafilepath else ssl.CERT_NONE
    if certpath:
        context.load_cert_chain(certfile=certpath, keyfile=keypath)
    if cafilepath:
        context.load_verify_locations(cafile=cafilepath)
    if certify is not None:
        context.verify_mode = tlsing.verifyMode(certify)
    return context


class ServedTls(tlsing.Secured):
    """Mixin: the server side TLS settings of a ServerTls and of its RemoterTls
    connections, and the context made from them by initServerContext.

    Attributes:
        context (ssl.SSLContext): TLS context instance
        version (int | ssl.TLSVersion | None): TLS version
        certify (int | bool | None): client certificate requirement
        keypath (str | None): path to key file
        certpath (str | None): path to cert file
        cafilepath (str | None): path to ca file
    """

    def __init__(
        self,
        context: ssl.SSLContext | None = None,
        version: int | ssl.TLSVersion | None = None,
        certify: int | bool | None = None,
        keypath: str | None = None,
        certpath: str | None = None,
        cafilepath: str | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            context: TLS context to use, default a new server context
            version: None means TLS 1.2 or later, see initServerContext
            certify: client certificate requirement, see initServerContext
            keypath: server private key file
            certpath: server certificate file
            cafilepath: certificate authority file that verifies client certificates
            kwa: passed on
        """
        super().__init__(**kwa)
        self._secure(
            initServerContext,
            context,
            version=version,
            certify=certify,
            keypath=keypath,
            certpath=certpath,
            cafilepath=cafilepath,
        )


class ServerTls(ServedTls, Server):
    """Server with Nonblocking TLS/SSL support.

    Nonblocking TCP Socket Server Class. Listen socket for incoming TCP
    connections, RemoterTls sockets for accepted connections. A connection
    waits in .cxes until its handshake completes, then moves to .ixes. A
    failed or timed out (.tymeout) handshake is logged, closed and dropped;
    the server keeps serving everyone else.

    A handshake under way waits for readiness on the server's one readiness
    poller: tried once when accepted, then again only when its socket is
    readable (or writable, when TLS wants to write), so that connections that
    never go on with their handshakes cost nothing but the check of their
    tymeouts, oldest first.

    Inherited Attributes:
        ha, eha, bs, bl, ss, axes, opened, tymeout, wl, ixes: see Server

    Attributes:
        cxes (dict): RemoterTls still handshaking, indexed by remote (host, port)
        context (ssl.SSLContext): TLS context instance
        version (int | ssl.TLSVersion | None): TLS version
        certify (int | bool | None): client certificate requirement
        keypath (str | None): path to key file
        certpath (str | None): path to cert file
        cafilepath (str | None): path to ca file
    """

    _tls = True

    def __init__(self, **kwa: Any) -> None:
        """Initialize instance.

        Parameters:
            kwa: TLS settings (see ServedTls) and Server parameters
        """
        super().__init__(**kwa)
        self.cxes: dict[tuple[Any, ...], RemoterTls] = {}
        self._shakes: list[RemoterTls] = []  # handshakes not yet tried since accepted, in order

    def _followers(self) -> Iterable[Watcher]:
        """Its remoters, handshaking or not, keep the server's waker."""
        return [*self.ixes.values(), *self.cxes.values()]

    def _unpolled(self) -> list[Remoter]:
        """The open remoters and handshakes that belong on the poller and are not on it."""
        return [*super()._unpolled(), *(cx for cx in self.cxes.values() if cx.opened and cx._polled is None)]

    def _woken(self) -> list[tuple[int, int]] | None:
        """As Server's, but None while handshakes are under way: one may wait to write, which
        the waker does not watch for."""
        return None if self.cxes else super()._woken()

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Updates winds remoters.

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        for cx in self.cxes.values():
            cx.wind(tymth)

    def serviceAxes(self) -> list[tuple]:
        """Service accepteds.

        For each new accepted connection create RemoterTls and add to .cxes Not Handshaked

        Returns:
            list[tuple]: the cas of the remoters added to .cxes (they join .ixes
                when their handshakes complete, see serviceCxes)
        """
        return super().serviceAxes()

    def _forget(self, ca: tuple) -> None:
        """Removes and closes the old connection from ca, handshaking or not."""
        super()._forget(ca)
        old = self.cxes.pop(ca, None)
        if old is not None:
            self._unpoll(old)
            old.close()

    def _newRemoter(self, ca: tuple, cs: socket.socket) -> RemoterTls:
        """Returns a new RemoterTls for accepted socket cs from ca."""
        return RemoterTls(ha=cs.getsockname(), ca=ca, cs=cs, context=self.context, **self._remoterKwa())

    def _admit(self, ca: tuple, ix: Remoter) -> None:
        """Keeps the new remoter ix from ca in .cxes until its handshake completes."""
        assert isinstance(ix, RemoterTls)
        self.cxes[ca] = ix
        ix._shaking = True
        self._shakes.append(ix)

    def serviceCxes(self) -> list[tuple]:
        """Service the handshakes in .cxes that can go on; move each one done to .ixes.

        Tries each handshake accepted since the last service, and those whose
        sockets the readiness poller finds ready for what they wait for (the
        poll of pollReady when made this pass, else one of its own); each
        still under way waits on the poller for what it wants now. Then
        closes, oldest first, those not done within .tymeout. Those done or
        closed meanwhile by a direct call (handshake, close) are moved or
        dropped as well. Without a poller every handshake is tried each service.

        Returns list of the cas whose handshakes completed.
        """
        handshakeds: list[tuple] = []
        cxes = self.cxes
        if not cxes:
            self._shakes = []
            return handshakeds
        poller = self._poller
        if poller is None:
            tries: list[RemoterTls] = list(cxes.values())
            self._shakes = []
        else:
            tries, self._shakes = self._shakes, []
            polled = self._polled
            events = self._events if self._events is not None else poller.poll(0)
            for fd, _ in events:
                cx = polled.get(fd)
                if cx is not None and cx._shaking:
                    tries.append(cx)  # type: ignore[arg-type]  # a handshaking remoter is a RemoterTls
            # and those done or closed by a direct call, which the poller does not report
            tries.extend(cx for cx in cxes.values() if cx._linked or not cx.opened)
        for cx in dict.fromkeys(tries):  # each once, though accepted anew and polled ready too
            if cxes.get(cx.ca) is cx and cx._shaking:
                self._shake(cx, handshakeds)
        if self.tymeout > 0.0 and self.tymth is not None:
            expired = []
            for cx in cxes.values():  # accepted in order, so their tymeouts fall in order
                if not cx.tymer.expired:
                    break
                expired.append(cx)
            for cx in expired:
                cx._handshaking()  # aborts it
                self._shake(cx, handshakeds)
        return handshakeds

    def _shake(self, cx: RemoterTls, handshakeds: list[tuple]) -> None:
        """Goes on with the handshake of cx: done, it joins .ixes (its ca added to
        handshakeds); failed, it is closed and dropped; else it waits on the poller."""
        if cx.opened and not cx.connected and not cx.aborted:
            cx.handshake()
        ca = cx.ca
        if cx.connected and cx.opened:
            del self.cxes[ca]
            cx._shaking = False
            self._register(ca, cx)  # read at once, then when readable
            handshakeds.append(ca)
        elif cx.aborted or not cx.opened:
            del self.cxes[ca]
            cx._shaking = False
            self._unpoll(cx)
            cx.close()
        elif self._poller is not None:
            self._poll(cx, cx._want)  # waits for what the handshake wants

    def serviceConnects(self) -> list[tuple]:  # type: ignore[override]  # ServerTls also reports its handshakes
        """Service accept and handshake attempts.

        For each successful handshake add to .ixes. Returns handshakeds
        """
        super().serviceConnects()
        if self.cxes:
            return self.serviceCxes()
        return []

    def close(self) -> None:
        """Close all sockets"""
        for cx in self.cxes.values():
            cx._shaking = False
            cx.close()
        self.cxes.clear()
        self._shakes = []
        super().close()


class Remoter(Stream):
    """Class to service an incoming nonblocking TCP connection from a remote client.

    Should only be used by an Acceptor subclass such as Server

    See Stream (sends and receives) and tyming.Tymee for inherited attributes,
    properties, and methods

    Attributes:
        ha (tuple): local (host, port) of the connection, where its peer reached the server
        ca (tuple): remote (host, port) of the connection
        cs (socket.socket): connected socket
        tymeout (float): tymeout in seconds for connection refresh
        tymer (Tymer): refresh tymer on the tyme base of .tymth, restarted by
            every receive and send when .refreshable
        refreshable (bool): True means activity restarts .tymer
        bs (int): buffer size, the most bytes read from the socket at once
        wl (WireLog | None): logs every rx and tx with the remote address when given
        txbs (bytearray): bytes waiting to be sent, in order
        rxbs (bytearray): bytes received and not yet consumed, in order
        cutoff (bool): True when the peer closed or reset the connection
        opened (bool): True until closed
        maxUnsent (int): most unsent bytes in .txbs before it stops receiving

    Properties:
        full (bool): True while .txbs holds .maxUnsent bytes or more

    A full remoter receives nothing (serviceReceives and serviceReceiveOnce
    return at once) until its peer has read enough; tx never refuses bytes.
    """

    Tymeout = 0.0
    Reads = 16  # most socket reads in one serviceReceives
    _kind = "Remoter"
    _lingers = True  # its peer may only have shut its sending side: it still gets the answer
    # what its Server keeps about it (the one record per connection, beside .ixes):
    _polled: int | None = None  # the descriptor the server polls it on, None while off its poller
    _parked = False  # True while the server does not read it, its .txbs being full
    _shaking = False  # True while its TLS handshake is under way on the server's poller

    def __init__(
        self,
        ha: tuple,
        ca: tuple,
        cs: socket.socket,
        tymeout: float | None = None,
        refreshable: bool = True,
        bs: int = 8096,
        wl: WireLog | None = None,
        maxUnsent: int | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            ha: local (host, port) of the connection
            ca: remote (host, port) of the connection
            cs: connected socket, made nonblocking here
            tymeout: tymeout in seconds for connection refresh, default .Tymeout
            refreshable: True means activity restarts .tymer
            bs: buffer size
            wl: WireLog instance to record rx and tx, if any
            maxUnsent: most unsent bytes in .txbs before it stops receiving,
                None means MAX_UNSENT (1 MiB)
            kwa: passed on, tymth is the injected tymist.tymth
        """
        super().__init__(**kwa)
        self.ha = ha
        self.ca = ca
        self.cs = cs
        self.tymeout = tymeout if tymeout is not None else self.Tymeout
        self.tymer = tyming.Tymer(tymth=self.tymth, duration=self.tymeout)
        self.refreshable = refreshable
        self.bs = bs
        self.wl = wl
        self.maxUnsent = _maxUnsent(maxUnsent)
        self.txbs = bytearray()
        self.rxbs = bytearray()
        self.opened = True
        self._linked = True
        self._refreshed: float | None = None  # tyme of the last restart of .tymer
        cs.setblocking(False)
        if cs.family in (socket.AF_INET, socket.AF_INET6):
            cs.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._watch(cs)  # a real-time Doist wakes when it becomes readable

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Changes tymist.tyme base.

        Updates winds .tymer .tymth

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        self.tymer.wind(tymth)
        self._refreshed = None

    @property
    def _remote(self) -> tuple:
        return self.ca

    def close(self) -> None:
        """Shutdown and close connected socket .cs, leaving .cs None"""
        if self.opened:
            self._closeSocket()
            self.opened = False

    def refresh(self) -> None:
        """Restart tymer"""
        if self._tymth is not None:
            self.tymer.start()
            self._refreshed = self._tymth()

    def _touch(self) -> None:
        """Restart tymer after activity, unless it was restarted at this same tyme already.

        Every receive and send calls this; many of them fall in one cycle.
        """
        tymth = self._tymth
        if tymth is not None:
            tyme = tymth()
            if tyme != self._refreshed:
                self.tymer.start(start=tyme)
                self._refreshed = tyme

    @property
    def full(self) -> bool:
        """True while .txbs holds .maxUnsent bytes or more: nothing is received meanwhile."""
        return len(self.txbs) >= self.maxUnsent

    def _sendFailed(self, ex: OSError) -> None:
        """Drops .txbs, as nothing can be delivered any more, and raises ex;
        serviceSends catches it."""
        self.txbs.clear()
        raise ex


class RemoterTls(StreamTls, ServedTls, Remoter):
    """Class to service an incoming nonblocking TCP/TLS connection from a remote client.

    Should only be used from Acceptor subclass. Provides nonblocking TLS/SSL support

    Attributes:
        context (ssl.SSLContext): TLS context
        version (int | ssl.TLSVersion | None): TLS version
        certify (int | bool | None): client certificate requirement
        keypath (str | None): path to key file
        certpath (str | None): path to cert file
        cafilepath (str | None): path to ca file
        connected (bool): True means TLS handshake completed False otherwise
        aborted (bool): True means client aborted TLS handshake False otherwise
        error (Exception | None): why the handshake failed, if it did
    """

    def __init__(self, **kwa: Any) -> None:
        """Initialize instance and wrap .cs.

        Parameters:
            kwa: TLS settings (see ServedTls; a context given by its ServerTls
                is used as it is) and Remoter parameters
        """
        super().__init__(**kwa)
        self._linked = False
        self.aborted = False
        self.error: Exception | None = None
        self.wrap()
        self.refresh()

    def wrap(self) -> None:
        """Wrap socket .cs in ssl context"""
        assert self.cs is not None  # wrapped when made
        self.cs = self.context.wrap_socket(self.cs, server_side=True, do_handshake_on_connect=False)

    def _handshaking(self) -> None:
        """Aborts a handshake not done within .tymeout"""
        if self.tymeout > 0.0 and self.tymth is not None and self.tymer.expired:
            self._abort(TimeoutError(f"TLS handshake not done within {self.tymeout} seconds"))

    def _handshakeFailed(self, ex: OSError) -> None:
        self._abort(ex)

    def _abort(self, ex: Exception) -> None:
        """Records failed handshake ex, logs it and closes."""
        self.aborted = True
        self.error = ex
        logger.error("Server on %s TLS handshake from %s failed: %s", self.ha, self.ca, ex)
        self.close()


class ServerDoer(WoundOnRun):
    """Basic TCP Server Doer: opens the server on enter, services its
    connects, receives and sends each run and closes it on exit.

    See WoundOnRun, ServiceDoer and Doer for inherited attributes, properties, and methods.

    Attributes:
        server (Server): TCP Server instance, the servant
    """

    server = Alias[Server]("servant")

    def __init__(self, server: Server, **kwa: Any) -> None:
        """Initializes the doer of ``server``.

        Parameters:
            server: the TCP Server to service
            kwa: parameters of WoundOnRun and Doer (tymth, tock, opts)
        """
        super().__init__(server, **kwa)


class EchoServerDoer(ServerDoer):
    """Echo TCP Server. Just echoes back to client whatever it receives from client

    See Doer for inherited attributes, properties, and methods.

    Inherited Attributes:
        server (Server): TCP Server instance

    As nothing else looks after the server's connections, the echo server
    removes each connection whose client went away once everything it echoes
    is sent (or can no longer be), so that its descriptor does not linger.
    Connections still open at exit stay in .server.ixes.
    """

    def __init__(self, server: Server, **kwa: Any) -> None:
        """Initialize instance.

        Parameters:
            server: TCP Server instance to service
            kwa: passed on to Doer
        """
        super().__init__(server=server, **kwa)
        # remoters cut off by their clients, by ca, removed once sent out
        self._ending: dict[tuple[Any, ...], Remoter] = {}

    def recur(self, tyme: float) -> bool:
        """Echoes back what each connection received, in the same cycle. Never done.

        Parameters:
            tyme: the scheduler's tyme of this run
        """
        server: Server = self.servant
        ending = self._ending
        for ca, ix in server._connectedReceivedIxes():  # serviceConnects, then receivedIxes, on one poll
            if ix.rxbs:
                if ix.txbs:
                    ix.tx(ix.rxbs)
                    ix.clearRxbs()
                else:  # nothing waits to be sent: hand the received bytes over whole, without copying
                    ix.txbs, ix.rxbs = ix.rxbs, ix.txbs
                ix.serviceSends()  # at once: its client gets the echo while the others are read
            if ix.cutoff:
                ending[ca] = ix
        for ca, ix in server.ixes.items():  # what a full socket did not take before
            if ix.txbs:
                ix.serviceSends()
                if ix.cutoff:
                    ending[ca] = ix
        if ending:
            self._removeEnded()
        return False

    def _removeEnded(self) -> None:
        """Removes the remoters whose clients went away that have nothing left to send."""
        ixes = self.server.ixes
        for ca, ix in list(self._ending.items()):
            if ixes.get(ca) is not ix:  # removed or replaced meanwhile
                del self._ending[ca]
            elif not ix.txbs or not ix.opened:
                self.server.removeIx(ca)
                del self._ending[ca]
