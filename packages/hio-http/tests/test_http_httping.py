"""Tests of hio.core.http.httping: constants, helpers, and the byte level parsers
fed in every split: whole, byte by byte and at random cuts."""

from __future__ import annotations

import codecs
import datetime
import json
import random
from collections import deque

import pytest

from hio.core.http import httping
from hio.core.http.httping import (
    BadChunk,
    BadFraming,
    BadHeader,
    BadMethod,
    BadRequestLine,
    BadStatusLine,
    BodyTooLarge,
    EventSource,
    HTTPError,
    HTTPException,
    InvalidURL,
    LineTooLong,
    Parsent,
    PrematureClosure,
    TooManyHeaders,
    UnknownProtocol,
)


def splitsOf(data: bytes, seed: int = 0, count: int = 5) -> list[list[bytes]]:
    """Return ways to split data: whole, byte by byte, and count random splits."""
    ways = [[data], [data[i : i + 1] for i in range(len(data))]]
    rng = random.Random(seed)
    for _ in range(count):
        cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(1, 8)))) if len(data) > 1 else []
        pieces, last = [], 0
        for cut in [*cuts, len(data)]:
            pieces.append(data[last:cut])
            last = cut
        ways.append(pieces)
    return ways


def feed(parser, raw: bytearray, pieces: list[bytes]):
    """Feed pieces into raw one at a time advancing parser once after each.

    Returns the first result other than None, None if the parser still waits.
    Afterwards raw holds what was not consumed, with the pieces not fed.
    """
    for i, piece in enumerate(pieces):
        raw.extend(piece)
        result = next(parser)
        if result is not None:
            raw.extend(b"".join(pieces[i + 1 :]))
            return result
    return None


# ---------------------------------------------------------------- constants


def test_constants():
    assert httping.CRLF == b"\r\n" and httping.LF == b"\n" and httping.CR == b"\r"
    assert httping.MAX_LINE_SIZE == 65536 == httping._MAXLINE
    assert httping.MAX_HEADERS == 100 == httping._MAXHEADERS
    assert httping.MAXAMOUNT == 1048576
    assert httping.HTTP_PORT == 80 and httping.HTTPS_PORT == 443
    assert httping.HTTP_11_VERSION_STRING == "HTTP/1.1"
    assert httping.METHODS == ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
    assert httping.OK == 200 and httping.NOT_FOUND == 404 and httping.REQUEST_HEADER_FIELDS_TOO_LARGE == 431
    assert httping.NETWORK_AUTHENTICATION_REQUIRED == 511 and httping.IM_USED == 226
    assert httping.STATUS_DESCRIPTIONS[httping.OK] == "OK"
    assert httping.STATUS_DESCRIPTIONS[httping.NOT_FOUND] == "Not Found"
    # every documented status constant has a description
    for name in dir(httping):
        value = getattr(httping, name)
        if name.isupper() and isinstance(value, int) and 100 <= value < 600 and not name.endswith("_PORT"):
            assert value in httping.STATUS_DESCRIPTIONS, name


def test_exceptions():
    for cls in (InvalidURL, UnknownProtocol, BadStatusLine, BadMethod, LineTooLong, PrematureClosure):
        assert issubclass(cls, HTTPException)
    assert issubclass(BadRequestLine, BadStatusLine)
    assert issubclass(BadChunk, BadFraming)
    assert not issubclass(HTTPError, HTTPException)
    ex = BadStatusLine(b"")
    assert ex.line == "b''"
    ex = LineTooLong("header line")
    assert "65536" in str(ex) and "header line" in str(ex)
    assert ex.status == 431
    assert UnknownProtocol("HTTP/2.0").version == "HTTP/2.0"
    assert UnknownProtocol("HTTP/2.0").status == 505
    assert BadMethod("FOO").method == "FOO" and BadMethod("FOO").status == 501
    assert PrematureClosure("cut").msg == "cut"
    assert BodyTooLarge("big").status == 413
    assert BadHeader("x").status == 400


