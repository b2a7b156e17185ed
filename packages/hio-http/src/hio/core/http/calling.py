"""hio.core.http.calling module

`Call`: the client side of one HTTP/1.1 connection, apart from I/O.

A Call writes a request into a transmit buffer and reads its response out
of a receive buffer with a `Respondent`, and holds no socket and no tymer:
request events in, bytes out; bytes in, response events out (the events of
hio.core.http.eventing). The `Client` moves the bytes between its connector
and these buffers, opens and reopens connections, follows redirects,
resumes event streams on its tymer and queues the responses; what the
protocol decides is decided here:

- where the connection stands, one state of `STATES`, moved only along
  `TRANSITIONS` (any other move raises `TransitionError`);
- the bytes of a request written as events: its head, then its body in
  pieces (chunk-coded when the head says chunked, counted against its
  Content-Length otherwise), then its end;
- the response as events as its bytes arrive: its head, its body in the
  pieces it arrived in, its end, or the protocol error that ended it;
- what became of the request in progress (`Call.advance`): a response, a
  redirect to follow, a failure, an event stream cut off (to resume), or a
  request to send again on a new connection because the server closed a
  kept-alive connection as it went out (idempotent methods only, once);
- whether the connection may carry the next request (`Call.finish`).

Usage, whole requests and outcomes (what the Client does)::

    call = Call(respondent)
    call.send(msg, method="GET", rxbs=rxbs, txbs=txbs, reused=False)
    outcome = call.advance(cutoff=False)    # after bytes arrived in rxbs
    if outcome == RESPONSE:
        kept = call.finish(cutoff=False)    # False: open a new connection next

Usage, events::

    call.write(RequestHead("GET", "/", "HTTP/1.1", Hict([("Host", "example.com")])))
    call.write(MessageEnd())                # the request's bytes are in call.txbs
    for event in call.receive():            # after bytes arrived in call.rxbs
        ...                                 # ResponseHead, BodyData, MessageEnd, ProtocolError, Closed
"""

from __future__ import annotations

from typing import Protocol

from hio.core.http.eventing import BodyData, Closed, Event, MessageEnd, ProtocolError, RequestHead, ResponseHead
from hio.core.http.framing import bodiless, bodyFraming
from hio.core.http.grammaring import CRLF, VERSIONS
from hio.core.http.httping import HTTPException, packChunk, packHeader, packRequestLine
from hio.core.http.stating import TransitionError
from hio.help.hicting import Hict

RESPONSE = "response"
"""The response to the request in progress is complete."""

REDIRECT = "redirect"
"""The response is complete and is a redirect to follow."""

FAILED = "failed"
"""The response is malformed or cut short: the request ends in an errored response."""

RETRY = "retry"
"""The server closed a kept-alive connection before answering: send the request again on a new one."""

SUSPEND = "suspend"
"""The server closed an event stream: resume it later on a new connection."""

IDEMPOTENT_METHODS = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE")
"""Methods whose requests may be sent again when a kept-alive connection closed under them."""

IDLE = "idle"
"""The connection is open (or about to be) and carries no request: the next may go."""

SENDING = "sending"
"""The head of a request is written, its body and end are still to come."""

AWAITING = "awaiting response"
"""The request is written whole; no final response head has arrived."""

RECEIVING = "receiving body"
"""The response head arrived; its body is arriving."""

DONE = "done"
"""The response ended; whether the connection carries the next request is still to decide (finish)."""

MUST_CLOSE = "must close"
"""The response ended and the connection carries no more requests: close it."""

CLOSED = "closed"
"""The connection ended; a request goes only on a new one."""

ERROR = "error"
"""The response broke the protocol (or the request was abandoned): close the connection."""

STATES = (IDLE, SENDING, AWAITING, RECEIVING, DONE, MUST_CLOSE, CLOSED, ERROR)
"""Where the client side of a connection stands, in the order a request goes through them."""

TRANSITIONS: dict[str, frozenset[str]] = {
    IDLE: frozenset((SENDING, AWAITING, CLOSED)),  # AWAITING: a whole request written at once
    SENDING: frozenset((AWAITING, RECEIVING, ERROR, CLOSED)),  # a server may answer before the request ends
    AWAITING: frozenset((RECEIVING, ERROR, CLOSED)),
    RECEIVING: frozenset((DONE, ERROR, CLOSED)),
    DONE: frozenset((IDLE, MUST_CLOSE, CLOSED)),
    MUST_CLOSE: frozenset((CLOSED,)),
    CLOSED: frozenset((IDLE,)),  # a new connection
    ERROR: frozenset((CLOSED,)),
}
"""The moves allowed from each state; every other move is a TransitionError."""

