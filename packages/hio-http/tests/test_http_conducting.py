"""The connection keeping of the HTTP servers, hio.core.http.conducting: one
record per connection, its views, and what is left when a connection goes.

Real sockets on loopback, the clients nonblocking in the test's own thread,
the server serviced pass by pass on artificial tyme in a ServingHarness (see
conftest): no thread.
"""

from __future__ import annotations

import socket

import pytest

from hio.base.tyming import Tymist
from hio.core.http.conducting import Connection
from hio.core.http.serving import BareServer, Server

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@pytest.fixture
def tymist():
    """Tyme of these tests' servers, a hundredth of a second a pass (serve takes it)."""
    return Tymist(tock=0.01)


@pytest.fixture
def harness(serve):
    """A Server of hello, its connections closed after 0.5 s of quiet, in a ServingHarness."""
    return serve(hello, tymeout=0.5)


def connect(harness) -> socket.socket:
    """A nonblocking client socket, returned once the server has accepted it."""
    sock = harness.connect()
    sock.setblocking(False)
    return sock


def test_one_record_per_connection_holds_all_of_it(harness):
    server = harness.server
    socks = [connect(harness) for _ in range(3)]
    harness.passes(5)
    assert len(server.connections) == 3 == len(server.servant.ixes)
    for ca, conn in server.connections.items():
        assert isinstance(conn, Connection) and conn.ca == ca
        ix = server.servant.ixes[ca]
        assert conn.ix is ix and conn.exchange.rxbs is ix.rxbs and conn.exchange.txbs is ix.txbs
        assert conn.exchange.requestant.remoter is ix and conn.exchange.memo is server.memo
    assert set(server.tymers) == set(server.reqs) == set(server.connections)
    assert not server.reps and not server.closings and not server.cutoffs  # no response yet, none closing
    socks[0].sendall(GET)
    harness.passes(5)
    assert harness.recvAvailable(socks[0])[0].endswith(b"\r\n\r\nhello")
    assert len(server.reps) == 1  # the Responder of the one response, kept until the next request
    for sock in socks:
        sock.close()


def test_a_closed_connection_leaves_nothing_behind(harness):
    server = harness.server
    kept, closed = connect(harness), connect(harness)
    harness.passes(5)
    closed.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    kept.sendall(GET)
    harness.passes(20)
    assert b"Connection: close" in harness.recvAvailable(closed)[0]
    ((gone, linger),) = server.closings.items()  # its sending side shut, it lingers to drain
    assert server.connections[gone].closing and linger is server.connections[gone].linger is not None
    closed.close()
    harness.passes(5)
    assert len(server.connections) == 1 == len(server.servant.ixes) and gone not in server.connections
    (ca,) = server.connections
    for work in (server._stirred, server._sending, server._overdue, server._closings):
        assert set(work) <= {ca}
    kept.close()
    harness.passes(20)
    assert not server.connections and not server.servant.ixes
    assert not server._stirred and not server._sending and not server._overdue and not server._closings


def test_the_tymer_closes_an_idle_connection_and_answers_a_slow_request_408(harness):
    server = harness.server
    idle, slow = connect(harness), connect(harness)
    harness.passes(5)
    slow.sendall(GET[:10])
    harness.passes(40)  # 0.4 s of tyme: not yet
    assert len(server.connections) == 2
    harness.passes(80)
    assert harness.recvAvailable(slow)[0].startswith(b"HTTP/1.1 408 ")
    assert harness.recvAvailable(idle)[0] == b""  # closed without a word
    harness.passes(200)
    assert not server.connections
    idle.close()
    slow.close()


def test_a_bare_server_keeps_its_stewards_in_the_records(serve):
    harness = serve(cls=BareServer, timeout=BareServer.Timeout)
    server = harness.server
    sock = connect(harness)
    harness.passes(5)
    ((ca, steward),) = server.stewards.items()
    conn = server.connections[ca]
    assert conn.steward is steward and steward.requestant is conn.exchange.requestant
    sock.sendall(b"GET /echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
    harness.passes(5)
    assert b'"qargs":{"x":"1"}' in harness.recvAvailable(sock)[0]
    sock.close()
    harness.passes(10)
    assert not server.stewards and not server.connections


def test_a_server_memo_is_its_own_and_resettable(serve):
    one = serve(hello, tymeout=Server.Tymeout)
    other = serve(hello, tymeout=Server.Tymeout)
    sock = connect(one)
    one.passes(5)
    sock.sendall(GET + GET)
    one.passes(10)
    assert one.recvAvailable(sock)[0].count(b"hello") == 2
    assert one.server.memo.heads and one.server.memo.responseHeads and not other.server.memo.heads
    one.server.memo.reset()
    assert not one.server.memo.heads and not one.server.memo.responseHeads
    sock.sendall(GET)
    one.passes(10)
    assert one.recvAvailable(sock)[0].endswith(b"hello")  # parsed and built afresh, answered the same
    sock.close()


def test_refusing_a_connection_answers_once_and_closes_it(harness):
    server = harness.server
    sock = connect(harness)
    harness.passes(2)
    ((ca, conn),) = server.connections.items()
    server.refuse(ca, 503, "busy")
    assert conn.exchange.state == "error" and conn.closing
    queued = bytes(conn.ix.txbs)
    server.refuse(ca, 500)  # closing already: nothing more is answered
    assert bytes(conn.ix.txbs) == queued
    harness.passes(5)
    data = harness.recvAvailable(sock)[0]
    assert data.startswith(b"HTTP/1.1 503 ") and data.count(b"HTTP/1.1 ") == 1
    sock.close()
