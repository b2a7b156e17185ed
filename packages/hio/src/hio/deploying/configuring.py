"""hio.deploying.configuring module

The options of ``hio serve`` and ``hiod``: added to a command line parser
(:func:`addOptions`), each also read from an environment variable
``HIO_<OPTION>`` (``--workers`` from ``HIO_WORKERS``, ``--graceful-timeout``
from ``HIO_GRACEFUL_TIMEOUT``; ``--bind`` from ``HIO_BIND``, several
separated by spaces or commas; a flag from ``1``/``true``/``yes``/``on``),
the command line winning over the environment. :func:`resolveOptions` checks
them all and turns them into a :class:`ServeConfig`; a bad value ends the
command with a one-line usage error and exit status 2.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from hio.core.http.requesting import MAX_BODY_SIZE
from hio.core.tcp.serving import MAX_UNSENT
from hio.deploying import binding

__all__ = ["ServeConfig", "WorkerConfig", "addOptions", "cpuCount", "envFlag", "resolveOptions"]

GRACEFUL = 30.0
"""Default most seconds a stopping worker waits on the responses in process."""

TOCK = 0.03125
"""Default tock of the workers' real-time Doists, in seconds."""

TYMEOUT = 5.0
"""Default seconds an idle or stalled connection is kept."""


@dataclass
class WorkerConfig:
    """What one worker process serves and how.

    Parameters:
        app (str): MODULE:APP of the application, "" for the demo web app
        directory (str): directory the application is imported from
        static (str): directory the demo serves at / ("" for its client app)
        period (float): seconds between the demo's server sent events
        fds (list[int]): descriptors of the inherited listening sockets
        status (int): descriptor of the pipe to the supervisor, -1 for none
        certfile, keyfile, cacerts (str): TLS files, "" for plain HTTP
        tock (float): tock of the real-time Doist
        tymeout (float): seconds an idle or stalled connection is kept
        maxBody (int): largest request body accepted (413 past it)
        maxUnsent (int): most unsent response bytes per connection
        accessLog (str): access log file, "-" for stdout, "" for none
        asyncio (bool): run the Doist with ado() in an asyncio event loop
        graceful (float): most seconds a drain waits on responses in process
        slot (int): the worker's slot in the shared connection counts, -1 for none
    """

    app: str = ""
    directory: str = ""
    static: str = ""
    period: float = 0.5
    fds: list[int] = field(default_factory=list)
    status: int = -1
    certfile: str = ""
    keyfile: str = ""
    cacerts: str = ""
    tock: float = TOCK
    tymeout: float = TYMEOUT
    maxBody: int = MAX_BODY_SIZE
    maxUnsent: int = MAX_UNSENT
    accessLog: str = ""
    asyncio: bool = False
    graceful: float = GRACEFUL
    slot: int = -1

    @property
    def scheme(self) -> str:
        """ "https" with a certificate, else "http"."""
        return "https" if self.certfile else "http"


@dataclass
class ServeConfig:
    """What the supervisor runs: the addresses, how many workers, and the worker's config.

    Parameters:
        binds (list[binding.Bind]): addresses to listen on
        workers (int): worker processes
        backlog (int): listen backlog of each socket
        worker (WorkerConfig): the config of each worker, without descriptors
    """

    binds: list[binding.Bind]
    workers: int = 1
    backlog: int = binding.BACKLOG
    worker: WorkerConfig = field(default_factory=WorkerConfig)

    @property
    def scheme(self) -> str:
        """ "https" with a certificate, else "http"."""
        return self.worker.scheme


