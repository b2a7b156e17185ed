"""hio.deploying.supervising module

The supervising process of ``hio serve`` and ``hiod``: it opens the
listening sockets, forks the worker processes (:mod:`hio.deploying.working`)
that inherit them, and keeps them running, under a real-time Doist of its
own whose one doer is a :class:`Supervisor`. The supervisor imports hio's
HTTP stack before it forks; each worker imports the application itself (so a
SIGHUP loads new application code).

- A worker that dies is replaced at once (the supervisor looks every tock,
  :data:`TOCK`), and the death is logged with the worker's exit status.
- SIGTERM or SIGINT: the supervisor closes its listening sockets and every
  worker drains: it accepts the connections already waiting, closes its
  listening sockets too (from then on a connection is refused, not queued
  where nobody would take it), and finishes the responses in process for up
  to the graceful timeout. Once all have exited the supervisor returns 0. A
  worker still running a second after its graceful timeout is killed.
- SIGHUP: the workers are replaced one at a time; each new worker starts
  and tells it serves before the old one it replaces drains. The listening
  sockets stay open in the supervisor throughout, so no connection is
  refused: one that comes while no worker accepts waits in the queue.
- SIGTTIN and SIGTTOU: one worker more, one worker fewer.

Why inherited sockets rather than SO_REUSEPORT: with SO_REUSEPORT each
worker would have a listening socket (and a queue) of its own, and the
connections waiting in the queue of a worker that dies or is replaced would
be reset. One socket held by the supervisor keeps one queue that outlives
every worker, works alike for Unix sockets and on every POSIX system, and
lets the workers that are awake take the connections.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import socket
import sys
import types
from collections.abc import Callable
from typing import Any

from hio.base import doing
from hio.base.waking import Waker, wakerOf
from hio.deploying import apping, binding
from hio.deploying.accessing import AccessLog
from hio.deploying.balancing import Loads
from hio.deploying.configuring import ServeConfig

__all__ = ["BootError", "Supervisor", "WorkerProcess", "logger", "serveApp"]

logger = logging.getLogger(__name__)

TOCK = 0.05
"""Tock of the supervisor's Doist: how often it looks after its workers, in seconds."""

RESPAWN_PAUSE = 1.0
"""Seconds before a worker that could not start is tried again."""

KILL_GRACE = 1.0
"""Seconds past a worker's graceful timeout before it is killed."""


class BootError(Exception):
    """The first worker could not start: str() is its one-line reason (such as an app that cannot be imported)."""


