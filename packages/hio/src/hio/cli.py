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
- ``hio serve``: the demo web app (and a directory, with ``--static``) on
  hio's own WSGI server under a real-time Doist, until SIGINT or SIGTERM;
  prints the URL served on the first line. With ``--asyncio`` the Doist runs
  with ``Doist.ado()`` inside an asyncio event loop instead of ``Doist.do()``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import hio
from hio import daemon

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
    help="serve the demo web app (and a directory) on hio's WSGI server",
    description="Serves the demo web app (JSON at /api/info, server sent events at /api/events, the client app "
    "at /demo/) and a directory at / through hio's own WSGI server under a real-time Doist, until SIGINT or "
    "SIGTERM. The first line on stdout is the URL served.",
)
daemon.addServeOptions(serveParser)
serveParser.add_argument("-q", "--quiet", action="store_true", help="log only warnings and errors, not each request")


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
    daemon.checkServeOptions(serveParser, opts)
    from hio.help.ogling import Ogler

    ogler = Ogler(name="serve", level=logging.WARNING if opts.quiet else logging.INFO, syslogged=False, filed=False)
    log = ogler.getLogger("hio")  # the modules' loggers ("hio.<module>") propagate to it

    def announce(url: str) -> None:
        print(url, flush=True)
        log.info("the demo client app is at %sdemo/; Ctrl-C to stop", url)

    if opts.asyncio:
        log.info("serving under Doist.ado() in an asyncio event loop")
    try:
        daemon.serveDemo(opts, announce)
    except (OSError, ValueError) as ex:
        print(f"hio serve: {ex}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # asyncio's own SIGINT handling, before or after the doers ran
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