def cpuCount() -> int:
    """The cores this process may run on (one worker each for ``--workers auto``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# option dest -> (environment variable, default); the defaults are applied by resolveOptions
_ENV: dict[str, tuple[str, Any]] = {}


def _option(parser: argparse.ArgumentParser, *flags: str, dest: str, default: Any, help: str, **kwa: Any) -> None:
    """Adds an option whose default comes from HIO_<DEST> before its own default."""
    env = "HIO_" + dest.upper()
    _ENV[dest] = (env, default)
    shown = "" if default in (None, "", False, []) else f"default {default}; "
    parser.add_argument(*flags, dest=dest, default=None, help=f"{help} ({shown}env {env})", **kwa)


def addOptions(parser: argparse.ArgumentParser) -> None:
    """Adds the options of serving an application with workers to parser (see module docs).

    Parameters:
        parser: the command's parser
    """
    parser.add_argument(
        "app",
        nargs="?",
        metavar="APP",
        default=None,
        help="the WSGI application: MODULE:APP, MODULE:FACTORY() (called, literal arguments allowed), "
        "PACKAGE.MODULE:ATTR.ATTR, imported from the current directory; none serves the demo web app (env HIO_APP)",
    )
    _ENV["app"] = ("HIO_APP", "")
    _option(
        parser,
        "-b",
        "--bind",
        dest="bind",
        default=[],
        action="append",
        metavar="ADDRESS",
        help="where to listen, repeatable: HOST:PORT, [IPV6]:PORT, or a Unix socket path (unix:PATH or a path "
        "with a slash); without it --host and --port say where (env: several separated by spaces)",
    )
    _option(
        parser,
        "--host",
        dest="host",
        default="127.0.0.1",
        help="host to listen on without --bind, '' for every interface",
    )
    _option(
        parser,
        "--port",
        dest="port",
        default=8080,
        type=int,
        help="port to listen on without --bind, 0 for any free one",
    )
    _option(
        parser,
        "-w",
        "--workers",
        dest="workers",
        default="1",
        metavar="N",
        help="worker processes, each a real-time Doist serving the app; 0 or 'auto' means one per core",
    )
    _option(
        parser,
        "--graceful-timeout",
        dest="graceful_timeout",
        default=GRACEFUL,
        type=float,
        metavar="SECONDS",
        help="on SIGTERM, SIGINT or SIGHUP, most seconds a worker lets the responses in process finish",
    )
    _option(
        parser, "--certfile", dest="certfile", default="", metavar="FILE", help="TLS certificate chain: serve HTTPS"
    )
    _option(
        parser, "--keyfile", dest="keyfile", default="", metavar="FILE", help="TLS private key (if not in --certfile)"
    )
    _option(
        parser,
        "--ca-certs",
        dest="ca_certs",
        default="",
        metavar="FILE",
        help="certificate authorities whose client certificates are required (TLS client authentication)",
    )
    _option(
        parser,
        "--tock",
        dest="tock",
        default=TOCK,
        type=float,
        help="Doist tock of each worker: real-time seconds a cycle",
    )
    _option(
        parser,
        "--tymeout",
        dest="tymeout",
        default=TYMEOUT,
        type=float,
        metavar="SECONDS",
        help="an idle keep-alive connection, or one whose request or reading stalls, is closed after it",
    )
    _option(
        parser,
        "--max-body",
        dest="max_body",
        default=MAX_BODY_SIZE,
        type=int,
        metavar="BYTES",
        help="largest request body accepted; a larger one gets 413",
    )
    _option(
        parser,
        "--max-unsent",
        dest="max_unsent",
        default=MAX_UNSENT,
        type=int,
        metavar="BYTES",
        help="most response bytes waiting for one client that does not read, before its next request waits",
    )
    _option(
        parser,
        "--access-log",
        dest="access_log",
        default="",
        metavar="FILE",
        help="write one line per request in the common log format to FILE (appended), '-' for stdout",
    )
    _option(
        parser,
        "--backlog",
        dest="backlog",
        default=binding.BACKLOG,
        type=int,
        help="connections each listening socket queues for the workers",
    )
    _option(
        parser,
        "--static",
        dest="static",
        default="",
        metavar="DIR",
        help="the demo web app (no APP) serves DIR at / (else its client app, always at /demo/)",
    )
    _option(
        parser, "--period", dest="period", default=0.5, type=float, help="seconds between the demo's server sent events"
    )
    _option(
        parser,
        "--asyncio",
        dest="asyncio",
        default=False,
        action="store_const",
        const=True,
        help="run each worker's Doist with ado() inside an asyncio event loop (asyncio.run) instead of do(); "
        "the loop wakes it when a connection is readable",
    )


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def envFlag(parser: argparse.ArgumentParser, env: str, environ: Mapping[str, str] | None = None) -> bool:
    """The value of the flag that environment variable env sets (1/true/yes/on, 0/false/no/off or unset).

    Ends the command with a one-line error and status 2 on any other value.

    Parameters:
        parser: the command's parser (its prog names the command)
        env: the variable's name
        environ: the environment, default os.environ
    """
    text = (os.environ if environ is None else environ).get(env, "").strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        _fail(parser, f"{env}={text!r} is not a valid value")
    return False


def _fail(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    """Ends the command: message on one line of stderr, exit status 2."""
    parser.exit(2, f"{parser.prog}: {message}\n")


def _fromEnv(dest: str, text: str, parser: argparse.ArgumentParser) -> Any:
    """The value of option dest read from its environment variable's text."""
    env, default = _ENV[dest]
    try:
        if isinstance(default, bool):
            if text.strip().lower() in _TRUE:
                return True
            if text.strip().lower() in _FALSE:
                return False
            raise ValueError(text)
        if isinstance(default, list):
            return text.replace(",", " ").split()
        if isinstance(default, float):
            return float(text)
        if isinstance(default, int):
            return int(text)
        return text
    except ValueError:
        _fail(parser, f"{env}={text!r} is not a valid value")


