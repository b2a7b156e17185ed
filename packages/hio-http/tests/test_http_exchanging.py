"""The server side of a connection without I/O, hio.core.http.exchanging.Exchange:
bytes in, bytes out, no socket, thread or sleep.

Each test feeds request bytes to an Exchange, answers the requests it gives
with a Responder running a WSGI application, and reads the bytes it would
send. Every test runs twice (the ``arrival`` fixture): with the bytes
arriving all at once, which takes the quick whole-request parse and the
memo of heads seen before, and byte by byte, which takes the careful line
by line parse; what goes out must be the same either way.
"""

from __future__ import annotations

import re

import pytest

from hio.core.http import httping
from hio.core.http.exchanging import CONTINUE, Exchange
from hio.core.http.memoing import Memo
from hio.core.http.serving import Responder

GET = b"GET /hello?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
POST = b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"


def echo(environ, start_response):
    """WSGI application: the method, path and body of the request."""
    body = environ["wsgi.input"].read()
    text = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} ".encode() + body
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [text]


def environOf(requestant) -> dict:
    """The parts of a WSGI environ the tests' applications and the Responder read."""
    import io

    environ = {
        "REQUEST_METHOD": requestant.method,
        "PATH_INFO": requestant.path,
        "QUERY_STRING": requestant.query,
        "SERVER_PROTOCOL": requestant.protocol,
        "wsgi.input": io.BytesIO(bytes(requestant.body)),
    }
    if "connection" in requestant.headers:
        environ["HTTP_CONNECTION"] = requestant.headers["connection"]
    return environ


def undated(data: bytes) -> bytes:
    """data without the Date field lines, which change with the second."""
    return re.sub(rb"Date: [^\r]*\r\n", b"", bytes(data))


@pytest.fixture(params=["whole", "bytewise"])
def arrival(request):
    """How request bytes arrive: all at once, or one byte at a time."""
    return request.param


class Peer:
    """Drives an Exchange as a server does, without a socket."""

    def __init__(self, arrival: str, app=echo, **kwa):
        self.arrival = arrival
        self.app = app
        self.exchange = Exchange(memo=kwa.pop("memo", None) or Memo(), **kwa)
        self.answered = []  # the requestants answered, in order

    def send(self, data: bytes) -> bytes:
        """Feed data as the arrival says, answering each whole request at once; return the bytes out."""
        pieces = [data] if self.arrival == "whole" else [data[i : i + 1] for i in range(len(data))]
        for piece in pieces:
            self.exchange.rxbs.extend(piece)
            self.serve()
        out = bytes(self.exchange.txbs)
        self.exchange.txbs.clear()
        return out

    def serve(self) -> None:
        """Answer every request the exchange gives, one after another."""
        exchange = self.exchange
        while (requestant := exchange.advance()) is not None:
            self.answered.append((requestant.method, requestant.path, bytes(requestant.body)))
            responder = Responder(exchange, self.app, environOf(requestant), chunkable=requestant.version == 11)
            while not responder.ended:
                responder.service()
            responder.close()
            if not exchange.finish(responder.persisted):
                break


def test_a_request_in_its_response_out(arrival):
    peer = Peer(arrival)
    out = peer.send(GET)
    assert undated(out) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nServer: hio\r\n\r\nGET /hello "
    )
    assert peer.answered == [("GET", "/hello", b"")]
    assert not peer.exchange.closing and not peer.exchange.busy and not peer.exchange.pending


def test_the_same_bytes_out_whichever_way_the_bytes_arrive():
    data = GET + POST + GET + b"HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n" + GET
    outs = [undated(Peer(arrival).send(data)) for arrival in ("whole", "bytewise")]
    again = Peer("whole", memo=Memo())
    again.send(data)
    outs.append(undated(again.send(data)))  # the heads seen before come from the memo
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].count(b"HTTP/1.1 200 OK") == 5


def test_pipelined_requests_answered_in_order_one_at_a_time(arrival):
    peer = Peer(arrival)
    out = peer.send(GET + POST + GET)
    assert peer.answered == [("GET", "/hello", b""), ("POST", "/echo", b"hello"), ("GET", "/hello", b"")]
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in out.split(b"HTTP/1.1 ")[1:]]
    assert bodies == [b"GET /hello ", b"POST /echo hello", b"GET /hello "]


def test_the_next_request_waits_while_one_is_answered():
    exchange = Exchange()
    exchange.rxbs.extend(GET + POST)
    first = exchange.advance()
    assert first is not None and first.method == "GET" and exchange.busy
    assert exchange.advance() is None  # the POST waits in rxbs, untouched
    assert bytes(exchange.rxbs) == POST
    assert exchange.finish(True)
    second = exchange.advance()
    assert second is not None and second.method == "POST" and second.body == b"hello"


