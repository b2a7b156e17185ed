"""Instructions per 64-byte round trip of the TCP echo benchmark server, counted by callgrind.

Usage: ``python tcp_callgrind.py [ENGINE [CONNECTIONS [TRIPS [OUT]]]]``
(defaults ``hio 8 3000``; TRIPS 0 counts a second of idle service passes
instead, with the instructions per epoll poll, which is one a service pass).
Runs ``tcp_echo_server.py ENGINE`` under ``valgrind --tool=callgrind`` with
counting off, opens CONNECTIONS connections, warms each up with three round
trips, then counts while TRIPS more 64-byte messages are echoed, one
outstanding per connection, every byte checked, and stops counting before the
server is terminated. Prints one JSON object: the instructions counted,
instructions per round trip, readiness polls and socket calls per round trip.
The callgrind output (OUT, by default under the temporary directory) can be
read with ``callgrind_annotate``.

As with http_callgrind.py, the count covers the server's user space
instructions only, not the kernel's work in its system calls, and with the
as-fast-as-possible Doist the passes that find nothing count too: repeat a
run when its numbers differ from the last by more than a few percent.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import sys
import tempfile
from pathlib import Path

from callgrinding import measure

HERE = Path(__file__).resolve().parent
SIZE = 64


def tripper(port: int, connections: int):
    """Return a function making n round trips over the connections, one outstanding per connection."""
    selector = selectors.DefaultSelector()
    socks = []
    for i in range(connections):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        socks.append(s)
        selector.register(s, selectors.EVENT_READ, (bytes([i]) * SIZE, bytearray()))

    def run(n: int) -> None:
        sent = done = 0
        for s in socks:
            if sent < n:
                s.send(selector.get_key(s).data[0])
                sent += 1
        while done < n:
            events = selector.select(60)
            if not events:
                raise RuntimeError("the server echoes no more")
            for key, _ in events:
                message, got = key.data
                data = key.fileobj.recv(65536)
                if not data:
                    raise RuntimeError("the server closed a connection")
                got += data
                if len(got) < SIZE:
                    continue
                if got != message:
                    raise RuntimeError("an echo differs from its message")
                got.clear()
                done += 1
                if sent < n:
                    key.fileobj.send(message)
                    sent += 1

    def close() -> None:
        for s in socks:
            s.close()

    return run, close


def main(engine: str, connections: int, trips: int, out: str) -> dict:
    argv = [sys.executable, str(HERE / "tcp_echo_server.py"), engine]
    total, count = measure(argv, None, lambda port: tripper(port, connections), connections * 3, trips, out)
    polls = count("select_epoll_poll", "select_poll_poll")
    passes = count("select_epoll_poll")  # one epoll poll a service pass (hio) or loop iteration (asyncio)
    if not trips:
        return {
            "engine": engine,
            "connections": connections,
            "idle_seconds": 1.0,
            "instructions": total,
            "readiness_polls": polls,
            "epoll_polls": passes,
            "per_epoll_poll": round(total / passes) if passes else None,
            "out": out,
        }
    return {
        "engine": engine,
        "connections": connections,
        "trips": trips,
        "instructions": total,
        "per_trip": round(total / trips),
        "polls_per_trip": round(polls / trips, 3),
        "recvs_per_trip": round(count("sock_recv") / trips, 3),
        "sends_per_trip": round(count("sock_send") / trips, 3),
        "out": out,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    engine = args[0] if args else "hio"
    connections = int(args[1]) if len(args) > 1 else 8
    trips = int(args[2]) if len(args) > 2 else 3000
    out = args[3] if len(args) > 3 else os.path.join(tempfile.gettempdir(), f"tcp_callgrind.{engine}.{connections}.out")
    print(json.dumps(main(engine, connections, trips, out)))
