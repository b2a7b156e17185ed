"""hio.core.http.framing module

The rules that say how long a message body is and whether a connection is
kept after a message, one function each, serving both directions: the
server reading requests and answering them, the client reading responses.

- `bodiless`: a response that never carries a body (RFC 9110 6.4.1).
- `bodyFraming`: the length of a message body from its header fields
  (RFC 9112 6.3), refusing anything two implementations could read two ways.
- `keepAlive`: whether a connection persists after a message (RFC 9112 9.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from hio.core.http.erroring import BadFraming, BodyTooLarge, UnknownCoding
from hio.core.http.grammaring import DIGITS_TEXT, MAX_LENGTH_DIGITS, OWS, elements
from hio.help.hicting import Hict

NO_BODY_STATUSES = (204, 304)
"""Final status codes whose responses never have a body (No Content, Not Modified)."""


def bodiless(status: int, method: str = "GET") -> bool:
    """True when a response with status to a request with method carries no body:
    any response to HEAD, a 1xx, 204 or 304, and a 2xx to CONNECT (a tunnel follows).

    Parameters:
        status (int): the response's status code
        method (str): the request's method
    """
    return method == "HEAD" or status < 200 or status in NO_BODY_STATUSES or (method == "CONNECT" and status < 300)


def lengthless(status: int) -> bool:
    """True when a response with status announces no Content-Length: a 1xx or 204 (RFC 9110 8.6).

    Parameters:
        status (int): the response's status code
    """
    return status < 200 or status == 204


def keepAlive(version: int | None, connection: Iterable[str] | str | None = None) -> bool:
    """True when the connection persists after a message of HTTP version with Connection field values.

    HTTP/1.1 persists unless ``close``; HTTP/1.0 only with ``keep-alive``.

    Parameters:
        version (int | None): 10 or 11 (None counts as 11)
        connection (Iterable[str] | str | None): the values of the Connection
            field lines (a str is one value), None or empty when there is none
    """
    if not connection:
        return version != 10
    tokens = elements((connection,) if isinstance(connection, str) else connection)
    if "close" in tokens:
        return False
    return version != 10 or "keep-alive" in tokens


def contentLength(lengths: list[str], maxBodySize: int | None = None) -> int:
    """Return the body length that a message's Content-Length field values say.

    Each value may be a list (``5, 5``); all must be the same digits, at
    most MAX_LENGTH_DIGITS of them.

    Parameters:
        lengths (list[str]): the values of the Content-Length field lines, at least one
        maxBodySize (int | None): largest body allowed, None means no limit

    Raises:
        BadFraming: a value that is no number, values that differ, or too many digits
        BodyTooLarge: a length above maxBodySize
    """
    values = {part.strip(OWS) for value in lengths for part in value.split(",")}
    value = values.pop()
    if values or not DIGITS_TEXT.match(value):
        raise BadFraming(f"invalid or conflicting Content-Length {', '.join(lengths)!r}")
    if len(value) > MAX_LENGTH_DIGITS:
        if maxBodySize is None:
            raise BadFraming(f"Content-Length {value[:32]!r} too long")
        raise BodyTooLarge(f"body larger than maxBodySize, {maxBodySize} bytes")
    length = int(value)
    if maxBodySize is not None and length > maxBodySize:
        raise BodyTooLarge(f"body of {length} bytes is larger than maxBodySize, {maxBodySize} bytes")
    return length


def bodyFraming(
    fields: Hict,
    *,
    request: bool,
    version: int | None = 11,
    maxBodySize: int | None = None,
) -> tuple[int | None, bool, bool]:
    """Return (length, chunked, closes) of the body a message's header fields frame.

    length is the Content-Length (0 for a request with neither field), None
    when the body is chunked or runs until the connection closes; chunked
    says the chunked transfer coding ends it; closes says the connection
    cannot be kept after this message (a body that ends with the
    connection, or a response framed two ways).

    A request is strict: Transfer-Encoding together with Content-Length, or
    in HTTP/1.0, is refused, as is any coding but ``chunked`` alone. A
    response follows RFC 9112 6.3: Transfer-Encoding wins over
    Content-Length, and one not ending in ``chunked`` is read until close.
    A Content-Length is digits; repeated values must be the same. A
    response that carries no body (see bodiless) is not framed here.

    Parameters:
        fields (Hict): header fields, names in any case
        request (bool): True for a request, False for a response
        version (int | None): HTTP version, 10 or 11
        maxBodySize (int | None): largest Content-Length allowed, None is no limit

    Raises:
        BadFraming: the length cannot be told unambiguously
        UnknownCoding: a request with a transfer coding other than chunked
        BodyTooLarge: Content-Length larger than maxBodySize
    """
    codings = elements(fields.getall("transfer-encoding", ())) if "transfer-encoding" in fields else []
    lengths = fields.getall("content-length", ()) if "content-length" in fields else ()
    if codings:
        if request:
            if lengths:
                raise BadFraming("Content-Length together with Transfer-Encoding in a request")
            if version == 10:
                raise BadFraming("Transfer-Encoding in an HTTP/1.0 request")
            if codings != ["chunked"]:
                raise UnknownCoding(f"unsupported Transfer-Encoding {', '.join(codings)!r}")
            return (None, True, False)
        if "" in codings or codings.count("chunked") > 1 or "chunked" in codings[:-1]:
            raise BadFraming(f"invalid Transfer-Encoding {', '.join(codings)!r}")
        if codings[-1] == "chunked" and version != 10:
            return (None, True, bool(lengths))
        return (None, False, True)  # until close
    if lengths:
        return (contentLength(lengths, maxBodySize), False, False)
    if request:
        return (0, False, False)
    return (None, False, True)  # until close