RESPONDING = frozenset((SENDING, AWAITING, RECEIVING))
"""The states in which a response is awaited or arriving."""


class _Parser(Protocol):
    """What a Call needs of its response parser (hio.core.http.clienting.Respondent)."""

    @property
    def parser(self) -> object | None:
        """As the Respondent's .parser."""

    @property
    def ended(self) -> bool:
        """As the Respondent's .ended."""

    @property
    def errored(self) -> bool:
        """As the Respondent's .errored."""

    @property
    def error(self) -> str | None:
        """As the Respondent's .error."""

    @property
    def headed(self) -> bool:
        """As the Respondent's .headed."""

    @property
    def evented(self) -> bool:
        """As the Respondent's .evented."""

    @property
    def redirected(self) -> bool:
        """As the Respondent's .redirected."""

    @property
    def persisted(self) -> bool:
        """As the Respondent's .persisted."""

    status: int | None
    reason: str | None
    headers: Hict | None
    length: int | None
    chunked: bool
    trails: Hict | None
    version: int | None
    body: bytearray
    tap: bytearray | None

    def reinit(self, redirectable: bool | None = None, **kwa: object) -> None:
        """Make ready for the next response.

        Parameters:
            redirectable: True means follow redirects, None keeps
            kwa: msg (the receive buffer) and method (of the request)
        """

    def makeParser(self) -> None:
        """Make the response parser."""

    def parse(self) -> None:
        """Parse what has arrived."""

    def close(self) -> None:
        """The input ended."""


