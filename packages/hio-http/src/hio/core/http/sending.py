"""hio.core.http.sending module

`Sender`: the output side of the server's connection core. It takes one
response at a time as its parts (the head with the framing it decided, body
data, the end of the message) and queues their bytes to send: it frames the
body (chunked transfer coding, or cut at the announced Content-Length, or
nothing at all for a response that carries no body), ends it, and tells
whether the message leaves the connection usable for the next one.

The connection core (hio.core.http.exchanging.Exchange) owns one and turns
the response events it is given into calls of it; a Responder or a Steward
writes its response through the Sender of its connection's core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hio.core.http.eventing import ResponseHead
from hio.core.http.framing import bodiless, bodyFraming, keepAlive
from hio.core.http.grammaring import CRLF, VERSIONS
from hio.core.http.httping import HTTP_11_VERSION_STRING, HTTPException, packChunk, packHeader, packStatusLine
from hio.help.hicting import Hict

logger = logging.getLogger(__name__)


def packHead(event: ResponseHead, method: str = "GET") -> ResponseHead:
    """Return the head given by its fields (status, headers, reason, protocol) as
    bytes, with the framing those fields announce to a request of method.

    The body is framed as RFC 9112 frames a response's: chunked when
    Transfer-Encoding says so, else by Content-Length, else it runs until
    the connection closes; none at all for a bodiless response (any to HEAD,
    1xx, 204, 304). The connection persists after it when the version and
    Connection field keep it and the body does not end with the connection.

    Parameters:
        event (ResponseHead): a head with .status and .headers, no bytes
        method (str): the method of the request it answers

    Raises:
        ValueError: a status, reason, protocol, field name or value that would break the head
    """
    if event.status is None:
        raise ValueError("a response head needs its bytes or its status")
    headers = event.headers if event.headers is not None else Hict()
    protocol = event.protocol or HTTP_11_VERSION_STRING
    version = VERSIONS.get(protocol, 11)  # as a server answers in: 1.0 or else 1.1
    lines = [packStatusLine(event.status, event.reason, protocol)]
    lines.extend(packHeader(name, value) for name, value in headers.items())
    head = CRLF.join(lines) + CRLF + CRLF
    empty = bodiless(event.status, method)
    if empty:
        length, chunked, closes = None, False, False
    else:
        try:
            length, chunked, closes = bodyFraming(headers, request=False, version=version)
        except HTTPException as ex:  # e.g. a Content-Length that is no number
            raise ValueError(f"response head: {ex}") from ex
    persisted = keepAlive(version, headers.getall("connection", None)) and not closes
    return ResponseHead(
        head,
        length=length,
        chunked=chunked,
        bodiless=empty,
        persisted=persisted,
        status=event.status,
        reason=event.reason,
        protocol=protocol,
        headers=headers,
    )


class Sender:
    """Turns the parts of one response at a time into the bytes to send (see module docs).

    Attributes:
        tx (Callable): queues bytes to send (e.g. a transmit buffer's .extend)
        length (int | None): body length the head announced (Content-Length)
        chunked (bool): True when the body goes in chunked transfer coding
        bodiless (bool): True when the response carries no body (HEAD, 1xx, 204, 304)
        persisted (bool): False when the response closes the connection
        size (int): body bytes queued so far
        ended (bool): True once the response has ended
    """

    __slots__ = ("bodiless", "chunked", "ended", "length", "persisted", "size", "tx")

    def __init__(self, tx: Callable[[bytes], object]) -> None:
        """
        Parameters:
            tx (Callable): queues bytes to send, e.g. bytearray.extend of a
                transmit buffer or a tcp Remoter's .tx
        """
        self.tx = tx
        self.length: int | None = None
        self.chunked = False
        self.bodiless = False
        self.persisted = True
        self.size = 0
        self.ended = False

    def head(self, event: ResponseHead) -> None:
        """Queue the head of a response and take the framing it announces for the body that follows.

        Parameters:
            event (ResponseHead): the head, as bytes, with its length, chunked,
                bodiless and persisted (False when the response closes the
                connection: it says ``Connection: close``, or its body ends with it)
        """
        self.length = event.length
        self.chunked = event.chunked
        self.bodiless = event.bodiless
        self.persisted = event.persisted
        self.size = 0
        self.ended = False
        self.tx(event.head)

    def data(self, data: bytes | bytearray | memoryview) -> int:
        """Queue body data, framed as the head said.

        Data of a response that carries no body is dropped; data past the
        announced length is cut (and logged).

        Parameters:
            data (bytes | bytearray | memoryview): the next part of the body

        Returns:
            int: how many bytes of data were taken into the body
        """
        if self.bodiless or not data:
            return 0
        length = self.length
        if length is not None:
            room = length - self.size
            if len(data) > room:
                logger.warning("body longer than its Content-Length %s: cut", length)
                data = data[:room]
                if not data:
                    return 0
        size = len(data)
        self.size += size
        if self.chunked:
            self.tx(packChunk(data))
        else:
            self.tx(data if type(data) is bytes else bytes(data))
        return size

    def end(self) -> bool:
        """End the response: the last chunk of a chunked body; a body shorter
        than the length announced leaves the connection unusable (logged).

        Returns:
            bool: True when the connection may carry the next message (.persisted)
        """
        if self.chunked:
            self.tx(packChunk(b""))  # the last chunk, with no trailer fields
        elif self.length is not None and self.size < self.length and not self.bodiless:
            logger.warning("body shorter than its Content-Length %s", self.length)
            self.persisted = False
        self.ended = True
        return self.persisted

    def whole(self, msg: bytes, persisted: bool = True) -> None:
        """Queue a whole response at once, its head and its body framed already.

        Parameters:
            msg (bytes): the response
            persisted (bool): False when the response closes the connection
        """
        self.bodiless = True  # it has all its body: data for it is dropped
        self.persisted = persisted
        self.ended = True
        self.tx(msg)
