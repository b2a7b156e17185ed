"""Tutorial step 2: a falcon app on hio's WSGI server.

hio's :class:`~hio.core.http.serving.Server` serves any WSGI application, here
a falcon one. The hio HTTP client calls it from the same Doist: requests go
onto ``client.requests`` and come back on ``client.responses``, and the
ClientDoer and ServerDoer move the bytes in between.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import falcon

from hio.base import doing
from hio.core.http import Client, ClientDoer, Server, ServerDoer


class Greeting:
    """A falcon resource: GET answers a greeting, POST a greeting by name."""

    def __init__(self, tymth: Callable[[], float]) -> None:
        """Initializes the resource with the clock it reports.

        Parameters:
            tymth: the Doist's tyme closure, so that each answer tells the tyme
        """
        self.tymth = tymth  # the Doist's clock, so the app can tell its tyme

    def on_get(self, req: falcon.Request, rep: falcon.Response) -> None:
        rep.media = {"greeting": "hello", "tyme": self.tymth()}

    def on_post(self, req: falcon.Request, rep: falcon.Response) -> None:
        name = req.get_media().get("name", "stranger")
        rep.status = falcon.HTTP_201
        rep.media = {"greeting": f"hello {name}", "tyme": self.tymth()}


def main() -> list[Any]:
    """Runs the falcon example; returns the responses."""
    doist = doing.Doist(real=False, tock=0.03125)
    app = falcon.App()
    app.add_route("/greeting", Greeting(tymth=doist.tymen()))
    server = Server(app=app, host="127.0.0.1", port=0)
    server.reopen()  # bind now, so that .eha holds the port for the client
    client = Client(host=server.eha[0], port=server.eha[1], dictable=True)
    client.request(method="GET", path="/greeting")
    client.request(method="POST", path="/greeting", data={"name": "hio"})

    class Reader(doing.Doer):
        """Done once both responses are in."""

        def recur(self, tyme: float) -> bool:
            return len(client.responses) == 2

    reader = Reader()
    doist.do(doers=[ServerDoer(server=server), ClientDoer(client=client), reader], limit=2.0)
    responses = []
    while (response := client.respond()) is not None:  # each response in, in order
        print(response.status, response.data)
        responses.append(response)
    return responses


if __name__ == "__main__":
    main()
