"""hio.demo.web.demoing module

Demo web server for static files for client side web app.

The demo web application is a falcon WSGI app for hio's own HTTP server
(:class:`hio.core.http.serving.Server`). Its endpoints:

- ``GET /api/info``: a small JSON document ``{"name", "version", "message",
  "tyme"}``; tyme is the server's tyme when it answered.
- ``GET /api/events``: server sent events (``text/event-stream``) that stream
  the server's tyme, one event every ``period`` of tyme. Event ids count up
  from 1 (or continue after the ``Last-Event-ID`` a reconnecting browser
  sends); the data is JSON ``{"n", "tyme"}``. The query ``count=N`` ends the
  stream after N events, otherwise it goes on until the client leaves or the
  server closes.
- ``/demo/...``: the static client app that ships in ``hio/demo/web/static``
  (``index.html``, ``index.js``, ``favicon.ico``, ``robots.txt``), served by a
  :class:`~hio.core.http.serving.StaticSink`.
- ``/...``: the static client app as well, or the files of the directory
  given as ``staticDirPath``.

The event stream body is a generator that yields empty bytes while no event is
due. The server then sends nothing for that connection and goes on with the
others, so a stream never holds the Doist: events come out on the Doist's
tyme, artificial or real.

Usage:
    doist = doing.Doist(real=True, tock=0.03125)
    app = createApp(tymth=doist.tymen())
    server = serving.Server(app=app, host="127.0.0.1", port=8080)
    doist.do(doers=[serving.ServerDoer(server=server)])
"""

from __future__ import annotations

import json
import logging
import os
import pathlib
from collections.abc import Callable, Iterator

import falcon

import hio
from hio.core.http.serving import StaticSink

__all__ = [
    "DEMO_PREFIX",
    "EVENTS_PATH",
    "INFO_PATH",
    "MAX_COUNT",
    "MESSAGE",
    "PERIOD",
    "STATIC_DIR_PATH",
    "DemoSink",
    "EventsEnd",
    "InfoEnd",
    "Reporter",
    "createApp",
    "logger",
    "tymeStream",
]

logger = logging.getLogger(__name__)

STATIC_DIR_PATH = str(pathlib.Path(__file__).resolve().parent / "static")
"""Directory of the static client app that ships with hio."""

INFO_PATH = "/api/info"
"""Route of the JSON endpoint."""

EVENTS_PATH = "/api/events"
"""Route of the server sent events endpoint."""

DEMO_PREFIX = "/demo"
"""Path under which the static client app is always served."""

MESSAGE = "Hello from hio"
"""Message of the JSON endpoint."""

PERIOD = 0.5
"""Default tyme in seconds from one server sent event to the next."""

RETRY = 1000
"""Reconnection delay in milliseconds that the event stream asks browsers for."""

MAX_COUNT = 1_000_000
"""Largest number of events a client may ask one stream for."""


def tymeStream(
    tymth: Callable[[], float],
    period: float = PERIOD,
    count: int | None = None,
    leid: int = 0,
    retry: int = RETRY,
) -> Iterator[bytes]:
    """Generator of a ``text/event-stream`` body that streams server tyme.

    The first chunk sets the reconnection delay, so the status line and
    headers leave at once and a browser's EventSource reports the stream
    open. The first event is due at once, each next one ``period`` of tyme
    after the one before. While no event is due it yields empty bytes, which
    the server takes as "nothing yet" and goes on with its other work.

    Parameters:
        tymth: closure of the server's Tymist (``Doist.tymen()``), its tyme
        period: tyme in seconds from one event to the next
        count: number of events after which the stream ends, None means never
        leid: last event id already seen; ids continue after it
        retry: reconnection delay in milliseconds for the client

    Yields:
        bytes: event stream text, or ``b""`` while no event is due
    """
    yield b"retry: %d\n\n" % retry
    sent = 0
    due = tymth()
    while count is None or sent < count:
        tyme = tymth()
        if tyme < due:
            yield b""
            continue
        sent += 1
        data = json.dumps({"n": leid + sent, "tyme": round(tyme, 6)})
        yield f"id: {leid + sent}\ndata: {data}\n\n".encode()
        due = tyme + period


