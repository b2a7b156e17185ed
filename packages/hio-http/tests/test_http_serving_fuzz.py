"""Property test: arbitrary and mutated request bytes, in arbitrary splits, sent to a
live Server. Every connection ends in responses, a 4xx, or a clean close; the
server logs no internal failure; a valid client on another connection keeps
getting 200s throughout."""

from __future__ import annotations

import itertools
import logging
import socket

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def app(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 2))])
    return [b"ok", body]


SEEDS = [
    b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    b"PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n",
    b"HEAD /d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"GET /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz",
]

TOKENS = [b"\r\n", b"\n", b"\r", b" ", b":", b"\x00", b"0", b"chunked", b"Content-Length: 9\r\n", b"%2e", b"\xff"]


def recvSome(sock: socket.socket) -> tuple[bytes, bool]:
    """Bytes waiting on sock and whether the peer closed."""
    chunks, closed = [], False
    while True:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            break
        except ConnectionResetError:
            closed = True
            break
        if not data:
            closed = True
            break
        chunks.append(data)
    return b"".join(chunks), closed


@st.composite
def requests(draw):
    """Mutated pipelines of valid requests, or plain arbitrary bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    data = bytearray(b"".join(draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=3))))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        drop = draw(st.integers(0, 3))
        data[at : at + drop] = draw(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=3)))
    return bytes(data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=requests(), splits=st.lists(st.integers(1, 300), max_size=5), shut=st.booleans())
def test_live_server_answers_or_closes_cleanly(serve, caplog, data, splits, shut):
    caplog.set_level(logging.ERROR, logger="hio.core.http")
    harness = serve(app, tymeout=0.05, delay=0.02, maxBodySize=64)
    good = harness.connect()
    good.setblocking(False)
    fuzz = harness.connect()
    fuzz.setblocking(False)
    cuts = sorted({s % (len(data) + 1) for s in splits} | {0, len(data)})
    for a, b in itertools.pairwise(cuts):
        try:
            fuzz.send(data[a:b])
        except OSError:
            break  # the server may already have answered and closed
        harness.passes(2)
    if shut:
        try:
            fuzz.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    good.send(b"GET /good HTTP/1.1\r\nHost: h\r\n\r\n")
    harness.passes(5)
    answer, closed = recvSome(good)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\nok") and not closed
    harness.passes(150)  # past tymeout and lingering: every fuzz connection is finished
    received, closed = recvSome(fuzz)
    assert closed  # answered and closed, timed out, or closed by its client
    if received:
        statuses = []
        rest = received
        while rest.startswith(b"HTTP/1.1 "):
            statuses.append(int(rest[9:12]))
            rest = rest.partition(b"\r\n\r\n")[2]
            marker = rest.find(b"HTTP/1.1 ")
            rest = rest[marker:] if marker >= 0 else b""
        assert statuses, received[:100]
        assert all(s in (100, 200, 400, 408, 413, 414, 417, 431, 501, 505) for s in statuses), statuses
        assert all(s < 400 for s in statuses[:-1])  # an error is always the last word
    assert not harness.server.servant.ixes  # both, the good one idle by now
    good.close()
    fuzz.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    harness.server.close()
