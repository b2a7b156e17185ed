"""hio daemon

Background Server Daemon for keri

``hiod`` runs the demo web server (:mod:`hio.demo.web.demo_web`) under a
real-time Doist in the foreground until it receives SIGINT or SIGTERM. Then
every doer is closed through its close and exit contexts, last entered
first, the sockets are closed and the process exits with status 0. It logs
through an :class:`~hio.help.ogling.Ogler`: to stderr, and to a rotating file
as well with ``--logdir DIR`` (``DIR/hio/logs/hiod.log``) or ``--temp`` (a
temporary directory removed on exit).

The line it prints first on stdout is the URL it serves, so a supervisor (or
a test) that starts it with ``--port 0`` learns the port.

With ``--asyncio`` the same doers run under ``Doist.ado()`` inside an asyncio
event loop (:func:`adoDemo`) instead of ``Doist.do()``: the way to serve hio
beside asyncio code in one process.

This module also holds the doers that end a Doist cleanly: :class:`UntilDoer`
runs its doers until a condition holds and :class:`SignalDoer` until a
signal arrives.

Usage:
    hiod --host 127.0.0.1 --port 8080 --logdir /var/tmp/hio
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import hio
from hio.base import doing
from hio.help.ogling import Ogler

__all__ = ["SignalDoer", "UntilDoer", "adoDemo", "logger", "main", "parser"]

logger = logging.getLogger(__name__)


class UntilDoer(doing.DoDoer):
    """DoDoer that runs its doers until a condition holds, then completes.

    Each cycle it first runs its doers, then asks ``.until()``. When that is
    true it is done: its exit context closes the doers still running, last
    entered first, each through its close and exit contexts. It also
    completes, as any DoDoer, when all its doers have completed.

    Attributes:
        until (Callable[[], bool]): the condition that ends the run
    """

    def __init__(self, until: Callable[[], bool] | None = None, **kwa: Any) -> None:
        """
        Parameters:
            until: condition checked once a cycle, None means never
            kwa: DoDoer parameters (doers, always, tock, ...)
        """
        super().__init__(**kwa)
        self.until = until if until is not None else (lambda: False)

    def recur(self, tyme: float, deeds: doing.Deeds | None = None) -> bool:
        """Runs the doers once, then returns True when done or .until() holds.

        Parameters:
            tyme: the root Doist's tyme
            deeds: the deeds to run, default .deeds
        """
        if super().recur(tyme, deeds):
            return True
        return bool(self.until())


class SignalDoer(UntilDoer):
    """UntilDoer that runs its doers until the process receives one of .signums.

    Its enter context installs a handler for each signal (only a flag is set
    there, so no exception ever interrupts a doer halfway); its exit context
    closes the doers still running and then restores the previous handlers.
    Signal handlers belong to the main thread, so a Doist running a
    SignalDoer must run there.

    Attributes:
        signums (tuple[int, ...]): the signals that end the run
        signaled (int | None): the signal received, None while none
    """

    Signums = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, signums: Iterable[int] | None = None, **kwa: Any) -> None:
        """
        Parameters:
            signums: signals that end the run, default SIGINT and SIGTERM
            kwa: DoDoer parameters (doers, tock, ...)
        """
        super().__init__(until=self.received, **kwa)
        self.signums = tuple(signums) if signums is not None else self.Signums
        self.signaled: int | None = None
        self._prior: dict[int, Any] = {}  # previous handler of each signal while installed

    def received(self) -> bool:
        """True once one of the signals was received."""
        return self.signaled is not None

    def handle(self, signum: int, frame: types.FrameType | None) -> None:
        """Signal handler: records the signal; the next cycle ends the run."""
        self.signaled = signum

    def enter(self, doers: Iterable[Any] | None = None, *, temp: bool | None = None) -> doing.Deeds:
        """Installs the signal handlers, then enters the doers."""
        self.signaled = None
        for signum in self.signums:
            self._prior[signum] = signal.signal(signum, self.handle)
        return super().enter(doers, temp=temp)

    def exit(self, deeds: doing.Deeds | None = None) -> None:
        """Closes the doers still running, then restores the previous signal handlers."""
        if self.signaled is not None:
            logger.info("%s received: closing", signal.Signals(self.signaled).name)
        try:
            super().exit(deeds)
        finally:
            while self._prior:
                signum, prior = self._prior.popitem()
                signal.signal(signum, prior if prior is not None else signal.SIG_DFL)


async def adoDemo(
    host: str = "127.0.0.1",
    port: int = 8080,
    staticDirPath: str | None = None,
    tock: float = 0.03125,
    period: float = 0.5,
    limit: float | None = None,
    announce: Callable[[str], None] | None = None,
    report: Callable[[str], None] | None = None,
) -> doing.Doist:
    """Serves the demo web app under ``Doist.ado()`` on the running asyncio event loop.

    The same doers as :func:`hio.demo.web.demo_web.run`, until SIGINT or
    SIGTERM (or ``limit`` tyme): a real-time Doist that the loop wakes when a
    connection is readable, so other asyncio tasks share the process. Must run
    in the main thread (it installs the signal handlers while it runs).
    Cancelling it closes every doer, the server and its connections.

    Usage::

        asyncio.run(adoDemo(port=8080))

    Parameters:
        host: address to listen on, "" means every interface
        port: port to listen on, 0 means any free port
        staticDirPath: directory served at ``/``, None means the demo client app
        tock: real-time seconds of one Doist cycle
        period: seconds from one server sent event to the next
        limit: tyme in seconds after which to stop, None means no limit
        announce: takes the server's URL once it listens, None means log it
        report: takes a one line summary of each answered request, None means log it

    Returns:
        doing.Doist: the Doist that ran

    Raises:
        OSError: when the server cannot listen on host and port
        NotADirectoryError: when staticDirPath is not a directory
    """
    from hio.core.http import serving
    from hio.demo.web import demoing
    from hio.demo.web.demo_web import WebServerDoer

    doist = doing.Doist(real=True, tock=tock, limit=limit)
    app = demoing.createApp(tymth=doist.tymen(), staticDirPath=staticDirPath, period=period, report=report)
    server = serving.Server(app=app, host=host, port=port)
    await doist.ado(doers=[SignalDoer(doers=[WebServerDoer(server=server, announce=announce)])])
    return doist


LEVELS = ("debug", "info", "warning", "error", "critical")
"""Log level names the command line accepts."""

parser = argparse.ArgumentParser(
    prog="hiod",
    description="Runs the hio demo web server under a real-time Doist until SIGINT or SIGTERM, "
    "then closes every doer and exits with status 0. Prints the URL it serves on the first line of stdout.",
)
parser.add_argument("--version", action="version", version=f"%(prog)s {hio.__version__}")
parser.add_argument(
    "--host", default="127.0.0.1", help="host to listen on, '' for every interface (default %(default)s)"
)
parser.add_argument(
    "--port", type=int, default=8080, help="port to listen on, 0 for any free one (default %(default)s)"
)
parser.add_argument(
    "--static",
    metavar="DIR",
    default=None,
    help="directory served at / (default: the demo client app, always served at /demo/)",
)
parser.add_argument(
    "--tock", type=float, default=0.03125, help="Doist tock: real-time seconds a cycle (default %(default)s)"
)
parser.add_argument(
    "--period", type=float, default=0.5, help="seconds from one server sent event to the next (default %(default)s)"
)
parser.add_argument("--name", default="hiod", help="name of the log file (default %(default)s)")
group = parser.add_mutually_exclusive_group()
group.add_argument("--logdir", metavar="DIR", default=None, help="also log to DIR/hio/logs/NAME.log")
group.add_argument("--temp", action="store_true", help="also log to a file in a temporary directory, removed on exit")
parser.add_argument("--loglevel", choices=LEVELS, default="info", help="log level (default %(default)s)")
parser.add_argument(
    "--asyncio", action="store_true", help="run the Doist with ado() inside an asyncio event loop instead of do()"
)


def announce(url: str) -> None:
    """Prints the served URL on stdout, at once (it is the first line)."""
    print(url, flush=True)


def main(args: Sequence[str] | None = None) -> int:
    """Runs hiod with command line ``args`` (default sys.argv[1:]); returns the exit status.

    Parameters:
        args: command line arguments
    """
    opts = parser.parse_args(args)
    if opts.tock <= 0.0 or opts.period <= 0.0:
        parser.error("--tock and --period must be positive")
    filed = bool(opts.logdir or opts.temp)
    ogler = Ogler(
        name=opts.name,
        level=getattr(logging, opts.loglevel.upper()),
        temp=opts.temp,
        headDirPath=opts.logdir,
        consoled=True,
        syslogged=False,
        filed=filed,
    )
    if filed:
        ogler.reopen()
    log = ogler.getLogger("hio")  # the modules' loggers ("hio.<module>") propagate to it
    try:
        from hio.demo.web import demo_web

        log.info("hiod %s starting%s", hio.__version__, f", logging to {ogler.path}" if filed else "")
        serve = {
            "host": opts.host,
            "port": opts.port,
            "staticDirPath": opts.static,
            "tock": opts.tock,
            "period": opts.period,
            "announce": announce,
        }
        try:
            if opts.asyncio:
                import asyncio

                doist = asyncio.run(adoDemo(**serve))
            else:
                doist = demo_web.run(**serve)
        except (OSError, ValueError) as ex:
            log.error("hiod cannot serve: %s", ex)
            return 1
        except KeyboardInterrupt:  # asyncio's own SIGINT handling, before or after the doers ran
            log.info("hiod interrupted")
            return 0
        log.info("hiod stopped cleanly at tyme %.5f", doist.tyme)
        return 0
    finally:
        ogler.close(clear=opts.temp)


if __name__ == "__main__":  # pragma: no cover - run as a script
    sys.exit(main())
