"""Hostile and broken clients against the WSGI Server: malformed requests, smuggling,
limits, slow and idle clients. Each bad connection gets its 4xx (or a clean close)
while every other connection keeps being served."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from hio.core.http.serving import Server


def app(environ, start_response):
    """Echo method, path and body as JSON; /big streams a large body."""
    if environ["PATH_INFO"] == "/big":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (b"x" * 65536 for _ in range(4000))  # 256 MiB, more than any socket buffers
    body = environ["wsgi.input"].read()
    data = json.dumps(
        {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "body": body.decode()}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def statusOf(data: bytes) -> int:
    """Status code of the first response in data."""
    assert data.startswith(b"HTTP/1.1 "), data[:80]
    return int(data[9:12])


@pytest.fixture
def watched(caplog):
    """Fails the test when the server logged an internal failure."""
    caplog.set_level(logging.INFO, logger="hio.core.http")
    yield caplog
    failures = [r for r in caplog.records if "failed" in r.getMessage() and r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]


MALFORMED = [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400),
    (b"GET /" + b"a" * 300 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: y\r\n" * 30 + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 600 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcde\r\n0\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4000\r\n\r\n", 413),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n", 413),
    (b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
    (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
    (b"GET / HTTP/1.1\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: a\r\nExpect: coffee\r\n\r\n", 417),
]


@pytest.mark.parametrize("payload, status", MALFORMED)
def test_malformed_request_gets_status_and_close_while_others_served(serve, watched, payload, status):
    harness = serve(app, maxRequestLine=200, maxHeaders=20, maxHeaderBytes=500, maxBodySize=2000)
    good = harness.connect()
    bad = harness.connect()
    # a valid request after the bad one must never be answered: no mis-framing
    bad.sendall(payload + b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
    good.sendall(b"GET /good HTTP/1.1\r\nHost: a\r\n\r\n")
    harness.passes(20)
    data, closed = harness.recvAvailable(bad)
    harness.passes(1200)  # lingering close ends within Responder.Delay tyme
    more, closed = harness.recvAvailable(bad)
    data += more
    assert statusOf(data) == status
    assert data.count(b"HTTP/1.1 ") == 1 and b"/after" not in data
    assert b"Connection: close" in data
    assert closed
    answer, _ = harness.recvAvailable(good)
    assert statusOf(answer) == 200 and b'"/good"' in answer
    good.sendall(b"GET /again HTTP/1.1\r\nHost: a\r\n\r\n")  # and the good one goes on
    harness.passes(5)
    answer, closed = harness.recvAvailable(good)
    assert statusOf(answer) == 200 and b'"/again"' in answer and not closed
    good.close()
    bad.close()


def test_smuggled_request_in_body_never_served(serve, watched):
    harness = serve(app)
    attacks = [
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 45\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n"
        b"GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nX: y\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ]
    for attack in attacks:
        data = harness.exchange(attack)
        assert data.count(b"HTTP/1.1 ") == 1 and statusOf(data) in (400, 501), attack
        assert b"smuggled" not in data


def test_chunk_extensions_and_trailers_handled_one_way(serve, watched):
    harness = serve(app)
    data = harness.exchange(
        b"POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;name=value;flag\r\nabc\r\n0\r\nX-Trailer: t\r\nContent-Length: 99\r\n\r\n"
        b"GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    responses = harness.parseResponses(data)
    assert [json.loads(r[2]) for r in responses] == [
        {"method": "POST", "path": "/t", "body": "abc"},
        {"method": "GET", "path": "/next", "body": ""},
    ]


def test_body_too_large_answered_413_before_the_client_finishes_sending(serve, watched):
    harness = serve(app, maxBodySize=1000)

    def client():
        with harness.connect() as sock:
            sock.sendall(b"PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n")
            try:
                sock.sendall(b"z" * 300000)
            except OSError:
                pass
            return harness.readAll(sock)

    data = harness.run(client)
    assert statusOf(data) == 413


def test_body_cut_short_gets_400(serve, watched):
    harness = serve(app)
    data = harness.exchange(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", shut=True)
    assert statusOf(data) == 400
    data = harness.exchange(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", shut=True)
    assert statusOf(data) == 400
    data = harness.exchange(b"GET / HTTP/1.1\r\nHost:", shut=True)
    assert statusOf(data) == 400
    assert harness.exchange(b"", shut=True) == b""  # nothing sent: clean close, no response


def test_client_reset_mid_request_and_mid_response(serve, watched):
    harness = serve(app)
    for payload in (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab",
        b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n",
    ):
        sock = harness.connect()
        sock.sendall(payload)
        harness.passes(5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # reset
        harness.passes(20)
    assert not harness.server.servant.ixes and not harness.server.reps and not harness.server.reqs
    data = harness.exchange(b"GET /still HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert statusOf(data) == 200


def test_slow_and_idle_clients_closed_after_tymeout_without_delaying_others(serve, watched):
    harness = serve(app, tymeout=0.5)  # 500 passes of one millisecond tyme
    idles = [harness.connect() for _ in range(60)]
    slows = [harness.connect() for _ in range(60)]
    request = b"POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    good = harness.connect()
    for step in range(45):  # 450 passes: a byte every 10 passes from every slow client
        for sock in slows:
            sock.send(request[step : step + 1])
        good.sendall(b"GET /good%d HTTP/1.1\r\nHost: a\r\n\r\n" % step)
        harness.passes(10)
        answer, closed = harness.recvAvailable(good)
        assert statusOf(answer) == 200 and b"/good%d" % step in answer and not closed
    harness.passes(60)  # now past the tymeout
    for sock in slows:
        data, _ = harness.recvAvailable(sock)
        assert statusOf(data) == 408
    harness.passes(1100)  # lingering ends
    for sock in idles:
        data, closed = harness.recvAvailable(sock)
        assert data == b"" and closed
    for sock in slows:
        _, closed = harness.recvAvailable(sock)
        assert closed
    assert not harness.server.servant.ixes  # the good one too, idle by now
    for sock in idles + slows + [good]:
        sock.close()


def test_idle_keep_alive_connection_closed_after_tymeout(serve, watched):
    harness = serve(app, tymeout=0.2)
    sock = harness.connect()
    sock.sendall(b"GET /one HTTP/1.1\r\nHost: a\r\n\r\n")
    harness.passes(150)
    data, closed = harness.recvAvailable(sock)
    assert statusOf(data) == 200 and not closed  # tymer restarted when the response went out
    harness.passes(100)
    data, closed = harness.recvAvailable(sock)
    assert data == b"" and closed
    sock.close()


def test_client_that_does_not_read_closed_after_tymeout(serve, watched):
    harness = serve(app, tymeout=0.3)
    lazy = harness.connect(rcvbuf=4096)
    lazy.sendall(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
    harness.passes(150)
    assert harness.server.reps  # streaming, then stuck on a full socket
    pending = len(next(iter(harness.server.servant.ixes.values())).txbs)
    assert 0 < pending <= 2 * 65536 + 8096  # back pressure: the body is not pulled ahead
    data = harness.exchange(b"GET /other HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert statusOf(data) == 200
    harness.passes(400)
    assert not harness.server.reps and len(harness.server.servant.ixes) == 0
    lazy.close()


def test_deferring_app_not_timed_out(serve, watched):
    waits = {"n": 0}

    def slowApp(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        while waits["n"] < 600:  # working longer than the tymeout, nothing to send yet
            waits["n"] += 1
            yield b""
        yield b"done"

    harness = serve(slowApp, tymeout=0.2)
    sock = harness.connect()
    sock.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    harness.passes(700)
    data, _ = harness.recvAvailable(sock)
    assert statusOf(data) == 200 and data.endswith(b"0\r\n\r\n") and b"done" in data
    sock.close()


def test_service_never_raises_into_the_caller(tymist, watched):
    server = Server(app=app, host="127.0.0.1", port=0, tymth=tymist.tymen())
    server.reopen()
    server.close()
    server.service()  # closed listen socket: logged, not raised
    watched.clear()
