"""hio.deploying.working module

One worker process of ``hio serve``: a real-time Doist whose
:class:`WorkerDoer` serves the application on the listening sockets the
supervisor opened and handed down (their descriptors, inherited).

The worker accepts from those sockets itself and hands each connection to
hio's WSGI server (:class:`hio.core.http.serving.Server`, one per address)
through the accepted connections its TCP server services next (its
``axes``), so that the HTTP server serves them as any other; the TCP
server opens no socket of its own. Every worker accepts from the same
sockets: the kernel gives each connection to one of them.

Signals: SIGTERM and SIGINT drain the worker. It stops accepting (the
listening sockets stay open in the supervisor, so connections wait there for
the other workers), answers the requests in process, closes each connection
as soon as it is idle, and exits with status 0 once none is left or
``graceful`` seconds have passed, whichever comes first. SIGHUP is the
supervisor's: a worker ignores it. A worker whose supervisor is gone drains
and exits too.

The worker tells the supervisor through its status pipe: ``R`` once it
serves, or ``E`` and a one-line reason when it cannot start (the application
cannot be loaded), in which case it exits with status :data:`BOOT_FAILED`.

The supervisor forks each worker (:func:`forked` runs in the child), so a
worker starts with hio and its HTTP stack already imported and only imports
the application: a dead worker is replaced in a fraction of a second.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import socket
import time
import types
from collections.abc import Callable
from typing import Any

from hio.base import doing
from hio.base.waking import Waker, wakerOf
from hio.core import coring
from hio.core.http import serving
from hio.core.tcp import serving as tcpServing
from hio.deploying import binding
from hio.deploying.accessing import AccessLog
from hio.deploying.apping import AppError, loadApp
from hio.deploying.balancing import Loads
from hio.deploying.configuring import WorkerConfig

__all__ = ["BOOT_FAILED", "Listener", "WorkerDoer", "forked", "logger", "serveWorker"]

logger = logging.getLogger(__name__)

BOOT_FAILED = 3
"""Exit status of a worker that could not load the application."""

ACCEPTS = 1
"""Most connections one worker accepts from one listening socket in one pass, so that a burst of
connections is shared among the workers that are awake."""

PATIENCE = 0.005
"""Seconds a worker that holds more connections than another leaves a waiting connection to the others
(see WorkerDoer._accept), before it takes it itself."""

PARENT_CHECK = 0.25
"""Seconds of tyme from one look at whether the supervisor still lives to the next."""


class Listener:
    """A listening socket inherited from the supervisor, and the HTTP server its connections go to.

    When an accept fails for lack of descriptors or memory (coring.EXHAUSTED)
    the listener is starved: it logs that once, takes its socket off the
    waker and tries again only after a pause that doubles up to
    ``BackoffMax`` seconds, so that a worker out of descriptors neither spins
    on the waiting connection nor logs every pass; the connection waits in
    the queue (another worker may take it). The first accept that succeeds
    again logs that once.

    Attributes:
        sock (socket.socket | None): the listening socket, None once closed here
        server (serving.Server): the WSGI server that serves what it accepts
        unix (bool): True for a Unix socket, whose connections get addresses
            ("localhost", N) with N counting them, as their peers have none
        watched (bool): True while sock is watched on the worker's waker
    """

    Backoff = 0.01
    """Seconds of the first pause after an accept failed for lack of resources."""

    BackoffMax = 0.25
    """Most seconds between two tries while starved."""

    def __init__(self, sock: socket.socket, server: serving.Server) -> None:
        """
        Parameters:
            sock: listening socket, nonblocking
            server: WSGI server whose TCP server gets the accepted connections
        """
        self.sock: socket.socket | None = sock
        self.server = server
        self.unix = sock.family == getattr(socket, "AF_UNIX", None)
        self.watched = False
        self._count = 0
        self._starvation = coring.Starvation(self.Backoff, self.BackoffMax)

    @property
    def starved(self) -> bool:
        """True from an accept that failed for lack of resources until one succeeds."""
        return self._starvation.starved

    @property
    def resting(self) -> bool:
        """True while starved and the pause before the next try is not over."""
        return not self._starvation.due()

    def watch(self, waker: Waker | None, on: bool = True) -> None:
        """Puts sock on the waker (on) or takes it off, once either way.

        Parameters:
            waker: the worker's waker, None when it has none
            on: True watches, False unwatches
        """
        if self.sock is None or waker is None or self.watched == on:
            return
        if on:
            waker.watch(self.sock)
        else:
            waker.unwatch(self.sock)
        self.watched = on

    def accept(self, most: int = ACCEPTS) -> int:
        """Accepts up to most waiting connections into the server's accepted ones; returns how many.

        Parameters:
            most: most connections taken now
        """
        sock = self.sock
        if sock is None:
            return 0
        axes = self.server.servant.axes
        taken = 0
        while taken < most:
            try:
                cs, ca = sock.accept()
            except (BlockingIOError, InterruptedError):
                break
            except ConnectionAbortedError:
                continue
            except OSError as ex:
                if ex.errno in coring.EXHAUSTED:  # the connection waits in the queue
                    if self._starvation.failed():
                        logger.error(
                            "[%d] cannot accept on %s: %s; backing off until resources free up",
                            os.getpid(),
                            coring.placeOf(self.server.eha),
                            ex,
                        )
                else:  # that connection failed before it was accepted
                    logger.debug("[%d] accepting on %s failed: %s", os.getpid(), coring.placeOf(self.server.eha), ex)
                break
            if self._starvation.fed():
                logger.info("[%d] accepts again on %s", os.getpid(), coring.placeOf(self.server.eha))
            if self.unix:
                self._count += 1
                ca = ("localhost", self._count)
            axes.append((ca, cs))
            taken += 1
        return taken

    def close(self, waker: Waker | None = None) -> None:
        """Closes this process's descriptor of the listening socket (the supervisor keeps its own).

        Parameters:
            waker: the waker it is watched on, if any
        """
        if self.sock is not None:
            self.watch(waker, on=False)
            self.sock.close()
            self.sock = None


class WorkerDoer(doing.Doer):
    """Doer of a worker: accepts, serves, drains on SIGTERM or SIGINT, then is done (see module docs).

    Attributes:
        listeners (list[Listener]): the listening sockets and their servers
        servers (list[serving.Server]): the WSGI servers, one per listening socket
        graceful (float): most seconds a drain waits on responses in process
        access (AccessLog | None): access log written once a pass
        ready (Callable[[], None] | None): called once, when it serves
        draining (bool): True once it stopped accepting
        signaled (int | None): the signal that began the drain, None while none
    """

    Signums = (signal.SIGTERM, signal.SIGINT)

    def __init__(
        self,
        listeners: list[Listener],
        graceful: float = 30.0,
        access: AccessLog | None = None,
        ready: Callable[[], None] | None = None,
        early: list[int] | None = None,
        loads: Loads | None = None,
        slot: int = -1,
        **kwa: Any,
    ) -> None:
        """
        Parameters:
            listeners: the listening sockets and their servers
            graceful: most seconds a drain waits on responses in process
            access: access log, None means none
            ready: called once when it serves (tells the supervisor)
            early: signals received before it entered; the first begins its drain
            loads: the connections each worker holds, shared with the others; None takes
                every connection that waits
            slot: this worker's slot in loads
            kwa: Doer parameters (tymth, tock)
        """
        self.listeners = listeners
        self.servers = [listener.server for listener in listeners]
        super().__init__(**kwa)
        self.graceful = graceful
        self.access = access
        self.ready = ready
        self.early = early
        self.draining = False
        self.signaled: int | None = None
        self._deadline = 0.0
        self._parent = os.getppid()
        self._checked = 0.0
        self._prior: dict[int, Any] = {}
        self._poll: Any = None
        self.loads = loads
        self.slot = slot
        self._held = 0  # connections it holds, as last written in loads
        self._waiting: float | None = None  # since when a connection waits that it leaves to the others

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Winds this doer and its servers to tymth.

        Parameters:
            tymth: the tyme closure of the Doist
        """
        super().wind(tymth)
        for server in self.servers:
            server.wind(tymth)

    @property
    def waker(self) -> Waker | None:
        """The waker of the Doist that runs it, which its listening sockets are watched on."""
        return wakerOf(self.tymth)

    def handle(self, signum: int, frame: types.FrameType | None) -> None:
        """Signal handler: records the signal; the next pass begins the drain.

        Parameters:
            signum: the signal received
            frame: the frame it interrupted
        """
        self.signaled = signum

    def enter(self, *, temp: bool | None = None) -> None:
        """Installs the signal handlers, watches the listening sockets, then tells it serves.

        Parameters:
            temp: unused: a worker holds no temporary files
        """
        for signum in self.Signums:
            self._prior[signum] = signal.signal(signum, self.handle)
        if self.early:
            self.signaled = self.early[0]
        self._prior[signal.SIGHUP] = signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if hasattr(select, "poll"):
            self._poll = select.poll()
        for listener in self.listeners:
            assert listener.sock is not None
            listener.watch(self.waker)  # a real-time Doist wakes when a connection waits
            if self._poll is not None:
                self._poll.register(listener.sock.fileno(), select.POLLIN)
            logger.info(
                "[%d] serving %s", os.getpid(), binding.urlOf(binding.boundAs(listener.sock), listener.server.scheme)
            )
        if self.ready is not None:
            self.ready()

    def recur(self, tyme: float) -> bool:
        """Accepts what waits, serves one pass, writes the access log; when draining, closes the idle.

        Parameters:
            tyme: the Doist's tyme

        Returns:
            bool: True once drained
        """
        if not self.draining:
            self._accept()
        for server in self.servers:
            server.service()
        if self.loads is not None:
            held = sum(len(server.ixes) for server in self.servers)
            if held != self._held:
                self._held = held
                self.loads.hold(self.slot, held)
        if self.access is not None:
            self.access.flush()
        if tyme >= self._checked:
            self._checked = tyme + PARENT_CHECK
            if os.getppid() != self._parent and not self.draining:
                logger.warning("[%d] the supervisor is gone: draining", os.getpid())
                self.drain(tyme)
        if self.signaled is not None and not self.draining:
            logger.info("[%d] %s received: draining", os.getpid(), signal.Signals(self.signaled).name)
            self.drain(tyme)
        if self.draining:
            return self._drained(tyme)
        return False

    def _accept(self) -> None:
        """Accepts from the listening sockets that have a connection waiting.

        With loads shared among the workers, a worker that holds more
        connections than another leaves a waiting connection to the others
        for up to PATIENCE seconds; meanwhile its listening sockets are off
        its waker, so that it does not spin on them while the others take it.
        So a burst of connections is spread evenly over the workers, and a
        worker busy in the application (which takes nothing) holds up a
        connection PATIENCE at most. A starved listener (see Listener) stays
        off the waker and untried until its pause is over.
        """
        waker = self.waker
        for listener in self.listeners:
            listener.watch(waker, on=not listener.resting)
        if self._poll is None:
            ready = self.listeners
        else:
            # what the Doist's wait found stands for a poll, but not while a connection is left
            # to the others: the listening sockets were off the waker then (see below)
            events = waker.ready if waker is not None and self._waiting is None else None
            if events is None:
                events = self._poll.poll(0)
            if not events:
                self._waiting = None
                return
            fds = {fd for fd, _ in events}
            ready = [one for one in self.listeners if one.sock is not None and one.sock.fileno() in fds]
        ready = [one for one in ready if not one.resting]
        if not ready:
            return
        if self.loads is not None and self._held > self.loads.least():
            now = time.monotonic()
            if self._waiting is None:
                self._waiting = now
            if now - self._waiting < PATIENCE:
                for listener in self.listeners:
                    listener.watch(waker, on=False)  # back on at the next pass
                return
        self._waiting = None
        taken = 0
        for listener in ready:
            taken += listener.accept()
            if listener.resting:
                listener.watch(waker, on=False)
        if taken and self.loads is not None:
            self._held += taken
            self.loads.hold(self.slot, self._held)

    def drain(self, tyme: float) -> None:
        """Stops accepting; the drain ends when no connection is left or at tyme + graceful.

        Parameters:
            tyme: the Doist's tyme now
        """
        self.draining = True
        self._deadline = tyme + self.graceful
        for listener in self.listeners:
            listener.accept(most=binding.BACKLOG)  # those that came before the drain are served here
            listener.close(self.waker)
        self._poll = None

    def _drained(self, tyme: float) -> bool:
        """Closes the connections with nothing in process; True once none is left or time is up."""
        left = 0
        for server in self.servers:
            for ca, ix in list(server.ixes.items()):
                if ca in server.closings:
                    left += 1
                    continue
                requestant = server.reqs.get(ca)
                responder = server.reps.get(ca)
                busy = (
                    (responder is not None and not responder.ended)
                    or (requestant is not None and requestant.pending)
                    or bool(ix.rxbs)
                    or bool(ix.txbs)
                )
                if ix.opened and (busy or responder is None):  # a new connection: its first request comes
                    left += 1
                else:
                    server.finish(ca)  # lingering close: anything sent meanwhile is drained, not cut
                    left += 1
            if isinstance(server.servant, tcpServing.ServerTls):
                left += len(server.servant.cxes)
        if not left:
            return True
        if tyme >= self._deadline:
            logger.warning("[%d] graceful timeout: closing %d connections still open", os.getpid(), left)
            return True
        return False

    def exit(self) -> None:
        """Closes every connection and server, writes the access log, restores the signal handlers."""
        for listener in self.listeners:
            listener.close(self.waker)
        for server in self.servers:
            try:
                server.close()
            except Exception as ex:  # closing the others still matters
                logger.error("[%d] closing %s failed: %r", os.getpid(), server.eha, ex)
        if self.access is not None:
            self.access.close()
        while self._prior:
            signum, prior = self._prior.popitem()
            signal.signal(signum, prior if prior is not None else signal.SIG_DFL)
        logger.info("[%d] server closed", os.getpid())


