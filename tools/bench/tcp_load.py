"""Load generator for the TCP echo benchmark: blocking sockets in threads.

Usage: ``python tcp_load.py PORT CLIENTS SIZE SECONDS``. Each client sends a
SIZE-byte message (TCP_NODELAY), reads the echo back in full, checks every
byte, and repeats until SECONDS have passed. Prints one JSON object: round
trips, bytes echoed, errors (mismatches or broken connections), elapsed time
and the CPU seconds the generator itself used, so that a run can show whether
the generator, rather than the server, was the limit.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time


def client(port: int, size: int, deadline: float, totals: dict, lock: threading.Lock) -> None:
    """One connection: send, read the whole echo into a buffer made once, compare, repeat."""
    trips = errors = 0
    try:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        message = os.urandom(size)
        got = bytearray(size)
        view = memoryview(got)
        recv_into, clock = sock.recv_into, time.perf_counter
        big = size > 65536  # sent from a helper thread while the echo is read, or the buffers fill both ways
        while clock() < deadline:
            if big:
                sender = threading.Thread(target=sock.sendall, args=(message,))
                sender.start()
            else:
                sock.sendall(message)
            count = recv_into(view, min(size, 1 << 20))  # a small echo mostly comes in one read
            while 0 < count < size:
                n = recv_into(view[count:], min(size - count, 1 << 20))
                count = count + n if n else 0
            if not count:
                raise ConnectionError("server closed")
            if big:
                sender.join()
            if got != message:
                errors += 1
                break
            trips += 1
        sock.close()
    except OSError:
        errors += 1
    with lock:
        totals["trips"] += trips
        totals["errors"] += errors


def main(port: int, clients: int, size: int, seconds: float) -> dict:
    totals = {"trips": 0, "errors": 0}
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds
    threads = [threading.Thread(target=client, args=(port, size, deadline, totals, lock)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "size": size,
        "trips": totals["trips"],
        "bytes": totals["trips"] * size,
        "errors": totals["errors"],
        "seconds": elapsed,
        "trips_per_s": totals["trips"] / elapsed,
        "mb_per_s": totals["trips"] * size / elapsed / 1e6,
        "cpu_s": time.process_time(),
    }


if __name__ == "__main__":
    port, clients, size, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(main(port, clients, size, seconds)))
