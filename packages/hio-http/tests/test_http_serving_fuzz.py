"""Property test: arbitrary and mutated request bytes, in arbitrary splits, sent to a
live Server. Every connection ends in responses, a 4xx, or a clean close; the
server logs no internal failure; a valid client on another connection keeps
getting 200s throughout."""

from __future__ import annotations

import itertools
import logging
import re
import socket

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hio.core.http.requesting import Requestant


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
            harness.send(fuzz, data[a:b])
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
    answer, closed = harness.recvAvailable(good)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\nok") and not closed
    harness.passes(150)  # past tymeout and lingering: every fuzz connection is finished
    received, closed = harness.recvAvailable(fuzz)
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


MALFORMINGS = {
    "doubled space in the request line": lambda r: r.replace(b" ", b"  ", 1),
    "doubled space before the version": lambda r: r.replace(b" HTTP/", b"  HTTP/", 1),
    "no Host": lambda r: re.sub(rb"Host: [^\r\n]*\r\n", b"", r),  # every Host line, also one added
    "two Hosts": lambda r: r.replace(b"Host: h\r\n", b"Host: h\r\nHost: i\r\n"),
    "header line without colon": lambda r: r.replace(b"Host: h\r\n", b"Host: h\r\nNoColon\r\n"),
    "space before the colon": lambda r: r.replace(b"Host: h", b"Host : h"),
    "obsolete folding": lambda r: r.replace(b"Host: h\r\n", b"Host: h\r\n folded\r\n"),
    "bare LF": lambda r: r.replace(b"Host: h\r\n", b"Host: h\n"),
    "bare CR": lambda r: r.replace(b"Host: h\r\n", b"Host: h\rX: y\r\n"),
    "control byte in a value": lambda r: r.replace(b"Host: h", b"Host: h\x01"),
    "bad Content-Length": lambda r: r.replace(b"Host: h\r\n", b"Host: h\r\nContent-Length: 1x\r\n"),
    "two Content-Lengths": lambda r: r.replace(
        b"Host: h\r\n", b"Host: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
    ),
    "Content-Length and Transfer-Encoding": lambda r: r.replace(
        b"Host: h\r\n", b"Host: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n"
    ),
    "invalid method": lambda r: b"G(T" + r[3:],
    "target not a path": lambda r: r.replace(b" /", b" x/", 1),
    "malformed version": lambda r: r.replace(b"HTTP/1.1", b"HTTP/1.x", 1),
    "empty lines instead of a request": lambda r: b"\r\n" * 6 + r,
}

VALIDS = [
    b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /a?b=c HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nUser-Agent: fuzz\r\n\r\n",
    b"DELETE /x/y HTTP/1.1\r\nX-One: 1\r\nHost: h\r\n\r\n",
]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    valid=st.sampled_from(VALIDS),
    kinds=st.lists(st.sampled_from(sorted(MALFORMINGS)), min_size=1, max_size=3, unique=True),
    splits=st.lists(st.integers(1, 200), max_size=4),
)
def test_every_malformed_request_answered_4xx_at_once(serve, valid, kinds, splits):
    """A malformed request, whatever is wrong with it and however it arrives,
    gets a status line HTTP/1.1 4xx within a couple of passes of its last byte,
    while its client keeps the connection open and waits, and its connection
    closes: never silence."""
    data = valid
    for kind in kinds:
        data = MALFORMINGS[kind](data)
    harness = serve(app, tymeout=30.0, delay=0.02)  # no tymeout can stand in for the answer
    sock = harness.connect()
    sock.setblocking(False)
    cuts = sorted({s % (len(data) + 1) for s in splits} | {0, len(data)})
    for a, b in itertools.pairwise(cuts):
        harness.send(sock, data[a:b])
        harness.passes(1)
    harness.passes(2)
    received, _ = harness.recvAvailable(sock)
    assert received[:9] == b"HTTP/1.1 " and received[9:10] == b"4", (kinds, data, received[:80])
    assert b"\r\nConnection: close\r\n" in received.partition(b"\r\n\r\n")[0] + b"\r\n"
    harness.passes(40)  # lingering of delay
    more, closed = harness.recvAvailable(sock)
    assert closed and b"HTTP/1.1 " not in more
    sock.close()
    harness.server.close()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=requests())
def test_any_request_the_parser_refuses_is_answered_with_its_status(serve, data):
    """Whatever bytes arrive: when the request parser refuses the first request in
    them (judged offline by a Requestant of its own), the server answers with that
    very status within a couple of passes, after any requests before it. The
    client shuts its sending side only when the parser would wait for more."""
    judge = Requestant(msg=bytearray(data), maxBodySize=64)
    judged = []  # statuses the server owes, in order
    shut = False
    while True:
        judge.makeParser()
        for _ in range(8):
            judge.parse()
            if judge.parser is None:
                break
        if judge.parser is not None:  # waits for bytes that never come: the client's close ends it
            judge.close()
            shut = True
        if judge.errored:
            judged.append(judge.fault.status)
            break
        if not judge.ended:
            break  # the input ended between requests
        judged.append(200)
        if not judge.persisted or not judge.msg:
            break
        judge.reinit()
    assume(judged and judged[-1] >= 400)
    harness = serve(app, tymeout=30.0, delay=0.02, maxBodySize=64)
    sock = harness.connect()
    sock.setblocking(False)
    harness.send(sock, data)
    harness.passes(1)
    if shut:
        harness.send(sock, shut=True)
    received = b""
    for _ in range(2 + len(judged)):  # one response a pass
        harness.passes(1)
        received += harness.recvAvailable(sock)[0]
    statuses = [int(status) for status in re.findall(rb"HTTP/1\.1 ([0-9]{3}) ", received)]
    assert statuses[-1:] == judged[-1:], (data, judged, received[:200])
    sock.close()
    harness.server.close()
