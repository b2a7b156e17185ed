"""hio.core.http.exchanging module

`Exchange`: the server side of one HTTP/1.1 connection, apart from I/O.

An Exchange reads requests out of a receive buffer and writes what answers
them into a transmit buffer, and holds no socket and no tymer: bytes in,
requests out; responses in, bytes out. A server moves the bytes between its
connections' sockets and these two buffers (a tcp Remoter's ``.rxbs`` and
``.txbs``), runs the tymers and calls the application; everything the
protocol decides is decided here:

- when the next request may begin: one at a time, in the order they came
  (pipelined requests wait in the receive buffer until the response before
  them has ended), and not while too many answer bytes wait to be sent;
- the ``100 Continue`` a client that expects it waits for;
- the error answer to a bad request (its 4xx or 5xx, then close), to a
  request cut short (400) and to one too slow to arrive (408);
- whether the connection is kept after a response (the request's and the
  response's keep-alive) or closed, and a client's close between requests.

Where the connection stands is one state of the table in
hio.core.http.stating (idle, receiving a head or a body, answering, must
close, error, closed); every move is checked against the table.

Two ways to drive it. Events, bytes in and events out, events in and bytes
out (hio.core.http.eventing), with a request body handed out as it arrives::

    exchange = Exchange()
    exchange.rxbs.extend(data)                    # bytes received
    while (event := exchange.nextEvent()) is not None:
        ...                                       # RequestHead, BodyData..., MessageEnd, or ProtocolError
    exchange.send(ResponseHead(head, length=5))   # once the request ended: its answer
    exchange.send(BodyData(b"hello"))
    exchange.send(MessageEnd())                   # then idle again, or closing
    ...                                           # send exchange.txbs

Or whole requests, the way the servers drive it (the body is gathered in
the requestant; a Responder writes the answer through .sender)::

    requestant = exchange.advance()          # after bytes arrived in rxbs
    if requestant is not None:               # a whole request: answer it
        ...                                  # e.g. a Responder writing through exchange.sender
        exchange.finish(persisted)           # False: close once txbs is sent
    if exchange.closing: ...                 # send txbs, then close
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from hio.core.http import httping
from hio.core.http.eventing import BodyData, Event, MessageEnd, ProtocolError, RequestHead, ResponseHead
from hio.core.http.memoing import Memo
from hio.core.http.requesting import Requestant
from hio.core.http.responding import errorMessage
from hio.core.http.sending import Sender, packHead
from hio.core.http.stating import (
    ANSWERING,
    BODY,
    CLOSED,
    CLOSING,
    ERROR,
    HEAD,
    IDLE,
    MUST_CLOSE,
    RECEIVING,
    TransitionError,
    move,
)
from hio.core.tcp.serving import MAX_UNSENT

if TYPE_CHECKING:
    from hio.core.tcp.serving import Remoter

logger = logging.getLogger(__name__)

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
"""The interim response that tells a client expecting it to send its body."""


class Exchange:
    """The server side of one HTTP/1.1 connection, apart from I/O (see module docs).

    Attributes:
        rxbs (bytearray): bytes received and not yet parsed
        txbs (bytearray): bytes to send, in order
        state (str): where the connection stands (hio.core.http.stating)
        requestant (Requestant): parser of the requests; holds the request
            answered last until the next one begins
        sender (Sender): the output side: writes the responses into .txbs
        cutoff (bool): True once the input ended (the client closed its sending
            side); not a state of its own, since a response may still be sent
            after it: the next move reads it (CLOSED between requests, ERROR
            within one)
        fault (HTTPError | None): the error answered, when one was
        maxUnsent (int): most bytes in .txbs before the next request waits
        memo (Memo): what the connections of one server remember of heads
    """

    def __init__(
        self,
        rxbs: bytearray | None = None,
        txbs: bytearray | None = None,
        *,
        memo: Memo | None = None,
        maxUnsent: int | None = None,
        dictable: bool = False,
        remoter: Remoter | None = None,
        **limits: Any,
    ) -> None:
        """
        Parameters:
            rxbs (bytearray | None): receive buffer, None makes one
            txbs (bytearray | None): transmit buffer, None makes one
            memo (Memo | None): memo of the server, None makes one of its own
            maxUnsent (int | None): most bytes waiting in txbs before the next
                request waits, None means hio.core.tcp.serving.MAX_UNSENT
            dictable (bool): True means deserialize JSON request bodies
            remoter (Remoter | None): the connection, only given to the
                requestant (its documented .remoter); never used here
            limits (dict): maxRequestLine, maxHeaders, maxHeaderBytes,
                maxBodySize and methods of the Requestant
        """
        self.rxbs = rxbs if rxbs is not None else bytearray()
        self.txbs = txbs if txbs is not None else bytearray()
        self.memo = memo if memo is not None else Memo()
        self.maxUnsent = int(maxUnsent) if maxUnsent is not None else MAX_UNSENT
        self.requestant = Requestant(remoter=remoter, msg=self.rxbs, dictable=dictable, memo=self.memo, **limits)
        self.sender = Sender(self.txbs.extend)
        self.state = IDLE
        self.cutoff = False
        self.fault: httping.HTTPError | None = None

    @property
    def busy(self) -> bool:
        """True while a request is being answered (state ANSWERING)."""
        return self.state is ANSWERING

    @property
    def closing(self) -> bool:
        """True once the connection is to be closed after .txbs is sent (state MUST_CLOSE or ERROR)."""
        return self.state in CLOSING

    @property
    def closed(self) -> bool:
        """True when the connection is to be closed now, nothing to send (state CLOSED)."""
        return self.state is CLOSED

    def _to(self, state: str) -> None:
        """Move to state, as the table allows (hio.core.http.stating.move)."""
        self.state = move(self.state, state)

    def tx(self, data: bytes | bytearray | memoryview) -> None:
        """Queue data to send.

        Parameters:
            data: the bytes to send
        """
        self.txbs.extend(data)

    def end(self) -> None:
        """The input ended: the client closed its sending side."""
        self.cutoff = True

    @property
    def pending(self) -> bool:
        """True while part of a request has arrived and is neither answered nor refused."""
        state = self.state
        return (state is IDLE or state in RECEIVING) and self.requestant.pending

    def advance(self) -> Requestant | None:
        """Parse what has arrived; return the requestant when it holds a whole request to answer.

        Answers a bad request (and one cut short by the end of input) with
        its error status (state ERROR); moves to CLOSED when the client closed
        between requests; sends ``100 Continue`` when the client waits for
        it. Takes nothing while a request is being answered (ANSWERING), nor
        while .maxUnsent bytes wait to be sent.

        Returns:
            Requestant | None: the request to answer (then ANSWERING), None while there is none
        """
        state = self.state
        if state is not IDLE and state not in RECEIVING:
            return None
        rxbs = self.rxbs
        if len(self.txbs) >= self.maxUnsent:
            return None  # the client does not read: the next request waits until it does
        requestant = self.requestant
        if requestant.ended:  # answered: the next request begins now
            if not rxbs and not self.cutoff:
                return None
            if not requestant.again():  # a keep-alive repeat of the bodiless head just answered is parsed already
                requestant.reinit()
            if requestant.ended:
                self.state = ANSWERING  # the table allows it from IDLE, HEAD and BODY, the states taken here
                return requestant
        if requestant.parser is None and not requestant.errored:
            if requestant.parseWhole():  # the usual case: a whole request at once
                self.state = ANSWERING  # as above
                return requestant
            if not requestant.errored:  # a bad whole head is answered below, at once
                if not rxbs and not self.cutoff and not requestant.headed:
                    return None  # nothing arrived (a head parsed just now waits for its body below)
                requestant.makeParser()
        for _ in range(4):  # head, then body: a whole buffered request in one pass
            requestant.parse()
            if requestant.parser is None:
                break
        if not requestant.errored and not requestant.ended and self.cutoff:
            requestant.close()
            if not requestant.errored:  # closed between requests: nothing to answer
                self._to(CLOSED)
                return None
        if requestant.errored:
            self._refuseFault()
            return None
        if requestant.expecting and requestant.headed and not requestant.bodied:
            self.txbs.extend(CONTINUE)
            requestant.expecting = False
        if requestant.ended:
            self._to(ANSWERING)
            return requestant
        self._receiving()
        return None

    def _receiving(self) -> None:
        """Move to HEAD or BODY as the requestant stands, part of a request in."""
        requestant = self.requestant
        state = BODY if requestant.headed else HEAD if requestant.started else self.state
        if state is not self.state:
            self._to(state)

    def _refuseFault(self) -> ProtocolError:
        """Answer the error the requestant found with its status (state ERROR); return it as an event."""
        requestant = self.requestant
        fault = requestant.fault
        if fault is None:
            fault = httping.HTTPError(httping.BAD_REQUEST, detail=requestant.error or "")
        self.refuse(fault.status, fault.detail or fault.title, head=requestant.method == "HEAD")
        self.fault = fault
        return ProtocolError(fault.status, fault.detail or fault.title)

    def nextEvent(self) -> Event | None:
        """Return the next event of the input side, None while there is none.

        Parses what has arrived in .rxbs: the head of a request as a
        `RequestHead`, then its body as `BodyData` parts as they arrive (the
        requestant keeps none of it), then `MessageEnd`; the next request is
        taken once this one is answered (pipelining order). A bad request
        (or one cut short by the end of input) is a `ProtocolError` whose
        status the core has queued as the answer, closing after it. Sends
        ``100 Continue`` when the client waits for it. Nothing while a request
        is being answered, nor while .maxUnsent bytes wait to be sent; when
        the client closed between requests the state is CLOSED and there is
        nothing.

        Returns:
            Event | None: RequestHead, BodyData, MessageEnd or ProtocolError; None
                when more bytes are needed or no request may begin now
        """
        state = self.state
        requestant = self.requestant
        if state is IDLE:
            if len(self.txbs) >= self.maxUnsent:
                return None  # the client does not read: the next request waits until it does
            if not self.rxbs:
                if self.cutoff:
                    self._to(CLOSED)
                return None
            if requestant.started or requestant.ended or requestant.errored:
                requestant.reinit()
            requestant.makeParser()
            self.state = state = move(state, HEAD)
        elif state not in RECEIVING:
            return None
        if self.cutoff:
            requestant.close()  # one last step: a request cut short is a 400
        else:
            requestant.parse()
        if requestant.errored:
            return self._refuseFault()
        if state is HEAD:
            if not requestant.headed:
                return None
            if requestant.expecting and not requestant.bodied:
                self.txbs.extend(CONTINUE)
                requestant.expecting = False
            self._to(BODY)
            return RequestHead(
                requestant.method,
                requestant.target,
                requestant.protocol,
                requestant.headers,
                requestant.length,
                requestant.chunked,
                requestant.persisted,
            )
        body = requestant.body
        if body:
            data = bytes(body)
            body.clear()
            return BodyData(data)
        if requestant.ended:
            self._to(ANSWERING)
            return MessageEnd(requestant.trails)
        return None

    def send(self, event: Event) -> None:
        """Take an event of the output side: queue the bytes of the response to the request that ended.

        A `ResponseHead`, then `BodyData` parts (framed as the head
        announced), then `MessageEnd`, which keeps the connection for the
        next request or closes it (finish).

        Parameters:
            event (Event): ResponseHead, BodyData or MessageEnd

        Raises:
            TransitionError: when there is no request to answer (the state is not ANSWERING)
            TypeError: for an event of the input side
        """
        if self.state is not ANSWERING:
            raise TransitionError(f"no request to answer: the connection is {self.state}")
        sender = self.sender
        if isinstance(event, BodyData):
            sender.data(event.data)
        elif isinstance(event, ResponseHead):
            sender.head(event if event.head else packHead(event, self.requestant.method))
        elif isinstance(event, MessageEnd):
            self.finish(sender.end())
        else:
            raise TypeError(f"not an event of a response: {event!r}")

    def finish(self, persisted: bool = True) -> bool:
        """The answer to the request ended: keep the connection for the next request or close it.

        Parameters:
            persisted (bool): False when the response closes the connection
                (e.g. its Connection: close, or a body that ends with it)

        Returns:
            bool: True when the connection is kept (both the request and the
                response persist, state IDLE), False when it is closing (MUST_CLOSE)
        """
        if self.state is not ANSWERING:  # the one state that moves to IDLE and MUST_CLOSE
            self._to(IDLE)  # refused, naming the state
        if persisted and self.requestant.persisted:
            self.state = IDLE
            return True
        self.state = MUST_CLOSE
        return False

    def refuse(self, status: int, detail: str = "", head: bool = False) -> None:
        """Answer with an error status and close after it (state ERROR).

        Parameters:
            status (int): status code, e.g. 400
            detail (str): what was wrong
            head (bool): True leaves out the body (the request was HEAD)
        """
        self._to(ERROR)
        self.sender.whole(errorMessage(status, detail=detail, head=head, memo=self.memo), persisted=False)

    def expire(self) -> bool:
        """The connection's time ran out: answer a request still arriving with 408.

        Returns:
            bool: True when a 408 was queued (close once it is sent), False
                when there was no request part way in (close now)
        """
        if self.pending:
            logger.info("closing: request not complete in time")
            self.refuse(httping.REQUEST_TIMEOUT, "request not complete in time")
            return True
        return False