def makeServers(config: WorkerConfig, app: Callable[..., Any], tymth: Callable[[], float]) -> list[Listener]:
    """The WSGI servers of config's listening sockets, each with the Listener that feeds it.

    Parameters:
        config: what to serve and how; its fds are the listening sockets
        app: the WSGI application
        tymth: the tyme closure of the worker's Doist
    """
    listeners = []
    for fd in config.fds:
        sock = socket.socket(fileno=fd)
        sock.setblocking(False)
        unix = sock.family == getattr(socket, "AF_UNIX", None)
        ha = ("localhost", 0) if unix else tuple(sock.getsockname()[:2])
        kwa: dict[str, Any] = {"ha": ha, "tymeout": config.tymeout, "maxUnsent": config.maxUnsent, "tymth": tymth}
        if config.certfile:
            servant: tcpServing.Server = tcpServing.ServerTls(
                certpath=config.certfile, keypath=config.keyfile or None, cafilepath=config.cacerts or None, **kwa
            )
        else:
            servant = tcpServing.Server(**kwa)
        server = serving.Server(
            app=app,
            servant=servant,
            scheme=config.scheme,
            tymeout=config.tymeout,
            maxBodySize=config.maxBody,
        )
        server.wind(tymth)
        listeners.append(Listener(sock, server))
    return listeners