class InfoEnd:
    """Falcon resource of the JSON endpoint: name, version, message and server tyme.

    Attributes:
        tymth (Callable[[], float]): closure giving the server's tyme
    """

    def __init__(self, tymth: Callable[[], float]) -> None:
        """
        Parameters:
            tymth: closure of the server's Tymist
        """
        self.tymth = tymth

    def on_get(self, req: falcon.Request, rep: falcon.Response) -> None:
        """Answers the JSON document.

        Parameters:
            req: the falcon request
            rep: the falcon response, given the JSON document
        """
        rep.media = {"name": "hio", "version": hio.__version__, "message": MESSAGE, "tyme": round(self.tymth(), 6)}
        rep.set_header("Cache-Control", "no-store")


class EventsEnd:
    """Falcon resource of the server sent events endpoint that streams server tyme.

    The query parameter ``count`` (1 to MAX_COUNT) ends the stream after that
    many events; any other value answers 400. A ``Last-Event-ID`` header of
    decimal digits continues the ids after it; any other value starts afresh.

    Attributes:
        tymth (Callable[[], float]): closure giving the server's tyme
        period (float): tyme in seconds from one event to the next
    """

    def __init__(self, tymth: Callable[[], float], period: float = PERIOD) -> None:
        """
        Parameters:
            tymth: closure of the server's Tymist
            period: tyme in seconds from one event to the next
        """
        self.tymth = tymth
        self.period = float(period)

    def on_get(self, req: falcon.Request, rep: falcon.Response) -> None:
        """Answers the event stream.

        Parameters:
            req: the falcon request; its count query argument ends the stream after that many events
            rep: the falcon response, given the event stream
        """
        count = req.get_param_as_int("count", min_value=1, max_value=MAX_COUNT)
        last = (req.get_header("Last-Event-ID") or "").strip()
        leid = int(last) if last.isdigit() and len(last) <= 15 else 0
        rep.content_type = "text/event-stream"
        rep.set_header("Cache-Control", "no-store")
        rep.stream = tymeStream(self.tymth, period=self.period, count=count, leid=leid)


class DemoSink(StaticSink):
    """StaticSink of the static client app, under DEMO_PREFIX."""

    StaticSinkBasePath = DEMO_PREFIX


class Reporter:
    """Falcon middleware that reports every answered request in one line.

    Attributes:
        report (Callable[[str], None]): takes the line
    """

    def __init__(self, report: Callable[[str], None]) -> None:
        """
        Parameters:
            report: takes a one line summary of each answered request
        """
        self.report = report

    def process_response(
        self, req: falcon.Request, rep: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        """Reports method, target, status and content type of the answered request.

        Parameters:
            req: the falcon request
            rep: the falcon response
            resource: the resource that answered, None when no route matched
            req_succeeded: True when no exception was raised while answering
        """
        what = "event stream" if rep.content_type == "text/event-stream" else (rep.content_type or "")
        self.report(f"{req.method} {req.relative_uri} -> {rep.status} {what}".rstrip())


def createApp(
    tymth: Callable[[], float],
    staticDirPath: str | os.PathLike[str] | None = None,
    period: float = PERIOD,
    report: Callable[[str], None] | None = None,
) -> falcon.App:
    """Returns the demo falcon WSGI app.

    Parameters:
        tymth: closure of the server's Tymist (``Doist.tymen()``), the tyme
            the endpoints report
        staticDirPath: directory served at ``/``, None means the static client
            app (always served under DEMO_PREFIX as well)
        period: tyme in seconds from one server sent event to the next
        report: takes a one line summary of each answered request, None means
            log it at info level on ``logger``

    Raises:
        NotADirectoryError: when staticDirPath is not a directory
    """
    if staticDirPath is not None and not os.path.isdir(staticDirPath):
        raise NotADirectoryError(f"not a directory: {os.fspath(staticDirPath)!r}")
    app = falcon.App(middleware=[Reporter(report if report is not None else logger.info)])
    app.add_route(INFO_PATH, InfoEnd(tymth))
    app.add_route(EVENTS_PATH, EventsEnd(tymth, period=period))
    # falcon tries the sink added last first: the demo prefix before the catch-all root
    app.add_sink(StaticSink(staticDirPath if staticDirPath is not None else STATIC_DIR_PATH), prefix="/")
    app.add_sink(DemoSink(STATIC_DIR_PATH), prefix=DEMO_PREFIX + r"(?=/|$)")
    return app
