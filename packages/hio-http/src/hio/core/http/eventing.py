"""hio.core.http.eventing module

The events of an HTTP/1.1 message, what a protocol core apart from I/O
takes and gives: a message is its head (`RequestHead` or `ResponseHead`),
then its body as `BodyData` in the pieces it arrived or is sent in, then
`EndOfMessage`. A `Fault` says the peer broke the protocol, with the status
a server answers that with; `Closed` says the connection ended.

The client side of a connection (hio.core.http.calling.Call) takes a
request as these events and gives its bytes, and takes the bytes of the
response and gives these events.

Usage::

    call.write(RequestHead("POST", "/echo", [("Host", "a"), ("Content-Length", "2")]))
    call.write(BodyData(b"hi"))
    call.write(EndOfMessage())
    for event in call.receive():    # after bytes arrived in call.rxbs
        if isinstance(event, BodyData): ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hio.help.hicting import Hict

Fields = Hict | Iterable[tuple[str, str]] | dict
"""Header fields: a Hict, a dict, or (name, value) pairs in order."""


@dataclass(slots=True)
class RequestHead:
    """The head of a request: its request line and header fields.

    Each parameter is kept as the attribute of its name.

    Parameters:
        method (str): the method, e.g. GET
        target (str): the request target, e.g. /path?query
        headers (Fields): the header fields
        version (int): HTTP version, 11 or 10
    """

    method: str
    target: str
    headers: Fields = field(default_factory=Hict)
    version: int = 11


@dataclass(slots=True)
class ResponseHead:
    """The head of a final (not interim) response: its status line and header fields.

    Each parameter is kept as the attribute of its name.

    Parameters:
        status (int): the status code, e.g. 200
        reason (str): the reason phrase
        headers (Hict): the header fields
        version (int): HTTP version, 11 or 10
    """

    status: int
    reason: str
    headers: Hict
    version: int = 11


@dataclass(slots=True)
class BodyData:
    """A piece of a message's body, as it arrived or is to be sent (never chunk-coded).

    Each parameter is kept as the attribute of its name.

    Parameters:
        body (bytes): the bytes of the piece
    """

    body: bytes


@dataclass(slots=True)
class EndOfMessage:
    """The message ended: its body is whole.

    Each parameter is kept as the attribute of its name.

    Parameters:
        trails (Hict | None): the trailer fields of a chunked body, None when it had none
    """

    trails: Hict | None = None


@dataclass(slots=True)
class Fault:
    """The peer broke the protocol (a malformed message, or one cut short): the message ends here.

    Each parameter is kept as the attribute of its name.

    Parameters:
        error (str): what was wrong
        status (int): the status a server answers it with, e.g. 400
    """

    error: str
    status: int = 400


@dataclass(slots=True)
class Closed:
    """The connection ended: nothing more arrives on it."""


Event = RequestHead | ResponseHead | BodyData | EndOfMessage | Fault | Closed
"""Any event of a message or its connection."""
