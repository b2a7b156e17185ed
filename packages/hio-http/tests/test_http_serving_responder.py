"""Responder (WSGI start_response, framing, deferral) and CustomResponder, writing
to the connection core (hio.core.http.exchanging.Exchange) and to a real tcp
Remoter over a socket pair."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from hio.base.tyming import Tymist
from hio.core.http.exchanging import Exchange
from hio.core.http.memoing import KEPT_SIZE, Memo
from hio.core.http.serving import CustomResponder, Responder
from hio.core.tcp.serving import Remoter
from hio.help.helping import attributize


@pytest.fixture(params=["exchange", "remoter"])
def incomer(request):
    """Where the Responder writes: the connection core a server gives it (no
    socket), or a tcp Remoter on one end of a socket pair; every test runs on both."""
    if request.param == "exchange":
        yield Exchange()
        return
    ours, theirs = socket.socketpair()
    remoter = Remoter(ha=("127.0.0.1", 0), ca=("127.0.0.1", 1), cs=ours, tymth=Tymist().tymen())
    yield remoter
    remoter.close()
    theirs.close()


def environ(method="GET", protocol="HTTP/1.1", **extra):
    env = {"REQUEST_METHOD": method, "SERVER_PROTOCOL": protocol, "PATH_INFO": "/"}
    env.update(extra)
    return env


def serviceAll(responder, passes=20):
    for _ in range(passes):
        responder.service()
        if responder.ended:
            break
    return responder


def split(msg: bytes) -> tuple[list[str], bytes]:
    head, _, body = bytes(msg).partition(b"\r\n\r\n")
    return head.decode().split("\r\n"), body


def test_list_body_gets_content_length(incomer):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello ", b"world"]

    responder = serviceAll(Responder(incomer, app, environ(), chunkable=True))
    assert responder.ended and responder.persisted and not responder.chunked
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 200 OK" and "Content-Length: 11" in lines and body == b"hello world"
    assert any(line.startswith("Date: ") for line in lines) and "Server: hio" in lines


def test_generator_body_chunked_or_close_delimited(incomer):
    def app(environ, start_response):
        start_response(200, [])
        yield b"ab"
        yield b""
        yield b"cde"

    responder = serviceAll(Responder(incomer, app, environ(), chunkable=True))
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 200 OK" and "Transfer-Encoding: chunked" in lines
    assert body == b"2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"
    incomer.txbs.clear()
    responder = serviceAll(Responder(incomer, app, environ(protocol="HTTP/1.0"), chunkable=False))
    lines, body = split(incomer.txbs)
    assert "Connection: close" in lines and body == b"abcde" and not responder.persisted


def test_empty_yields_defer_head_and_end_each_pass(incomer):
    @attributize
    def body(me, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b""
        me._status = "202 Accepted"
        me._headers = [("X-Late", "yes")]
        yield b""
        yield b"late"

    responder = Responder(incomer, lambda env, start: body(start), environ(), chunkable=True)
    responder.service()
    assert responder.started and not responder.headed and incomer.txbs == b""
    responder.service()
    assert not responder.headed and incomer.txbs == b""
    responder.service()  # one chunk a pass from a generator: the head goes with it
    assert responder.headed and not responder.ended
    responder.service()  # and the generator's end in the next pass
    assert responder.ended
    lines, _ = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 202 Accepted" and "X-Late: yes" in lines


def test_generator_one_chunk_a_pass_lists_and_files_many(incomer):
    """A generator paces the body: one chunk a pass. A list, a tuple or a
    file wrapper is pulled up to PULLS chunks a pass."""
    import io

    from hio.core.http.responding import PULLS, FileWrapper

    def paced(env, start):
        start("200 OK", [("Content-Type", "text/plain")])
        for i in range(3):
            yield b"%d" % i

    responder = Responder(incomer, paced, environ(), chunkable=True)
    sizes = []
    while not responder.ended:
        responder.service()
        sizes.append(responder.size)
    assert sizes == [1, 2, 3, 3]

    for body in ([b"x"] * (PULLS + 10), FileWrapper(io.BytesIO(b"y" * 100), blksize=1)):
        incomer.txbs.clear()

        def many(env, start, body=body):
            start("200 OK", [("Content-Type", "text/plain")])
            return body

        responder = Responder(incomer, many, environ(), chunkable=True)
        responder.service()
        assert responder.size == PULLS
        serviceAll(responder)
        assert responder.ended and responder.size == (PULLS + 10 if isinstance(body, list) else 100)


def test_generator_return_value_is_last_chunk_and_http_error_renders(incomer):
    """A body generator may return its last chunk; an HTTPError raised before
    the head is sent answers with its status and rendered lines."""
    from hio.core.http.httping import HTTPError

    def returning(env, start):
        start("201 Created", [("Content-Type", "application/json")])
        yield b""
        return b'{"done": true}'

    responder = serviceAll(Responder(incomer, returning, environ(), chunkable=True))
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 201 Created" and body == b'e\r\n{"done": true}\r\n0\r\n\r\n'
    assert responder.headers["Transfer-Encoding"] == "chunked" and responder.size == 14

    def refusing(env, start):
        start("200 OK", [])
        yield b""
        raise HTTPError(409, title="Taken", detail="the name is taken", headers={"X-Why": "taken"})

    incomer.txbs.clear()
    responder = serviceAll(Responder(incomer, refusing, environ(), chunkable=True))
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 409 Conflict" and "X-Why: taken" in lines
    assert body == b"409 Conflict\nTaken\nthe name is taken\n"
    assert responder.errored and responder.headers["X-Why"] == "taken"


def test_start_response_rules(incomer):
    responder = Responder(incomer, None, environ())
    write = responder.start("404", [("X-A", "1")])
    assert responder.status == "404 Not Found" and write == responder.write
    with pytest.raises(RuntimeError):
        responder.start("200 OK", [])  # again without exc_info
    try:
        raise ValueError("oops")
    except ValueError:
        responder.start("500 Internal Server Error", [("X-B", "2")], sys.exc_info())
    assert responder.status == "500 Internal Server Error" and "x-a" not in responder.headers
    responder.write(b"sent")
    try:
        raise KeyError("late")
    except KeyError:
        with pytest.raises(KeyError):
            responder.start("503 Service Unavailable", [], sys.exc_info())
    for bad in ("20 OK", "abc", 42, "200 O\r\nK"):
        with pytest.raises(ValueError):
            Responder(incomer, None, environ()).start(bad, [])
    with pytest.raises(ValueError):
        Responder(incomer, None, environ()).start("200 OK", [("X", "a\r\nSet-Cookie: evil=1")])
    with pytest.raises(RuntimeError):
        Responder(incomer, None, environ()).write(b"before start")


def test_head_and_no_body_statuses(incomer):
    def app(environ, start_response):
        start_response(environ["PATH_INFO"].strip("/") or "200 OK", [("Content-Length", "5")])
        return iter([b"hello"])

    serviceAll(Responder(incomer, app, environ(method="HEAD")))
    lines, body = split(incomer.txbs)
    assert "Content-Length: 5" in lines and body == b""
    incomer.txbs.clear()
    serviceAll(Responder(incomer, app, environ(PATH_INFO="/204")))
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 204 No Content" and body == b"" and not any("Content-Length" in x for x in lines)


def test_app_failure_before_and_after_headers(incomer):
    def early(environ, start_response):
        raise RuntimeError("early")

    responder = serviceAll(Responder(incomer, early, environ()))
    assert responder.errored and incomer.txbs.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    incomer.txbs.clear()

    def late(environ, start_response):
        start_response("200 OK", [])
        yield b"partial"
        raise RuntimeError("late")

    responder = serviceAll(Responder(incomer, late, environ(), chunkable=True))
    assert responder.errored and not responder.persisted
    assert incomer.txbs.endswith(b"7\r\npartial\r\n")  # cut, no last chunk


def test_http_error_from_app(incomer):
    from hio.core.http.httping import HTTPError

    def app(environ, start_response):
        raise HTTPError(409, title="Conflict", detail="already there", headers={"X-Why": "exists"})

    serviceAll(Responder(incomer, app, environ()))
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 409 Conflict" and b"already there" in body and "X-Why: exists" in lines


def test_head_of_endless_stream_ends(incomer):
    pulls = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        while True:
            pulls.append(1)
            yield b"data: tick\n\n"

    responder = serviceAll(Responder(incomer, app, environ(method="HEAD"), chunkable=True), passes=3)
    assert responder.ended and len(pulls) == 1
    lines, body = split(incomer.txbs)
    assert lines[0] == "HTTP/1.1 200 OK" and body == b""


def test_reset_and_close(incomer):
    closed = []

    class Body(list):
        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [])
        return Body([b"x"])

    responder = serviceAll(Responder(incomer, app, environ(), delay=0.5))
    assert responder.delay == 0.5 and closed == [True]
    responder.reset(environ(protocol="HTTP/1.0"), chunkable=False)
    assert not responder.started and not responder.ended and not responder.persisted and not responder.chunkable
    responder.close()
    assert responder.closed


def test_build_uses_status_and_headers(incomer):
    responder = Responder(incomer, None, environ(), chunkable=True)
    responder.start("201 Created", [("Location", "/x"), ("Connection", "close"), ("Transfer-Encoding", "gzip")])
    head = responder.build().decode()
    assert head.startswith("HTTP/1.1 201 Created\r\n") and "Location: /x\r\n" in head
    assert "Transfer-Encoding: chunked" in head and "gzip" not in head
    assert "Connection: close" in head and not responder.persisted


def test_custom_responder_build_and_reinit():
    responder = CustomResponder(status=200, headers={"X-A": "1"}, body=b"plain")
    lines, body = split(responder.build())
    assert lines[0] == "HTTP/1.1 200 OK" and "Content-Length: 5" in lines and "X-A: 1" in lines and body == b"plain"
    lines, body = split(responder.build(status=201, data={"a": [1, 2]}))
    assert lines[0] == "HTTP/1.1 201 Created" and "Content-Type: application/json" in lines
    assert json.loads(body) == {"a": [1, 2]}
    responder.reinit(status=204)
    lines, body = split(responder.build())
    assert lines[0] == "HTTP/1.1 204 No Content" and body == b""
    assert CustomResponder.HttpVersionString == "HTTP/1.1"


def wholeHead(incomer, app, env=None, chunkable=True, memo=None) -> tuple[Responder, bytes]:
    """Run app whole and return the responder and the head it sent."""
    responder = serviceAll(Responder(incomer, app, env or environ(), chunkable=chunkable, memo=memo))
    head = bytes(incomer.txbs).partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
    incomer.txbs.clear()
    return responder, head


def test_whole_response_heads_kept_are_the_heads_built(incomer, monkeypatch):
    """A kept head is byte for byte what build makes, each second's Date included."""
    from hio.core.http import responding

    memo = Memo()
    now = [1_700_000_000.25]
    monkeypatch.setattr(responding.time, "time", lambda: now[0])

    def answer(status, fields, body):
        def app(environ, start_response):
            start_response(status, fields)
            return [body]

        return app

    cases = [
        ("200 OK", [("Content-Type", "text/plain")], b"hello", environ()),
        ("200 OK", [("Content-Type", "text/plain")], b"hello!", environ()),  # another length
        ("404 Not Found", [("Content-Type", "text/plain")], b"hello", environ()),
        ("200 OK", [("Content-Type", "text/plain"), ("Connection", "close")], b"bye", environ()),
        ("200 OK", [("Content-Length", "3")], b"abcdef", environ()),  # cut to its length
        ("200 OK", [], b"x", environ(protocol="HTTP/1.0", HTTP_CONNECTION="keep-alive")),
        ("200 OK", [], b"x", environ(method="HEAD")),
        ("204 No Content", [], b"", environ()),
    ]
    for status, fields, body, env in cases:
        for second in (0, 1):  # the second run finds the head kept
            now[0] = 1_700_000_000.25 + second * 0.5
            responder, head = wholeHead(incomer, answer(status, fields, body), dict(env), memo=memo)
            fresh = Responder(incomer, None, dict(env), chunkable=True)
            fresh.iterable = [body]
            fresh.start(status, fields)
            assert head == fresh.build()
            assert (responder.length, responder.persisted) == (fresh.length, fresh.persisted)
    assert len(memo.responseHeads) == len(cases)
    now[0] += 1.0  # the next second: the Date line changes, the rest is kept
    _, head = wholeHead(incomer, answer(*cases[0][:3]), environ(), memo=memo)
    assert b"Date: Tue, 14 Nov 2023 22:13:21 GMT\r\n" in head and len(memo.responseHeads) == len(cases)
    memo.reset()
    assert not memo.responseHeads and wholeHead(incomer, answer(*cases[0][:3]), environ(), memo=memo)[1] == head


