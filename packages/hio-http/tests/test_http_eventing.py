"""The connection core's events (hio.core.http.eventing): bytes in, events out
(Exchange.nextEvent), and events in, bytes out (Exchange.send), no socket.

The input side runs for every test twice (the ``arrival`` fixture): the bytes
arriving all at once and one by one; what comes out must be the same.
"""

from __future__ import annotations

import logging

import pytest

from hio.core.http.eventing import BodyData, MessageEnd, ProtocolError, RequestHead, ResponseHead
from hio.core.http.exchanging import CONTINUE, Exchange
from hio.core.http.sending import Sender
from hio.core.http.stating import ANSWERING, BODY, CLOSED, ERROR, IDLE, MUST_CLOSE, TransitionError
from hio.help.hicting import Hict

GET = b"GET /hello?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
POST = b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
CHUNKED = (
    b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nChecksum: 7\r\n\r\n"
)
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"


@pytest.fixture(params=["whole", "bytewise"])
def arrival(request):
    """How request bytes arrive: all at once, or one byte at a time."""
    return request.param


def feed(exchange: Exchange, data: bytes, arrival: str) -> list:
    """Feed data as arrival says and return every event the core gave meanwhile."""
    events = []
    pieces = [data] if arrival == "whole" else [data[i : i + 1] for i in range(len(data))]
    for piece in pieces:
        exchange.rxbs.extend(piece)
        while (event := exchange.nextEvent()) is not None:
            events.append(event)
    return events


def joined(events: list) -> list:
    """events with the body parts between a head and its end joined into one BodyData (as bytes)."""
    out: list = []
    for event in events:
        if isinstance(event, BodyData):
            if out and isinstance(out[-1], bytes):
                out[-1] += event.data
            else:
                out.append(event.data)
        else:
            out.append(event)
    return out


def answer(exchange: Exchange, body: bytes = b"ok") -> None:
    """Answer the request that ended with a whole body, through events."""
    exchange.send(ResponseHead(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body), length=len(body)))
    exchange.send(BodyData(body))
    exchange.send(MessageEnd())


def test_a_request_without_body_is_a_head_then_its_end(arrival):
    exchange = Exchange()
    events = feed(exchange, GET, arrival)
    assert [type(event) for event in events] == [RequestHead, MessageEnd]
    head = events[0]
    assert (head.method, head.target, head.protocol) == ("GET", "/hello?x=1", "HTTP/1.1")
    assert head.headers["host"] == "a" and head.length == 0 and not head.chunked and head.persisted
    assert exchange.state == ANSWERING and exchange.nextEvent() is None


def test_a_body_comes_out_as_it_arrives(arrival):
    exchange = Exchange()
    events = feed(exchange, POST, arrival)
    assert isinstance(events[0], RequestHead) and events[0].length == 5
    assert joined(events[1:]) == [b"hello", events[-1]] and isinstance(events[-1], MessageEnd)
    if arrival == "bytewise":
        assert [event.data for event in events[1:-1]] == [b"h", b"e", b"l", b"l", b"o"]
    assert not exchange.requestant.body  # handed out, not kept


def test_a_large_body_is_streamed_not_held_whole():
    size, piece = 1 << 20, 1 << 16
    exchange = Exchange(maxBodySize=size)
    head = b"PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % size
    exchange.rxbs.extend(head + b"x" * piece)
    events = [exchange.nextEvent(), exchange.nextEvent()]
    assert isinstance(events[0], RequestHead) and exchange.state == BODY  # the head out before the body is in
    assert isinstance(events[1], BodyData) and len(events[1].data) == piece
    got = piece
    while got < size:
        exchange.rxbs.extend(b"x" * piece)
        event = exchange.nextEvent()
        assert isinstance(event, BodyData) and len(event.data) == piece
        assert not exchange.requestant.body and not exchange.rxbs  # nothing of the body held back
        got += piece
    assert isinstance(exchange.nextEvent(), MessageEnd) and exchange.state == ANSWERING


def test_a_chunked_body_comes_out_unchunked_with_its_trailer(arrival):
    exchange = Exchange()
    events = joined(feed(exchange, CHUNKED, arrival))
    assert isinstance(events[0], RequestHead) and events[0].chunked
    assert events[1] == b"abcde"
    assert isinstance(events[2], MessageEnd) and events[2].trails["checksum"] == "7"


def test_the_chunked_size_limit_counts_the_parts_handed_out():
    exchange = Exchange(maxBodySize=4)
    events = feed(exchange, CHUNKED, "bytewise")
    assert isinstance(events[-1], ProtocolError) and events[-1].status == 413
    assert bytes(exchange.txbs).startswith(b"HTTP/1.1 413 ") and exchange.state == ERROR