def workerDoist(
    config: WorkerConfig,
    ready: Callable[[], None] | None = None,
    early: list[int] | None = None,
    loads: Loads | None = None,
) -> doing.Doist:
    """Makes the worker's real-time Doist and its WorkerDoer for config.

    Parameters:
        config: what to serve and how
        ready: called once it serves
        early: signals received before it serves; the first begins its drain
        loads: the connections each worker holds, shared with the others (config.slot is its slot)

    Raises:
        AppError: when the application cannot be loaded
        OSError: when the access log cannot be opened
    """
    doist = doing.Doist(real=True, tock=config.tock)
    tymth = doist.tymen()
    if config.app:
        app = loadApp(config.app, directory=config.directory)
    else:
        from hio.demo.web import demoing  # the demo: needs the Doist's tyme for its event stream

        try:
            app = demoing.createApp(tymth=tymth, staticDirPath=config.static or None, period=config.period)
        except (OSError, ValueError) as ex:
            raise AppError(str(ex)) from None
    access = AccessLog(config.accessLog) if config.accessLog else None
    if access is not None:
        app = access.wrap(app)
    doer = WorkerDoer(
        listeners=makeServers(config, app, tymth),
        graceful=config.graceful,
        access=access,
        ready=ready,
        early=early,
        loads=loads,
        slot=config.slot,
        tymth=tymth,
    )
    doist.doers = [doer]
    return doist


