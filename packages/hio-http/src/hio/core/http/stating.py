"""hio.core.http.stating module

The states of the server side of one HTTP/1.1 connection and the moves
allowed between them, as data: `TRANSITIONS`, and `move`, which refuses
any move the table does not list.

The states, in the order a connection goes through them::

    IDLE       between requests: nothing of the next one has arrived
    HEAD       bytes of a request arrived, its head is not whole yet
    BODY       the head is parsed (or handed out), the body still arrives
    ANSWERING  the whole request is in and its response is being written
    MUST_CLOSE the response ended and does not keep the connection: close
               once the bytes queued are sent
    ERROR      a bad request (or one too slow) was answered with its error
               status: close once the answer is sent
    CLOSED     the client closed between requests: close now, nothing to send

A response that keeps the connection takes it from ANSWERING back to IDLE
for the next request; MUST_CLOSE, ERROR and CLOSED are the last states.
"""

from __future__ import annotations

IDLE = "idle"
HEAD = "head"
BODY = "body"
ANSWERING = "answering"
MUST_CLOSE = "must-close"
ERROR = "error"
CLOSED = "closed"

STATES = (IDLE, HEAD, BODY, ANSWERING, MUST_CLOSE, ERROR, CLOSED)
"""Every state of the server side of a connection."""

TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset((HEAD, BODY, ANSWERING, ERROR, CLOSED)),
    HEAD: frozenset((BODY, ANSWERING, ERROR)),
    BODY: frozenset((ANSWERING, ERROR)),
    ANSWERING: frozenset((IDLE, MUST_CLOSE, ERROR)),
    MUST_CLOSE: frozenset(),
    ERROR: frozenset(),
    CLOSED: frozenset(),
}
"""The states each state may move to. A request arriving whole goes from IDLE
straight to ANSWERING (or to BODY when its body still arrives); any state of
a request in process may end in ERROR (a bad request, one cut short by the
end of input, one too slow, or a server that refuses to answer it)."""

RECEIVING = frozenset((HEAD, BODY))
"""The states in which part of a request has arrived and is not answered yet."""

CLOSING = frozenset((MUST_CLOSE, ERROR))
"""The states in which the connection closes once the bytes queued are sent."""


class TransitionError(RuntimeError):
    """A move between two states that a connection core's table does not allow: this
    module's TRANSITIONS (the server side) or hio.core.http.calling.TRANSITIONS (the client side)."""


def move(state: str, to: str) -> str:
    """Return state to, the next state after state, when TRANSITIONS allows the move.

    Parameters:
        state (str): the state now
        to (str): the next state

    Raises:
        TransitionError: when TRANSITIONS does not allow the move
    """
    if to not in TRANSITIONS[state]:
        raise TransitionError(f"a connection cannot go from {state} to {to}")
    return to
