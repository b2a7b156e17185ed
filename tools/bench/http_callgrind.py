"""Instructions per request of the HTTP benchmark server, counted by callgrind.

Usage: ``python http_callgrind.py [ENGINE [CONNECTIONS [REQUESTS [OUT]]]]``
(defaults ``hio 10 3000``; REQUESTS 0 counts a second of idle service passes
instead, with the instructions per readiness poll). Runs ``http_server.py ENGINE`` under
``valgrind --tool=callgrind`` with counting off, opens CONNECTIONS keep-alive
connections, warms them up with three requests each, then counts while
REQUESTS more GETs are made, one outstanding per connection, and stops
counting before the server is terminated. Prints one JSON object: the
instructions counted, instructions per request, readiness polls and
socket calls per request. The callgrind output (OUT, by default under the
temporary directory) can be read with ``callgrind_annotate``.

The count covers the server's user space instructions only (not the kernel's
work in its system calls). Under callgrind the server is far slower than
the load, so each service pass finds about as many requests as at full
load; with the as-fast-as-possible Doist a pass that finds nothing counts
too, so repeat a run when its numbers differ from the last by more than
a few percent.
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

BODY = b"Hello, World!"
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def requester(port: int, connections: int):
    """Return a function making n GETs over the connections, one outstanding per connection."""
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port
    selector = selectors.DefaultSelector()
    socks = []
    for _ in range(connections):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        socks.append(s)
        selector.register(s, selectors.EVENT_READ, bytearray())

    def run(n: int) -> None:
        sent = done = 0
        for s in socks:
            if sent < n:
                s.send(request)
                sent += 1
        while done < n:
            events = selector.select(60)
            if not events:
                raise RuntimeError("the server answers no more")
            for key, _ in events:
                buf = key.data
                data = key.fileobj.recv(65536)
                if not data:
                    raise RuntimeError("the server closed a connection")
                buf += data
                while (at := buf.find(BODY)) >= 0:
                    del buf[: at + len(BODY)]
                    done += 1
                    if sent < n:
                        key.fileobj.send(request)
                        sent += 1

    def close() -> None:
        for s in socks:
            s.close()

    return run, close


def main(engine: str, connections: int, requests: int, out: str) -> dict:
    port = free_port()
    argv = [sys.executable, str(HERE / "http_server.py"), engine, str(port)]
    total, count = measure(argv, port, lambda port: requester(port, connections), connections * 3, requests, out)
    polls = count("select_epoll_poll", "select_poll_poll")
    if not requests:
        return {
            "engine": engine,
            "connections": connections,
            "idle_seconds": 1.0,
            "instructions": total,
            "readiness_polls": polls,
            "per_poll": round(total / polls) if polls else None,
            "out": out,
        }
    return {
        "engine": engine,
        "connections": connections,
        "requests": requests,
        "instructions": total,
        "per_request": round(total / requests),
        "polls_per_request": round(polls / requests, 3),
        "recvs_per_request": round(count("sock_recv") / requests, 3),
        "sends_per_request": round(count("sock_send") / requests, 3),
        "out": out,
    }


if __name__ == "__main__":
    args = sys.argv[1:]
    engine = args[0] if args else "hio"
    connections = int(args[1]) if len(args) > 1 else 10
    requests = int(args[2]) if len(args) > 2 else 3000
    out = (
        args[3] if len(args) > 3 else os.path.join(tempfile.gettempdir(), f"http_callgrind.{engine}.{connections}.out")
    )
    print(json.dumps(main(engine, connections, requests, out)))
