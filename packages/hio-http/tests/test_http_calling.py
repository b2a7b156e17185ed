"""The client side of a connection without I/O, hio.core.http.calling.Call:
requests in, bytes out; bytes in, outcomes out; no socket, thread or sleep.

Every test that feeds a response runs with the bytes arriving all at once
and byte by byte (the ``arrival`` fixture); the outcome must be the same.
"""

from __future__ import annotations

import pytest

from hio.core.http.calling import AWAITING, CLOSED, FAILED, IDLE, REDIRECT, RESPONSE, RETRY, SUSPEND, Call
from hio.core.http.clienting import Requester, Respondent

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


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