def resolveOptions(
    parser: argparse.ArgumentParser, opts: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> ServeConfig:
    """Fills the options not given from the environment, checks them all and returns the ServeConfig.

    Ends the command on a bad value: one line on stderr naming the option, exit status 2.

    Parameters:
        parser: the parser that parsed opts (its prog names the command)
        opts: the parsed options of :func:`addOptions`
        environ: the environment, default os.environ
    """
    environ = os.environ if environ is None else environ
    for dest, (env, default) in _ENV.items():
        if getattr(opts, dest, None) is None:
            text = environ.get(env)
            setattr(opts, dest, _fromEnv(dest, text, parser) if text is not None else default)

    def fail(message: str) -> NoReturn:
        _fail(parser, message)

    workers = str(opts.workers).strip().lower()
    if workers in ("0", "auto"):
        count = cpuCount()
    else:
        try:
            count = int(workers)
        except ValueError:
            fail(f"--workers {opts.workers!r}: a number of workers, or 0 or 'auto'")
        if count < 0:
            fail(f"--workers {count}: a number of workers, or 0 or 'auto'")
    for name, value in (("--tock", opts.tock), ("--period", opts.period), ("--tymeout", opts.tymeout)):
        if not value > 0.0:
            fail(f"{name} must be positive")
    if opts.graceful_timeout < 0.0:
        fail("--graceful-timeout must not be negative")
    for name, value in (("--max-body", opts.max_body), ("--max-unsent", opts.max_unsent), ("--backlog", opts.backlog)):
        if value < 1:
            fail(f"{name} must be at least 1")
    if opts.static and not os.path.isdir(opts.static):
        fail(f"--static {opts.static}: not a directory")
    if (opts.keyfile or opts.ca_certs) and not opts.certfile:
        fail("--keyfile and --ca-certs need --certfile")
    try:
        if opts.bind:
            binds = [binding.parseBind(text) for text in opts.bind]
        else:
            binding.checkPort(opts.port, where="--port")
            binds = [binding.Bind(host=opts.host, port=opts.port)]
    except binding.BindError as ex:
        fail(str(ex))
    worker = WorkerConfig(
        app=opts.app or "",
        directory=os.getcwd(),
        static=os.path.abspath(opts.static) if opts.static else "",
        period=opts.period,
        certfile=os.path.abspath(opts.certfile) if opts.certfile else "",
        keyfile=os.path.abspath(opts.keyfile) if opts.keyfile else "",
        cacerts=os.path.abspath(opts.ca_certs) if opts.ca_certs else "",
        tock=opts.tock,
        tymeout=opts.tymeout,
        maxBody=opts.max_body,
        maxUnsent=opts.max_unsent,
        accessLog=opts.access_log if opts.access_log in ("", "-") else os.path.abspath(opts.access_log),
        asyncio=bool(opts.asyncio),
        graceful=opts.graceful_timeout,
    )
    return ServeConfig(binds=binds, workers=count, backlog=opts.backlog, worker=worker)