@pytest.mark.parametrize(
    "data",
    [
        GET,
        POST,
        CHUNKED,
        b"GET / HTTP/1.0\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",  # no Host: 400
        b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n",  # 501
        b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",  # 505
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",  # 501
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n",  # 417
    ],
)
def test_events_and_whole_requests_agree(arrival, data):
    """The event path and the whole-request path (advance) read the same request, or refuse it alike."""
    whole = Exchange()
    whole.rxbs.extend(data)
    requestant = whole.advance()
    events = feed(Exchange(), data, arrival)
    if requestant is None:
        assert len(events) == 1 and isinstance(events[0], ProtocolError)
        assert events[0].status == whole.fault.status
        return
    head, *rest = joined(events)
    assert (head.method, head.target, head.protocol) == (requestant.method, requestant.target, requestant.protocol)
    assert list(head.headers.items()) == list(requestant.headers.items())
    assert head.persisted == requestant.persisted
    body = rest[0] if isinstance(rest[0], bytes) else b""
    assert body == bytes(requestant.body) and isinstance(rest[-1], MessageEnd)


def test_100_continue_queued_with_the_head_event(arrival):
    exchange = Exchange()
    head = b"POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
    events = feed(exchange, head, arrival)
    assert [type(event) for event in events] == [RequestHead] and bytes(exchange.txbs) == CONTINUE
    events = feed(exchange, b"abc", arrival)
    assert joined(events)[0] == b"abc" and bytes(exchange.txbs) == CONTINUE  # once only


def test_a_request_cut_short_is_a_400_and_a_close_between_requests_is_nothing():
    exchange = Exchange()
    exchange.rxbs.extend(POST[:-2])
    assert isinstance(exchange.nextEvent(), RequestHead)
    assert isinstance(exchange.nextEvent(), BodyData)
    exchange.end()
    event = exchange.nextEvent()
    assert isinstance(event, ProtocolError) and event.status == 400 and exchange.closing
    assert bytes(exchange.txbs).startswith(b"HTTP/1.1 400 ")
    exchange = Exchange()
    exchange.end()
    assert exchange.nextEvent() is None and exchange.state == CLOSED and not exchange.txbs


def test_pipelined_requests_come_out_one_at_a_time_in_order(arrival):
    exchange = Exchange()
    events = feed(exchange, GET + POST, arrival)
    assert [type(event) for event in events] == [RequestHead, MessageEnd]  # the POST waits for the answer
    answer(exchange)
    assert exchange.state == IDLE
    events = joined(feed(exchange, b"", "whole"))
    assert events[0].method == "POST" and events[1] == b"hello" and isinstance(events[2], MessageEnd)


