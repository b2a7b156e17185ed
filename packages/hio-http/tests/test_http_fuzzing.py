"""Property tests: arbitrary and mutated bytes, fed in arbitrary splits to the
client's response parser (Respondent) and to EventSource, end in a parsed
message or one of the documented HTTPException subclasses, never in any other
exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hio.core.http import httping
from hio.core.http.clienting import Respondent
from hio.core.http.httping import EventSource, HTTPException

SETTINGS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\n[1,2]",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 1\ndata: a\n\n: c\ndata: {}\n\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
]

EVENTS = b'\xef\xbb\xbfretry: 10\nid: 1\nevent: e\ndata: a\ndata: b\r\n\r\n: comment\rdata: {"j": 1}\r\r'


@st.composite
def mutated(draw, seeds):
    """Bytes from a seed with a few random edits (insert, delete, replace)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        pos = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.sampled_from([b"\r", b"\n", b"\r\n", b" ", b":", b"\x00", b"0", b"f", b";", b"\xff", b"a"]))
        if kind == "insert":
            data[pos:pos] = chunk
        elif kind == "delete":
            del data[pos : pos + draw(st.integers(1, 8))]
        else:
            data[pos : pos + len(chunk)] = chunk
    return bytes(data)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    """Split data at the cut points (taken modulo its length)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    pieces, last = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[last:point])
        last = point
    return pieces


def runRespondent(pieces: list[bytes], method: str) -> list:
    """Parse pipelined responses from pieces; return list of outcomes."""
    msg = bytearray()
    respondent = Respondent(msg=msg, method=method, dictable=True)
    respondent.makeParser()
    outcomes = []
    for piece in pieces:
        msg.extend(piece)
        while respondent.parser is not None:
            try:
                respondent.parse()
            except HTTPException as ex:
                outcomes.append(("error", ex))
                return outcomes
            if not respondent.ended:
                break
            outcomes.append(("ended", respondent.status, bytes(respondent.body)))
            respondent.reinit(method=method)
            respondent.makeParser()
    idle = bool(outcomes) and not msg and not respondent.headed  # nothing of a next response
    respondent.close()  # end of input never raises
    assert respondent.closed
    if idle:
        return outcomes
    if respondent.ended:
        outcomes.append(("ended", respondent.status, bytes(respondent.body)))
    else:
        assert respondent.errored and respondent.error
        outcomes.append(("closed", respondent.error))
    return outcomes


@SETTINGS
@given(
    data=st.one_of(st.binary(max_size=300), mutated(RESPONSES)),
    cuts=st.lists(st.integers(0, 400), max_size=12),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
)
def test_response_parser_fuzz(data, cuts, method):
    outcomes = runRespondent(split(data, cuts), method)
    assert outcomes
    for outcome in outcomes:
        if outcome[0] == "ended":
            assert isinstance(outcome[1], int) and 100 <= outcome[1] <= 999


@SETTINGS
@given(data=st.sampled_from(RESPONSES), cuts=st.lists(st.integers(0, 400), max_size=12))
def test_response_parser_valid_in_any_split(data, cuts):
    whole = runRespondent([data], "GET")
    assert runRespondent(split(data, cuts), "GET") == whole
    assert all(outcome[0] == "ended" for outcome in whole)


@SETTINGS
@given(
    data=st.one_of(st.binary(max_size=300), mutated([EVENTS])),
    cuts=st.lists(st.integers(0, 400), max_size=12),
    dictable=st.booleans(),
)
def test_event_source_fuzz(data, cuts, dictable):
    source = EventSource(dictable=dictable, maxLineSize=128)
    source.makeParser()
    try:
        for piece in split(data, cuts):
            source.raw.extend(piece)
            source.parse()
        source.close()
        source.parse()
    except httping.LineTooLong:
        return
    assert source.ended and source.parser is None
    for event in source.events:
        assert set(event) == {"id", "name", "data"}
        assert event["id"] is None or isinstance(event["id"], str)
        assert isinstance(event["name"], str) and (dictable or isinstance(event["data"], str))


@SETTINGS
@given(cuts=st.lists(st.integers(0, 400), max_size=12))
def test_event_source_valid_in_any_split(cuts):
    source = EventSource(dictable=True)
    source.makeParser()
    for piece in split(EVENTS, cuts):
        source.raw.extend(piece)
        source.parse()
    assert [(e["id"], e["name"], e["data"]) for e in source.events] == [
        ("1", "e", "a\nb"),
        ("1", "", {"j": 1}),
    ]
    assert source.retry == 10
