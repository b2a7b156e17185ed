"""Memory held by idle hio work, measured with tracemalloc in a fresh process.

Usage: ``python memory.py``; prints one JSON object: the megabytes that
10,000 idle doers under one DoDoer add (entered, each parked at a yield), and
the megabytes that 1,000 idle TCP connections on a hio Server add (accepted
and serviced; the client ends live in this process too, so the figure is an
upper bound for the server alone). tracemalloc counts every Python
allocation made in between, which resident set size (padded by memory the
interpreter already holds) cannot resolve at this scale.
"""

from __future__ import annotations

import gc
import json
import socket
import tracemalloc


def held() -> int:
    """Bytes of Python memory allocated now, as traced by tracemalloc."""
    return tracemalloc.get_traced_memory()[0]


def idle_doers(n: int = 10_000) -> float:
    from hio.base import doing

    def idler(tymth=None, tock=0.0, **opts):
        while True:
            yield tock

    gc.collect()
    before = held()
    dodoer = doing.DoDoer(doers=[doing.doify(idler, name=f"idle{i}", tock=1.0) for i in range(n)], tock=0.0)
    doist = doing.Doist(tock=0.03125, real=False)
    doist.doers = [dodoer]
    doist.enter()
    for _ in range(3):
        doist.recur()
    gc.collect()
    grown = held() - before
    doist.exit()
    return grown / 1e6


def idle_connections(n: int = 1_000) -> float:
    from hio.core.tcp import serving

    server = serving.Server(ha=("127.0.0.1", 0), bl=1024)
    server.reopen()
    port = server.ss.getsockname()[1]
    gc.collect()
    before = held()
    clients = []
    while len(server.ixes) < n:
        for _ in range(min(100, n - len(clients))):
            clients.append(socket.create_connection(("127.0.0.1", port)))
        for _ in range(50):
            server.serviceConnects()
            if len(server.ixes) >= len(clients):
                break
    server.serviceReceivesAllIx()
    gc.collect()
    grown = held() - before
    for client in clients:
        client.close()
    server.close()
    return grown / 1e6


if __name__ == "__main__":
    tracemalloc.start()
    print(json.dumps({"doers_10k_mb": idle_doers(), "tcp_1k_mb": idle_connections()}))
