"""Doers that await aiohttp requests to a hio server that another doer of the same Doist runs.

Each fetcher is an :class:`~hio.base.adoing.AwaitDoer`: its awaitable (an
aiohttp request) runs as a task of the loop, and the doer completes with its
result. Meanwhile the server doer keeps serving: the fetchers' requests could
not be answered otherwise. Once every fetcher is done, the UntilDoer ends and
closes the server.

Run it: ``python ado_await.py``.
"""

from __future__ import annotations

import asyncio

import aiohttp

from hio.base import doing
from hio.base.adoing import AwaitDoer
from hio.core.http import serving
from hio.ending import UntilDoer


def hello(environ, start_response):
    """WSGI app: answers the request path back as text."""
    body = f"you asked for {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


async def main(count: int = 5) -> list[str]:
    """Runs a hio server and ``count`` fetchers under one Doist; returns what each fetcher got."""
    server = serving.Server(app=hello, host="127.0.0.1", port=0)
    server.reopen()
    host, port = server.eha  # the address bound: port 0 picked a free port
    url = f"http://{host}:{port}"
    async with aiohttp.ClientSession(url) as session:

        async def fetch(path: str) -> str:
            async with session.get(path) as resp:
                return await resp.text()

        fetchers = [AwaitDoer(work=lambda n=n: fetch(f"/item/{n}")) for n in range(count)]
        serverDoer = UntilDoer(doers=[serving.ServerDoer(server=server)], until=lambda: all(f.done for f in fetchers))
        doist = doing.Doist(tock=0.03125, real=True, limit=30.0)
        await doist.ado(doers=[serverDoer, *fetchers])
    return [fetcher.result for fetcher in fetchers]


if __name__ == "__main__":
    for text in asyncio.run(main()):
        print(text)
