"""Cancelling a hio service while requests are in flight leaves no descriptor open.

hio's WSGI server runs under ``Doist.ado()`` as a task; aiohttp clients ask
for fast answers and for slow ones that the application holds back (a WSGI
body that yields empty bytes keeps its connection without blocking the
server). Once the fast ones are answered and the slow ones are being served,
the task is cancelled: every doer closes, the server closes its listen socket
and every connection, and the clients see their connections cut.

Run it: ``python ado_cancel.py``.
"""

from __future__ import annotations

import asyncio
import os

import aiohttp

from hio.base import doing
from hio.core.http import serving


def openDescriptors() -> set[int]:
    """The descriptors this process has open (Linux: /proc/self/fd)."""
    return {int(name) for name in os.listdir("/proc/self/fd")}


class App:
    """WSGI app: /fast answers at once; /slow keeps its connection, sending nothing, until the server closes.

    Attributes:
        held (int): slow requests being served now
    """

    def __init__(self):
        self.held = 0

    def __call__(self, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        if environ["PATH_INFO"] == "/fast":
            return [b"fast"]
        return self.hold()

    def hold(self):
        self.held += 1
        try:
            while True:
                yield b""  # nothing yet: the server goes on with other work
        finally:
            self.held -= 1


async def main(fast: int = 20, slow: int = 5) -> dict:
    """Serves, asks, cancels while the slow requests are in flight; returns what happened."""
    app = App()
    doist = doing.Doist(tock=0.03125, real=True)
    server = serving.Server(app=app, host="127.0.0.1", port=0)
    server.reopen()
    host, port = server.eha  # the address bound: port 0 picked a free port
    service = asyncio.create_task(doist.ado(doers=[serving.ServerDoer(server=server)]))
    async with aiohttp.ClientSession(f"http://{host}:{port}") as session:

        async def ask(path: str) -> str:
            # POST: aiohttp would send a GET again on a new connection when its first is cut
            async with session.post(path) as resp:
                return await resp.text()

        answers = await asyncio.gather(*(ask("/fast") for _ in range(fast)))
        pending = [asyncio.create_task(ask("/slow")) for _ in range(slow)]
        while app.held < slow:  # every slow request has reached the application
            await asyncio.sleep(0.01)
        service.cancel()
        try:
            await service
        except asyncio.CancelledError:
            pass
        cut = await asyncio.gather(*pending, return_exceptions=True)
    return {
        "answers": answers,
        "cut": [type(error).__name__ for error in cut],
        "held": app.held,
        "cancelled": service.cancelled(),
        "done": doist.done,
    }


if __name__ == "__main__":
    before = openDescriptors()
    outcome = asyncio.run(main())
    after = openDescriptors()
    print(f"{len(outcome['answers'])} fast answers; the slow ones were cut: {outcome['cut']}")
    print(
        f"descriptors open before {len(before)}, after {len(after)}: {'none left' if after == before else after - before}"
    )
