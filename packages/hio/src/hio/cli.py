"""hio command line

Module that contains the command line app.

Why does this file exist, and why not put this in ``__main__``?

You might be tempted to import things from ``__main__`` later, but that will
cause problems: the code will get executed twice:

- When you run ``python -m hio`` python will execute ``__main__.py`` as a
  script. That means there won't be any ``hio.__main__`` in ``sys.modules``.
- When you import ``__main__`` it will get executed again (as a module)
  because there's no ``hio.__main__`` in ``sys.modules``.

Also see (1) from http://click.pocoo.org/5/setuptools/#setuptools-integration

The commands:

- ``hio --version``: the version of hio.
- ``hio demo``: the quick-start demo, a web server and an HTTP client under
  one Doist on loopback, each doer telling what it does and when, then a
  clean shutdown.
- ``hio serve [APP]``: a WSGI application (``MODULE:APP``, see
  :mod:`hio.deploying.apping`), or with none the demo web app (and a
  directory, with ``--static``), on hio's own WSGI server in worker
  processes, each under a real-time Doist, kept by a supervising process
  until SIGINT or SIGTERM (:mod:`hio.deploying`); prints the URL served on
  the first line. With ``--asyncio`` each worker's Doist runs with
  ``Doist.ado()`` inside an asyncio event loop instead of ``Doist.do()``.
  Every option can come from an environment variable ``HIO_<OPTION>``. A
  command that cannot start (an application that cannot be imported, an
  address that cannot be listened on, a bad option) says why in one line and
  exits with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import hio
from hio.deploying import configuring

__all__ = ["main", "parser"]

parser = argparse.ArgumentParser(
    prog="hio",
    description="hio: hierarchical structured concurrency with asynchronous I/O.",
    epilog="Run 'hio COMMAND --help' for the options of a command.",
)
parser.add_argument("--version", action="version", version=f"%(prog)s {hio.__version__}")
commands = parser.add_subparsers(dest="command", metavar="COMMAND")

demoParser = commands.add_parser(
    "demo",
    help="run the quick-start demo",
    description="The quick-start demo: one Doist runs the demo web server on 127.0.0.1 (any free port) and a "
    "hio HTTP client that fetches its JSON endpoint and a few server sent events, printing what each doer "
    "does and at what tyme, then closes everything. Needs no network beyond loopback and no input.",
)
demoParser.add_argument("--count", type=int, default=3, help="server sent events to fetch (default %(default)s)")
demoParser.add_argument(
    "--period", type=float, default=0.25, help="tyme from one event to the next (default %(default)s s)"
)
demoParser.add_argument("--tock", type=float, default=0.03125, help="Doist tock (default %(default)s s)")
demoParser.add_argument(
    "--real", action="store_true", help="run on real time instead of artificial tyme (takes about a second)"
)

serveParser = commands.add_parser(
    "serve",
    help="serve a WSGI app (or the demo web app) on hio's WSGI server, in worker processes",
    description="Serves the WSGI application APP through hio's own WSGI server in --workers processes, each "
    "under a real-time Doist, all accepting on the same listening sockets, kept by a supervising process. "
    "Without APP it serves the demo web app (JSON at /api/info, server sent events at /api/events, the client "
    "app at /demo/) and a directory at /. The first line on stdout is the URL served (one line per --bind). "
    "Signals to the supervisor: SIGTERM or SIGINT stop (the workers finish the responses in process, for up "
    "to --graceful-timeout, then it exits with status 0); SIGHUP replaces the workers one at a time (to load "
    "new code) without refusing a connection; SIGTTIN and SIGTTOU add and remove a worker. A worker that "
    "dies is replaced at once. Exit status 2 when it cannot start: APP cannot be imported or is not "
    "callable, an address cannot be listened on, or an option is wrong.",
    epilog="Every option can also be set by an environment variable HIO_<OPTION> (HIO_WORKERS=4, "
    "HIO_BIND='127.0.0.1:8000 unix:/run/app.sock', HIO_ACCESS_LOG=-); the command line wins.",
)
configuring.addOptions(serveParser)
serveParser.add_argument(
    "-q",
    "--quiet",
    action="store_true",
    help="log only warnings and errors, not each request of the demo app (env HIO_QUIET)",
)


def demo(opts: argparse.Namespace) -> int:
    """Runs ``hio demo``; returns the exit status.

    Parameters:
        opts: the parsed command line options of hio demo
    """
    if opts.count < 1 or opts.period <= 0.0 or opts.tock <= 0.0:
        demoParser.error("--count, --period and --tock must be positive")
    from hio.demo import quickstart

    return quickstart.run(count=opts.count, period=opts.period, tock=opts.tock, real=opts.real)


def serve(opts: argparse.Namespace) -> int:
    """Runs ``hio serve``; returns the exit status.

    Parameters:
        opts: the parsed command line options of hio serve
    """
    config = configuring.resolveOptions(serveParser, opts)
    opts.quiet = opts.quiet or configuring.envFlag(serveParser, "HIO_QUIET")
    from hio.deploying import supervising
    from hio.help.ogling import Ogler

    ogler = Ogler(name="serve", level=logging.WARNING if opts.quiet else logging.INFO, syslogged=False, filed=False)
    log = ogler.getLogger("hio")  # the modules' loggers ("hio.<module>") propagate to it

    def announce(url: str) -> None:
        print(url, flush=True)
        if config.worker.app:
            log.info("serving %s at %s; Ctrl-C to stop", config.worker.app, url)
        else:
            log.info("the demo client app is at %sdemo/; Ctrl-C to stop", url)

    log.info("hio %s: %d worker%s", hio.__version__, config.workers, "" if config.workers == 1 else "s")
    if config.worker.asyncio:
        log.info("serving under Doist.ado() in an asyncio event loop")
    try:
        supervising.serveApp(config, announce)
    except (supervising.BootError, ValueError) as ex:  # BindError is a ValueError
        print(f"hio serve: {ex}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        pass
    log.info("stopped")
    return 0


def main(args: Sequence[str] | None = None) -> int:
    """Runs the hio command line with ``args`` (default sys.argv[1:]); returns the exit status.

    Parameters:
        args: command line arguments
    """
    opts = parser.parse_args(args)
    if opts.command == "demo":
        return demo(opts)
    if opts.command == "serve":
        return serve(opts)
    parser.print_help()
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a script
    sys.exit(main())
