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

Usage, the loop a server runs for each connection::

    exchange = Exchange(rxbs, txbs)
    requestant = exchange.advance()          # after bytes arrived in rxbs
    if requestant is not None:               # a whole request: answer it
        ...                                  # e.g. a Responder writing to exchange
        exchange.finish(persisted)           # False: close once txbs is sent
    if exchange.closing: ...                 # send txbs, then close
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from hio.core.http import httping
from hio.core.http.memoing import Memo
from hio.core.http.requesting import Requestant
from hio.core.http.responding import errorMessage

if TYPE_CHECKING:
    from hio.core.tcp.serving import Remoter

logger = logging.getLogger(__name__)

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
"""The interim response that tells a client expecting it to send its body."""

MAX_UNSENT = 1048576
"""Default most answer bytes waiting in the transmit buffer before the next request waits (1 MiB)."""


class Exchange:
    """The server side of one HTTP/1.1 connection, apart from I/O (see module docs).

    Attributes:
        rxbs (bytearray): bytes received and not yet parsed
        txbs (bytearray): bytes to send, in order
        requestant (Requestant): parser of the requests; holds the request
            answered last until the next one begins
        cutoff (bool): True once the input ended (the client closed its sending side)
        busy (bool): True while a request is being answered
        closing (bool): True once the connection is to be closed after .txbs is sent
        closed (bool): True when the connection is to be closed now, nothing to send
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
                request waits, None means MAX_UNSENT
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
        self.cutoff = False
        self.busy = False
        self.closing = False
        self.closed = False
        self.fault: httping.HTTPError | None = None

    def tx(self, data: bytes | bytearray | memoryview) -> None:
        """Queue data to send (what a Responder writes).

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
        return not self.busy and not self.closing and self.requestant.pending

    def advance(self) -> Requestant | None:
        """Parse what has arrived; return the requestant when it holds a whole request to answer.

        Answers a bad request (and one cut short by the end of input) with
        its error status and marks the connection .closing; marks it .closed
        when the client closed between requests; sends ``100 Continue`` when
        the client waits for it. Takes nothing while a request is being
        answered (.busy), nor while .maxUnsent bytes wait to be sent.

        Returns:
            Requestant | None: the request to answer (then .busy), None while there is none
        """
        if self.busy or self.closing or self.closed:
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
                self.busy = True
                return requestant
        if requestant.parser is None and not requestant.errored:
            if requestant.parseWhole():  # the usual case: a whole request at once
                self.busy = True
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
                self.closed = True
                return None
        if requestant.errored:
            fault = requestant.fault
            if fault is None:
                fault = httping.HTTPError(httping.BAD_REQUEST, detail=requestant.error or "")
            self.refuse(fault.status, fault.detail or fault.title, head=requestant.method == "HEAD")
            self.fault = fault
            return None
        if requestant.expecting and requestant.headed and not requestant.bodied:
            self.txbs.extend(CONTINUE)
            requestant.expecting = False
        if requestant.ended:
            self.busy = True
            return requestant
        return None

    def finish(self, persisted: bool = True) -> bool:
        """The answer to the request ended: keep the connection for the next request or close it.

        Parameters:
            persisted (bool): False when the response closes the connection
                (e.g. its Connection: close, or a body that ends with it)

        Returns:
            bool: True when the connection is kept (both the request and the
                response persist), False when it is .closing
        """
        self.busy = False
        if persisted and self.requestant.persisted:
            return True
        self.closing = True
        return False

    def refuse(self, status: int, detail: str = "", head: bool = False) -> None:
        """Answer with an error status and close after it.

        Parameters:
            status (int): status code, e.g. 400
            detail (str): what was wrong
            head (bool): True leaves out the body (the request was HEAD)
        """
        self.txbs.extend(errorMessage(status, detail=detail, head=head, memo=self.memo))
        self.busy = False
        self.closing = True

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
