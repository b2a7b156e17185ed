"""hio's HTTP Client against an aiohttp server, in one asyncio event loop.

The aiohttp server is an ordinary asyncio server; a hio doer drives hio's
Client under ``Doist.ado()`` in the same loop: it queues its requests, then
services the client each cycle until every answer has come. Each answer wakes
the Doist at once, so the requests follow one another without waiting for
tocks.

Run it: ``python ado_client.py``.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from hio.base import doing
from hio.core.http import clienting


async def square(request: web.Request) -> web.Response:
    """GET /square/{n} answers {"n": n, "square": n * n}."""
    n = int(request.match_info["n"])
    return web.json_response({"n": n, "square": n * n})


class Asker(doing.Doer):
    """Asks a hio Client for each of ``paths`` and keeps the answers; done when all have come.

    Attributes:
        client (clienting.Client): the hio HTTP client
        paths (list[str]): what to ask for, in order
        answers (list): the finished responses, in order
    """

    def __init__(self, client: clienting.Client, paths: list[str], **kwa):
        super().__init__(**kwa)
        self.client = client
        self.paths = paths
        self.answers = []

    def enter(self, *, temp=None):
        self.client.reopen()
        for path in self.paths:
            self.client.request(method="GET", path=path)

    def recur(self, tyme):
        self.client.service()
        while self.client.responses:
            self.answers.append(self.client.respond())
        return len(self.answers) == len(self.paths)

    def exit(self):
        self.client.close()


async def main(count: int = 20) -> list:
    """Runs an aiohttp server and asks it ``count`` squares with hio's Client; returns the responses."""
    app = web.Application()
    app.router.add_get("/square/{n}", square)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        client = clienting.Client(hostname="127.0.0.1", port=port, dictable=True)
        asker = Asker(client, [f"/square/{n}" for n in range(count)])
        doist = doing.Doist(tock=0.03125, real=True, limit=30.0)
        await doist.ado(doers=[asker])
        return asker.answers
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    for answer in asyncio.run(main(5)):
        print(answer.status, answer.data)
