"""hio daemon

Background Server Daemon for keri

``hiod`` serves a WSGI application (``hiod MODULE:APP``), or with none the
demo web server (:mod:`hio.demo.web.demo_web`), in the foreground until it
receives SIGINT or SIGTERM, as ``hio serve`` does and with the same options
(:mod:`hio.deploying.configuring`): worker processes, each a real-time Doist,
kept by a supervising process that replaces a worker that dies, replaces
them one at a time on SIGHUP, and on SIGINT or SIGTERM lets them finish the
responses in process (up to ``--graceful-timeout``), closes the sockets and
exits with status 0. It logs through an :class:`~hio.help.ogling.Ogler`: to
stderr, and to a rotating file as well with ``--logdir DIR``
(``DIR/hio/logs/hiod.log``) or ``--temp`` (a temporary directory removed on
exit); the workers, forked from it, log to the same.

The line it prints first on stdout is the URL it serves, so a supervisor (or
a test) that starts it with ``--port 0`` learns the port. When it cannot
start (an application that cannot be imported, an address that cannot be
listened on, a bad option) it says why in one line and exits with status 2.

:func:`adoDemo` serves the demo under ``Doist.ado()`` inside a running
asyncio event loop, in one process: the way to serve hio beside asyncio code.
The doers that end a Doist cleanly, :class:`UntilDoer` and
:class:`SignalDoer`, come from :mod:`hio.ending` and are offered here too.

Usage:
    hiod --host 127.0.0.1 --port 8080 --logdir /var/tmp/hio
    hiod yourmodule:app --bind 0.0.0.0:8000 --workers auto
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import hio
from hio.base import doing
from hio.deploying import configuring
from hio.ending import SignalDoer, UntilDoer
from hio.help.ogling import Ogler

__all__ = [
    "SignalDoer",
    "UntilDoer",
    "adoDemo",
    "logger",
    "main",
    "parser",
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


LEVELS = ("debug", "info", "warning", "error", "critical")
"""Log level names the command line accepts."""

parser = argparse.ArgumentParser(
    prog="hiod",
    description="Serves the WSGI application APP (or without it the hio demo web server) on hio's WSGI server "
    "in --workers processes, each under a real-time Doist, kept by a supervising process, until SIGINT or "
    "SIGTERM; then the workers finish the responses in process (up to --graceful-timeout) and it exits with "
    "status 0. SIGHUP replaces the workers one at a time. Prints the URL it serves on the first line of stdout. "
    "Exit status 2 when it cannot start.",
    epilog="Every option can also be set by an environment variable HIO_<OPTION> (HIO_WORKERS=4, "
    "HIO_BIND='127.0.0.1:8000 unix:/run/app.sock'); the command line wins.",
)
parser.add_argument("--version", action="version", version=f"%(prog)s {hio.__version__}")
configuring.addOptions(parser)
parser.add_argument("--name", default=None, help="name of the log file (default hiod; env HIO_NAME)")
group = parser.add_mutually_exclusive_group()
group.add_argument("--logdir", metavar="DIR", default=None, help="also log to DIR/hio/logs/NAME.log (env HIO_LOGDIR)")
group.add_argument(
    "--temp",
    action="store_true",
    help="also log to a file in a temporary directory, removed on exit (env HIO_TEMP)",
)
parser.add_argument("--loglevel", choices=LEVELS, default=None, help="log level (default info; env HIO_LOGLEVEL)")


def logOptions(opts: argparse.Namespace, environ: Mapping[str, str] | None = None) -> None:
    """Fills hiod's log options not given on the command line from HIO_NAME, HIO_LOGDIR, HIO_TEMP and
    HIO_LOGLEVEL, else their defaults; ends the command (status 2, one line) on a bad value.

    Parameters:
        opts: the parsed options
        environ: the environment, default os.environ
    """
    environ = os.environ if environ is None else environ
    if opts.name is None:
        opts.name = environ.get("HIO_NAME") or "hiod"
    if not opts.logdir and not opts.temp:
        opts.logdir = environ.get("HIO_LOGDIR") or None
        if opts.logdir is None:
            opts.temp = configuring.envFlag(parser, "HIO_TEMP", environ)
    if opts.loglevel is None:
        opts.loglevel = (environ.get("HIO_LOGLEVEL") or "info").lower()
        if opts.loglevel not in LEVELS:
            parser.exit(2, f"hiod: HIO_LOGLEVEL={opts.loglevel!r} is not one of {', '.join(LEVELS)}\n")


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
    config = configuring.resolveOptions(parser, opts)
    logOptions(opts)
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
        from hio.deploying import apping, supervising

        try:
            doist = supervising.serveApp(config, announce)
        except (supervising.BootError, apping.AppError, ValueError) as ex:  # BindError is a ValueError
            log.error("hiod cannot serve: %s", ex)
            return 2
        except KeyboardInterrupt:  # a second Ctrl-C while stopping
            log.info("hiod interrupted")
            return 0
        log.info("hiod stopped cleanly at tyme %.5f", doist.tyme)
        return 0
    finally:
        ogler.close(clear=opts.temp)


if __name__ == "__main__":  # pragma: no cover - run as a script
    sys.exit(main())
