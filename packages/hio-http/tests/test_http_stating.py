"""The state table of the server side of a connection (hio.core.http.stating) and
the connection core moving through it (hio.core.http.exchanging.Exchange), no socket."""

from __future__ import annotations

import pytest

from hio.core.http.exchanging import Exchange
from hio.core.http.stating import CLOSING, RECEIVING, STATES, TRANSITIONS, TransitionError, move

IDLE, HEAD, BODY, ANSWERING, MUST_CLOSE, ERROR, CLOSED = STATES  # in the order a connection goes through them

GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
POST = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"


def test_the_table_names_every_state_and_only_states():
    assert set(TRANSITIONS) == set(STATES)
    assert all(targets <= set(STATES) for targets in TRANSITIONS.values())
    assert {HEAD, BODY} == RECEIVING and {MUST_CLOSE, ERROR} == CLOSING


@pytest.mark.parametrize(
    "state, to",
    [
        (IDLE, HEAD),
        (IDLE, ANSWERING),  # a whole request at once
        (IDLE, CLOSED),  # the client closed between requests
        (HEAD, BODY),
        (HEAD, ERROR),
        (BODY, ANSWERING),
        (ANSWERING, IDLE),  # kept for the next request
        (ANSWERING, MUST_CLOSE),
        (ANSWERING, ERROR),  # the server refuses after all
    ],
)
def test_a_move_the_table_allows(state, to):
    assert move(state, to) == to


@pytest.mark.parametrize(
    "state, to",
    [
        (ANSWERING, HEAD),  # no next request while one is answered
        (ANSWERING, ANSWERING),
        (HEAD, IDLE),
        (BODY, HEAD),
        (IDLE, MUST_CLOSE),  # nothing answered to close after
        (MUST_CLOSE, IDLE),
        (ERROR, IDLE),
        (ERROR, ANSWERING),
        (CLOSED, HEAD),
    ],
)
def test_a_move_the_table_refuses_raises_naming_both_states(state, to):
    with pytest.raises(TransitionError, match=f"from {state} to {to}"):
        move(state, to)


def test_the_last_states_go_nowhere():
    for state in (MUST_CLOSE, ERROR, CLOSED):
        assert not TRANSITIONS[state]
        for to in STATES:
            with pytest.raises(TransitionError):
                move(state, to)


def test_an_exchange_walks_the_table_and_its_flags_follow():
    exchange = Exchange()
    assert exchange.state == IDLE and not exchange.busy and not exchange.closing and not exchange.closed
    exchange.rxbs.extend(POST[:20])
    assert exchange.advance() is None and exchange.state == HEAD and exchange.pending
    exchange.rxbs.extend(POST[20:-3])
    assert exchange.advance() is None and exchange.state == BODY
    exchange.rxbs.extend(POST[-3:])
    assert exchange.advance() is not None and exchange.state == ANSWERING and exchange.busy
    assert exchange.finish(True) and exchange.state == IDLE
    exchange.rxbs.extend(GET)
    assert exchange.advance() is not None and exchange.state == ANSWERING  # whole at once: straight in
    assert not exchange.finish(False) and exchange.state == MUST_CLOSE and exchange.closing
    assert exchange.advance() is None and exchange.state == MUST_CLOSE


def test_an_exchange_refuses_a_move_out_of_turn():
    exchange = Exchange()
    with pytest.raises(TransitionError):
        exchange.finish(True)  # nothing is being answered
    exchange.rxbs.extend(GET)
    assert exchange.advance() is not None
    exchange.finish(False)
    with pytest.raises(TransitionError):
        exchange.refuse(500)  # closing already: nothing more is answered
    assert exchange.state == MUST_CLOSE and not exchange.txbs


def test_end_of_input_and_errors_end_in_their_states():
    exchange = Exchange()
    exchange.end()
    assert exchange.advance() is None and exchange.state == CLOSED and exchange.closed
    exchange = Exchange()
    exchange.rxbs.extend(b"GET / HTTP/1.1\r\n\r\n")  # no Host
    assert exchange.advance() is None and exchange.state == ERROR and exchange.closing
    exchange = Exchange()
    exchange.rxbs.extend(GET[:5])
    exchange.advance()
    assert exchange.expire() and exchange.state == ERROR


def test_every_state_a_request_is_taken_from_may_go_to_answering():
    """Exchange.advance, which takes a request only in these states, moves to ANSWERING unchecked."""
    for state in (IDLE, *RECEIVING):
        assert ANSWERING in TRANSITIONS[state]
    assert TRANSITIONS[ANSWERING] >= {IDLE, MUST_CLOSE}