def test_whole_response_heads_kept_are_bounded(incomer):
    memo = Memo()
    for n in range(KEPT_SIZE + 20):

        def app(environ, start_response, n=n):
            start_response("200 OK", [("X-N", str(n))])
            return [b"x"]

        _, head = wholeHead(incomer, app, memo=memo)
        assert f"X-N: {n}\r\n".encode() in head  # built right whether kept or not
    assert len(memo.responseHeads) == KEPT_SIZE


def test_headers_made_a_hict_only_when_asked(incomer):
    responder = Responder(incomer, None, environ(), chunkable=True)
    assert len(responder.headers) == 0
    responder.start("200 OK", [("X-A", "1"), ("x-a", "2")])
    assert responder.headers.getall("X-A") == ["1", "2"]
    responder.headers["X-B"] = "3"  # changes made through .headers are built
    assert b"X-B: 3\r\n" in responder.build()
    responder.headers = {"X-C": "4"}
    head = responder.build()
    assert b"X-C: 4\r\n" in head and b"X-A" not in head


def test_response_fields_checked_once_and_still_refused_when_bad(incomer):
    """Fields found good are kept as found; anything else is checked (and refused) every time."""
    memo = Memo()
    good = [("Content-Type", "text/plain"), ("X-A", "1")]
    for _ in range(2):
        responder = Responder(incomer, None, environ(), chunkable=True, memo=memo)
        responder.start("200 OK", list(good))
        assert list(responder.headers.items()) == good
    assert tuple(good) in memo.checkedFields
    responder = Responder(incomer, None, environ(), chunkable=True, memo=memo)
    responder.start("200 OK", [(b"X-B", b"2"), ("X-C", 3)])  # bytes and a number: made text, not kept
    assert list(responder.headers.items()) == [("X-B", "2"), ("X-C", "3")]
    assert len(memo.checkedFields) == 1
    for bad in ([("X-A", "1\r\nSet-Cookie: evil=1")], [("Bad Name", "x")], [["X-A", "1\n"]]):
        responder = Responder(incomer, None, environ(), chunkable=True, memo=memo)
        with pytest.raises(ValueError):
            responder.start("200 OK", bad)
    memo = Memo()
    for n in range(KEPT_SIZE + 5):
        Responder(incomer, None, environ(), chunkable=True, memo=memo).start("200 OK", [("X-N", str(n))])
    assert len(memo.checkedFields) == KEPT_SIZE


@pytest.mark.parametrize(
    "fields, length, persisted",
    [
        ([("Content-Length", "5")], 5, True),
        ([("Content-Length", "5, 5")], 5, True),  # a list of one length, as a request's may be
        ([("Content-Length", "5"), ("Connection", "Keep-Alive, Close")], 5, False),
        ([("Content-Length", "5"), ("Connection", "closed")], 5, True),  # not the close token
    ],
)
def test_application_framing_fields_read_by_the_shared_rules(incomer, fields, length, persisted):
    def app(environ, start_response):
        start_response("200 OK", fields)
        return iter([b"hello"])

    responder = serviceAll(Responder(incomer, app, environ()))
    lines, body = split(incomer.txbs)
    assert responder.length == length and f"Content-Length: {length}" in lines and body == b"hello"
    assert responder.persisted is persisted and ("Connection: close" in lines) is not persisted


@pytest.mark.parametrize("value", ["5, 6", "five", "-5", "1" * 19])
def test_application_content_length_that_frames_nothing_is_a_500(incomer, value):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", value)])
        return iter([b"hello"])

    responder = serviceAll(Responder(incomer, app, environ()))
    assert responder.errored and incomer.txbs.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
