"""The connection keeping of the HTTP servers, hio.core.http.conducting: one
record per connection, its views, and what is left when a connection goes.

Real sockets on loopback, the clients nonblocking in the test's own thread,
the server serviced pass by pass on artificial tyme: no thread, no sleep.
"""

from __future__ import annotations

import socket
import time

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
    return Tymist(tock=0.01)


@pytest.fixture
def server(tymist):
    server = Server(app=hello, host="127.0.0.1", port=0, tymth=tymist.tymen(), tymeout=0.5)
    server.reopen()
    yield server
    server.close()


def connect(server, limit: float = 5.0) -> socket.socket:
    """A nonblocking client socket, returned once the server has accepted it
    (serviced without ticking tyme: a busy machine can hand it over late)."""
    sock = socket.create_connection(server.servant.ss.getsockname())
    sock.setblocking(False)
    ca, end = sock.getsockname(), time.monotonic() + limit
    while ca not in server.servant.ixes:
        assert time.monotonic() < end, f"the server did not accept {ca} in {limit} s"
        server.service()
        time.sleep(0.0005)
    return sock


def passes(server, tymist, count=5):
    for _ in range(count):
        server.service()
        tymist.tick()


def received(sock) -> bytes:
    """What the server sent so far; b"" also when it closed."""
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except (BlockingIOError, ConnectionResetError):
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def test_one_record_per_connection_holds_all_of_it(server, tymist):
    socks = [connect(server) for _ in range(3)]
    passes(server, tymist)
    assert len(server.connections) == 3 == len(server.servant.ixes)
    for ca, conn in server.connections.items():
        assert isinstance(conn, Connection) and conn.ca == ca
        ix = server.servant.ixes[ca]
        assert conn.ix is ix and conn.exchange.rxbs is ix.rxbs and conn.exchange.txbs is ix.txbs
        assert conn.exchange.requestant.remoter is ix and conn.exchange.memo is server.memo
    assert set(server.tymers) == set(server.reqs) == set(server.connections)
    assert not server.reps and not server.closings and not server.cutoffs  # no response yet, none closing
    socks[0].sendall(GET)
    passes(server, tymist)
    assert received(socks[0]).endswith(b"\r\n\r\nhello")
    assert len(server.reps) == 1  # the Responder of the one response, kept until the next request
    for sock in socks:
        sock.close()


def test_a_closed_connection_leaves_nothing_behind(server, tymist):
    kept, closed = connect(server), connect(server)
    passes(server, tymist)
    closed.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    kept.sendall(GET)
    passes(server, tymist, 20)
    assert b"Connection: close" in received(closed)
    ((gone, linger),) = server.closings.items()  # its sending side shut, it lingers to drain
    assert server.connections[gone].closing and linger is server.connections[gone].linger is not None
    closed.close()
    passes(server, tymist, 5)
    assert len(server.connections) == 1 == len(server.servant.ixes) and gone not in server.connections
    (ca,) = server.connections
    for work in (server._stirred, server._sending, server._overdue, server._closings):
        assert set(work) <= {ca}
    kept.close()
    passes(server, tymist, 20)
    assert not server.connections and not server.servant.ixes
    assert not server._stirred and not server._sending and not server._overdue and not server._closings


def test_the_tymer_closes_an_idle_connection_and_answers_a_slow_request_408(server, tymist):
    idle, slow = connect(server), connect(server)
    passes(server, tymist)
    slow.sendall(GET[:10])
    passes(server, tymist, 40)  # 0.4 s of tyme: not yet
    assert len(server.connections) == 2
    passes(server, tymist, 80)
    assert received(slow).startswith(b"HTTP/1.1 408 ")
    assert received(idle) == b""  # closed without a word
    passes(server, tymist, 200)
    assert not server.connections
    idle.close()
    slow.close()


def test_a_bare_server_keeps_its_stewards_in_the_records(tymist):
    server = BareServer(host="127.0.0.1", port=0, tymth=tymist.tymen())
    server.reopen()
    try:
        sock = connect(server)
        passes(server, tymist)
        ((ca, steward),) = server.stewards.items()
        conn = server.connections[ca]
        assert conn.steward is steward and steward.requestant is conn.exchange.requestant
        sock.sendall(b"GET /echo?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")
        passes(server, tymist)
        assert b'"qargs":{"x":"1"}' in received(sock)
        sock.close()
        passes(server, tymist, 10)
        assert not server.stewards and not server.connections
    finally:
        server.close()


def test_a_server_memo_is_its_own_and_resettable(tymist):
    one = Server(app=hello, host="127.0.0.1", port=0, tymth=tymist.tymen())
    other = Server(app=hello, host="127.0.0.1", port=0, tymth=tymist.tymen())
    one.reopen()
    other.reopen()
    try:
        sock = connect(one)
        passes(one, tymist)
        sock.sendall(GET + GET)
        passes(one, tymist, 10)
        assert received(sock).count(b"hello") == 2
        assert one.memo.heads and one.memo.responseHeads and not other.memo.heads
        one.memo.reset()
        assert not one.memo.heads and not one.memo.responseHeads
        sock.sendall(GET)
        passes(one, tymist, 10)
        assert received(sock).endswith(b"hello")  # parsed and built afresh, answered the same
        sock.close()
    finally:
        one.close()
        other.close()


def test_refusing_a_connection_answers_once_and_closes_it(server, tymist):
    sock = connect(server)
    passes(server, tymist, 2)
    ((ca, conn),) = server.connections.items()
    server.refuse(ca, 503, "busy")
    assert conn.exchange.state == "error" and conn.closing
    queued = bytes(conn.ix.txbs)
    server.refuse(ca, 500)  # closing already: nothing more is answered
    assert bytes(conn.ix.txbs) == queued
    passes(server, tymist, 5)
    data = received(sock)
    assert data.startswith(b"HTTP/1.1 503 ") and data.count(b"HTTP/1.1 ") == 1
    sock.close()