@pytest.mark.parametrize(
    "data, status",
    [
        (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
        (b"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400),
        (b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", 417),
    ],
)
def test_a_bad_request_answered_with_its_status_then_closed(arrival, data, status):
    peer = Peer(arrival)
    out = peer.send(data + GET)  # nothing after a bad request is read
    assert out.startswith(b"HTTP/1.1 %d " % status) and out.count(b"HTTP/1.1 ") == 1
    assert b"Connection: close\r\n" in out
    assert peer.exchange.closing and peer.exchange.fault.status == status and not peer.answered
    assert peer.exchange.advance() is None


def test_a_bad_head_request_answered_without_body():
    peer = Peer("whole")
    out = peer.send(b"HEAD / HTTP/1.1\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400 ") and out.endswith(b"\r\n\r\n")


@pytest.mark.parametrize(
    "limits, data, status",
    [
        ({"maxRequestLine": 20}, b"GET /" + b"a" * 40 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        ({"maxHeaders": 2}, b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n", 431),
        ({"maxHeaderBytes": 30}, b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 40 + b"\r\n\r\n", 431),
        ({"maxBodySize": 4}, POST, 413),
        ({"maxBodySize": 4}, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n", 413),
        ({"methods": ("GET",)}, POST, 501),
    ],
)
def test_limits_answered_with_their_status(arrival, limits, data, status):
    peer = Peer(arrival, **limits)
    out = peer.send(data)
    assert out.startswith(b"HTTP/1.1 %d " % status) and peer.exchange.closing


def test_keep_alive_decided_by_request_and_response(arrival):
    for data, kept in [
        (GET, True),
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\n\r\n", False),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", True),
    ]:
        peer = Peer(arrival)
        out = peer.send(data)
        assert peer.exchange.closing is not kept, data
        assert (b"Connection: close\r\n" in out) is not kept, data

    def closer(environ, start_response):
        start_response("200 OK", [("Connection", "close"), ("Content-Length", "2")])
        return [b"ok"]

    peer = Peer(arrival, app=closer)
    out = peer.send(GET + GET)
    assert peer.exchange.closing and out.count(b"HTTP/1.1 200") == 1  # the second is never answered


def test_an_unknown_length_body_is_chunked_for_1_1_and_closes_for_1_0(arrival):
    def stream(environ, start_response):
        start_response("200 OK", [])
        yield b"ab"
        yield b"cd"

    peer = Peer(arrival, app=stream)
    out = peer.send(GET)
    assert b"Transfer-Encoding: chunked\r\n" in out and out.endswith(b"2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")
    assert not peer.exchange.closing
    peer = Peer(arrival, app=stream)
    out = peer.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert out.endswith(b"\r\n\r\nabcd") and peer.exchange.closing


def test_100_continue_sent_once_the_head_is_in(arrival):
    peer = Peer(arrival)
    head = b"POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    assert peer.send(head) == CONTINUE and not peer.answered
    out = peer.send(b"abc")
    assert out.startswith(b"HTTP/1.1 200 OK") and peer.answered == [("POST", "/up", b"abc")]
    assert CONTINUE not in out  # once only
    peer = Peer(arrival)
    assert CONTINUE not in peer.send(head.replace(b"HTTP/1.1", b"HTTP/1.0"))  # HTTP/1.0 clients are not told


def test_end_of_input_between_requests_closes_and_within_one_is_answered_400():
    exchange = Exchange()
    exchange.end()
    assert exchange.advance() is None and exchange.closed and not exchange.txbs
    exchange = Exchange()
    exchange.rxbs.extend(POST[:-2])
    assert exchange.advance() is None and exchange.pending
    exchange.end()
    assert exchange.advance() is None and exchange.closing
    assert bytes(exchange.txbs).startswith(b"HTTP/1.1 400 ")


def test_the_next_request_waits_while_too_many_answer_bytes_wait():
    exchange = Exchange(maxUnsent=10)
    exchange.rxbs.extend(GET + GET)
    assert exchange.advance() is not None and exchange.finish(True)
    exchange.txbs.extend(b"x" * 10)  # the client does not read
    assert exchange.advance() is None and bytes(exchange.rxbs) == GET
    del exchange.txbs[:5]  # it reads
    assert exchange.advance() is not None


def test_expire_answers_a_request_part_way_in_with_408():
    exchange = Exchange()
    assert not exchange.expire() and not exchange.txbs  # nothing arrived: just close
    exchange.rxbs.extend(GET[:10])
    assert exchange.advance() is None
    assert exchange.expire() and exchange.closing
    assert bytes(exchange.txbs).startswith(b"HTTP/1.1 408 ")


def test_an_application_error_is_a_500_and_an_httperror_its_status(arrival):
    def broken(environ, start_response):
        raise RuntimeError("boom")

    def teapot(environ, start_response):
        raise httping.HTTPError(418, "I'm a teapot", title="no coffee")

    out = Peer(arrival, app=broken).send(GET)
    assert out.startswith(b"HTTP/1.1 500 Internal Server Error")
    out = Peer(arrival, app=teapot).send(GET)
    assert out.startswith(b"HTTP/1.1 418 I'm a teapot") and b"no coffee" in out