def serveWorker(config: WorkerConfig, loads: Loads | None = None) -> int:
    """Runs one worker until it is drained; returns its exit status.

    SIGTERM and SIGINT are noted from the start, so that one that comes while
    the application loads drains the worker as soon as it serves, and one
    that comes after the drain does not cut its exit short.

    Parameters:
        config: what to serve and how
        loads: the connections each worker holds, shared with the others
    """
    status = config.status
    early: list[int] = []
    for signum in WorkerDoer.Signums:
        signal.signal(signum, lambda signum, frame: early.append(signum))

    def tell(message: bytes) -> None:
        if status >= 0:
            try:
                os.write(status, message)
            except OSError:
                pass

    try:
        doist = workerDoist(config, ready=lambda: tell(b"R"), early=early, loads=loads)
    except (AppError, OSError) as ex:
        message = str(ex).replace("\n", " ")
        tell(b"E" + message.encode("utf-8", "replace")[:2000])
        logger.error("[%d] cannot serve: %s", os.getpid(), message)
        return BOOT_FAILED
    try:
        if config.asyncio:
            import asyncio

            asyncio.run(doist.ado())
        else:
            doist.do()
    except KeyboardInterrupt:  # asyncio's own SIGINT handling before the doers ran
        pass
    return 0


def forked(config: WorkerConfig, inherited: list[int], loads: Loads | None = None) -> int:
    """Runs a worker in a process just forked from the supervisor; returns its exit status.

    The child first lets go of what is the supervisor's: the descriptors in
    inherited (the status pipes of the other workers) and its signal
    handlers. The worker's Doist has a waker of its own; the supervisor's,
    whose kernel poller the fork shares, is never touched here.

    Parameters:
        config: what to serve and how
        inherited: descriptors of the supervisor that this worker closes
        loads: the connections each worker holds, shared with the others
    """
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    for signum in (signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(signum, signal.SIG_IGN)
    return serveWorker(config, loads)
