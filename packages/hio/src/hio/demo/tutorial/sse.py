"""Tutorial step 3: server sent events.

A WSGI application streams ``text/event-stream`` from a generator. When no
event is due the generator yields ``b""``: the server then sends nothing for
that connection and goes on with everything else, so one slow stream never
holds the Doist. The hio HTTP client parses the stream into ``client.events``
as the bytes arrive.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from hio.base import doing
from hio.core.http import Client, ClientDoer, Server, ServerDoer


def makeApp(tymth: Callable[[], float], period: float = 0.25, count: int = 4) -> Callable[..., Iterator[bytes]]:
    """Returns a WSGI app that streams the server's tyme, one event each period.

    Parameters:
        tymth: the Doist's tyme closure, which paces the events
        period: tyme in seconds between events
        count: how many events the stream sends before it ends
    """

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")])

        def stream() -> Iterator[bytes]:
            due = tymth()
            for n in range(1, count + 1):
                while tymth() < due:
                    yield b""  # nothing due yet: let the server go on
                yield f"id: {n}\ndata: {json.dumps({'tyme': tymth()})}\n\n".encode()
                due += period

        return stream()

    return app


def main() -> list[dict[str, Any]]:
    """Runs the server sent events example; returns the events."""
    doist = doing.Doist(real=False, tock=0.0625)
    server = Server(app=makeApp(doist.tymen()), host="127.0.0.1", port=0)
    server.reopen()
    client = Client(host=server.eha[0], port=server.eha[1], path="/events", dictable=True)
    client.request()

    class Listener(doing.Doer):
        """Prints each event as it arrives; done when the stream has ended."""

        def recur(self, tyme: float) -> bool:
            while client.events:
                event = client.events.popleft()
                listened.append(event)
                print(f"tyme {tyme:.4f}: event {event['id']} {event['data']}")
            return bool(client.responses)  # the response is complete when the stream ends

    listened: list[dict[str, Any]] = []
    doist.do(doers=[ServerDoer(server=server), ClientDoer(client=client), Listener()], limit=5.0)
    return listened


if __name__ == "__main__":
    main()