def test_a_response_in_events_out_in_bytes():
    exchange = Exchange()
    feed(exchange, GET, "whole")
    exchange.send(ResponseHead(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", chunked=True))
    exchange.send(BodyData(b"abc"))
    exchange.send(BodyData(b""))  # nothing: not the last chunk
    exchange.send(BodyData(b"de"))
    assert exchange.state == ANSWERING
    exchange.send(MessageEnd())
    assert bytes(exchange.txbs) == (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert exchange.state == IDLE


def test_a_body_past_its_length_is_cut_and_one_short_of_it_closes(caplog):
    exchange = Exchange()
    feed(exchange, GET + GET, "whole")
    with caplog.at_level(logging.WARNING):
        exchange.send(ResponseHead(OK, length=2))
        exchange.send(BodyData(b"okay"))
        exchange.send(MessageEnd())
    assert bytes(exchange.txbs) == OK + b"ok" and exchange.state == IDLE
    assert "longer than its Content-Length" in caplog.text
    exchange.txbs.clear()
    assert isinstance(exchange.nextEvent(), RequestHead) and isinstance(exchange.nextEvent(), MessageEnd)
    exchange.send(ResponseHead(OK, length=2))
    exchange.send(BodyData(b"o"))
    exchange.send(MessageEnd())
    assert bytes(exchange.txbs) == OK + b"o" and exchange.state == MUST_CLOSE


def test_a_bodiless_response_drops_its_body():
    exchange = Exchange()
    feed(exchange, b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", "whole")
    exchange.send(ResponseHead(OK, length=2, bodiless=True))
    exchange.send(BodyData(b"ok"))
    exchange.send(MessageEnd())
    assert bytes(exchange.txbs) == OK and exchange.state == IDLE


def test_keep_alive_needs_both_the_request_and_the_response():
    for data, persisted, state in [
        (GET, True, IDLE),
        (GET, False, MUST_CLOSE),  # the response closes
        (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", True, MUST_CLOSE),
        (b"GET / HTTP/1.0\r\n\r\n", True, MUST_CLOSE),
    ]:
        exchange = Exchange()
        feed(exchange, data, "whole")
        exchange.send(ResponseHead(OK, length=2, persisted=persisted))
        exchange.send(BodyData(b"ok"))
        exchange.send(MessageEnd())
        assert exchange.state == state, data


def test_a_response_out_of_turn_or_not_a_response_is_refused():
    exchange = Exchange()
    with pytest.raises(TransitionError):
        exchange.send(ResponseHead(OK, length=2))  # no request
    exchange.rxbs.extend(POST)
    assert isinstance(exchange.nextEvent(), RequestHead)
    with pytest.raises(TransitionError):
        exchange.send(ResponseHead(OK, length=2))  # its body still arrives
    assert isinstance(exchange.nextEvent(), BodyData) and isinstance(exchange.nextEvent(), MessageEnd)
    with pytest.raises(TypeError):
        exchange.send(ProtocolError(400))
    assert not exchange.txbs


def test_nothing_begins_while_too_many_answer_bytes_wait():
    exchange = Exchange(maxUnsent=10)
    feed(exchange, GET + GET, "whole")
    answer(exchange, b"x" * 10)  # the client does not read
    assert exchange.nextEvent() is None and bytes(exchange.rxbs) == GET
    del exchange.txbs[:]
    assert isinstance(exchange.nextEvent(), RequestHead)


def test_a_sender_of_its_own_writes_through_what_it_is_given():
    out = bytearray()
    sender = Sender(out.extend)
    sender.head(ResponseHead(b"HEAD\r\n\r\n", chunked=True))
    assert sender.data(memoryview(b"abc")) == 3 and sender.end() and sender.ended
    sender.whole(b"WHOLE", persisted=False)
    assert bytes(out) == b"HEAD\r\n\r\n3\r\nabc\r\n0\r\n\r\nWHOLE" and not sender.persisted


def answered(request: bytes, *events) -> tuple[bytes, Exchange]:
    """The bytes an Exchange sends for events answering request, and the Exchange."""
    exchange = Exchange()
    exchange.rxbs.extend(request)
    while exchange.nextEvent() is not None:
        pass
    for event in events:
        exchange.send(event)
    return bytes(exchange.txbs), exchange


def test_a_head_given_by_its_fields_is_written_and_frames_its_body():
    sent, exchange = answered(
        GET,
        ResponseHead(status=200, headers=Hict([("Content-Type", "text/plain"), ("Content-Length", "5")])),
        BodyData(b"hello, and more"),  # past its Content-Length: cut
        MessageEnd(),
    )
    assert sent == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    assert exchange.state == IDLE


def test_a_head_given_by_its_fields_chunked_bodiless_or_closing():
    chunked, _ = answered(
        GET,
        ResponseHead(status=201, reason="Made", headers=Hict([("Transfer-Encoding", "chunked")])),
        BodyData(b"abc"),
        MessageEnd(),
    )
    assert chunked == b"HTTP/1.1 201 Made\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    head, exchange = answered(
        GET.replace(b"GET", b"HEAD"),
        ResponseHead(status=200, headers=Hict([("Content-Length", "9")])),
        BodyData(b"not sent!"),
        MessageEnd(),
    )
    assert head == b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n" and exchange.state == IDLE
    unframed, exchange = answered(GET, ResponseHead(status=200), BodyData(b"until close"), MessageEnd())
    assert unframed == b"HTTP/1.1 200 OK\r\n\r\nuntil close" and exchange.state == MUST_CLOSE
    closing, exchange = answered(GET, ResponseHead(status=204, headers=Hict([("Connection", "close")])), MessageEnd())
    assert closing == b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n" and exchange.state == MUST_CLOSE


@pytest.mark.parametrize(
    "head, wrong",
    [
        (ResponseHead(status=200, headers=Hict([("X-Bad", "a\r\nSet-Cookie: b")])), "invalid header value"),
        (ResponseHead(status=200, headers=Hict([("Bad Name", "a")])), "invalid header name"),
        (ResponseHead(status=200, reason="OK\r\nX: y"), "invalid reason phrase"),
        (ResponseHead(status=42), "invalid status"),
        (ResponseHead(status=200, protocol="HTTP/2"), "invalid protocol"),
        (ResponseHead(status=200, headers=Hict([("Content-Length", "ten")])), "response head"),
        (ResponseHead(), "needs its bytes or its status"),
    ],
)
def test_a_head_given_by_fields_that_would_break_it_is_refused(head, wrong):
    exchange = Exchange()
    exchange.rxbs.extend(GET)
    while exchange.nextEvent() is not None:
        pass
    with pytest.raises(ValueError, match=wrong):
        exchange.send(head)
    assert exchange.txbs == b"" and exchange.state == ANSWERING  # nothing sent, the answer can still be given
