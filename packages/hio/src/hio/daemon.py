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

The options that say where and how to serve (:func:`addServeOptions`) and
serving what they say (:func:`serveDemo`) are shared with ``hio serve``
(:mod:`hio.cli`). The doers that end a Doist cleanly, :class:`UntilDoer` and
:class:`SignalDoer`, come from :mod:`hio.ending` and are offered here too.

Usage:
    hiod --host 127.0.0.1 --port 8080 --logdir /var/tmp/hio
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import hio
from hio.base import doing
from hio.ending import SignalDoer, UntilDoer
from hio.help.ogling import Ogler

__all__ = [
    "SignalDoer",
    "UntilDoer",
    "addServeOptions",
    "adoDemo",
    "checkServeOptions",
    "logger",
    "main",
    "parser",
    "serveDemo",
]

logger = logging.getLogger(__name__)


async def adoDemo(**kwa: Any) -> doing.Doist:
    """Serves the demo web app under ``Doist.ado()`` on the running asyncio event loop.

    The same Doist and doers as :func:`hio.demo.web.demo_web.run`, until
    SIGINT or SIGTERM (or ``limit`` tyme): a real-time Doist that the loop
    wakes when a connection is readable, so other asyncio tasks share the
    process. Must run in the main thread (it installs the signal handlers
    while it runs). Cancelling it closes every doer, the server and its
    connections.

    Usage::

        asyncio.run(adoDemo(port=8080))

    Parameters:
        kwa: the parameters of :func:`hio.demo.web.demo_web.demoDoist` (host,
            port, staticDirPath, tock, period, limit, announce, report)

    Returns:
        doing.Doist: the Doist that ran

    Raises:
        OSError: when the server cannot listen on host and port
        NotADirectoryError: when staticDirPath is not a directory
    """
    from hio.demo.web import demo_web  # on use: the command lines start without the web stack

    doist = demo_web.demoDoist(**kwa)
    await doist.ado()
    return doist


def addServeOptions(parser: argparse.ArgumentParser) -> None:
    """Adds the options that say where and how to serve the demo web app.

    ``hiod`` and ``hio serve`` share them: --host, --port, --static, --tock,
    --period and --asyncio; :func:`checkServeOptions` checks them and
    :func:`serveDemo` serves what they say.

    Parameters:
        parser: the command line parser (or subparser) to add them to
    """
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
    parser.add_argument(
        "--asyncio",
        action="store_true",
        help="run the Doist with ado() inside an asyncio event loop (asyncio.run) instead of do(); "
        "the loop wakes it when a connection is readable",
    )


def checkServeOptions(parser: argparse.ArgumentParser, opts: argparse.Namespace) -> None:
    """Exits with a usage error (status 2) unless --tock and --period are positive.

    Parameters:
        parser: the parser that parsed ``opts``; it reports the error
        opts: the parsed options of :func:`addServeOptions`
    """
    if opts.tock <= 0.0 or opts.period <= 0.0:
        parser.error("--tock and --period must be positive")


def serveDemo(opts: argparse.Namespace, announce: Callable[[str], None]) -> doing.Doist:
    """Serves the demo web app as the options of :func:`addServeOptions` say.

    Runs until SIGINT or SIGTERM under ``Doist.do()``, or with ``--asyncio``
    under ``Doist.ado()`` in a new asyncio event loop.

    Parameters:
        opts: the parsed options
        announce: takes the server's URL once it listens

    Returns:
        doing.Doist: the Doist that ran

    Raises:
        OSError: when the server cannot listen on host and port
        ValueError: when the options cannot be served (NotADirectoryError for --static)
        KeyboardInterrupt: from asyncio's own SIGINT handling, before or after the doers ran
    """
    serve = {
        "host": opts.host,
        "port": opts.port,
        "staticDirPath": opts.static,
        "tock": opts.tock,
        "period": opts.period,
        "announce": announce,
    }
    if opts.asyncio:
        import asyncio

        return asyncio.run(adoDemo(**serve))
    from hio.demo.web import demo_web

    return demo_web.run(**serve)


LEVELS = ("debug", "info", "warning", "error", "critical")
"""Log level names the command line accepts."""

parser = argparse.ArgumentParser(
    prog="hiod",
    description="Runs the hio demo web server under a real-time Doist until SIGINT or SIGTERM, "
    "then closes every doer and exits with status 0. Prints the URL it serves on the first line of stdout.",
)
parser.add_argument("--version", action="version", version=f"%(prog)s {hio.__version__}")
addServeOptions(parser)
parser.add_argument("--name", default="hiod", help="name of the log file (default %(default)s)")
group = parser.add_mutually_exclusive_group()
group.add_argument("--logdir", metavar="DIR", default=None, help="also log to DIR/hio/logs/NAME.log")
group.add_argument("--temp", action="store_true", help="also log to a file in a temporary directory, removed on exit")
parser.add_argument("--loglevel", choices=LEVELS, default="info", help="log level (default %(default)s)")


def announce(url: str) -> None:
    """Prints the served URL on stdout, at once (it is the first line).

    Parameters:
        url: the URL served
    """
    print(url, flush=True)


def main(args: Sequence[str] | None = None) -> int:
    """Runs hiod with command line ``args`` (default sys.argv[1:]); returns the exit status.

    Parameters:
        args: command line arguments
    """
    opts = parser.parse_args(args)
    checkServeOptions(parser, opts)
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
        log.info("hiod %s starting%s", hio.__version__, f", logging to {ogler.path}" if filed else "")
        try:
            doist = serveDemo(opts, announce)
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
