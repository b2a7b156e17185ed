"""An aiohttp client and hio's WSGI server (a falcon app) in one asyncio event loop.

hio's server runs under ``Doist.ado()`` as one task of the loop; the aiohttp
client, in the same loop, sends its requests, ten at a time. Each request
wakes the Doist at once (the loop watches the server's sockets), so the
server answers without waiting for its next tock.

Run it: ``python ado_server.py``.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import falcon

from hio.base import doing
from hio.core.http import serving


class Greeting:
    """GET /hello/{name} answers {"hello": name} in JSON."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        resp.media = {"hello": name}


def makeApp() -> falcon.App:
    """The falcon application the hio server runs."""
    app = falcon.App()
    app.add_route("/hello/{name}", Greeting())
    return app


async def main(count: int = 200, concurrency: int = 10) -> list[tuple[int, dict]]:
    """Serves makeApp() with hio and asks it ``count`` times with aiohttp; returns (status, json) of each."""
    doist = doing.Doist(tock=0.03125, real=True)
    server = serving.Server(app=makeApp(), host="127.0.0.1", port=0)
    server.reopen()  # listen now, so that .eha holds the port
    host, port = server.eha  # the address bound: port 0 picked a free port
    service = asyncio.create_task(doist.ado(doers=[serving.ServerDoer(server=server)]))
    try:
        slots = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession(f"http://{host}:{port}") as session:

            async def ask(n: int) -> tuple[int, dict]:
                async with slots, session.get(f"/hello/hio{n}") as resp:
                    return resp.status, await resp.json()

            return await asyncio.gather(*(ask(n) for n in range(count)))
    finally:
        service.cancel()  # closes the server and every connection, then the task ends cancelled
        with contextlib.suppress(asyncio.CancelledError):
            await service


if __name__ == "__main__":
    answers = asyncio.run(main())
    print(f"{len(answers)} answers, first {answers[0]}, last {answers[-1]}")