class WorkerProcess:
    """One worker process as its supervisor knows it.

    Attributes:
        pid (int): its process id
        status (int): read end of its status pipe, -1 once closed
        ready (bool): True once it said it serves
        failed (str): its reason when it said it cannot start, else ""
        stopping (float | None): tyme by which it must have exited, once told to drain
        code (int | None): its exit status once it exited (negative: the signal that killed it)
        slot (int): its slot in the shared connection counts (balancing.Loads)
        waker (Waker | None): the supervisor's waker, which watches the status pipe
    """

    def __init__(self, pid: int, status: int, slot: int = -1, waker: Waker | None = None) -> None:
        """
        Parameters:
            pid: its process id
            status: read end of its status pipe
            slot: its slot in the shared connection counts
            waker: the supervisor's waker, which watches the status pipe
        """
        self.pid = pid
        self.status = status
        self.slot = slot
        self.waker = waker
        if waker is not None:
            waker.watch(status)  # wakes the supervisor when the worker says something
        self.code: int | None = None
        self.ready = False
        self.failed = ""
        self.told = False  # True once its failure was acted on
        self.stopping: float | None = None

    def poll(self) -> int | None:
        """Its exit status once it exited (reaped here), else None."""
        if self.code is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped already
                self.code = -signal.SIGKILL
                return self.code
            if pid:
                self.code = os.waitstatus_to_exitcode(status)
        return self.code

    def read(self) -> None:
        """Takes what it said on its status pipe: R (serves) or E and a reason (cannot start)."""
        if self.status < 0:
            return
        try:
            data = os.read(self.status, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.closeStatus()
            return
        if data.startswith(b"R"):
            self.ready = True
            logger.info("worker %d serves", self.pid)
        elif data.startswith(b"E"):
            self.failed = data[1:].decode("utf-8", "replace").strip() or "cannot start"

    def closeStatus(self) -> None:
        """Closes the status pipe."""
        if self.status >= 0:
            if self.waker is not None:
                self.waker.unwatch(self.status)
            os.close(self.status)
            self.status = -1

    def signal(self, signum: int) -> None:
        """Sends it signum, if it still runs.

        Parameters:
            signum: the signal
        """
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except OSError:
                pass


class Supervisor(doing.Doer):
    """Doer that keeps .config.workers worker processes serving on the listening sockets (see module docs).

    Attributes:
        config (ServeConfig): what to serve and how
        listeners (list[socket.socket]): the listening sockets the workers inherit
        workers (list[WorkerProcess]): the workers running
        loads (Loads): the connections each worker holds, shared with them (see hio.deploying.balancing)
        count (int): how many workers it keeps
        stopping (bool): True once SIGTERM or SIGINT came
        failure (str): the reason the first worker could not start, else ""
    """

    Signums = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU)

    def __init__(self, config: ServeConfig, listeners: list[socket.socket], **kwa: Any) -> None:
        """
        Parameters:
            config: what to serve and how
            listeners: the open listening sockets, in the order of config.binds
            kwa: Doer parameters (tymth, tock)
        """
        super().__init__(**kwa)
        self.config = config
        self.listeners = listeners
        self.workers: list[WorkerProcess] = []
        self.loads = Loads()  # before any worker is forked: shared with them all
        self.count = config.workers
        self.stopping = False
        self.failure = ""
        self._served = False  # True once a worker said it serves
        self._signals: list[int] = []
        self._prior: dict[int, Any] = {}
        self._rolling: list[WorkerProcess] = []  # old workers still to be replaced (SIGHUP)
        self._incoming: WorkerProcess | None = None  # the new worker that replaces the first of ._rolling
        self._pauseUntil = 0.0  # no new worker before this tyme (after one could not start)

    def handle(self, signum: int, frame: types.FrameType | None) -> None:
        """Signal handler: records the signal for the next pass.

        Parameters:
            signum: the signal received
            frame: the frame it interrupted
        """
        self._signals.append(signum)

    def enter(self, *, temp: bool | None = None) -> None:
        """Installs the signal handlers and starts the workers.

        Parameters:
            temp: unused: a supervisor holds no temporary files
        """
        for signum in self.Signums:
            self._prior[signum] = signal.signal(signum, self.handle)
        for _ in range(self.count):
            self.spawn()

    def spawn(self) -> WorkerProcess:
        """Forks one worker process on the listening sockets (see :func:`hio.deploying.working.forked`)."""
        from hio.deploying import working

        reader, writer = os.pipe()
        os.set_blocking(reader, False)
        slot = self.loads.take()
        fds = [sock.fileno() for sock in self.listeners]
        config = dataclasses.replace(self.config.worker, fds=fds, status=writer, slot=slot)
        inherited = [reader] + [worker.status for worker in self.workers if worker.status >= 0]
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: it never returns into the supervisor's Doist
            code = 1
            try:
                code = working.forked(config, inherited, self.loads)
            except BaseException as ex:
                logger.error("worker %d failed: %r", os.getpid(), ex, exc_info=ex)
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        os.close(writer)
        one = WorkerProcess(pid, reader, slot, wakerOf(self.tymth))
        self.workers.append(one)
        logger.info("worker %d starting", pid)
        return one

    def recur(self, tyme: float) -> bool:
        """Looks after the workers once: signals, what they said, the dead and the replacements.

        Parameters:
            tyme: the Doist's tyme

        Returns:
            bool: True once stopping and every worker has exited
        """
        while self._signals:
            self._signal(self._signals.pop(0), tyme)
        for worker in list(self.workers):
            worker.read()
            if worker.failed and not worker.told:
                worker.told = True
                self._bootFailed(worker, tyme)
            elif worker.ready and not self._served:
                self._served = True
            code = worker.poll()
            if code is not None:
                self._reap(worker, code, tyme)
        if self.failure:
            self._stopAll(tyme)
            return not self.workers
        if self.stopping:
            for worker in self.workers:
                if worker.stopping is not None and tyme >= worker.stopping:
                    logger.warning("worker %d did not exit in time: killing it", worker.pid)
                    worker.signal(signal.SIGKILL)
                    worker.stopping = tyme + KILL_GRACE
            return not self.workers
        self._roll(tyme)
        running = [worker for worker in self.workers if worker.stopping is None]
        if len(running) < self.count and tyme >= self._pauseUntil:
            for _ in range(self.count - len(running)):
                self.spawn()
        elif len(running) > self.count and not self._rolling and self._incoming is None:
            self._retire(running[0], tyme)
        return False

    def _signal(self, signum: int, tyme: float) -> None:
        """Acts on one signal received."""
        name = signal.Signals(signum).name
        if signum in (signal.SIGTERM, signal.SIGINT):
            if not self.stopping:
                logger.info("%s received: closing (workers drain for up to %g s)", name, self.config.worker.graceful)
                self.stopping = True
                self._stopAll(tyme)
                for sock in self.listeners:  # once the workers have taken what waits, connections are refused
                    sock.close()
        elif self.stopping:
            return
        elif signum == signal.SIGHUP:
            logger.info("SIGHUP received: replacing the %d workers one at a time", len(self.workers))
            self._rolling = [worker for worker in self.workers if worker.stopping is None]
        elif signum == signal.SIGTTIN:
            self.count += 1
            logger.info("SIGTTIN received: %d workers", self.count)
        elif signum == signal.SIGTTOU and self.count > 1:
            self.count -= 1
            logger.info("SIGTTOU received: %d workers", self.count)

    def _stopAll(self, tyme: float) -> None:
        """Tells every worker not yet told to drain."""
        for worker in self.workers:
            if worker.stopping is None:
                self._retire(worker, tyme)

    def _retire(self, worker: WorkerProcess, tyme: float) -> None:
        """Tells worker to drain (SIGTERM); it is killed if it runs past its graceful timeout."""
        worker.stopping = tyme + self.config.worker.graceful + KILL_GRACE
        worker.signal(signal.SIGTERM)

    def _roll(self, tyme: float) -> None:
        """SIGHUP: starts the replacement of the first old worker, or retires it once its replacement serves."""
        if not self._rolling:
            return
        incoming = self._incoming
        if incoming is None:
            if tyme >= self._pauseUntil:
                self._incoming = self.spawn()
            return
        if incoming.failed or incoming not in self.workers:  # it could not start: the old ones stay
            self._incoming = None
            self._rolling = []
            logger.error("replacing the workers stopped: a new worker could not start")
            return
        if incoming.ready:
            old = self._rolling.pop(0)
            self._incoming = None
            if old in self.workers and old.stopping is None:
                logger.info("worker %d serves: worker %d drains", incoming.pid, old.pid)
                self._retire(old, tyme)
            if not self._rolling:
                logger.info("all workers replaced")

    def _bootFailed(self, worker: WorkerProcess, tyme: float) -> None:
        """A worker said it cannot start: the run ends if none ever served, else it is tried again later."""
        if not self._served and not self.failure:
            self.failure = worker.failed
        else:
            logger.error("worker %d cannot start: %s; trying again in %g s", worker.pid, worker.failed, RESPAWN_PAUSE)
        self._pauseUntil = tyme + RESPAWN_PAUSE
        worker.stopping = tyme + KILL_GRACE  # it exits by itself; its exit is reaped as any

    def _reap(self, worker: WorkerProcess, code: int, tyme: float) -> None:
        """Forgets a worker that exited; one that was not told to is logged (and replaced by recur)."""
        worker.read()
        worker.closeStatus()
        self.loads.free(worker.slot)
        self.workers.remove(worker)
        if worker in self._rolling:
            self._rolling.remove(worker)
        if worker.stopping is not None or self.stopping:
            logger.info("worker %d exited (%s)", worker.pid, _exitText(code))
        else:
            logger.error("worker %d died (%s): starting another", worker.pid, _exitText(code))

    def exit(self) -> None:
        """Kills the workers still running (after a failure), restores the signal handlers."""
        for worker in self.workers:
            worker.signal(signal.SIGKILL)
            if worker.code is None:
                try:
                    os.waitpid(worker.pid, 0)
                except ChildProcessError:
                    pass
            worker.closeStatus()
        self.workers = []
        while self._prior:
            signum, prior = self._prior.popitem()
            signal.signal(signum, prior if prior is not None else signal.SIG_DFL)


