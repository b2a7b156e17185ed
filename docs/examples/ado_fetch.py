"""A doified generator that awaits aiohttp requests with ``yield from awaiting(...)``.

The fetcher is an ordinary generator function made a doer with ``doify``; its
options (the aiohttp session, the paths, where to keep the answers) are given
to ``doify`` and come back to it as keyword arguments when the Doist runs it.
Each ``awaiting`` starts the request on the event loop and yields until it is
answered, while the server doer of the same Doist serves it. A request that
fails raises inside the fetcher, which decides what follows.

Run it: ``python ado_fetch.py`` (needs ``pip install hio aiohttp``).
"""

from __future__ import annotations

import asyncio

import aiohttp

from hio.base import doing
from hio.base.adoing import awaiting
from hio.core.http import Server, ServerDoer
from hio.ending import UntilDoer


def hello(environ, start_response):
    """WSGI app: answers the request path back as text."""
    body = f"you asked for {environ['PATH_INFO']}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def fetcher(tymth=None, tock=0.0, session=None, paths=(), got=None, **opts):
    """Asks for each of ``paths`` in turn; keeps (path, answer) in ``got``, or (path, the error)."""
    for path in paths:
        try:
            reply = yield from awaiting(session.get(path))
            text = yield from awaiting(reply.text())
        except aiohttp.ClientError as ex:  # the request failed: this doer decides what follows
            got.append((path, type(ex).__name__))
            continue
        got.append((path, text))
    return True


async def main() -> list[tuple[str, str]]:
    """Serves ``hello`` and fetches two paths from it under one Doist; returns what was fetched."""
    server = Server(app=hello, host="127.0.0.1", port=0)
    server.reopen()  # listen now, so that .eha holds the port
    host, port = server.eha
    got: list[tuple[str, str]] = []
    async with aiohttp.ClientSession(f"http://{host}:{port}") as session:
        fetch = doing.doify(fetcher, session=session, paths=["/one", "/two"], got=got)
        doist = doing.Doist(tock=0.03125, real=True, limit=10.0)
        await doist.ado(doers=[UntilDoer(doers=[ServerDoer(server=server), fetch], until=lambda: fetch.done)])
    return got


if __name__ == "__main__":
    for path, answer in asyncio.run(main()):
        print(path, "->", answer)
