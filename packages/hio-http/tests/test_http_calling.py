"""The client side of a connection without I/O, hio.core.http.calling.Call:
requests in, bytes out; bytes in, outcomes and events out; its state table;
no socket, thread or sleep.

Every test that feeds a response runs with the bytes arriving all at once
and byte by byte (the ``arrival`` fixture); the outcome must be the same.
"""

from __future__ import annotations

import pytest

from hio.core.http.calling import (
    AWAITING,
    CLOSED,
    DONE,
    ERROR,
    FAILED,
    IDLE,
    MUST_CLOSE,
    RECEIVING,
    REDIRECT,
    RESPONSE,
    RETRY,
    SENDING,
    STATES,
    SUSPEND,
    TRANSITIONS,
    Call,
)
from hio.core.http.clienting import Client, Requester, Respondent
from hio.core.http.eventing import BodyData, Closed, MessageEnd, ProtocolError, RequestHead, ResponseHead
from hio.core.http.exchanging import Exchange
from hio.core.http.stating import TransitionError
from hio.help.hicting import Hict

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
HOST = Hict([("Host", "a")])


@pytest.fixture(params=["whole", "bytewise"])
def arrival(request):
    return request.param


def call(method: str = "GET", reused: bool = False) -> Call:
    """A Call with a request of method sent."""
    made = Call(Respondent())
    msg = Requester(hostname="a", port=80, method=method, path="/p").build()
    made.begin()
    made.send(msg, method=method, reused=reused)
    assert bytes(made.txbs) == msg and made.state == AWAITING
    return made


def feed(made: Call, data: bytes, arrival: str, cutoff: bool = False) -> list[str | None]:
    """Feed data as arrival says; return the outcomes, the last after the end of input when cutoff."""
    outcomes = []
    pieces = [data] if arrival == "whole" else [data[i : i + 1] for i in range(len(data))]
    for piece in pieces:
        made.rxbs.extend(piece)
        outcomes.append(made.advance())
        if outcomes[-1] is not None:
            return outcomes
    if cutoff:
        outcomes.append(made.advance(cutoff=True))
    return outcomes


def test_a_response_in_and_the_connection_kept(arrival):
    made = call()
    assert feed(made, OK, arrival)[-1] == RESPONSE
    assert made.respondent.status == 200 and made.respondent.body == b"hello"
    assert made.finish() and made.state == IDLE
    assert not made.rxbs


