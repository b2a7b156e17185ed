"""Requests through the client's protocol core on bytes alone, the load call_callgrind.py counts.

Usage: ``python call_load.py REQUESTS [TIMES [MODE]]``: passes REQUESTS
requests through one ``hio.core.http.calling.Call`` (request queued, response
fed into its receive buffer, outcome read, connection kept), TIMES times
(default once), and prints the best wall time per request in seconds. MODE
``outcomes`` (the default, what the Client does) queues whole requests and
reads outcomes (send, advance, finish); ``events`` writes the request as
events and reads the response's events (write, receive, finish).
"""

from __future__ import annotations

import sys
import time

from hio.core.http.calling import RESPONSE, Call
from hio.core.http.clienting import Requester, Respondent
from hio.core.http.eventing import MessageEnd, RequestHead
from hio.help.hicting import Hict

RESPONSE_BYTES = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"


def run(n: int) -> float:
    """Pass n requests through one Call by outcomes; return the seconds taken."""
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


def runEvents(n: int) -> float:
    """Pass n requests through one Call by events; return the seconds taken."""
    head = RequestHead("GET", "/", "HTTP/1.1", Hict([("Host", "127.0.0.1:8080")]))
    end = MessageEnd()
    call = Call(Respondent())
    start = time.perf_counter()
    for _ in range(n):
        call.begin()
        call.write(head)
        call.write(end)
        call.txbs.clear()  # as if sent
        call.rxbs.extend(RESPONSE_BYTES)
        events = call.receive()
        if not isinstance(events[-1], MessageEnd) or not call.finish():
            raise RuntimeError("the response did not come whole")
    return time.perf_counter() - start


if __name__ == "__main__":
    count = int(sys.argv[1])
    times = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    runner = runEvents if len(sys.argv) > 3 and sys.argv[3] == "events" else run
    print(min(runner(count) for _ in range(times)) / count)
