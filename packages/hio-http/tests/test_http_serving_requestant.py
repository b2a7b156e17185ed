"""Tests of the request parser hio.core.http.serving.Requestant: bytes in, request out."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hio.core.http import httping
from hio.core.http.memoing import KEPT_BLOCK, KEPT_SIZE, Memo
from hio.core.http.serving import Requestant

GET = b"GET /echo?name=fish HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n"
POST = b'POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"a": [1, 2]}'
CHUNKED = (
    b"PUT /put HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nHello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n"
)


def run(requestant: Requestant, passes: int = 10) -> Requestant:
    """Parse what is in requestant.msg, a few passes."""
    if requestant.parser is None:
        requestant.makeParser()
    for _ in range(passes):
        requestant.parse()
        if requestant.parser is None:
            break
    return requestant


def feed(data: bytes, splits: list[int] | None = None, **kwa) -> Requestant:
    """Parse data fed in pieces that end at splits (byte by byte when None), the
    careful way; when that comes to a request or an error, the quick parse of
    the same bytes (afresh, and again from the memo) must come to the same."""
    msg = bytearray()
    requestant = Requestant(msg=msg, **kwa)
    requestant.makeParser()
    cuts = [*sorted(set(splits if splits is not None else range(1, len(data)))), len(data)]
    start = 0
    for cut in cuts:
        msg.extend(data[start:cut])
        start = cut
        requestant.parse()
        if requestant.parser is None:
            break
    for _ in range(4):
        requestant.parse()
    if requestant.ended or requestant.errored:  # the quick parse of the same bytes, all at once, agrees
        memo = Memo()
        for _ in range(2):  # afresh, then with what the first left in the memo
            quick = whole(data, memo=memo, **kwa)
            assert outcome(quick) == outcome(requestant)
            if requestant.ended:
                assert (
                    bytes(quick.msg) == bytes(msg) + data[start:]
                )  # what follows is left, as the careful parse leaves it
    return requestant


def fault(data: bytes, **kwa) -> int | None:
    """Status of the error that parsing data stops on, or None.

    Parsed every way the server may parse it, which must agree: the careful
    line by line parser, the quick whole-request parse, and the quick parse
    again with what a first parse left in the memo.
    """
    requestant = run(Requestant(msg=bytearray(data), **kwa))
    assert not (requestant.ended and requestant.errored)
    status = requestant.fault.status if requestant.errored else None
    memo = Memo()
    for way in (whole(data, memo=memo, **kwa), whole(data, memo=memo, **kwa)):
        assert (way.fault.status if way.errored else None) == status
        assert outcome(way) == outcome(requestant)
    return status


def test_get_parsed_byte_by_byte():
    requestant = feed(GET)
    assert requestant.ended and not requestant.errored
    assert requestant.method == "GET"
    assert requestant.target == "/echo?name=fish"
    assert requestant.path == "/echo"
    assert requestant.query == "name=fish"
    assert requestant.version == 11 and requestant.protocol == "HTTP/1.1"
    assert requestant.headers["host"] == "localhost"
    assert requestant.headers["ACCEPT"] == "*/*"
    assert requestant.persisted
    assert requestant.length == 0 and requestant.body == b""


def test_post_json_body_split_anywhere():
    for cut in range(1, len(POST)):
        requestant = feed(POST, [cut])
        assert requestant.ended, cut
        assert requestant.body == b'{"a": [1, 2]}'
        assert requestant.data == {"a": [1, 2]}


def test_chunked_body_with_extensions_and_trailers():
    requestant = feed(CHUNKED)
    assert requestant.ended and requestant.chunked
    assert requestant.body == b"Hello, world"
    assert requestant.trails["x-trailer"] == "yes"
    assert "x-trailer" not in requestant.headers


def test_pipelined_requests_in_one_buffer():
    msg = bytearray(GET + POST + CHUNKED)
    requestant = Requestant(msg=msg)
    seen = []
    for _ in range(3):
        run(requestant)
        assert requestant.ended
        seen.append((requestant.method, bytes(requestant.body)))
        requestant.reinit()
    assert seen == [("GET", b""), ("POST", b'{"a": [1, 2]}'), ("PUT", b"Hello, world")]
    assert msg == b""


def test_partial_request_waits_and_keeps_rest():
    msg = bytearray(POST[:-3])
    requestant = run(Requestant(msg=msg))
    assert requestant.headed and not requestant.ended and requestant.pending
    msg.extend(POST[-3:] + b"GET")
    run(requestant)
    assert requestant.ended
    assert msg == b"GET"


def test_http10_persistence_and_connection_close():
    requestant = feed(b"GET / HTTP/1.0\r\n\r\n")
    assert requestant.ended and not requestant.persisted and requestant.version == 10
    requestant = feed(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert requestant.persisted
    requestant = feed(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert not requestant.persisted


def test_leading_empty_lines_ignored_but_bounded():
    assert feed(b"\r\n\r\n" + GET).ended
    assert fault(b"\r\n" * 10 + GET) == 400


def test_absolute_form_and_asterisk_targets():
    requestant = feed(b"GET http://example.com/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert requestant.path == "/a/b" and requestant.query == "c=d"
    requestant = feed(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n")
    assert requestant.ended and requestant.path == "*"


def test_expect_continue():
    requestant = run(
        Requestant(msg=bytearray(b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
    )
    assert requestant.headed and requestant.expecting and not requestant.ended


@pytest.mark.parametrize(
    "data, status",
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /\r\nHost: a\r\n\r\n", 400),
        (b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n", 400),
        (b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET / HTTP/11\r\nHost: a\r\n\r\n", 400),
        (b"GET relative HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        (b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501),
        (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        (b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nName : x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n", 400),
        (b"GET / HTTP/1.1\nHost: a\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\nhello", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501),
        (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 20 + b"\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", 417),
    ],
)
def test_malformed_requests_get_their_status(data, status):
    assert fault(data) == status
    # byte by byte too: the verdict never depends on how the bytes arrive
    requestant = feed(data)
    assert requestant.errored and requestant.fault.status == status


def test_limits_request_line_414():
    line = b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: a\r\n\r\n"
    assert fault(line, maxRequestLine=100) == 414
    assert fault(line, maxRequestLine=300) is None
    # detected before the line ends: the buffer never grows past the limit
    requestant = run(Requestant(msg=bytearray(b"GET /" + b"a" * 120), maxRequestLine=100))
    assert requestant.errored and requestant.fault.status == 414


def test_default_request_line_limit_is_max_line_size():
    requestant = run(Requestant(msg=bytearray(b"GET /" + b"a" * (httping.MAX_LINE_SIZE + 10))))
    assert requestant.errored and requestant.fault.status == 414


def test_limits_header_count_431():
    heads = b"".join(b"X-%d: v\r\n" % i for i in range(20))
    data = b"GET / HTTP/1.1\r\nHost: a\r\n" + heads + b"\r\n"
    assert fault(data, maxHeaders=10) == 431
    assert fault(data, maxHeaders=21) is None
    many = b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: v\r\n" * (httping.MAX_HEADERS + 1) + b"\r\n"
    assert fault(many) == 431


def test_limits_header_bytes_431():
    data = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"v" * 500 + b"\r\n\r\n"
    assert fault(data, maxHeaderBytes=200) == 431
    assert fault(data, maxHeaderBytes=1000) is None
    requestant = run(Requestant(msg=bytearray(b"GET / HTTP/1.1\r\nX: " + b"v" * 300), maxHeaderBytes=200))
    assert requestant.errored and requestant.fault.status == 431


def test_limits_body_413():
    data = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n"
    assert fault(data, maxBodySize=999) == 413
    requestant = run(Requestant(msg=bytearray(data + b"x" * 1000), maxBodySize=1000))
    assert requestant.ended and len(requestant.body) == 1000
    chunked = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + b"200\r\n" + b"x" * 512 + b"\r\n"
    assert fault(chunked * 1 + b"200\r\n", maxBodySize=1000) == 413
    huge = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n"
    assert fault(huge) == 413
    assert fault(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n") == 413


def test_body_cut_short_on_close():
    msg = bytearray(POST[:-4])
    requestant = run(Requestant(msg=msg))
    requestant.close()
    assert requestant.errored and requestant.fault.status == 400
    # closed between requests: not an error
    requestant = run(Requestant(msg=bytearray()))
    requestant.close()
    assert not requestant.errored and not requestant.pending


def test_error_is_final_for_the_connection():
    msg = bytearray(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n" + GET)
    requestant = run(Requestant(msg=msg))
    assert requestant.errored and not requestant.persisted
    requestant.parse()  # nothing more is parsed after an error
    assert requestant.errored and not requestant.ended


VALID = [GET, POST, CHUNKED, b"HEAD / HTTP/1.0\r\n\r\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(st.tuples(st.integers(0, 400), st.binary(max_size=4), st.integers(0, 3)), max_size=4),
    splits=st.lists(st.integers(1, 400), max_size=8),
)
def test_fuzzed_requests_parse_or_fail_cleanly(base, edits, splits):
    data = bytearray(base)
    for at, insert, drop in edits:
        at = at % (len(data) + 1)
        data[at : at + drop] = insert
    data = bytes(data)
    requestant = feed(data, [s % (len(data) + 1) for s in splits], maxBodySize=4096)
    if requestant.parser is not None:
        requestant.close()
    assert requestant.ended or requestant.errored or not requestant.pending
    if requestant.errored:
        assert 400 <= requestant.fault.status < 600 and requestant.fault.status in httping.STATUS_DESCRIPTIONS
        assert not requestant.persisted
    if requestant.ended:
        assert requestant.method in httping.METHODS and requestant.version in (10, 11)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), splits=st.lists(st.integers(1, 300), max_size=6))
def test_arbitrary_bytes_parse_or_fail_cleanly(data, splits):
    requestant = feed(data, [s % (len(data) + 1) for s in splits])
    requestant.close()
    assert requestant.ended or requestant.errored or not requestant.pending


def outcome(requestant: Requestant) -> dict:
    """What a parse came to, for comparing two ways of parsing the same bytes."""
    if requestant.errored:
        return {"status": requestant.fault.status, "persisted": requestant.persisted}
    return {
        "ended": requestant.ended,
        "method": requestant.method,
        "target": requestant.target,
        "path": requestant.path,
        "query": requestant.query,
        "fragment": requestant.fragment,
        "version": requestant.version,
        "protocol": requestant.protocol,
        "headers": list(requestant.headers.items()) if requestant.ended else None,
        "length": requestant.length,
        "chunked": requestant.chunked,
        "expecting": requestant.expecting,
        "persisted": requestant.persisted,
        "body": bytes(requestant.body),
    }


def whole(data: bytes, **kwa) -> Requestant:
    """Parse data that arrived all at once the way the server does: parseWhole, then the parser."""
    requestant = Requestant(msg=bytearray(data), **kwa)
    if not requestant.parseWhole() and not requestant.errored:
        run(requestant)
    return requestant


@pytest.mark.parametrize(
    "data",
    [
        GET,
        POST,
        CHUNKED,
        GET + POST,
        b"HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /caf\xe9?q=\xff HTTP/1.1\r\nHost: a\r\nX-Latin: \xe9t\xe9\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET http://a/b?c#d HTTP/1.1\r\nHost: a\r\n\r\n",
    ],
)
def test_whole_request_parsed_at_once_as_byte_by_byte(data):
    quick = whole(data)
    assert quick.ended
    assert outcome(quick) == outcome(feed(data))
    assert quick.msg == data[len(data) - len(quick.msg) :] and (quick.msg == POST) == (data == GET + POST)


def test_whole_request_parse_leaves_odd_heads_to_the_careful_parse():
    # a tab, leading empty lines, obsolete folding: parsed (or refused) by the line by line parser
    for data in (
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n",
        b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
    ):
        requestant = Requestant(msg=bytearray(data))
        assert not requestant.parseWhole()
        assert outcome(whole(data)) == outcome(feed(data))
    assert whole(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n").headers["x"] == "a\tb"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(VALID),
    edits=st.lists(st.tuples(st.integers(0, 400), st.binary(max_size=4), st.integers(0, 3)), max_size=4),
)
def test_fuzzed_whole_requests_parse_at_once_as_byte_by_byte(base, edits):
    data = bytearray(base)
    for at, insert, drop in edits:
        at = at % (len(data) + 1)
        data[at : at + drop] = insert
    data = bytes(data)
    assert outcome(whole(data, maxBodySize=4096)) == outcome(feed(data, maxBodySize=4096))


def test_kept_parses_answer_as_fresh_ones():
    """Request lines and header blocks parsed once are kept; what they parse into is the same every time."""
    memo = Memo()
    for data in (GET, POST, CHUNKED, b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", b"GET / HTTP/1.0\r\n\r\n"):
        first, again = whole(data, memo=memo), whole(data, memo=memo)
        assert outcome(first) == outcome(again) == outcome(feed(data))
    line = GET.split(b"\r\n")[0].decode()
    assert memo.lines[line][:2] == ("GET", "/echo?name=fish")
    memo.reset()  # forgotten: parsed afresh, to the same
    assert not memo.lines and not memo.heads and outcome(whole(GET, memo=memo)) == outcome(feed(GET))


def test_kept_parses_belong_to_their_memo():
    """Requestants made apart remember apart: nothing is kept process wide."""
    one, other = Memo(), Memo()
    whole(GET, memo=one)
    assert one.heads and not other.heads and not Requestant().memo.heads
    assert Requestant(memo=one).memo is one


def test_kept_parses_honour_each_requestants_own_limits_and_methods():
    """What one Requestant kept does not lift another's stricter limits or methods."""
    memo = Memo()
    assert whole(POST, memo=memo).ended  # kept: the line, the block and its framing (13 bytes of body)
    assert whole(POST, memo=memo, maxBodySize=12).fault.status == httping.REQUEST_ENTITY_TOO_LARGE
    assert whole(POST, memo=memo, maxHeaders=2).fault.status == httping.REQUEST_HEADER_FIELDS_TOO_LARGE
    assert whole(POST, memo=memo, maxHeaderBytes=40).fault.status == httping.REQUEST_HEADER_FIELDS_TOO_LARGE
    assert whole(POST, memo=memo, methods=("GET",)).fault.status == httping.NOT_IMPLEMENTED
    assert whole(GET, memo=memo, methods=("GET",)).ended