def test_keep_alive_decided_by_the_response_and_the_end_of_input(arrival):
    made = call()
    feed(made, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", arrival)
    assert not made.finish()
    made = call()
    feed(made, b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", arrival)
    assert not made.finish()
    made = call()
    feed(made, OK, arrival)
    assert not made.finish(cutoff=True)  # the server closed it meanwhile


def test_a_body_until_close_ends_with_the_connection(arrival):
    made = call()
    outcomes = feed(made, b"HTTP/1.1 200 OK\r\n\r\nall of it", arrival, cutoff=True)
    assert outcomes[-1] == RESPONSE and set(outcomes[:-1]) == {None}
    assert made.respondent.body == b"all of it" and not made.finish()


def test_a_head_response_has_no_body(arrival):
    made = call(method="HEAD")
    assert feed(made, b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", arrival)[-1] == RESPONSE
    assert made.respondent.body == b"" and made.finish()


def test_interim_responses_are_skipped(arrival):
    made = call()
    assert feed(made, b"HTTP/1.1 100 Continue\r\n\r\n" + OK, arrival)[-1] == RESPONSE
    assert made.respondent.status == 200


def test_a_redirect_to_follow(arrival):
    made = call()
    outcome = feed(made, b"HTTP/1.1 302 Found\r\nLocation: /there\r\nContent-Length: 0\r\n\r\n", arrival)[-1]
    assert outcome == REDIRECT and made.respondent.location == "/there"


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
    ],
)
def test_a_malformed_response_fails(arrival, data):
    made = call()
    assert feed(made, data, arrival)[-1] == FAILED
    assert made.respondent.errored and not made.finish()


def test_a_response_cut_short_fails(arrival):
    made = call()
    assert feed(made, OK[:-2], arrival, cutoff=True)[-1] == FAILED
    assert "cut short" in made.respondent.error


def test_a_kept_alive_connection_closed_under_an_idempotent_request_retries_once():
    made = call(reused=True)
    assert made.advance(cutoff=True) == RETRY and made.retried
    assert made.state == CLOSED
    made.reset()  # as if it had gone on another kept-alive connection
    made.send(bytes(made.txbs), method="GET", rxbs=bytearray(), txbs=bytearray(), reused=True)
    assert made.advance(cutoff=True) == FAILED  # only once
    assert call(method="POST", reused=True).advance(cutoff=True) == FAILED  # not idempotent
    assert call(reused=False).advance(cutoff=True) == FAILED  # a new connection: no excuse
    made = call(reused=True)
    made.rxbs.extend(OK[:4])
    assert made.advance(cutoff=True) == FAILED  # the server began to answer


def test_an_event_stream_cut_off_is_suspended_with_its_events(arrival):
    made = call()
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nid: 7\ndata: one\n\n"
    outcomes = feed(made, data, arrival, cutoff=True)
    assert outcomes[-1] == SUSPEND and set(outcomes[:-1]) == {None}
    assert [event["data"] for event in made.respondent.events] == ["one"]
    assert made.respondent.leid == "7"


# The events of a response, bytes in and events out


def receive(made: Call, data: bytes, arrival: str, cutoff: bool = False) -> list:
    """Feed data as arrival says; return every event, with those of the end of input when cutoff."""
    events: list = []
    pieces = [data] if arrival == "whole" else [data[i : i + 1] for i in range(len(data))]
    for piece in pieces:
        made.rxbs.extend(piece)
        events.extend(made.receive())
    if cutoff:
        events.extend(made.receive(cutoff=True))
    return events


def bodyOf(events: list) -> bytes:
    """The body bytes of the BodyData events, joined."""
    return b"".join(event.data for event in events if isinstance(event, BodyData))


def kinds(events: list) -> list[type]:
    """The classes of events, a run of BodyData as one."""
    out: list[type] = []
    for event in events:
        if not (out and out[-1] is BodyData and isinstance(event, BodyData)):
            out.append(type(event))
    return out


def test_a_response_as_head_body_and_end(arrival):
    made = call()
    events = receive(made, OK, arrival)
    assert kinds(events) == [ResponseHead, BodyData, MessageEnd]
    head = events[0]
    assert (head.status, head.reason, head.protocol, head.headers["content-length"]) == (200, "OK", "HTTP/1.1", "5")
    assert (head.length, head.chunked, head.bodiless, head.persisted) == (5, False, False, True)
    assert bodyOf(events) == b"hello" and not events[-1].trails
    if arrival == "bytewise":  # the body is handed out as it arrives, a byte at a time
        assert [event.data for event in events if isinstance(event, BodyData)] == [b"h", b"e", b"l", b"l", b"o"]
    assert made.state == DONE and made.finish() and made.state == IDLE
    assert made.receive() == []  # nothing more until the next request


def test_a_chunked_response_gives_its_chunks_and_trailers(arrival):
    made = call()
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n"
    events = receive(made, data, arrival)
    assert kinds(events) == [ResponseHead, BodyData, MessageEnd]
    assert bodyOf(events) == b"abcde" and events[-1].trails["x-sum"] == "5"
    if arrival == "whole":
        assert [event.data for event in events if isinstance(event, BodyData)] == [b"abcde"]


def test_interim_responses_give_no_head_and_a_bodiless_one_ends_at_once(arrival):
    made = call()
    events = receive(made, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", arrival)
    assert kinds(events) == [ResponseHead, MessageEnd] and events[0].status == 204 and events[0].bodiless


def test_a_malformed_response_gives_a_fault_with_its_status(arrival):
    made = call()
    events = receive(made, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", arrival)
    assert kinds(events) == [ProtocolError] and events[0].status == 400 and "Content-Length" in events[0].detail
    assert made.state == ERROR and not made.finish() and made.state == ERROR
    made = call()
    events = receive(made, b"HTTP/2.0 200 OK\r\n\r\n", arrival)
    assert kinds(events) == [ProtocolError] and events[0].status == 505


def test_a_body_over_the_limit_faults_with_413():
    made = Call(Respondent(maxBodySize=4))
    made.send(Requester(hostname="a", port=80).build())
    made.rxbs.extend(OK)  # its Content-Length says so: the head is refused
    events = made.receive()
    assert kinds(events) == [ProtocolError] and events[-1].status == 413 and made.state == ERROR
    made.send(Requester(hostname="a", port=80).build(), rxbs=bytearray())  # on a new connection
    made.rxbs.extend(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    events = made.receive()  # its chunks say so once they arrive, after those within the limit
    assert kinds(events) == [ResponseHead, BodyData, ProtocolError] and bodyOf(events) == b"abc"
    assert events[-1].status == 413 and made.state == ERROR


def test_a_response_cut_short_gives_its_body_so_far_a_fault_and_closed(arrival):
    made = call()
    events = receive(made, OK[:-2], arrival, cutoff=True)
    assert kinds(events) == [ResponseHead, BodyData, ProtocolError, Closed]
    assert bodyOf(events) == b"hel" and "cut short" in events[-2].detail and made.state == CLOSED


def test_a_body_until_close_ends_with_the_connection_as_events(arrival):
    made = call()
    events = receive(made, b"HTTP/1.1 200 OK\r\n\r\nall of it", arrival, cutoff=True)
    assert kinds(events) == [ResponseHead, BodyData, MessageEnd, Closed] and bodyOf(events) == b"all of it"
    assert made.state == CLOSED and not made.finish()


def test_an_event_stream_hands_out_its_bytes_and_its_events(arrival):
    made = call()
    stream = b"id: 7\ndata: one\n\ndata: two\n\n"
    events = receive(made, b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + stream, arrival, cutoff=True)
    assert kinds(events) == [ResponseHead, BodyData, Closed]  # no end: cut off, to resume
    assert bodyOf(events) == stream and made.respondent.body == b""
    assert [event["data"] for event in made.respondent.events] == ["one", "two"]
    assert not made.respondent.tap  # emptied as handed out


def test_a_kept_alive_connection_closed_under_the_request_gives_closed_alone():
    made = call(reused=True)
    assert made.receive(cutoff=True) == [Closed()] and made.retried and made.state == CLOSED


RESPONSES = [
    (OK, False),
    (b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n", False),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", True),
    (b"HTTP/1.1 200 OK\r\n\r\nuntil close", True),
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n", True),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", False),
    (b"", True),
]


@pytest.mark.parametrize(("data", "cutoff"), RESPONSES)
@pytest.mark.parametrize("reused", [False, True])
def test_advance_says_what_the_events_say(arrival, data, cutoff, reused):
    """advance and receive are one step: the outcome of one is read from the events of the other."""
    told, heard = call(reused=reused), call(reused=reused)
    outcomes = [outcome for outcome in feed(told, data, arrival, cutoff=cutoff) if outcome is not None]
    events = receive(heard, data, arrival, cutoff=cutoff)
    ends = [event for event in events if isinstance(event, (MessageEnd, ProtocolError, Closed))]
    if not ends:
        expected = None
    elif isinstance(ends[0], MessageEnd):
        expected = REDIRECT if heard.respondent.redirected else RESPONSE
    elif isinstance(ends[0], ProtocolError):
        expected = FAILED
    else:
        expected = SUSPEND if heard.respondent.evented else RETRY
    assert (outcomes[-1] if outcomes else None) == expected
    assert told.state == heard.state


# A request written as events


def test_a_request_written_as_events_is_what_a_server_reads():
    made = Call(Respondent())
    head = RequestHead("POST", "/echo?x=1", "HTTP/1.1", Hict([("Host", "a"), ("Content-Length", "5")]))
    wrote = made.write(head) + made.write(BodyData(b"he")) + made.write(BodyData(b"llo")) + made.write(MessageEnd())
    assert made.state == AWAITING and bytes(made.txbs) == wrote
    assert wrote == b"POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    exchange = Exchange(bytearray(wrote))
    requestant = exchange.advance()
    assert requestant is not None and (requestant.method, requestant.body) == ("POST", b"hello")
    made.rxbs.extend(OK)
    assert kinds(made.receive()) == [ResponseHead, BodyData, MessageEnd]


def test_a_chunked_request_written_as_events():
    made = Call(Respondent())
    made.write(RequestHead("PUT", "/f", "HTTP/1.1", Hict([("Host", "a"), ("Transfer-Encoding", "chunked")])))
    assert made.write(BodyData(b"abc")) == b"3\r\nabc\r\n"
    assert made.write(BodyData(b"")) == b""  # an empty piece is not the last chunk
    assert made.write(MessageEnd(Hict([("X-Sum", "3")]))) == b"0\r\nX-Sum: 3\r\n\r\n"
    requestant = Exchange(bytearray(made.txbs)).advance()
    assert requestant is not None and requestant.body == b"abc" and requestant.trails["x-sum"] == "3"


def test_a_request_without_framing_has_no_body_and_a_head_request_no_response_body():
    made = Call(Respondent())
    made.write(RequestHead("HEAD", "/", "HTTP/1.1", HOST))
    with pytest.raises(ValueError, match="Content-Length"):
        made.write(BodyData(b"x"))
    made.write(MessageEnd())
    made.rxbs.extend(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")
    assert kinds(made.receive()) == [ResponseHead, MessageEnd]


@pytest.mark.parametrize(
    "head",
    [
        RequestHead("GE T", "/", "HTTP/1.1", HOST),
        RequestHead("GET", "/ HTTP/1.1\r\nX: y", "HTTP/1.1", HOST),
        RequestHead("GET", "/", "HTTP/1.1", Hict([("Host", "a\r\nX-Injected: 1")])),
        RequestHead("GET", "/", "HTTP/1.1", Hict([("Bad Name", "a")])),
        RequestHead("POST", "/", "HTTP/1.1", Hict([("Content-Length", "1"), ("Content-Length", "2")])),
        RequestHead("POST", "/", "HTTP/1.1", Hict([("Transfer-Encoding", "gzip")])),
        RequestHead("POST", "/", "HTTP/1.0", Hict([("Transfer-Encoding", "chunked")])),
        RequestHead("GET", "/", "HTTP/2.0", HOST),
    ],
)
def test_a_bad_request_head_is_refused_and_nothing_written(head):
    made = Call(Respondent())
    with pytest.raises(ValueError):
        made.write(head)
    assert made.state == IDLE and not made.txbs


def test_a_request_body_must_match_its_content_length():
    made = Call(Respondent())
    made.write(RequestHead("POST", "/", "HTTP/1.1", Hict([("Content-Length", "3")])))
    with pytest.raises(ValueError, match="short"):
        made.write(MessageEnd())
    with pytest.raises(ValueError, match="left"):
        made.write(BodyData(b"abcd"))
    made.write(BodyData(b"abc"))
    made.write(MessageEnd())
    assert made.txbs.endswith(b"\r\n\r\nabc")


# The state table


def test_the_state_table_names_every_state_and_every_state_may_close():
    assert set(TRANSITIONS) == set(STATES)
    for state, targets in TRANSITIONS.items():
        assert targets <= set(STATES) and state not in targets
        assert state == CLOSED or CLOSED in targets
    assert TRANSITIONS[MUST_CLOSE] == TRANSITIONS[ERROR] == {CLOSED}
    assert TRANSITIONS[CLOSED] == {IDLE}


@pytest.mark.parametrize("start", STATES)
@pytest.mark.parametrize("end", STATES)
def test_a_move_outside_the_table_raises(start, end):
    made = Call(Respondent())
    made.state = start
    if end in TRANSITIONS[start]:
        made._to(end)
        assert made.state == end
    else:
        with pytest.raises(TransitionError, match=f"from {start!r} to {end!r}"):
            made._to(end)
        assert made.state == start


def test_a_request_goes_through_the_states_in_order():
    made = Call(Respondent())
    seen = [made.state]
    made.write(RequestHead("GET", "/", "HTTP/1.1", HOST))
    seen.append(made.state)
    made.write(MessageEnd())
    seen.append(made.state)
    made.rxbs.extend(OK[:-1])
    made.receive()
    seen.append(made.state)
    made.rxbs.extend(OK[-1:])
    made.receive()
    seen.append(made.state)
    made.finish()
    seen.append(made.state)
    assert seen == [IDLE, SENDING, AWAITING, RECEIVING, DONE, IDLE]
    made.send(Requester(hostname="a", port=80).build(), reused=True)  # the kept connection carries the next
    assert made.state == AWAITING
    made.rxbs.extend(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    made.receive()
    assert not made.finish() and made.state == MUST_CLOSE


def test_what_the_state_does_not_allow_raises_a_state_error():
    made = Call(Respondent())
    with pytest.raises(TransitionError, match="BodyData while 'idle'"):
        made.write(BodyData(b"x"))
    with pytest.raises(TransitionError, match="MessageEnd while 'idle'"):
        made.write(MessageEnd())
    made.send(Requester(hostname="a", port=80).build())
    with pytest.raises(TransitionError, match="request head while 'awaiting response'"):
        made.write(RequestHead("GET", "/", "HTTP/1.1", HOST))
    with pytest.raises(TransitionError, match="from 'awaiting response' to 'awaiting response'"):
        made.send(b"GET / HTTP/1.1\r\n\r\n", reused=True)  # a kept-alive connection carries one request at a time
    with pytest.raises(TypeError):
        made.write(Closed())  # type: ignore[arg-type]
    made.send(Requester(hostname="a", port=80).build(), reused=False)  # a new connection: whatever became of this one
    assert made.state == AWAITING


def test_finish_of_an_abandoned_request_leaves_the_connection_in_error():
    made = call()
    assert not made.finish() and made.state == ERROR
    made.close()
    assert made.state == CLOSED
    made.close()  # once closed, closing again changes nothing
    assert made.state == CLOSED


# The Client's use of its Call


def test_the_client_parses_with_its_calls_respondent_and_waits_while_a_request_is_in_progress():
    client = Client(hostname="127.0.0.1", port=8080)
    assert client.respondent is client.call.respondent
    other = Respondent(msg=client.connector.rxbs)
    client.respondent = other
    assert client.call.respondent is other
    assert not client.waited
    client.pending = {"method": "GET"}
    assert client.waited
