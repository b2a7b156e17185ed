"""hio.demo.quickstart module

The quick-start demo behind ``hio demo`` (and ``nox -s demo``): what hio
does, in a few seconds.

One Doist runs one UntilDoer with three doers below it:

- ``server``: a WebServerDoer, hio's WSGI server serving the demo web app
  (:mod:`hio.demo.web.demoing`) on 127.0.0.1, port 0 (any free port);
- ``client``: a ClientDoer that services a hio HTTP client once per cycle;
- ``visitor``: a Doer that puts requests on that client and reads what comes
  back: the JSON endpoint, then a few server sent events.

The doers share nothing but the client's buffers (requests in, responses and
events out). Each line printed tells the tyme, the doer and what it did. When
the visitor is done the UntilDoer completes, and its exit context closes the
client and then the server: everything shuts down cleanly. Tyme is artificial
by default (the Doist runs its cycles as fast as it can), so the demo takes a
fraction of a second while its tymes show what a real-time run
(``real=True``) would do. Nothing goes beyond loopback and nothing is read
from standard input.

Usage:
    python -m hio demo
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Generator
from typing import Any, TextIO

import hio
from hio.base import doing
from hio.core.http import clienting
from hio.core.http.serving import Server
from hio.demo.web import demoing
from hio.demo.web.demo_web import WebServerDoer
from hio.ending import UntilDoer

__all__ = ["TellingClientDoer", "TellingServerDoer", "Visitor", "run"]


class TellingServerDoer(WebServerDoer):
    """WebServerDoer that tells where it listens and when it has closed.

    Attributes:
        say (Callable[[str, str], None]): takes (doer name, what it did)
    """

    def __init__(self, server: Server, say: Callable[[str, str], None], **kwa: Any) -> None:
        """
        Parameters:
            server: the HTTP server
            say: takes (doer name, what it did)
            kwa: WebServerDoer parameters
        """
        self.say = say
        super().__init__(server=server, announce=lambda url: say("server", f"listening on {url}"), **kwa)

    def exit(self) -> None:
        """Closes every connection and the listen socket."""
        super().exit()
        self.say("server", "closed")


class TellingClientDoer(clienting.ClientDoer):
    """ClientDoer that tells when it opens and closes its connection.

    Attributes:
        say (Callable[[str, str], None]): takes (doer name, what it did)
    """

    def __init__(self, client: clienting.Client, say: Callable[[str, str], None], **kwa: Any) -> None:
        """
        Parameters:
            client: the hio HTTP client it services
            say: takes (doer name, what it did)
            kwa: ClientDoer parameters
        """
        self.say = say
        super().__init__(client=client, **kwa)

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the client connection.

        Parameters:
            temp: unused: a client has no temporary resources
        """
        super().enter(temp=temp)
        host, port = self.client.connector.ha
        self.say("client", f"connecting to {host}:{port}")

    def exit(self) -> None:
        """Closes the client connection."""
        super().exit()
        self.say("client", "connection closed")


