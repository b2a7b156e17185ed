"""Reliability of the WSGI Server under clients that misbehave: clients that pipeline
requests and never read cost a bounded amount of memory while others are served,
and every malformed request is answered with its status at once, never silence."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import textwrap
import time
import tracemalloc

import pytest

from hio.core.http import conducting
from hio.core.tcp import serving as tcpServing

HELLO = b"x" * 1024
PIPELINED = b"GET /hello HTTP/1.1\r\nHost: h\r\n\r\n"


def hello(environ, start_response):
    """Answers every request with 1 KiB."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(HELLO)))])
    return [HELLO]


def neverReader(harness) -> socket.socket:
    """A nonblocking client socket with a small receive buffer that is never read."""
    sock = harness.connect(rcvbuf=4096)
    sock.setblocking(False)
    return sock


def shrinkSendBuffers(harness, size: int = 4096):
    """Give every accepted connection a small socket send buffer, so that what the
    kernel holds for a client that does not read is small and the server's own
    bound shows at once (loopback buffers otherwise grow to megabytes)."""
    for ix in harness.server.servant.ixes.values():
        ix.cs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def askGood(harness, sock: socket.socket, passes: int = 5) -> bytes:
    """Send one request on sock and return the answer found within passes."""
    sock.sendall(b"GET /good HTTP/1.1\r\nHost: h\r\n\r\n")
    answer = b""
    for _ in range(passes):
        harness.passes(1)
        answer += harness.recvAvailable(sock)[0]
        if len(answer) >= len(HELLO) and answer.endswith(HELLO):
            break
    return answer


MAX_UNSENT = 32 * 1024
OVERHEAD = 64 * 1024  # generous allowance for one connection's objects (socket, parser, responder, environ)
SLACK = 512 * 1024  # allowance for the test's own bookkeeping


@pytest.mark.parametrize("count, requests, rounds", [(1, 8000, 3000), (100, 300, 300)])
def test_clients_that_never_read_cost_bounded_memory_while_others_served(serve, count, requests, rounds):
    """Each client pipelines requests as fast as its socket takes them and never reads.

    Without the bound each would hold about 1 KiB more for every request
    answered (8 MiB for the single client, 300 KiB for each of the hundred);
    with it a connection holds at most maxUnsent unsent bytes (plus the one
    response that crossed it) and what it sent. Measured with tracemalloc.
    """
    harness = serve(hello, maxUnsent=MAX_UNSENT)
    assert harness.server.maxUnsent == MAX_UNSENT
    good = harness.connect()
    assert askGood(harness, good).endswith(HELLO)  # warms the caches of the parser and the environ
    payload = PIPELINED * requests
    clients = [neverReader(harness) for _ in range(count)]
    shrinkSendBuffers(harness)
    sent = [0] * count
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for step in range(rounds):
            for i, sock in enumerate(clients):
                if sent[i] < len(payload):
                    try:
                        sent[i] += sock.send(payload[sent[i] : sent[i] + 65536])
                    except BlockingIOError:
                        pass
            harness.passes(1)
            if step % 100 == 99:  # a well-behaved client is served meanwhile, within a few passes
                assert askGood(harness, good).endswith(HELLO)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = SLACK + count * (MAX_UNSENT + len(HELLO) + 256 + len(payload) + OVERHEAD)
    assert current - base < bound, (current - base, bound)
    assert peak - base < bound, (peak - base, bound)
    ixes = harness.server.servant.ixes
    stuck = [ix for ix in ixes.values() if ix.txbs]
    assert len(stuck) == count  # every never reading client is still connected, waiting
    assert all(len(ix.txbs) <= MAX_UNSENT + len(HELLO) + 256 for ix in stuck)
    assert all(ix.full for ix in stuck)
    for sock in clients:
        sock.close()
    good.close()


def test_client_that_reads_again_gets_every_response_in_order(serve):
    harness = serve(hello, maxUnsent=8 * 1024)
    sock = neverReader(harness)
    shrinkSendBuffers(harness)
    count = 400
    payload = PIPELINED * count
    sent = 0
    for _ in range(200):  # the server stops once 8 KiB wait unsent
        if sent < len(payload):
            try:
                sent += sock.send(payload[sent:])
            except BlockingIOError:
                pass
        harness.passes(1)
    ix = next(iter(harness.server.servant.ixes.values()))
    assert ix.full and len(ix.txbs) < 8 * 1024 + 2 * len(HELLO)
    received = b""
    for _ in range(3000):  # now the client reads: parsing and reading go on where they stopped
        if sent < len(payload):
            try:
                sent += sock.send(payload[sent:])
            except BlockingIOError:
                pass
        harness.passes(1)
        received += harness.recvAvailable(sock)[0]
        if received.count(b"HTTP/1.1 200 OK") == count and received.endswith(HELLO):
            break
    responses = harness.parseResponses(received)
    assert len(responses) == count
    assert all(status == 200 and body == HELLO for status, _, body in responses)
    sock.close()