def test_kept_parses_are_bounded():
    memo = Memo()
    for n in range(KEPT_SIZE + 10):
        requestant = whole(b"GET /%d HTTP/1.1\r\nHost: a\r\nX-N: %d\r\n\r\n" % (n, n), memo=memo)
        assert requestant.ended and requestant.path == f"/{n}" and requestant.headers["x-n"] == str(n)
    assert len(memo.lines) == len(memo.blocks) == len(memo.framings) == KEPT_SIZE
    big = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * KEPT_BLOCK + b"\r\n\r\n"
    memo = Memo()
    assert whole(big, memo=memo).ended and not memo.blocks  # too long to keep, parsed all the same


def test_a_head_seen_before_parses_the_same_and_within_each_requestants_limits():
    """A whole head kept from an earlier request gives the same request again,
    headers made only when asked for; a requestant with tighter limits or
    other methods still refuses it."""
    head = b"GET /kept?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nX-One: 1\r\n\r\n"
    memo = Memo()
    first, again = whole(head, memo=memo), whole(head, memo=memo)
    assert again.kept is not None  # taken whole from the memo
    for requestant in (first, again):
        assert requestant.ended and not requestant.errored and not requestant.msg
        assert (requestant.method, requestant.path, requestant.query) == ("GET", "/kept", "x=1")
        assert requestant.persisted and requestant.length == 0 and not requestant.data
        assert list(requestant.headers.items()) == [("Host", "localhost"), ("Accept", "*/*"), ("X-One", "1")]
    assert whole(head, memo=memo, maxHeaders=2).fault.status == httping.REQUEST_HEADER_FIELDS_TOO_LARGE
    assert whole(head, memo=memo, maxRequestLine=10).fault.status == httping.REQUEST_URI_TOO_LONG
    assert whole(head, memo=memo, methods=("POST",)).fault.status == httping.NOT_IMPLEMENTED
    kept = Requestant(msg=bytearray(head + head))  # two pipelined: one at a time, the second left waiting
    assert kept.parseWhole() and kept.msg == head
    kept.reinit()
    assert kept.parseWhole() and not kept.msg and kept.headers["x-one"] == "1"