class Visitor(doing.Doer):
    """Doer that visits the demo web app through a hio HTTP client's buffers.

    Its recur is a generator method: it queues a request for the JSON
    endpoint, waits for the response, then queues the event stream request
    and reports each event as it arrives, done when the stream ends.

    Attributes:
        client (clienting.Client): the client whose buffers it uses
        say (Callable[[str, str], None]): takes (doer name, what it did)
        count (int): number of server sent events to ask for
        info (dict | None): the JSON document fetched
        events (list[dict]): the server sent events received
    """

    def __init__(self, client: clienting.Client, say: Callable[[str, str], None], count: int = 3, **kwa: Any) -> None:
        """
        Parameters:
            client: the hio HTTP client whose buffers it uses
            say: takes (doer name, what it did)
            count: number of server sent events to ask for
            kwa: Doer parameters
        """
        super().__init__(**kwa)
        self.client = client
        self.say = say
        self.count = count
        self.info: Any = None
        self.events: list[dict[str, Any]] = []

    def recur(self) -> Generator[float, float, bool]:  # type: ignore[override]  # a generator recur, run with yield from
        """Fetches the JSON document, then the events; returns True when the stream ended."""
        client = self.client
        client.request(method="GET", path=demoing.INFO_PATH, headers={"Accept": "application/json"})
        self.say("visitor", f"GET {demoing.INFO_PATH}")
        while (response := client.respond()) is None:
            yield self.tock
        if response.errored or response.status != 200:
            raise hio.HioError(f"GET {demoing.INFO_PATH} failed: {response.status} {response.error}")
        self.info = response.data
        self.say("visitor", f"{response.status} {response.reason} {json.dumps(response.data)}")

        client.request(
            path=demoing.EVENTS_PATH, qargs={"count": str(self.count)}, headers={"Accept": "text/event-stream"}
        )
        self.say("visitor", f"GET {demoing.EVENTS_PATH}?count={self.count}")
        while (response := client.respond()) is None:
            while client.events:
                event = client.events.popleft()
                self.events.append(event)
                self.say("visitor", f"event {event['id']}: {json.dumps(event['data'])}")
            yield self.tock
        if response.errored or response.status != 200:
            raise hio.HioError(f"GET {demoing.EVENTS_PATH} failed: {response.status} {response.error}")
        while client.events:  # the last events may come with the end of the stream
            event = client.events.popleft()
            self.events.append(event)
            self.say("visitor", f"event {event['id']}: {json.dumps(event['data'])}")
        self.say("visitor", f"stream ended after {len(self.events)} events: done")
        return True


def run(
    out: TextIO | None = None,
    count: int = 3,
    period: float = 0.25,
    tock: float = 0.03125,
    real: bool = False,
    limit: float = 30.0,
) -> int:
    """Runs the quick-start demo, printing what each doer does and at what tyme.

    Parameters:
        out: where to print, None means sys.stdout
        count: number of server sent events the visitor asks for
        period: tyme in seconds from one server sent event to the next
        tock: tyme in seconds of one Doist cycle
        real: True runs on real time, False on artificial tyme
        limit: tyme after which the Doist stops even if the visitor is not done

    Returns:
        int: 0 when the visitor got everything and all was closed, else 1
    """
    out = out if out is not None else sys.stdout
    doist = doing.Doist(real=real, tock=tock, limit=limit)
    tymth = doist.tymen()

    def say(who: str, what: str) -> None:
        print(f"{tymth():8.5f}  {who:<8} {what}", file=out, flush=True)

    kind = "real time" if real else "artificial tyme"
    print(f"hio {hio.__version__} demo: one Doist (tock {tock} s, {kind}) runs a web server,", file=out)
    print("an HTTP client and a visitor using that client, on loopback.", file=out)
    print(f"{'tyme':>8}  {'doer':<8} what", file=out, flush=True)

    app = demoing.createApp(tymth=tymth, period=period, report=lambda line: say("app", line))
    server = Server(app=app, host="127.0.0.1", port=0)
    serverDoer = TellingServerDoer(server=server, say=say)
    server.reopen()  # bind now, so that .eha holds the port for the client
    client = clienting.Client(host=server.eha[0], port=server.eha[1], dictable=True)
    clientDoer = TellingClientDoer(client=client, say=say)
    visitor = Visitor(client=client, say=say, count=count)

    def finished() -> bool:
        if visitor.done:
            say("until", "visitor done: closing client, then server")
        return bool(visitor.done)

    start = time.perf_counter()
    doist.do(doers=[UntilDoer(doers=[serverDoer, clientDoer, visitor], until=finished)])
    took = time.perf_counter() - start
    closed = not server.opened and client.connector.cs is None
    ok = bool(visitor.done) and visitor.info is not None and len(visitor.events) == count and closed
    print(
        f"{'finished cleanly' if ok else 'FAILED'}: tyme {doist.tyme:.5f} after {took:.3f} s of real time; "
        f"server and client {'closed' if closed else 'NOT closed'}",
        file=out,
        flush=True,
    )
    return 0 if ok else 1