class Call:
    """The client side of one HTTP/1.1 connection, apart from I/O (see module docs).

    Attributes:
        respondent (Respondent): parser of the responses
        rxbs (bytearray): bytes received, parsed by .respondent
        txbs (bytearray): bytes to send
        state (str): where the connection stands, one of STATES
        method (str): method of the request in progress
        reused (bool): True when the request in progress went on a kept-alive connection
        received (bool): True once bytes of its response arrived
        retried (bool): True once it was sent again
    """

    def __init__(self, respondent: _Parser, rxbs: bytearray | None = None, txbs: bytearray | None = None) -> None:
        """
        Parameters:
            respondent (Respondent): parser of the responses
            rxbs (bytearray | None): receive buffer, None makes one
            txbs (bytearray | None): transmit buffer, None makes one
        """
        self.respondent = respondent
        self.rxbs = rxbs if rxbs is not None else bytearray()
        self.txbs = txbs if txbs is not None else bytearray()
        self.state = IDLE
        self.method = "GET"
        self.reused = False
        self.received = False
        self.retried = False
        self._taken = 0  # bytes of the response body handed out as BodyData
        self._left: int | None = 0  # body bytes the request head announced and not yet written, None when chunked
        self._events: list[Event] | None = None  # where receive gathers the events of a step

    def _to(self, state: str) -> None:
        """Move to state along TRANSITIONS.

        Raises:
            TransitionError: the move is not allowed from the current state
        """
        if state not in TRANSITIONS[self.state]:
            raise TransitionError(f"a call cannot go from {self.state!r} to {state!r}")
        self.state = state

    def close(self) -> None:
        """The connection ended (closed by either side): a request goes only on a new one."""
        if self.state != CLOSED:
            self._to(CLOSED)

    def reset(self) -> None:
        """A new connection: whatever became of the last, the next request may go."""
        self.close()
        self._to(IDLE)

    def begin(self) -> None:
        """A new request (not one sent again) is about to go: it may be retried once."""
        self.retried = False

    def _start(self, state: str, method: str, redirectable: bool | None, reused: bool) -> None:
        """Move to state (SENDING, or AWAITING for a whole request) a request of method and
        make the respondent ready for its response."""
        if not reused:
            self.reset()
        self._to(state)
        self.method = method
        self.reused = reused
        self.received = False
        self._taken = 0
        respondent = self.respondent
        respondent.reinit(msg=self.rxbs, method=method, redirectable=redirectable)
        respondent.makeParser()

    def send(
        self,
        msg: bytes,
        *,
        method: str = "GET",
        redirectable: bool | None = None,
        rxbs: bytearray | None = None,
        txbs: bytearray | None = None,
        reused: bool = False,
    ) -> None:
        """Queue the whole request msg and make the respondent ready for its response.

        Parameters:
            msg (bytes): the request message
            method (str): its method (HEAD responses have no body)
            redirectable (bool | None): True means follow redirects, None keeps
            rxbs (bytearray | None): the connection's receive buffer, None keeps .rxbs
            txbs (bytearray | None): the connection's transmit buffer, None keeps .txbs
            reused (bool): True when msg goes on the kept-alive connection
                (which must be IDLE), False on a new one

        Raises:
            TransitionError: reused while the connection is not IDLE
        """
        if rxbs is not None:
            self.rxbs = rxbs
        if txbs is not None:
            self.txbs = txbs
        self._start(AWAITING, method, redirectable, reused)
        self.txbs.extend(msg)

    def write(self, event: RequestHead | BodyData | MessageEnd, reused: bool = True) -> bytes:
        """Queue the bytes of one event of a request in .txbs and return them.

        A RequestHead starts a request (the connection must be IDLE): its
        method, target, protocol and headers are written; how its body is
        framed is read from the headers (its length, chunked and persisted
        are not used): chunked by ``Transfer-Encoding: chunked``, else by its
        Content-Length, else none. BodyData is a piece of that
        body (chunk-coded when chunked); MessageEnd ends the request (the
        last chunk with any trailer fields, when chunked).

        Parameters:
            event: the next event of the request
            reused (bool): for a RequestHead, False means it goes on a new
                connection (whatever became of the last one)

        Raises:
            TransitionError: the event does not fit the state (a head while a
                request is in progress, a body or end without a head)
            ValueError: a head that would inject a line or whose framing is
                bad, body bytes beyond its Content-Length, an end before them
        """
        if isinstance(event, RequestHead):
            if reused and self.state != IDLE:
                raise TransitionError(f"a call cannot write a request head while {self.state!r}")
            data = self._head(event)
            self._start(SENDING, event.method, None, reused)
        elif not isinstance(event, (BodyData, MessageEnd)):
            raise TypeError(f"a call writes request events, not {type(event).__name__}")
        elif self.state != SENDING:
            raise TransitionError(f"a call cannot write {type(event).__name__} while {self.state!r}")
        elif isinstance(event, BodyData):
            data = self._body(event.data)
        else:
            data = self._end(event.trails)
            self._to(AWAITING)
        self.txbs.extend(data)
        return data

    def _head(self, head: RequestHead) -> bytes:
        """Return the bytes of a request head and take the framing of its body."""
        version = VERSIONS.get(head.protocol)
        if version is None:
            raise ValueError(f"unsupported protocol {head.protocol!r}")
        fields = head.headers.items() if isinstance(head.headers, (Hict, dict)) else head.headers
        headers = Hict()
        lines = [packRequestLine(head.method, head.target, head.protocol)]
        for name, value in fields:
            lines.append(packHeader(name, value))
            headers.add(name, value)
        try:
            length, chunked, _ = bodyFraming(headers, request=True, version=version)
        except HTTPException as ex:
            raise ValueError(f"bad request framing: {ex}") from None
        self._left = None if chunked else (length or 0)
        lines.extend((b"", b""))
        return CRLF.join(lines)

    def _body(self, body: bytes) -> bytes:
        """Return the bytes of a piece of the request body."""
        if self._left is None:
            return packChunk(body) if body else b""
        if len(body) > self._left:
            raise ValueError(f"{len(body)} body bytes where {self._left} are left of the Content-Length")
        self._left -= len(body)
        return bytes(body)

    def _end(self, trails: Hict | None) -> bytes:
        """Return the bytes that end the request body."""
        if self._left is None:
            if not trails:
                return packChunk(b"")
            lines = [b"0", *(packHeader(name, value) for name, value in trails.items()), b"", b""]
            return CRLF.join(lines)
        if self._left:
            raise ValueError(f"the request ended {self._left} bytes short of its Content-Length")
        return b""

    def receive(self, cutoff: bool = False) -> list[Event]:
        """Parse what has arrived; return the events of the response since the last call.

        The events come in order: ResponseHead (of the final response;
        interim ones are skipped), BodyData for each piece of body that
        arrived (of an event stream too, whose events also go to the
        respondent's .events), then MessageEnd, or a ProtocolError that ends the
        response; Closed when cutoff ends the connection. A Closed with no
        end before it is an event stream cut off, or a request to send
        again (.retried: nothing of the response arrived on a kept-alive
        connection, the method is idempotent and it was not sent again
        before). What advance says of the same step is read from the state.

        Parameters:
            cutoff (bool): True when the server has closed the connection
        """
        events: list[Event] = []
        self._events = events
        respondent = self.respondent
        respondent.tap = bytearray()  # an event stream's bytes, handed out as BodyData
        try:
            self.advance(cutoff)
        finally:
            self._events = None
            respondent.tap = None
        return events

    def _responseHead(self) -> ResponseHead:
        """The ResponseHead event of the head the respondent parsed."""
        respondent = self.respondent
        status = respondent.status or 0
        return ResponseHead(
            b"",
            respondent.length,
            respondent.chunked,
            bodiless(status, self.method),
            respondent.persisted,
            status=status,
            reason=respondent.reason or "",
            protocol="HTTP/1.0" if respondent.version == 10 else "HTTP/1.1",
            headers=respondent.headers if respondent.headers is not None else Hict(),
        )

    def advance(self, cutoff: bool = False) -> str | None:
        """Parse what has arrived for the request in progress; say what became of it.

        Moves the state as receive does (which gathers the events of the
        same step) and reads the outcome from where it leaves the state.

        Parameters:
            cutoff (bool): True when the server has closed the connection

        Returns:
            str | None: RESPONSE, REDIRECT, FAILED, RETRY or SUSPEND (see
                their docs), None while the response is still arriving
                (and when no request is in progress)
        """
        state = self.state
        respondent = self.respondent
        if state in RESPONDING:
            if self.rxbs:
                self.received = True
            try:
                if respondent.parser is not None:
                    respondent.parse()
                if respondent.headed:
                    self._report()
                if cutoff and self.state in RESPONDING:
                    if self.reused and not self.received and not self.retried and self.method in IDEMPOTENT_METHODS:
                        self.retried = True
                    elif respondent.evented and not respondent.errored:
                        respondent.parse()  # events that came with the close
                        self._report()
                    else:
                        respondent.close()  # finishes a body read until close
                        self._report()
            except HTTPException as ex:
                self._report(ex.status)
        if cutoff and self.state != CLOSED:
            if self._events is not None:
                self._events.append(Closed())
            self._to(CLOSED)
        if state not in RESPONDING:
            return None
        state = self.state
        if state == DONE or (state == CLOSED and respondent.ended):
            return REDIRECT if respondent.redirected else RESPONSE
        if state == ERROR or (state == CLOSED and respondent.errored):
            return FAILED
        if state == CLOSED:
            if respondent.evented:
                return SUSPEND
            if self.retried and not self.received:
                return RETRY
        return None

    def _report(self, status: int = 400) -> None:
        """Move the state as what the respondent parsed since the last report says,
        appending the events of it to ._events unless None.

        Parameters:
            status: the status of a protocol error found
        """
        respondent = self.respondent
        events = self._events
        state = self.state
        if state != RECEIVING and state in RESPONDING and respondent.headed:
            if events is not None:
                events.append(self._responseHead())
            self._to(state := RECEIVING)
        if state == RECEIVING:
            if events is not None:
                body = respondent.body
                if len(body) > self._taken:
                    events.append(BodyData(bytes(body[self._taken :]) if self._taken else bytes(body)))
                    self._taken = len(body)
                tap = respondent.tap
                if tap:
                    events.append(BodyData(bytes(tap)))
                    tap.clear()
            if respondent.ended:
                if events is not None:
                    events.append(MessageEnd(respondent.trails))
                self._to(DONE)
                return
        if respondent.errored and state in RESPONDING:
            if events is not None:
                events.append(ProtocolError(status, respondent.error or "malformed response"))
            self._to(ERROR)

    def finish(self, cutoff: bool = False) -> bool:
        """The request in progress ended; True when the connection may carry the next request:
        the response persists it (hio.core.http.framing.keepAlive and its framing), was
        not malformed, and the server has not closed the connection.

        Moves a DONE connection to IDLE when it may, else to MUST_CLOSE; a
        request abandoned part way (still sending or awaiting its response)
        leaves the connection in ERROR.

        Parameters:
            cutoff (bool): True when the server has closed the connection
        """
        if self.state == DONE:
            respondent = self.respondent
            kept = bool(respondent.persisted) and not respondent.errored and not cutoff
            self._to(IDLE if kept else MUST_CLOSE)
            return kept
        if self.state in RESPONDING:
            self._to(ERROR)
        return False
