"""A TCP echo server on loopback for the echo benchmark.

Usage: ``python tcp_echo_server.py ENGINE``; ENGINE is ``hio`` (the
EchoServerDoer under a Doist, from whichever hio the interpreter imports) or
``asyncio`` (asyncio streams). Prints the bound port on its first line, then
serves until terminated.
"""

from __future__ import annotations

import signal
import socket
import sys


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_hio() -> None:
    from hio.base import doing
    from hio.core.tcp import serving

    port = free_port()  # the published release insists that ha names the real port
    server = serving.Server(ha=("127.0.0.1", port), bs=65536)
    server.reopen()
    print(port, flush=True)
    doist = doing.Doist(tock=0.0, real=False)
    doist.do(doers=[serving.EchoServerDoer(server=server)])


def serve_asyncio() -> None:
    import asyncio

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    {"hio": serve_hio, "asyncio": serve_asyncio}[sys.argv[1]]()
