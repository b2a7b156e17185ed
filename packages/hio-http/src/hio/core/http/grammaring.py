"""hio.core.http.grammaring module

The HTTP/1.1 grammar, each production of RFC 9110 and RFC 9112 named once.

The server's request parser, the client's response parser, the responder
that checks what a WSGI application answers and the client's request builder
all validate through these, so a message is judged by one set of rules
whichever side reads or writes it. Each production is written once as a
pattern and compiled twice: over bytes (parsing what arrived) and over text
(a head decoded from latin-1 at once, or what an application gave).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hio.core.http.erroring import BadHeader

CRLF = b"\r\n"
LF = b"\n"
CR = b"\r"
OWS = " \t"
"""Optional whitespace around field values and list elements (RFC 9110 5.6.3)."""

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # tchar, RFC 9110 5.6.2
_CONTROL = r"[\x00-\x08\x0a-\x1f\x7f]"  # CTL but HTAB: what no field value or reason phrase holds
_TARGET_BAD = r"[\x00-\x20\x7f]"  # CTL, SP and DEL: what no request-target holds
_HTTP_VERSION = r"HTTP/([0-9])\.([0-9])"  # RFC 9112 2.3
_STATUS_CODE = r"[1-9][0-9]{2}"  # 3DIGIT, RFC 9110 15: 100 to 999
_CHUNK_SIZE = r"[0-9A-Fa-f]{1,16}"  # 1*HEXDIG, RFC 9112 7.1; 16 digits at most so no size overflows
_DIGITS = r"[0-9]+"  # 1*DIGIT: Content-Length (RFC 9110 8.6), an event stream's retry

TOKEN = re.compile(_TOKEN.encode() + rb"\Z")
"""token: method names, field names, transfer codings (match is a full match)."""

TOKEN_TEXT = re.compile(_TOKEN + r"\Z")
"""token over text."""

CONTROL = re.compile(_CONTROL.encode())
"""A byte that no field value (nor reason phrase) may hold: a control other than
HTAB, which would let CR or LF inject a field (search)."""

CONTROL_TEXT = re.compile(_CONTROL)
"""CONTROL over text."""

TARGET_BAD_TEXT = re.compile(_TARGET_BAD)
"""A character that no request-target may hold (search)."""

HTTP_VERSION_TEXT = re.compile(_HTTP_VERSION + r"\Z")
"""HTTP-version, its major and minor digits as groups."""

STATUS_CODE_TEXT = re.compile(_STATUS_CODE + r"\Z")
"""status-code over text."""

STATUS_TEXT = re.compile(r"(" + _STATUS_CODE + r")(?: ((?:(?!" + _CONTROL + r").)*))?\Z")
"""A status line's ``status-code [ SP reason-phrase ]``, as a WSGI status string gives it."""

CHUNK_SIZE = re.compile(_CHUNK_SIZE.encode() + rb"\Z")
"""chunk-size."""

DIGITS_TEXT = re.compile(_DIGITS + r"\Z")
"""1*DIGIT over text: a Content-Length."""

MAX_LENGTH_DIGITS = 18
"""Most digits of a Content-Length taken as a number (up to 10**18 - 1)."""

VERSIONS = {"HTTP/1.1": 11, "HTTP/1.0": 10}
"""The HTTP-versions spoken, by their numbers."""


def elements(values: Iterable[str]) -> list[str]:
    """Return the lowercase elements of the comma separated list field values (RFC 9110 5.6.1).

    Each element is stripped of optional whitespace; an empty one is kept as
    "" so that a caller can tell ``chunked,`` from ``chunked``.

    Parameters:
        values (Iterable[str]): the values of every field line of one field
    """
    found: list[str] = []
    for value in values:
        found.extend(element.strip(OWS).lower() for element in value.split(","))
    return found


def fieldLine(line: bytes, kind: str = "header line") -> tuple[str, str]:
    """Return (name, value) of field-line = field-name ":" OWS field-value OWS.

    The name is ascii, the value latin-1 decoded and stripped of OWS.

    Parameters:
        line (bytes): the line without its line ending
        kind (str): what the line is, for the error message

    Raises:
        BadHeader: obsolete line folding, no colon, a name that is not a
            token (so also whitespace before the colon), a control byte in
            the value
    """
    if line[:1] in (b" ", b"\t"):
        raise BadHeader(f"obsolete line folding in {kind} {line[:64]!r}")
    name, colon, value = line.partition(b":")
    if not colon:
        raise BadHeader(f"missing colon in {kind} {line[:64]!r}")
    if not TOKEN.match(name):
        raise BadHeader(f"invalid field name in {kind} {line[:64]!r}")
    value = value.strip(b" \t")
    if CONTROL.search(value):
        raise BadHeader(f"invalid character in {kind} {line[:64]!r}")
    return (name.decode("ascii"), value.decode("latin-1"))


def requestLine(line: str) -> tuple[str, str, str] | None:
    """Return (method, request-target, HTTP-version) of request-line, or None when malformed.

    request-line = method SP request-target SP HTTP-version (RFC 9112 3):
    three parts, a token method, a target without control bytes, spaces
    or DEL, and a well formed HTTP-version (whether it is spoken is for the
    caller to say).

    Parameters:
        line (str): the line latin-1 decoded, without its line ending
    """
    parts = line.split(" ")
    if len(parts) != 3:
        return None
    method, target, version = parts
    if not method or not target or not TOKEN_TEXT.match(method) or not HTTP_VERSION_TEXT.match(version):
        return None
    if not target.isprintable() and TARGET_BAD_TEXT.search(target):  # printable: no control byte, nor space
        return None
    return (method, target, version)


def chunkSize(field: bytes) -> int | None:
    """Return the size a chunk-size field gives, None when it is not 1*HEXDIG
    of at most 16 significant digits (leading zeros do not count).

    Parameters:
        field (bytes): the chunk-size, without extensions or whitespace
    """
    if not field or not CHUNK_SIZE.match(field.lstrip(b"0") or b"0"):
        return None
    return int(field, 16)