def test_bare_server_client_that_never_reads_holds_a_bounded_queue(serve):
    from hio.core.http.serving import BareServer

    harness = serve(cls=BareServer, maxUnsent=8 * 1024)
    sock = neverReader(harness)
    shrinkSendBuffers(harness)
    payload = PIPELINED * 2000
    sent = 0
    for _ in range(1500):
        if sent < len(payload):
            try:
                sent += sock.send(payload[sent:])
            except BlockingIOError:
                pass
        harness.passes(1)
    ix = next(iter(harness.server.servant.ixes.values()))
    answer = len(harness.server.stewards[ix.ca].responder.build())  # one echo response
    assert ix.full and len(ix.txbs) < 8 * 1024 + answer
    assert len(ix.rxbs) < len(payload)  # requests wait unparsed
    sock.close()


def test_max_unsent_default_and_keyword(serve):
    harness = serve(hello)
    assert harness.server.maxUnsent == tcpServing.MAX_UNSENT == 1024 * 1024
    assert harness.server.servant.maxUnsent == tcpServing.MAX_UNSENT
    sock = harness.connect()
    harness.passes(2)
    assert next(iter(harness.server.servant.ixes.values())).maxUnsent == tcpServing.MAX_UNSENT
    sock.close()
    assert conducting.RX_LIMIT == 256 * 1024


SILENCED = [
    b"GET  /hello  HTTP/1.1\r\nHost: h\r\n\r\n",  # doubled spaces in the request line
    b"GET /hello HTTP/1.1\r\n\r\n",  # HTTP/1.1 without Host
    b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  # two Host fields
    b"GET /hello HTTP/1.1\r\nHost a\r\n\r\n",  # a header line without colon
    b"GET /hello HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n",
    b"GET hello HTTP/1.1\r\nHost: h\r\n\r\n",
    b"G(T /hello HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /hello HTTP/1.x\r\nHost: h\r\n\r\n",
    b"GET /hello HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
]


@pytest.mark.parametrize("payload", SILENCED)
def test_malformed_request_alone_answered_400_at_once(serve, payload):
    """The bad request is all the client sends: it gets its 400 within two passes, then the close."""
    harness = serve(hello, tymeout=30.0)
    sock = harness.connect()
    assert harness.send(sock, payload) == len(payload)
    harness.passes(2)
    data, _ = harness.recvAvailable(sock)
    assert data.startswith(b"HTTP/1.1 400 Bad Request\r\n"), data[:60]
    assert b"Connection: close" in data
    harness.passes(1100)  # lingering close, Responder.Delay of tyme
    _, closed = harness.recvAvailable(sock)
    assert closed
    sock.close()


CHILD = textwrap.dedent(
    """
    import resource, sys
    from hio.base import doing
    from hio.core.http import serving
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    def hello(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "1024")])
        return [b"x" * 1024]

    server = serving.Server(app=hello, host="127.0.0.1", port=0, tymeout=60.0, bl=256)

    class Announce(doing.Doer):
        # tells the test the port once ServerDoer, entered first, has opened the listener:
        # a connection made before that would wait on a socket that its enter replaces

        def enter(self, *, temp=None):
            print(server.servant.ha[1], flush=True)

    doing.Doist(doers=[serving.ServerDoer(server=server), Announce()], tock=0.005, real=True).do()
    """
)


def descriptorsOf(pid: int) -> int:
    """How many descriptors process pid has open, from /proc."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def untilStarved(child: subprocess.Popen, limit: int, within: float = 10.0) -> None:
    """Waits until the server in child holds all but a few of its ``limit`` descriptors.

    How soon it gets there depends on how busy the machine is, so the test waits for
    the state it means to measure instead of sleeping a fixed time.
    """
    deadline = time.monotonic() + within
    while descriptorsOf(child.pid) < limit - 2:
        if child.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(("the server did not fill its descriptors", descriptorsOf(child.pid), limit))
        time.sleep(0.02)
    time.sleep(0.1)  # the accept that fails, and the backing off, follow at once


def cpuSeconds(pid: int) -> float:
    """User plus system CPU seconds of process pid, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the server's CPU time from /proc")
def test_server_at_descriptor_limit_stays_cheap_and_serves_again():
    """A Server under a real-time Doist, limited to 64 descriptors, with 150
    connections held open: it uses under a tenth of a core while saturated and
    answers a request once they close."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "64"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    held = []
    try:
        port = int(child.stdout.readline())
        try:
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(150)]
        except OSError as ex:
            child.kill()
            raise AssertionError((ex, child.poll(), child.communicate(timeout=10)))
        untilStarved(child, 64)
        start, cpu = time.monotonic(), cpuSeconds(child.pid)
        time.sleep(1.5)
        fraction = (cpuSeconds(child.pid) - cpu) / (time.monotonic() - start)
        assert fraction < 0.10, fraction
        for sock in held:
            sock.close()
        held = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5.0)
        connection.request("GET", "/hello")
        response = connection.getresponse()
        assert response.status == 200 and response.read() == HELLO
        connection.close()
    finally:
        for sock in held:
            sock.close()
        child.kill()
        child.communicate(timeout=10)
