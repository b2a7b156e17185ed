"""Requests through the client's protocol core on bytes alone, the load call_callgrind.py counts.

Usage: ``python call_load.py REQUESTS [TIMES]``: passes REQUESTS requests
through one ``hio.core.http.calling.Call`` (request queued, response fed
into its receive buffer, outcome read, connection kept), TIMES times (default
once), and prints the best wall time per request in seconds.
"""

from __future__ import annotations

import sys
import time

from hio.core.http.calling import RESPONSE, Call
from hio.core.http.clienting import Requester, Respondent

RESPONSE_BYTES = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"


def run(n: int) -> float:
    """Pass n requests through one Call; return the seconds taken."""
    msg = Requester(hostname="127.0.0.1", port=8080, path="/").build()
    call = Call(Respondent())
    start = time.perf_counter()
    for _ in range(n):
        call.begin()
        call.send(msg, method="GET", reused=True)
        call.txbs.clear()  # as if sent
        call.rxbs.extend(RESPONSE_BYTES)
        if call.advance() != RESPONSE or not call.finish():
            raise RuntimeError("the response did not come whole")
    return time.perf_counter() - start


if __name__ == "__main__":
    count = int(sys.argv[1])
    times = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print(min(run(count) for _ in range(times)) / count)