def test_http_error():
    err = HTTPError(404, title="Missing", detail="no such thing", fault=7, headers={"X-A": "b"})
    assert err.status == 404 and err.reason == "Not Found" and err.headers == {"X-A": "b"}
    assert err.render() == b"404 Not Found\nMissing\nno such thing\n7"
    data = json.loads(err.render(jsonify=True))
    assert data == {"status": 404, "reason": "Not Found", "title": "Missing", "detail": "no such thing", "fault": 7}
    assert repr(err) == "HTTPError(404, 'Not Found', 'Missing', 'no such thing', 7)"
    assert HTTPError(599).reason == "Unknown"
    # a fault of None and an empty title and detail still take their lines
    bare = HTTPError(409)
    assert bare.render() == b"409 Conflict\n\n\n"
    assert bare.render(jsonify=True) == (
        b'{\n  "status": 409,\n  "reason": "Conflict",\n  "title": "",\n  "detail": "",\n  "fault": null\n}'
    )
    assert HTTPError(400, reason="Nope").reason == "Nope"
    assert set(HTTPError.__slots__) == {"status", "reason", "title", "detail", "headers", "fault"}
    with pytest.raises(HTTPError):
        raise err


# ---------------------------------------------------------------- helpers


def test_http_date_1123():
    assert httpDate(2015, 9, 30, 14, 29, 18) == "Wed, 30 Sep 2015 14:29:18 GMT"
    assert httpDate(2000, 1, 1, 0, 0, 0) == "Sat, 01 Jan 2000 00:00:00 GMT"
    aware = datetime.datetime(2015, 9, 30, 16, 29, 18, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert httping.httpDate1123(aware) == "Wed, 30 Sep 2015 14:29:18 GMT"


def httpDate(*parts):
    return httping.httpDate1123(datetime.datetime(*parts))


def test_normalize_host_port():
    assert httping.normalizeHostPort("example.com") == ("example.com", 80)
    assert httping.normalizeHostPort("example.com", 8080) == ("example.com", 8080)
    assert httping.normalizeHostPort("example.com:8000", 8080) == ("example.com", 8000)
    assert httping.normalizeHostPort("example.com", defaultPort=443) == ("example.com", 443)
    assert httping.normalizeHostPort("example.com:", "81") == ("example.com", 81)
    assert httping.normalizeHostPort("[::1]:8080") == ("::1", 8080)
    assert httping.normalizeHostPort("[::1]", 9000) == ("::1", 9000)
    assert httping.normalizeHostPort("::1", 9000) == ("::1", 9000)
    for bad in ("host:port", "host:99999", "[::1", "[::1]x"):
        with pytest.raises(InvalidURL):
            httping.normalizeHostPort(bad)


def test_queries():
    assert httping.parseQuery("a=1&b=hello%20there&flag") == {"a": "1", "b": "hello there", "flag": "true"}
    assert httping.parseQuery("a=1;b=2") == {"a": "1", "b": "2"}
    assert httping.parseQuery("?x=a+b") == {"x": "a b"}
    assert httping.parseQuery("") == {}
    qargs, query = httping.updateQargsQuery({"z": "last one", "a": "0"}, "a=1&b=2")
    assert qargs == {"z": "last one", "a": "1", "b": "2"}
    assert query == "z=last+one&a=1&b=2"
    assert httping.parseQuery(query) == qargs
    assert httping.updateQargsQuery() == ({}, "")
    assert httping.updateQargsQuery(None, "q=%2F") == ({"q": "/"}, "q=%2F")
    assert httping.unquoteQuery("a=hello%20there&b=%2Fpath&c") == "a=hello there&b=/path&c"


def test_pack_header_and_chunk():
    assert httping.packHeader("Accept", "text/html") == b"Accept: text/html"
    assert httping.packHeader(b"Accept", "a", b"b", 3) == b"Accept: a, b, 3"
    for name in ("Bad Name", "Bad:Name", "", "X\r\nInjected"):
        with pytest.raises(ValueError):
            httping.packHeader(name, "v")
    for value in ("a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b"):
        with pytest.raises(ValueError):
            httping.packHeader("X", value)
    with pytest.raises(ValueError):
        httping.packHeader("X", "\u20ac")
    assert httping.packChunk(b"Hello") == b"5\r\nHello\r\n"
    assert httping.packChunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert httping.packChunk(b"") == b"0\r\n\r\n"


def test_pack_request_line():
    assert httping.packRequestLine("GET", "/a?b=1") == b"GET /a?b=1 HTTP/1.1"
    assert httping.packRequestLine("OPTIONS", "*", "HTTP/1.0") == b"OPTIONS * HTTP/1.0"
    for method, target, protocol in (
        ("G T", "/", "HTTP/1.1"),
        ("GET\r\nX: 1", "/", "HTTP/1.1"),
        ("GET", "/a b", "HTTP/1.1"),
        ("GET", "/\r\nX-Injected: 1", "HTTP/1.1"),
        ("GET", "/caf\u00e9", "HTTP/1.1"),
        ("GET", "/", "HTTP/1.1\r\nX: 1"),
        ("GET", "/", "HTTP/one"),
    ):
        with pytest.raises(ValueError):
            httping.packRequestLine(method, target, protocol)


def test_pack_status_line():
    assert httping.packStatusLine(404) == b"HTTP/1.1 404 Not Found"
    assert httping.packStatusLine(299, "Odd", "HTTP/1.0") == b"HTTP/1.0 299 Odd"
    assert httping.packStatusLine(599) == b"HTTP/1.1 599 "  # no standard reason: an empty phrase
    for status, reason, protocol in (
        (99, None, "HTTP/1.1"),
        (1000, None, "HTTP/1.1"),
        (True, None, "HTTP/1.1"),
        ("200", None, "HTTP/1.1"),
        (200, "OK\r\nX: 1", "HTTP/1.1"),
        (200, "\u2603", "HTTP/1.1"),
        (200, None, "HTTP/1.1\r\nX: 1"),
    ):
        with pytest.raises(ValueError):
            httping.packStatusLine(status, reason, protocol)


# ---------------------------------------------------------------- parseLine


def test_parse_line_every_split():
    data = b"one\r\ntwo\nthree\rfour\r\n\r\n"
    for pieces in splitsOf(data):
        raw = bytearray()
        lines = []
        parser = httping.parseLine(raw)
        for piece in pieces:
            raw.extend(piece)
            while (line := next(parser)) is not None:
                lines.append(line)
                parser = httping.parseLine(raw)
        assert lines == [b"one", b"two", b"three", b"four", b""]
        assert raw == bytearray()


def test_parse_line_waits_after_cr_and_consumes_exactly():
    raw = bytearray(b"abc\r")
    parser = httping.parseLine(raw)
    assert next(parser) is None  # CR or CRLF, cannot tell yet
    raw.extend(b"\nrest")
    assert next(parser) == b"abc"
    assert raw == bytearray(b"rest")
    raw = bytearray(b"abc\rx")
    assert next(httping.parseLine(raw)) == b"abc"
    assert raw == bytearray(b"x")


def test_parse_line_eols_and_limits():
    raw = bytearray(b"a\rb\r\n")
    assert next(httping.parseLine(raw, eols=(httping.CRLF, httping.LF))) == b"a\rb"
    raw = bytearray(b"x" * 10)
    parser = httping.parseLine(raw, maxSize=10)
    assert next(parser) is None
    raw.extend(b"y")
    with pytest.raises(LineTooLong):
        next(parser)
    raw = bytearray(b"x" * 11 + b"\n")
    with pytest.raises(LineTooLong):
        next(httping.parseLine(raw, maxSize=10))
    raw = bytearray(b"x" * (httping.MAX_LINE_SIZE + 1))
    with pytest.raises(LineTooLong):
        next(httping.parseLine(raw))
    # many bare CRs inside one line neither recurse nor fail
    raw = bytearray(b"\rx" * 5000 + b"\r\n")
    assert next(httping.parseLine(raw, eols=(httping.CRLF, httping.LF))) == b"\rx" * 5000


# ---------------------------------------------------------------- parseLeader

LEADER = (
    b"Content-Type: text/plain\r\n"
    b"X-Multi: one\r\n"
    b"x-multi: two\r\n"
    b"Empty:\r\n"
    b"Spaced:   padded value \t\r\n"
    b"Latin: caf\xe9\r\n"
    b"\r\n"
    b"BODY"
)


def test_parse_leader_every_split():
    for pieces in splitsOf(LEADER, seed=1):
        raw = bytearray()
        headers = feed(httping.parseLeader(raw), raw, pieces)
        assert headers is not None
        assert headers["content-type"] == "text/plain"
        assert headers.getall("X-MULTI") == ["one", "two"]
        assert headers["empty"] == ""
        assert headers["spaced"] == "padded value"
        assert headers["latin"] == "caf\xe9"
        assert raw.startswith(b"BODY")


def test_parse_leader_lf_only_and_given_headers():
    raw = bytearray(b"A: 1\nB: 2\n\n")
    from hio.help.hicting import Hict

    given = Hict([("Z", "0")])
    headers = next(httping.parseLeader(raw, headers=given))
    assert headers is given
    assert list(headers.items()) == [("Z", "0"), ("A", "1"), ("B", "2")]
    assert raw == bytearray()


@pytest.mark.parametrize(
    "leader",
    [
        b"NoColon\r\n\r\n",
        b"Space : before colon\r\n\r\n",
        b"Tab\t: before colon\r\n\r\n",
        b"A: 1\r\n folded continuation\r\n\r\n",
        b"A: 1\r\n\tfolded continuation\r\n\r\n",
        b" Leading: space\r\n\r\n",
        b"Bare: carriage\rreturn\r\n\r\n",
        b"Ctl: nul\x00here\r\n\r\n",
        b"Bad(Name): value\r\n\r\n",
        b": no name\r\n\r\n",
        b"\xff\xfe: value\r\n\r\n",
    ],
)
def test_parse_leader_rejects_malformed(leader):
    for pieces in splitsOf(leader, seed=2, count=2):
        raw = bytearray()
        with pytest.raises(BadHeader):
            feed(httping.parseLeader(raw), raw, pieces)


def test_parse_leader_limits():
    many = b"".join(b"H%d: v\r\n" % i for i in range(httping.MAX_HEADERS + 1)) + b"\r\n"
    with pytest.raises(TooManyHeaders):
        next(httping.parseLeader(bytearray(many)))
    exact = b"".join(b"H%d: v\r\n" % i for i in range(httping.MAX_HEADERS)) + b"\r\n"
    assert len(next(httping.parseLeader(bytearray(exact)))) == httping.MAX_HEADERS
    with pytest.raises(TooManyHeaders):
        next(httping.parseLeader(bytearray(b"A: 1\r\nB: 2\r\nC: 3\r\n\r\n"), maxHeaders=2))
    with pytest.raises(LineTooLong):
        next(httping.parseLeader(bytearray(b"A: " + b"x" * 100 + b"\r\n\r\n"), maxSize=50))
    raw = bytearray(b"A: " + b"x" * 60)  # no line end yet but already too long
    with pytest.raises(LineTooLong):
        next(httping.parseLeader(raw, maxSize=50))
    lines = b"".join(b"H%d: %s\r\n" % (i, b"v" * 40) for i in range(10)) + b"\r\n"
    with pytest.raises(LineTooLong) as info:
        next(httping.parseLeader(bytearray(lines), maxLeaderSize=200))
    assert info.value.kind == "leader"


# ---------------------------------------------------------------- parseChunk

CHUNKED = (
    b"5\r\nHello\r\n"
    b'1A;name=value;quoted="a \\"b\\"";flag\r\n' + b"z" * 26 + b"\r\n"
    b"00000003  \r\nabc\r\n"
    b"0\r\n"
    b"Trailer-One: 1\r\n"
    b"Trailer-Two: 2\r\n"
    b"\r\n"
    b"NEXT"
)


def parseAllChunks(pieces):
    raw = bytearray()
    results = []
    pieces = list(pieces)
    parser = httping.parseChunk(raw)
    while True:
        result = next(parser)
        if result is None:
            if not pieces:
                return results, raw, False
            raw.extend(pieces.pop(0))
            continue
        results.append(result)
        if result[0] == 0:
            raw.extend(b"".join(pieces))
            return results, raw, True
        parser = httping.parseChunk(raw)


def test_parse_chunk_every_split():
    for pieces in splitsOf(CHUNKED, seed=3):
        results, raw, done = parseAllChunks(pieces)
        assert done
        assert [r[0] for r in results] == [5, 26, 3, 0]
        assert [r[3] for r in results] == [b"Hello", b"z" * 26, b"abc", b""]
        assert results[1][1] == {"name": "value", "quoted": 'a "b"', "flag": None}
        assert results[0][1] == {}
        trails = results[3][2]
        assert trails["trailer-one"] == "1" and trails["Trailer-Two"] == "2"
        assert raw == bytearray(b"NEXT")


def test_parse_chunk_lf_only():
    raw = bytearray(b"3\nabc\n0\n\n")
    assert next(httping.parseChunk(raw)) == (3, {}, httping.Hict(), b"abc")
    size, _parms, trails, chunk = next(httping.parseChunk(raw))
    assert size == 0 and chunk == b"" and len(trails) == 0
    assert raw == bytearray()


@pytest.mark.parametrize(
    "chunked, error",
    [
        (b"g\r\nabc\r\n", BadChunk),
        (b"-5\r\nabcde\r\n", BadChunk),
        (b"+5\r\nabcde\r\n", BadChunk),
        (b"0x5\r\nabcde\r\n", BadChunk),
        (b" 5\r\nabcde\r\n", BadChunk),
        (b"\r\nabc\r\n", BadChunk),
        (b";ext\r\nabc\r\n", BadChunk),
        (b"5 5\r\nabcde\r\n", BadChunk),
        (b"1" * 17 + b"\r\n", BadChunk),
        (b"3\r\nabcX\r\n", BadChunk),
        (b"3\r\nabc\rX", BadChunk),
        (b"3\rabc\r\n", BadChunk),
        (b"5" + b";e" * 40000 + b"\r\n", LineTooLong),
        (b"0\r\nNoColon\r\n\r\n", BadHeader),
    ],
)
def test_parse_chunk_rejects_malformed(chunked, error):
    for pieces in splitsOf(chunked, seed=4, count=2):
        with pytest.raises(error):
            parseAllChunks(pieces)


def test_parse_chunk_limits():
    with pytest.raises(BodyTooLarge):
        next(httping.parseChunk(bytearray(b"100\r\n"), maxChunkSize=255))
    assert next(httping.parseChunk(bytearray(b"ff\r\n" + b"x" * 255 + b"\r\n"), maxChunkSize=255))[0] == 255
    with pytest.raises(LineTooLong):
        next(httping.parseChunk(bytearray(b"5;" + b"e" * 100 + b"\r\n"), maxSize=64))
    leading = bytearray(b"0" * 40 + b"5\r\nabcde\r\n")  # leading zeros are still one small number
    assert next(httping.parseChunk(leading))[3] == b"abcde"


# ---------------------------------------------------------------- parseBom


def test_parse_bom():
    bom = codecs.BOM_UTF8
    for pieces in splitsOf(bom + b"data", seed=5):
        raw = bytearray()
        assert feed(httping.parseBom(raw), raw, pieces) == bom
        assert not raw.startswith(bom)
    raw = bytearray(b"data")
    assert next(httping.parseBom(raw)) == bytearray()
    assert raw == bytearray(b"data")
    raw = bytearray(bom[:2])
    parser = httping.parseBom(raw)
    assert next(parser) is None
    raw.extend(b"x")
    assert next(parser) == bytearray()
    assert raw == bytearray(bom[:2] + b"x")


# ---------------------------------------------------------------- start lines


def test_parse_status_line():
    assert httping.parseStatusLine(b"HTTP/1.1 200 OK") == ("HTTP/1.1", 200, "OK")
    assert httping.parseStatusLine("HTTP/1.0 404 Not Found") == ("HTTP/1.0", 404, "Not Found")
    assert httping.parseStatusLine(b"HTTP/1.1 204") == ("HTTP/1.1", 204, "")
    assert httping.parseStatusLine(b"HTTP/1.1 299 ") == ("HTTP/1.1", 299, "")
    for bad in (
        b"",
        b"HTTP/1.1",
        b"ICY 200 OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/1.1 abc OK",
        b"HTTP/1.1 099 Low",
        b"HTTP/1.1  200 OK",
        b"HTTP/11 200 OK",
        b"HTTP/1.1 200 O\x00K",
        b"http/1.1 200 OK",
    ):
        with pytest.raises(BadStatusLine):
            httping.parseStatusLine(bad)
    with pytest.raises(UnknownProtocol):
        httping.parseStatusLine(b"HTTP/2.0 200 OK")


def test_parse_request_line():
    assert httping.parseRequestLine(b"GET /index.html?a=1 HTTP/1.1") == ("GET", "/index.html?a=1", "HTTP/1.1")
    assert httping.parseRequestLine("OPTIONS * HTTP/1.0") == ("OPTIONS", "*", "HTTP/1.0")
    assert httping.parseRequestLine(b"GET http://host/x HTTP/1.1")[1] == "http://host/x"
    for bad in (
        b"",
        b"GET",
        b"GET /",
        b"GET  / HTTP/1.1",
        b"GET / HTTP/1.1 extra",
        b"GET /a b HTTP/1.1",
        b"GET\t/ HTTP/1.1",
        b"GE(T / HTTP/1.1",
        b"GET / HTTX/1.1",
        b"GET /\x7f HTTP/1.1",
        b"GET / http/1.1",
    ):
        with pytest.raises(BadRequestLine):
            httping.parseRequestLine(bad)
    with pytest.raises(BadMethod):
        httping.parseRequestLine(b"BREW /pot HTTP/1.1")
    with pytest.raises(UnknownProtocol):
        httping.parseRequestLine(b"GET / HTTP/2.0")


# ---------------------------------------------------------------- EventSource

STREAM = (
    codecs.BOM_UTF8 + b": a comment line\n"
    b"retry: 1500\n"
    b"id: 1\n"
    b"event: greet\n"
    b"data: hello\n"
    b"data:  two spaces\n"
    b"data\n"
    b"\n"
    b'data: {"a": 1}\r\n'
    b"\r\n"
    b"id: 7\r"
    b"event: bare\r"
    b"data:x\r"
    b"unknown: field\r"
    b"retry: soon\r"
    b"\r"
    b"id\n"
    b"data: caf\xc3\xa9 \xff\n"
    b"\n"
    b"id: nul\x00ignored\n"
    b"data: last\n\n"
    b"data: no blank line so dropped\n"
)


def runEvents(pieces, dictable=True):
    source = EventSource(dictable=dictable)
    source.makeParser()
    for piece in pieces:
        source.raw.extend(piece)
        source.parse()
    source.close()
    source.parse()
    return source


def test_event_source_every_split():
    for pieces in splitsOf(STREAM, seed=6, count=8):
        source = runEvents(pieces)
        assert source.ended and source.parser is None
        assert source.bom == codecs.BOM_UTF8
        assert source.retry == 1500
        events = list(source.events)
        # dictable: json data arrives deserialized, other data as text
        assert events[0] == {"id": "1", "name": "greet", "data": "hello\n two spaces\n"}
        assert events[1] == {"id": "1", "name": "", "data": {"a": 1}}
        assert events[2] == {"id": "7", "name": "bare", "data": "x"}
        assert events[3] == {"id": "", "name": "", "data": "caf\xe9 \ufffd"}
        assert events[4] == {"id": "", "name": "", "data": "last"}
        assert len(events) == 5


def test_event_source_no_bom_no_json_and_shared_deque():
    events = deque()
    source = EventSource(raw=bytearray(b'data: {"a": 1}\n\n'), events=events)
    source.makeParser()
    source.parse()
    assert source.bom is None
    assert events[0] == {"id": None, "name": "", "data": '{"a": 1}'}  # no id seen, not dictable
    assert not source.ended
    source.close()
    source.parse()
    assert source.ended


def test_event_source_dispatches_at_blank_line_not_before():
    source = EventSource()
    source.makeParser(raw=bytearray(b"data: a\r"))
    source.parse()
    assert not source.events
    source.raw.extend(b"\n")  # LF of the CRLF that ended the data line
    source.parse()
    assert not source.events
    source.raw.extend(b"\r")  # the blank line, ended by CR alone, dispatches at once
    source.parse()
    assert [e["data"] for e in source.events] == ["a"]
    source.raw.extend(b"\ndata: b\n\n")  # LF after that CR belongs to it
    source.parse()
    assert [e["data"] for e in source.events] == ["a", "b"]


def test_event_source_limits():
    source = EventSource(maxLineSize=16)
    source.makeParser(raw=bytearray(b"data: " + b"x" * 20))
    with pytest.raises(LineTooLong):
        source.parse()
    assert source.parser is None
    source = EventSource(maxEventSize=10)
    source.makeParser(raw=bytearray(b"data: 123456\ndata: 123456\n\n"))
    with pytest.raises(LineTooLong):
        source.parse()


def test_event_source_closed_before_bom_decided():
    source = EventSource()
    source.makeParser(raw=bytearray(codecs.BOM_UTF8[:1]))
    source.parse()
    source.close()
    source.parse()
    assert source.ended and not source.events


# ---------------------------------------------------------------- Parsent


def parseAll(parsent: Parsent, pieces: list[bytes], close: bool = False) -> Parsent:
    parsent.makeParser()
    for piece in pieces:
        parsent.msg.extend(piece)
        parsent.parse()
    if close:
        parsent.close()
    return parsent


def test_parsent_content_length_every_split():
    data = b'Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{"a": 1}\nNEXT'
    for pieces in splitsOf(data, seed=7):
        parsent = parseAll(Parsent(), pieces)
        assert parsent.ended and parsent.headed and parsent.bodied and parsent.parser is None
        assert parsent.length == 9 and not parsent.chunked
        assert parsent.body == bytearray(b'{"a": 1}\n')
        assert parsent.jsoned and parsent.data == {"a": 1}
        assert parsent.msg == bytearray(b"NEXT")
        assert parsent.persisted


def test_parsent_chunked_with_trailers_every_split():
    data = b"Transfer-Encoding: chunked\r\n\r\n" + CHUNKED
    for pieces in splitsOf(data, seed=8):
        parsent = parseAll(Parsent(), pieces)
        assert parsent.ended and parsent.chunked and parsent.length is None
        assert parsent.body == bytearray(b"Hello" + b"z" * 26 + b"abc")
        assert parsent.trails["trailer-one"] == "1"
        assert parsent.msg == bytearray(b"NEXT")


def test_parsent_until_close():
    for pieces in splitsOf(b"Content-Type: text/plain\r\n\r\nall of it\r\n\r\nand more", seed=9):
        parsent = parseAll(Parsent(), pieces)
        assert not parsent.ended and not parsent.persisted
        parsent.close()
        assert parsent.ended and not parsent.errored and parsent.parser is None
        assert parsent.body == bytearray(b"all of it\r\n\r\nand more")


def test_parsent_premature_closure():
    parsent = parseAll(Parsent(), [b"Content-Length: 10\r\n\r\nshort"], close=True)
    assert parsent.closed and parsent.errored and not parsent.ended
    assert "cut short" in parsent.error
    parsent = parseAll(Parsent(), [b"Transfer-Encoding: chunked\r\n\r\n5\r\nab"], close=True)
    assert parsent.errored and not parsent.ended
    parsent = parseAll(Parsent(), [b"Content-Le"], close=True)
    assert parsent.errored and not parsent.ended


def test_parsent_pipelined_messages_reinit():
    one = b"Content-Length: 3\r\n\r\nabc"
    two = b"Transfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
    three = b"Content-Length: 0\r\nConnection: close\r\n\r\n"
    msg = bytearray(one + two + three)
    parsent = Parsent(msg=msg)
    bodies = []
    persisted = []
    for _ in range(3):
        parsent.makeParser()
        parsent.parse()
        assert parsent.ended
        bodies.append(bytes(parsent.body))
        persisted.append(parsent.persisted)
        parsent.reinit()
    assert bodies == [b"abc", b"de", b""]
    assert persisted == [True, True, False]
    assert msg == bytearray()


def framed(leader: bytes, request: bool, version: int = 11, maxBodySize=None) -> Parsent:
    parsent = Parsent(maxBodySize=maxBodySize)
    parsent.version = version
    parsent.headers = next(httping.parseLeader(bytearray(leader + b"\r\n")))
    parsent.frame(request=request)
    return parsent


@pytest.mark.parametrize(
    "leader",
    [
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: 5, 6\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: +5\r\n",
        b"Content-Length: 0x5\r\n",
        b"Content-Length: 5 5\r\n",
        b"Content-Length: \r\n",
        b"Content-Length: 1e3\r\n",
        b"Content-Length: " + b"9" * 30 + b"\r\n",
        b"Transfer-Encoding: gzip\r\n",
        b"Transfer-Encoding: chunked, gzip\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: identity\r\n",
        b"Transfer-Encoding: xchunked\r\n",
    ],
)
def test_parsent_request_framing_rejected(leader):
    with pytest.raises(BadFraming):
        framed(leader, request=True)


def test_parsent_framing_accepted():
    assert framed(b"Content-Length: 5\r\nContent-Length: 5\r\n", request=True).length == 5
    assert framed(b"Content-Length: 5, 5\r\n", request=True).length == 5
    assert framed(b"", request=True).length == 0
    assert framed(b"Transfer-Encoding: Chunked\r\n", request=True).chunked
    with pytest.raises(BadFraming):
        framed(b"Transfer-Encoding: chunked\r\n", request=True, version=10)
    # responses: Transfer-Encoding wins over Content-Length, then not persisted
    parsent = framed(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", request=False)
    assert parsent.chunked and parsent.length is None and not parsent.persisted
    parsent = framed(b"Transfer-Encoding: gzip\r\n", request=False)
    assert not parsent.chunked and parsent.length is None and not parsent.persisted
    parsent = framed(b"Transfer-Encoding: gzip, chunked\r\n", request=False)
    assert parsent.chunked
    with pytest.raises(BadFraming):
        framed(b"Transfer-Encoding: chunked, gzip\r\n", request=False)
    with pytest.raises(BadFraming):
        framed(b"Content-Length: 5\r\nContent-Length: 6\r\n", request=False)
    with pytest.raises(BodyTooLarge):
        framed(b"Content-Length: 101\r\n", request=True, maxBodySize=100)
    assert framed(b"Content-Length: 100\r\n", request=True, maxBodySize=100).length == 100


def test_parsent_body_limits():
    parsent = Parsent(maxBodySize=8)
    parsent.makeParser(bytearray(b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\n"))
    with pytest.raises(BodyTooLarge):
        parsent.parse()
    assert parsent.errored and parsent.parser is None
    parsent = Parsent(maxBodySize=8)
    parsent.makeParser(bytearray(b"\r\n0123456789"))
    with pytest.raises(BodyTooLarge):
        parsent.parse()
    parsent = Parsent(maxHeaders=1)
    parsent.makeParser(bytearray(b"A: 1\r\nB: 2\r\n\r\n"))
    with pytest.raises(TooManyHeaders):
        parsent.parse()
    parsent = Parsent(maxLineSize=8)
    parsent.makeParser(bytearray(b"A: 123456789\r\n\r\n"))
    with pytest.raises(LineTooLong):
        parsent.parse()


def test_parsent_persisted_and_dictify():
    parsent = Parsent()
    parsent.version = 10
    parsent.headers = httping.Hict([("Connection", "Keep-Alive")])
    parsent.checkPersisted()
    assert parsent.persisted
    parsent.headers = httping.Hict()
    parsent.checkPersisted()
    assert not parsent.persisted
    parsent.version = 11
    parsent.checkPersisted()
    assert parsent.persisted
    parsent.headers = httping.Hict([("Connection", "upgrade, Close")])
    parsent.checkPersisted()
    assert not parsent.persisted

    parsent = Parsent(dictable=True)
    parsent.headers = httping.Hict()
    parsent.body = bytearray(b"[1, 2]")
    parsent.dictify()
    assert parsent.data == [1, 2] and not parsent.jsoned
    parsent.body = bytearray(b"not json")
    parsent.data = None
    parsent.dictify()
    assert parsent.data is None
    parsent = Parsent()
    parsent.headers = httping.Hict([("Content-Type", "application/problem+json")])
    parsent.body = bytearray(b'{"x": "\xff"}')
    parsent.dictify()
    assert parsent.jsoned and parsent.data is None


def test_parsent_reinit_keeps_msg_and_limits():
    msg = bytearray(b"left")
    parsent = Parsent(msg=msg, dictable=True, method="post", maxHeaders=3)
    assert parsent.method == "POST" and parsent.dictable and parsent.msg is msg
    parsent.reinit(method="HEAD")
    assert parsent.msg is msg and parsent.dictable and parsent.method == "HEAD" and parsent.maxHeaders == 3
    assert parsent.headers is None and parsent.body == bytearray() and not parsent.ended
