"""hio.core.http.erroring module

The HTTP protocol errors: every one a subclass of `HTTPException` that
carries the HTTP ``status`` a server answers the offending request with.
The server's request parser, the client's response parser and the grammar
and framing rules raise these, whichever side of a connection they serve.
They are re-exported by `hio.core.http.httping`, their documented home.
"""

from __future__ import annotations

from typing import Any

MAX_LINE_SIZE = 65536
"""Longest start, header, chunk size or event line in bytes (the default limit)."""


class HTTPException(Exception):
    """Base of every HTTP protocol error raised by hio.

    Attributes:
        status (int): HTTP status code a server should answer with when the
            error comes from parsing a request.
    """

    status = 400  # Bad Request

    def answering(self, status: int) -> HTTPException:
        """Return self after giving it the status a server answers with (of this error only).

        Parameters:
            status (int): HTTP status code, e.g. 414 for a request line too long
        """
        self.status = status
        return self


class InvalidURL(HTTPException):
    """A URL or host:port that cannot be used."""


class _Offense(HTTPException):
    """An HTTP protocol error about one offending value: its only argument,
    also kept under the attribute that ``.field`` names."""

    field = "value"

    def __init__(self, value: Any) -> None:
        """
        Parameters:
            value: the offending value
        """
        self.args = (value,)
        setattr(self, self.field, value)


class UnknownProtocol(_Offense):
    """An HTTP version other than HTTP/1.0 or HTTP/1.1, kept as .version (str)."""

    status = 505  # HTTP Version Not Supported
    field = "version"
    version: str


class BadStatusLine(_Offense):
    """A response status line that cannot be parsed, kept as .line (str | bytes, its repr when empty)."""

    field = "line"
    line: str | bytes

    def __init__(self, line: str | bytes) -> None:
        """
        Parameters:
            line (str | bytes): the offending line
        """
        super().__init__(line or repr(line))


class BadRequestLine(BadStatusLine):
    """A request line that cannot be parsed."""


class BadMethod(_Offense):
    """A request method that is not served, kept as .method (str)."""

    status = 501  # Not Implemented
    field = "method"
    method: str


class LineTooLong(HTTPException):
    """A line longer than the allowed maximum, or a leader with too many bytes."""

    status = 431  # Request Header Fields Too Large

    def __init__(self, kind: str, size: int = MAX_LINE_SIZE) -> None:
        """
        Parameters:
            kind (str): what kind of line was too long
            size (int): the maximum that was exceeded
        """
        HTTPException.__init__(self, f"got more than {size} bytes when reading {kind}")
        self.kind = kind
        self.size = size


class PrematureClosure(_Offense):
    """The connection closed before a message was complete: what was cut short is .msg (str)."""

    field = "msg"
    msg: str


class TooManyHeaders(HTTPException):
    """More header (or trailer) lines than the allowed maximum."""

    status = 431  # Request Header Fields Too Large


class BadHeader(HTTPException):
    """A malformed header line: no colon, bad field name, whitespace before the
    colon, obsolete line folding, bare CR or control characters."""


class BadFraming(HTTPException):
    """Message length cannot be determined unambiguously: invalid or conflicting
    Content-Length, Transfer-Encoding that is unknown or combined with
    Content-Length in a request."""


class UnknownCoding(BadFraming):
    """A request Transfer-Encoding other than chunked: the server cannot read its body."""

    status = 501  # Not Implemented


class BadChunk(BadFraming):
    """Malformed chunked transfer coding: bad chunk size or missing CRLF after data."""


class BodyTooLarge(HTTPException):
    """A message body larger than the allowed maximum."""

    status = 413  # Content Too Large


class BadExpectation(HTTPException):
    """A request Expect field other than ``100-continue``."""

    status = 417  # Expectation Failed
