"""hio.core.http.calling module

`Call`: the client side of one HTTP/1.1 connection, apart from I/O.

A Call writes a request into a transmit buffer and reads its response out
of a receive buffer with a `Respondent`, and holds no socket and no tymer:
requests in, bytes out; bytes in, responses out. The `Client` moves the
bytes between its connector and these buffers, opens and reopens
connections, follows redirects, resumes event streams on its tymer and
queues the responses; what the protocol decides is decided here:

- what became of the request in progress once bytes (or the end of the
  connection) arrived: a response, a redirect to follow, a failure, an event
  stream cut off (to resume), or a request to send again on a new
  connection because the server closed a kept-alive connection as it went
  out (idempotent methods only, once);
- whether the connection may carry the next request (`Call.finish`).

Usage::

    call = Call(respondent)
    call.send(msg, method="GET", rxbs=rxbs, txbs=txbs, reused=False)
    outcome = call.advance(cutoff=False)    # after bytes arrived in rxbs
    if outcome == RESPONSE:
        kept = call.finish(cutoff=False)    # False: open a new connection next
"""

from __future__ import annotations

from typing import Protocol

from hio.core.http.httping import HTTPException

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
    def evented(self) -> bool:
        """As the Respondent's .evented."""

    @property
    def redirected(self) -> bool:
        """As the Respondent's .redirected."""

    @property
    def persisted(self) -> bool:
        """As the Respondent's .persisted."""

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
        method (str): method of the request in progress
        waited (bool): True while a request is sent and its response pending
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
        self.method = "GET"
        self.waited = False
        self.reused = False
        self.received = False
        self.retried = False

    def begin(self) -> None:
        """A new request (not one sent again) is about to go: it may be retried once."""
        self.retried = False

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
        """Queue request msg and make the respondent ready for its response.

        Parameters:
            msg (bytes): the request message
            method (str): its method (HEAD responses have no body)
            redirectable (bool | None): True means follow redirects, None keeps
            rxbs (bytearray | None): the connection's receive buffer, None keeps .rxbs
            txbs (bytearray | None): the connection's transmit buffer, None keeps .txbs
            reused (bool): True when msg goes on a kept-alive connection
        """
        if rxbs is not None:
            self.rxbs = rxbs
        if txbs is not None:
            self.txbs = txbs
        self.method = method
        self.reused = reused
        self.received = False
        self.respondent.reinit(msg=self.rxbs, method=method, redirectable=redirectable)
        self.respondent.makeParser()
        self.txbs.extend(msg)
        self.waited = True

    def advance(self, cutoff: bool = False) -> str | None:
        """Parse what has arrived for the request in progress; say what became of it.

        Parameters:
            cutoff (bool): True when the server has closed the connection

        Returns:
            str | None: RESPONSE, REDIRECT, FAILED, RETRY or SUSPEND (see
                their docs), None while the response is still arriving
        """
        respondent = self.respondent
        if self.rxbs:
            self.received = True
        try:
            if respondent.parser is not None:
                respondent.parse()
            if not respondent.ended and cutoff:
                if self.reused and not self.received and not self.retried and self.method in IDEMPOTENT_METHODS:
                    self.retried = True
                    return RETRY
                if respondent.evented and not respondent.errored:
                    respondent.parse()  # events that came with the close
                    return SUSPEND
                respondent.close()  # finishes a body read until close
        except HTTPException:
            return FAILED
        if respondent.ended:
            return REDIRECT if respondent.redirected else RESPONSE
        if respondent.errored:
            return FAILED
        return None

    def finish(self, cutoff: bool = False) -> bool:
        """The request in progress ended; True when the connection may carry the next request:
        the response persists it (hio.core.http.framing.keepAlive and its framing), was
        not malformed, and the server has not closed the connection.

        Parameters:
            cutoff (bool): True when the server has closed the connection
        """
        self.waited = False
        respondent = self.respondent
        return bool(respondent.persisted) and not respondent.errored and not cutoff
