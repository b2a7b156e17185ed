"""hio.core.http.eventing module

The events of the connection cores, apart from any I/O: what their input
side makes of the bytes received, and what their output side takes to make
the bytes to send. The server's core is hio.core.http.exchanging.Exchange,
the client's hio.core.http.calling.Call.

In, from the bytes received (Exchange.nextEvent):

- `RequestHead`: the head of a request, parsed and checked;
- `BodyData`: the next part of its body, as it arrives;
- `MessageEnd`: the end of the request (with the trailer fields of a chunked body);
- `ProtocolError`: a bad request, with the status it is answered with (the
  core has queued that answer and closes the connection after it).

Out, to the bytes to send (Exchange.send):

- `ResponseHead`: the head of the response, with the framing it announces;
- `BodyData`: the next part of its body;
- `MessageEnd`: the end of the response (the core then keeps the connection
  for the next request or closes it).

The client's core (Call.write and Call.receive) takes and gives the same
events the other way round: out, a `RequestHead` (its request line and
header fields), `BodyData` and `MessageEnd`; in, from the bytes of the
response, a `ResponseHead` with its status line and header fields parsed,
`BodyData` as the body arrives, `MessageEnd`, a `ProtocolError` that ends
it, and `Closed` when the server closed the connection.
"""

from __future__ import annotations

from hio.help.hicting import Hict


class RequestHead:
    """The head of a request, parsed and checked.

    Attributes:
        method (str): request method, e.g. "GET"
        target (str): request target as sent, e.g. "/a%20b?x=1"
        protocol (str): HTTP version string, e.g. "HTTP/1.1"
        headers (Hict): header fields
        length (int | None): body length, 0 for a request without a body, None when chunked
        chunked (bool): True when the body comes in chunked transfer coding
        persisted (bool): True when the request keeps the connection open
    """

    __slots__ = ("chunked", "headers", "length", "method", "persisted", "protocol", "target")

    def __init__(
        self,
        method: str,
        target: str,
        protocol: str,
        headers: Hict,
        length: int | None = None,
        chunked: bool = False,
        persisted: bool = True,
    ) -> None:
        """
        Parameters:
            method (str): request method
            target (str): request target as sent
            protocol (str): HTTP version string
            headers (Hict): header fields
            length (int | None): body length, 0 without a body, None when chunked
            chunked (bool): True when the body is chunked
            persisted (bool): True when the request keeps the connection open
        """
        self.method = method
        self.target = target
        self.protocol = protocol
        self.headers = headers
        self.length = length
        self.chunked = chunked
        self.persisted = persisted

    def __repr__(self) -> str:
        return f"RequestHead({self.method!r}, {self.target!r}, {self.protocol!r})"


class BodyData:
    """The next part of a message body.

    Attributes:
        data (bytes): the bytes of the part
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        """
        Parameters:
            data (bytes): the bytes of the part
        """
        self.data = data

    def __repr__(self) -> str:
        return f"BodyData({self.data!r})"


class MessageEnd:
    """The end of a message.

    Attributes:
        trails (Hict): trailer fields of a chunked body, empty when there are none
    """

    __slots__ = ("trails",)

    def __init__(self, trails: Hict | None = None) -> None:
        """
        Parameters:
            trails (Hict | None): trailer fields, None means none
        """
        self.trails = trails if trails is not None else Hict()

    def __repr__(self) -> str:
        return "MessageEnd()"


class ProtocolError:
    """A bad request, with the status it is answered with.

    Attributes:
        status (int): the status of the answer, e.g. 400, 413, 431
        detail (str): what was wrong
    """

    __slots__ = ("detail", "status")

    def __init__(self, status: int, detail: str = "") -> None:
        """
        Parameters:
            status (int): the status of the answer
            detail (str): what was wrong
        """
        self.status = status
        self.detail = detail

    def __repr__(self) -> str:
        return f"ProtocolError({self.status}, {self.detail!r})"


class ResponseHead:
    """The head of a response: as bytes with the framing it announces, or by its fields.

    A server's application may give either: the bytes it built (and their
    framing), or only status and headers (reason and protocol optional),
    from which the server's core writes the bytes and reads the framing
    (sending.packHead). A client that parsed the head gives its fields too:
    status, reason, protocol and headers (and an empty .head, the bytes
    being parsed away).

    Attributes:
        head (bytes): status line and header fields with the empty line that ends them
        length (int | None): body length the head announces in Content-Length
        chunked (bool): True when it announces chunked transfer coding
        bodiless (bool): True when the response carries no body (HEAD, 1xx, 204, 304)
        persisted (bool): False when the response closes the connection
        status (int | None): status code, when given by its fields or parsed
        reason (str | None): reason phrase, when given or parsed
        protocol (str | None): HTTP version string, e.g. "HTTP/1.1", when given or parsed
        headers (Hict | None): header fields, when given or parsed
    """

    __slots__ = ("bodiless", "chunked", "head", "headers", "length", "persisted", "protocol", "reason", "status")

    def __init__(
        self,
        head: bytes = b"",
        length: int | None = None,
        chunked: bool = False,
        bodiless: bool = False,
        persisted: bool = True,
        *,
        status: int | None = None,
        reason: str | None = None,
        protocol: str | None = None,
        headers: Hict | None = None,
    ) -> None:
        """
        Parameters:
            head (bytes): status line and header fields with the empty line
                that ends them, empty when the head is given by its fields
            length (int | None): body length announced, None when none is
            chunked (bool): True when chunked transfer coding is announced
            bodiless (bool): True when the response carries no body
            persisted (bool): False when the response closes the connection
            status (int | None): status code of a head given by its fields, or parsed
            reason (str | None): reason phrase, None for the standard one of status
            protocol (str | None): HTTP version string, None for HTTP/1.1
            headers (Hict | None): header fields of a head given by its fields, or parsed
        """
        self.head = head
        self.length = length
        self.chunked = chunked
        self.bodiless = bodiless
        self.persisted = persisted
        self.status = status
        self.reason = reason
        self.protocol = protocol
        self.headers = headers

    def __repr__(self) -> str:
        return f"ResponseHead({self.head[:40]!r}...)"


class Closed:
    """The connection ended: the peer closed it, nothing more arrives on it."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Closed)

    def __hash__(self) -> int:
        return hash(Closed)

    def __repr__(self) -> str:
        return "Closed()"


Event = RequestHead | BodyData | MessageEnd | ProtocolError | ResponseHead | Closed
"""Any event of a connection core."""