def _exitText(code: int) -> str:
    """How a worker ended, from its exit code (negative: killed by that signal)."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def checkTls(config: ServeConfig) -> None:
    """Loads the TLS files once, so that a bad one is told before any worker starts.

    Parameters:
        config: what to serve; its worker's certfile, keyfile and cacerts

    Raises:
        ValueError: naming the file and why
    """
    worker = config.worker
    if not worker.certfile:
        return
    from hio.core.tcp.serving import initServerContext

    try:
        initServerContext(certpath=worker.certfile, keypath=worker.keyfile or None, cafilepath=worker.cacerts or None)
    except (OSError, ValueError) as ex:
        raise ValueError(f"cannot load the TLS files {worker.certfile}: {ex}") from None


def serveApp(config: ServeConfig, announce: Callable[[str], None]) -> doing.Doist:
    """Serves config's application with its workers until SIGTERM or SIGINT (see module docs).

    Opens the listening sockets, tells announce the URL of each, runs the
    supervisor's Doist, then closes the sockets (and removes Unix socket
    files it made).

    Parameters:
        config: what to serve and how
        announce: takes the URL of each address once it listens, in order

    Returns:
        doing.Doist: the supervisor's Doist that ran

    Raises:
        binding.BindError: when an address cannot be listened on
        ValueError: when the TLS files or the access log cannot be used
        BootError: when the first worker could not start (its reason)
    """
    checkTls(config)
    if config.worker.app:
        apping.findModule(config.worker.app, directory=config.worker.directory)  # a misspelt module: one line, now
    if config.worker.accessLog not in ("", "-"):
        try:
            AccessLog(config.worker.accessLog).close()  # opened as each worker will, to fail here first
        except OSError as ex:
            raise ValueError(f"cannot write the access log {config.worker.accessLog}: {ex.strerror or ex}") from None
    listeners: list[socket.socket] = []
    made: list[str] = []
    try:
        for bind in config.binds:
            sock = binding.openListener(bind, backlog=config.backlog)
            listeners.append(sock)
            if bind.unix:
                made.append(bind.path)
            announce(binding.urlOf(binding.boundAs(sock), config.scheme))
        from hio.deploying import working  # noqa: F401  # imported once here, ready in every forked worker

        doist = doing.Doist(real=True, tock=TOCK)
        supervisor = Supervisor(config, listeners, tymth=doist.tymen())  # tock 0: also on a wake by a status pipe
        doist.do(doers=[supervisor])
        if supervisor.failure:
            raise BootError(supervisor.failure)
        return doist
    finally:
        for sock in listeners:
            sock.close()
        for path in made:
            try:
                os.unlink(path)
            except OSError:
                pass
