"""hio.core.http.httping module

HTTP/1.1 support shared by the nonblocking client and server: constants,
exceptions, small helpers, and the byte level parsers.

Every parser here is a generator over a ``bytearray`` with no socket in sight:
bytes in, parsed things out. A parser consumes (deletes) from the front of its
bytearray exactly the bytes it has parsed, yields ``None`` while it waits for
more bytes, and yields its result once it has one. Whatever follows the parsed
thing (a pipelined message, the next chunk) is left in the bytearray untouched.
Malformed input raises one of the exceptions below, every one a subclass of
:class:`HTTPException` that carries the HTTP ``status`` a server should answer
with.
"""

from __future__ import annotations

import codecs
import datetime
import json
import re
from collections import deque
from collections.abc import Generator
from typing import Any, TypeVar
from urllib.parse import quote_plus, unquote, unquote_plus

from hio.core.http.erroring import MAX_LINE_SIZE as MAX_LINE_SIZE  # the errors are documented here
from hio.core.http.erroring import BadChunk as BadChunk
from hio.core.http.erroring import BadFraming as BadFraming
from hio.core.http.erroring import BadHeader as BadHeader
from hio.core.http.erroring import BadMethod as BadMethod
from hio.core.http.erroring import BadRequestLine as BadRequestLine
from hio.core.http.erroring import BadStatusLine as BadStatusLine
from hio.core.http.erroring import BodyTooLarge as BodyTooLarge
from hio.core.http.erroring import HTTPException as HTTPException
from hio.core.http.erroring import InvalidURL as InvalidURL
from hio.core.http.erroring import LineTooLong as LineTooLong
from hio.core.http.erroring import PrematureClosure as PrematureClosure
from hio.core.http.erroring import TooManyHeaders as TooManyHeaders
from hio.core.http.erroring import UnknownProtocol as UnknownProtocol
from hio.core.http.framing import NO_BODY_STATUSES as NO_BODY_STATUSES
from hio.core.http.framing import bodyFraming, keepAlive
from hio.core.http.grammaring import (
    CONTROL,
    CONTROL_TEXT,
    DIGITS_TEXT,
    HTTP_VERSION_TEXT,
    STATUS_CODE_TEXT,
    TARGET_BAD_TEXT,
    TOKEN,
    TOKEN_TEXT,
    chunkSize,
    fieldLine,
    requestLine,
)
from hio.core.http.grammaring import CR as CR
from hio.core.http.grammaring import CRLF as CRLF
from hio.core.http.grammaring import LF as LF
from hio.help.hicting import Hict

# Default limits (MAX_LINE_SIZE, the longest start, header, chunk size or event line in bytes, comes with the errors)
MAX_HEADERS = 100  # most header lines in one leader (trailers included)
MAX_LEADER_SIZE = 262144  # most bytes in one leader of header lines, line ends included

HTTP_PORT = 80
HTTPS_PORT = 443
HTTP_11_VERSION_STRING = "HTTP/1.1"

# status codes
# informational
CONTINUE = 100
SWITCHING_PROTOCOLS = 101
PROCESSING = 102

# successful
OK = 200
CREATED = 201
ACCEPTED = 202
NON_AUTHORITATIVE_INFORMATION = 203
NO_CONTENT = 204
RESET_CONTENT = 205
PARTIAL_CONTENT = 206
MULTI_STATUS = 207
IM_USED = 226

# redirection
MULTIPLE_CHOICES = 300
MOVED_PERMANENTLY = 301
FOUND = 302
SEE_OTHER = 303
NOT_MODIFIED = 304
USE_PROXY = 305
TEMPORARY_REDIRECT = 307
PERMANENT_REDIRECT = 308

# client error
BAD_REQUEST = 400
UNAUTHORIZED = 401
PAYMENT_REQUIRED = 402
FORBIDDEN = 403
NOT_FOUND = 404
METHOD_NOT_ALLOWED = 405
NOT_ACCEPTABLE = 406
PROXY_AUTHENTICATION_REQUIRED = 407
REQUEST_TIMEOUT = 408
CONFLICT = 409
GONE = 410
LENGTH_REQUIRED = 411
PRECONDITION_FAILED = 412
REQUEST_ENTITY_TOO_LARGE = 413
REQUEST_URI_TOO_LONG = 414
UNSUPPORTED_MEDIA_TYPE = 415
REQUESTED_RANGE_NOT_SATISFIABLE = 416
EXPECTATION_FAILED = 417
UNPROCESSABLE_ENTITY = 422
LOCKED = 423
FAILED_DEPENDENCY = 424
UPGRADE_REQUIRED = 426
PRECONDITION_REQUIRED = 428
TOO_MANY_REQUESTS = 429
REQUEST_HEADER_FIELDS_TOO_LARGE = 431

# server error
INTERNAL_SERVER_ERROR = 500
NOT_IMPLEMENTED = 501
BAD_GATEWAY = 502
SERVICE_UNAVAILABLE = 503
GATEWAY_TIMEOUT = 504
HTTP_VERSION_NOT_SUPPORTED = 505
INSUFFICIENT_STORAGE = 507
NOT_EXTENDED = 510
NETWORK_AUTHENTICATION_REQUIRED = 511

# Reason phrase for each status code
STATUS_DESCRIPTIONS = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    415: "Unsupported Media Type",
    416: "Requested Range Not Satisfiable",
    417: "Expectation Failed",
    422: "Unprocessable Entity",
    423: "Locked",
    424: "Failed Dependency",
    426: "Upgrade Required",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
    507: "Insufficient Storage",
    510: "Not Extended",
    511: "Network Authentication Required",
}

METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"]

# Largest amount of bytes read in one go (one mebibyte)
MAXAMOUNT = 1048576

# Same limits under the names the standard library http.client uses
_MAXLINE = MAX_LINE_SIZE
_MAXHEADERS = MAX_HEADERS


class HTTPError(Exception):
    """HTTP error for use with Valet or other WSGI servers to raise exceptions
    caught by the WSGI server.

    Attributes:
        status (int): HTTP status code, e.g. ``400``
        reason (str): HTTP status text, "Unknown" for a status without a standard reason
        title (str): title of error
        detail (str): detailed description of error
        fault (int | None): an internal application error code
        headers (dict): extra headers to add to the response
    """

    __slots__ = ["detail", "fault", "headers", "reason", "status", "title"]

    def __init__(
        self,
        status: int | str,
        reason: str = "",
        title: str = "",
        detail: str = "",
        fault: int | str | None = None,
        headers: Any = None,
    ) -> None:
        """
        Parameters:
            status (int): HTTP status code
            reason (str): status text, defaults to the standard reason phrase
            title (str): title of error
            detail (str): detailed description of error
            fault (int | None): internal application error code
            headers (dict | None): extra headers to add to the response
        """
        try:
            self.status = int(status)
        except (ValueError, TypeError):
            self.status = 400
        self.reason = str(reason) if reason else STATUS_DESCRIPTIONS.get(self.status, "Unknown")
        self.title = title
        self.detail = detail
        self.fault = fault if fault is None else int(fault)
        self.headers = dict(headers) if headers else {}
        super().__init__(self.status, self.reason, self.title, self.detail, self.fault, self.headers)

    def __repr__(self) -> str:
        """Return repr(self)."""
        return f"{self.__class__.__name__}({self.status}, {self.reason!r}, {self.title!r}, {self.detail!r}, {self.fault!r})"

    def render(self, jsonify: bool = False) -> bytes:
        """Render and return the attributes as bytes.

        Parameters:
            jsonify (bool): True means render as serialized json

        Returns:
            bytes: four lines, ``b"400 Bad Request\\ntitle\\ndetail\\nfault"``,
                an empty line for an empty title, detail or a fault of None;
                or json with those five fields
        """
        if jsonify:
            err = {
                "status": self.status,
                "reason": self.reason,
                "title": self.title,
                "detail": self.detail,
                "fault": self.fault,
            }
            return json.dumps(err, indent=2).encode("utf-8")
        fault = "" if self.fault is None else str(self.fault)
        return "\n".join((f"{self.status} {self.reason}", self.title, self.detail, fault)).encode("utf-8")


_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def httpDate1123(dt: datetime.datetime) -> str:
    """Return a string representation of a date according to RFC 1123 (HTTP/1.1).

    The supplied date must be in UTC; an aware datetime is converted to UTC.
    Independent of the locale.

    Parameters:
        dt: the date, UTC (an aware datetime is converted)

    Example:
        >>> httpDate1123(datetime.datetime(2015, 9, 30, 14, 29, 18))
        'Wed, 30 Sep 2015 14:29:18 GMT'
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _WEEKDAYS[dt.weekday()],
        dt.day,
        _MONTHS[dt.month - 1],
        dt.year,
        dt.hour,
        dt.minute,
        dt.second,
    )


def normalizeHostPort(host: str, port: int | str | None = None, defaultPort: int = 80) -> tuple[str, int]:
    """Return duple (hostname, port) from host, which may be a netloc with port.

    The port in host (``"host:port"`` or ``"[v6addr]:port"``) wins, then port,
    then defaultPort. Brackets around an IPv6 address are removed.

    Parameters:
        host (str): host name, address or netloc
        port (int | str | None): port if not in host
        defaultPort (int): port if neither host nor port gives one

    Raises:
        InvalidURL: port is not a number in 0..65535
    """
    host = (host or "").strip()
    hostport = None
    if host.startswith("["):  # bracketed IPv6 literal
        end = host.find("]")
        if end == -1:
            raise InvalidURL(f"bad IPv6 host '{host}'")
        rest = host[end + 1 :]
        host = host[1:end]
        if rest:
            if not rest.startswith(":"):
                raise InvalidURL(f"bad host port '{rest}'")
            hostport = rest[1:]
    elif host.count(":") == 1:  # host:port, more colons is a bare IPv6 address
        host, hostport = host.split(":")
    if hostport:  # empty port as in 'host:' means use given port
        port = hostport
    if port is None or port == "":
        port = defaultPort
    try:
        port = int(port)
    except (ValueError, TypeError):
        raise InvalidURL(f"nonnumeric port '{port}'")
    if not 0 <= port <= 65535:
        raise InvalidURL(f"port out of range '{port}'")
    return (host, port)


def _splitQuery(query: str) -> list[str]:
    """Split query string into its parts on ``&`` or else ``;``."""
    sep = "&" if "&" in query or ";" not in query else ";"
    return [part for part in query.split(sep) if part]


def parseQuery(query: str) -> dict[str, str]:
    """Return dict of parsed query string.

    Keys and values are unquoted (``+`` is a space); a key without ``=``
    gets the value ``"true"``. A later duplicate key replaces an earlier one.

    Parameters:
        query: the query string, without its leading ?

    Example:
        >>> parseQuery("a=1&b=hello%20there&flag")
        {'a': '1', 'b': 'hello there', 'flag': 'true'}
    """
    qargs = {}
    if query:
        query = query.lstrip("?")
        for part in _splitQuery(query):
            if "=" in part:
                key, val = part.split("=", 1)
                val = unquote_plus(val)
            else:
                key, val = part, "true"
            qargs[unquote_plus(key)] = val
    return qargs


def updateQargsQuery(qargs: dict[str, Any] | None = None, query: str = "") -> tuple[dict[str, Any], str]:
    """Returns duple of updated (qargs, query).

    qargs is updated with the arguments in query string (query wins), and the
    returned query is generated from the updated qargs with quoted keys and
    values. This combines query args from two sources, a dict and a string.
    See https://www.w3.org/TR/2014/REC-html5-20141028/forms.html#url-encoded-form-data

    Parameters:
        qargs (dict | None): query arguments, may have fields not in query
        query (str): query string without the leading ``?``
    """
    qargs = dict(qargs) if qargs is not None else {}
    qargs.update(parseQuery(query))
    parts = []
    for key, val in qargs.items():
        parts.append(f"{quote_plus(str(key))}={quote_plus(str(val))}")
    return (qargs, "&".join(parts))


def unquoteQuery(query: str) -> str:
    """Returns query string with unquoted values (keys left as they are).

    Parameters:
        query: the query string, without its leading ?

    Example:
        >>> unquoteQuery("a=hello%20there&b=%2Fpath")
        'a=hello there&b=/path'
    """
    parts = []
    sep = "&" if "&" in query or ";" not in query else ";"
    for part in query.split(sep):
        if "=" in part:
            key, val = part.split("=", 1)
            parts.append(f"{key}={unquote(val)}")
        else:
            parts.append(part)
    return sep.join(parts)


def _bytify(value: object, name: str = "header") -> bytes:
    """Return value as bytes: bytes as is, str latin-1 encoded, others via str."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, str):
        value = str(value)
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:
        raise ValueError(f"{name} {value!r} is not latin-1 encodable")


def packHeader(name: str | bytes, *values: object) -> bytes:
    """Format and return a header line without its line ending.

    Multiple values are joined with ``", "``. Names must be tokens and values
    must not hold CR, LF or other control characters, so that no header can
    inject another line.

    Parameters:
        name: the field name, a token
        values: the values, each made a str

    Example:
        >>> packHeader('Accept', 'text/html')
        b'Accept: text/html'

    Raises:
        ValueError: name is not a token or a value holds control characters
    """
    name = _bytify(name, "header name")
    if not TOKEN.match(name):
        raise ValueError(f"invalid header name {name!r}")
    vals = []
    for value in values:
        value = _bytify(value, "header value").strip(b" \t")
        if CONTROL.search(value):
            raise ValueError(f"invalid header value {value!r}")
        vals.append(value)
    return name + b": " + b", ".join(vals)


def packRequestLine(method: str, target: str, protocol: str = HTTP_11_VERSION_STRING) -> bytes:
    """Return the request line of method, target and protocol, without its line ending.

    Parameters:
        method: the method, a token
        target: the request target, ASCII without spaces or controls
        protocol: the HTTP version, e.g. ``HTTP/1.1``

    Example:
        >>> packRequestLine('GET', '/a?b=1')
        b'GET /a?b=1 HTTP/1.1'

    Raises:
        ValueError: one of them holds characters that would break the line or inject another
    """
    if not TOKEN_TEXT.match(method):
        raise ValueError(f"invalid method {method!r}")
    if not target.isascii() or TARGET_BAD_TEXT.search(target):
        raise ValueError(f"invalid request target {target!r}")
    if not HTTP_VERSION_TEXT.match(protocol):
        raise ValueError(f"invalid protocol {protocol!r}")
    return f"{method} {target} {protocol}".encode("ascii")


def packStatusLine(status: int, reason: str | None = None, protocol: str = HTTP_11_VERSION_STRING) -> bytes:
    """Return the status line of a response, without its line ending.

    Parameters:
        status: the status code, 100 to 999
        reason: the reason phrase, None for the standard one of status
        protocol: the HTTP version, e.g. ``HTTP/1.1``

    Example:
        >>> packStatusLine(404)
        b'HTTP/1.1 404 Not Found'

    Raises:
        ValueError: a status out of range, or a reason or protocol that would break the line
    """
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 999:
        raise ValueError(f"invalid status {status!r}")
    if reason is None:
        reason = STATUS_DESCRIPTIONS.get(status, "")
    if CONTROL_TEXT.search(reason):
        raise ValueError(f"invalid reason phrase {reason!r}")
    if not HTTP_VERSION_TEXT.match(protocol):
        raise ValueError(f"invalid protocol {protocol!r}")
    return f"{protocol} {status} {reason}".encode("latin-1")


def packChunk(msg: bytes | bytearray | memoryview) -> bytes:
    """Return msg bytes in a chunk of chunked transfer coding.

    An empty msg gives the last chunk ``b"0\\r\\n\\r\\n"``.

    Parameters:
        msg: the chunk's data

    Example:
        >>> packChunk(b"Hello")
        b'5\\r\\nHello\\r\\n'
    """
    if not msg:
        return b"0" + CRLF + CRLF
    return b"%x" % len(msg) + CRLF + bytes(msg) + CRLF


def _findEol(raw: bytearray, eols: tuple[bytes, ...], start: int = 0) -> tuple[int, int]:
    """Return (index, length) of the first line ending in raw.

    Returns (-1, 0) when there is none yet, and (index, -1) when raw ends in a
    CR that may yet be followed by LF (so the caller must wait). A CR that is
    not a line ending here is skipped over as part of the line.
    """
    crlf = CRLF in eols
    lfed = LF in eols
    cred = CR in eols
    while True:
        lf = raw.find(LF, start) if (lfed or crlf) else -1
        cr = raw.find(CR, start, lf if lf != -1 else len(raw)) if (cred or crlf) else -1
        if cr != -1 and (lf == -1 or cr < lf):
            if cr + 1 < len(raw):
                if raw[cr + 1] == 0x0A and crlf:
                    return (cr, 2)
                if cred:
                    return (cr, 1)
                start = cr + 1  # bare CR inside the line
                continue
            return (cr, -1) if crlf else (cr, 1)
        if lf != -1:
            if lfed:
                return (lf, 1)
            start = lf + 1  # bare LF inside the line
            continue
        return (-1, 0)


def parseLine(
    raw: bytearray,
    eols: tuple[bytes, ...] = (CRLF, LF, CR),
    kind: str = "event line",
    maxSize: int = MAX_LINE_SIZE,
) -> Generator[bytes | None, None, None]:
    """Generator to parse one line from raw bytearray.

    Each line is ended by one of eols. When raw ends in CR and both CRLF and
    CR are eols, waits for one more byte to tell them apart.

    Yields None while waiting for more to parse, then yields the line as bytes
    without its line ending. Consumes the line and its line ending from raw.

    Parameters:
        raw (bytearray): bytes to parse, consumed as parsed
        eols (tuple): accepted line endings out of CRLF, LF, CR
        kind (str): line type for the error message
        maxSize (int): longest line allowed, line ending excluded

    Raises:
        LineTooLong: no line ending within maxSize bytes
    """
    scanned = 0  # bytes of raw already searched without a line ending
    while True:
        index, size = _findEol(raw, eols, scanned)
        if index != -1 and size > 0:
            if index > maxSize:
                raise LineTooLong(kind, maxSize)
            line = bytes(raw[:index])
            del raw[: index + size]
            yield line
            return
        if (index == -1 and len(raw) > maxSize) or (index > maxSize):
            raise LineTooLong(kind, maxSize)
        scanned = index if index != -1 else len(raw)
        yield None


def parseLeader(
    raw: bytearray,
    eols: tuple[bytes, ...] = (CRLF, LF),
    kind: str = "leader header line",
    headers: Hict | None = None,
    maxSize: int = MAX_LINE_SIZE,
    maxHeaders: int = MAX_HEADERS,
    maxLeaderSize: int = MAX_LEADER_SIZE,
) -> Generator[Hict | None, None, None]:
    """Generator to parse an entire leader of header lines from raw bytearray.

    Each line is ended by one of eols; an empty line ends the leader. Yields
    None while waiting for more to parse, then yields the headers as a case
    insensitive multiple valued dict (:class:`hio.help.hicting.Hict`). Header
    values are decoded as latin-1 and stripped of surrounding whitespace; a
    repeated field name keeps every value. Consumes the leader from raw.

    Parameters:
        raw (bytearray): bytes to parse, consumed as parsed
        eols (tuple): accepted line endings, CR alone is never one
        kind (str): line type for error messages
        headers (Hict | None): dict to add the headers to, new one if None
        maxSize (int): longest header line allowed
        maxHeaders (int): most header lines allowed
        maxLeaderSize (int): most bytes allowed in the whole leader

    Raises:
        LineTooLong: a line or the whole leader is too long
        TooManyHeaders: more than maxHeaders header lines
        BadHeader: malformed header line (no colon, bad field name, whitespace
            before the colon, obsolete line folding, bare CR, control character)
    """
    if headers is None:
        headers = Hict()
    eols = tuple(eol for eol in eols if eol != CR)
    used = 0
    count = 0
    while True:
        lineParser = parseLine(raw, eols=eols, kind=kind, maxSize=min(maxSize, max(maxLeaderSize - used, 0)))
        while True:
            try:
                line = next(lineParser)
            except LineTooLong:
                if maxLeaderSize - used < maxSize:
                    raise LineTooLong("leader", maxLeaderSize)
                raise
            if line is not None:
                break
            yield None
        lineParser.close()
        used += len(line) + 2
        if not line:
            break
        if CR in line:
            raise BadHeader(f"bare CR in {kind} {line[:64]!r}")
        count += 1
        if count > maxHeaders:
            raise TooManyHeaders(f"got more than {maxHeaders} headers")
        name, value = fieldLine(line, kind)
        headers.add(name, value)
        if used > maxLeaderSize:
            raise LineTooLong("leader", maxLeaderSize)
    yield headers


def _parseChunkExtensions(ext: bytes) -> dict[str, str | None]:
    """Return dict of chunk extension parameters, ignoring what is malformed."""
    parms: dict[str, str | None] = {}
    for part in ext.split(b";"):
        name, _, val = part.partition(b"=")
        name = name.strip(b" \t")
        if not name:
            continue
        val = val.strip(b" \t")
        if len(val) >= 2 and val[:1] == b'"' and val[-1:] == b'"':
            val = re.sub(rb"\\(.)", rb"\1", val[1:-1])
        parms[name.decode("iso-8859-1")] = val.decode("iso-8859-1") if val else None
    return parms


def parseChunk(
    raw: bytearray,
    maxSize: int = MAX_LINE_SIZE,
    maxHeaders: int = MAX_HEADERS,
    maxChunkSize: int | None = None,
) -> Generator[tuple[int, dict[str, str | None], Hict, bytes] | None, None, None]:
    """Generator to parse the next chunk of chunked transfer coding from raw bytearray.

    Consumes the parsed chunk from raw. Yields None while waiting for more
    bytes, then yields tuple (size, parms, trails, chunk) where:

    - size is int size of the chunk, 0 for the last chunk
    - parms is dict of chunk extension parameters (parsed, otherwise ignored)
    - trails is Hict of trailer headers (only on the last chunk, if any)
    - chunk is the chunk data bytes, empty for the last chunk

    Grammar (RFC 9112 7.1)::

        chunked-body   = *chunk last-chunk trailer-section CRLF
        chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
        chunk-size     = 1*HEXDIG
        last-chunk     = 1*("0") [ chunk-ext ] CRLF
        chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
        trailer-section = *( field-line CRLF )

    A bare LF is accepted wherever CRLF is.

    Parameters:
        raw (bytearray): bytes to parse, consumed as parsed
        maxSize (int): longest chunk size line or trailer line allowed
        maxHeaders (int): most trailer lines allowed
        maxChunkSize (int | None): largest chunk size allowed, None is no limit

    Raises:
        BadChunk: chunk size not hex, too many digits, or chunk data not
            followed by CRLF
        LineTooLong: chunk size line or trailer line too long
        BodyTooLarge: chunk size larger than maxChunkSize
        BadHeader, TooManyHeaders: malformed or too many trailers
    """
    lineParser = parseLine(raw, eols=(CRLF, LF), kind="chunk size line", maxSize=maxSize)
    while True:
        line = next(lineParser)
        if line is not None:
            break
        yield None
    lineParser.close()
    if CR in line:
        raise BadChunk(f"bare CR in chunk size line {line[:64]!r}")
    sizeField, _, ext = line.partition(b";")
    sizeField = sizeField.rstrip(b" \t")
    size = chunkSize(sizeField)
    if size is None:
        raise BadChunk(f"invalid chunk size {sizeField[:64]!r}")
    if maxChunkSize is not None and size > maxChunkSize:
        raise BodyTooLarge(f"chunk of {size} bytes exceeds {maxChunkSize}")
    parms = _parseChunkExtensions(ext)
    trails = Hict()
    chunk = b""
    if size == 0:
        leaderParser = parseLeader(raw, eols=(CRLF, LF), kind="trailer line", maxSize=maxSize, maxHeaders=maxHeaders)
        while True:
            parsed = next(leaderParser)
            if parsed is not None:
                trails = parsed
                break
            yield None
        leaderParser.close()
    else:
        while len(raw) < size + 1:  # data and at least LF
            yield None
        if raw[size : size + 1] == LF:
            end = size + 1
        else:
            while len(raw) < size + 2:
                yield None
            if raw[size : size + 2] != CRLF:
                raise BadChunk("chunk data not followed by CRLF")
            end = size + 2
        chunk = bytes(raw[:size])
        del raw[:end]
    yield (size, parms, trails, chunk)


def parseBom(raw: bytearray, bom: bytes = codecs.BOM_UTF8) -> Generator[bytes | bytearray | None, None, None]:
    """Generator to parse a byte order mark from the front of raw bytearray.

    Yields None while waiting for enough bytes to decide, then yields bom if
    raw starts with it (and consumes it) or an empty bytearray otherwise.

    Parameters:
        raw: the bytes received so far, consumed from the front
        bom: the byte order mark looked for, default utf-8's
    """
    while True:
        if raw.startswith(bom):
            del raw[: len(bom)]
            yield bom
            return
        if len(raw) >= len(bom) or not bom.startswith(bytes(raw)):
            yield bytearray()
            return
        yield None


def parseStatusLine(line: bytes | str) -> tuple[str, int, str]:
    """Parse the response status line.

    Parameters:
        line (bytes | str): status line without its line ending

    Returns:
        tuple: (version, status, reason) such as ``("HTTP/1.1", 200, "OK")``

    Raises:
        BadStatusLine: line is not ``HTTP-version SP 3DIGIT [SP reason]``
        UnknownProtocol: version is well formed but not HTTP/1.x
    """
    if isinstance(line, (bytes, bytearray)):
        line = bytes(line).decode("iso-8859-1")
    if not line:
        raise BadStatusLine(line)
    parts = line.split(" ", 2)
    if len(parts) < 2:
        raise BadStatusLine(line)
    version, status = parts[0], parts[1]
    reason = parts[2] if len(parts) > 2 else ""
    match = HTTP_VERSION_TEXT.match(version)
    if not match:
        raise BadStatusLine(line)
    if match.group(1) != "1":
        raise UnknownProtocol(version)
    if not STATUS_CODE_TEXT.match(status):
        raise BadStatusLine(line)
    if CONTROL_TEXT.search(reason):
        raise BadStatusLine(line)
    return (version, int(status), reason.strip())


def parseRequestLine(line: bytes | str) -> tuple[str, str, str]:
    """Parse the request start line.

    Parameters:
        line (bytes | str): request line without its line ending

    Returns:
        tuple: (method, path, version) such as ``("GET", "/index.html", "HTTP/1.1")``

    Raises:
        BadRequestLine: line is not ``method SP request-target SP HTTP-version``
        BadMethod: method is a token but not one of METHODS
        UnknownProtocol: version is well formed but not HTTP/1.x
    """
    if isinstance(line, (bytes, bytearray)):
        line = bytes(line).decode("iso-8859-1")
    parts = requestLine(line)
    if parts is None or not parts[1].isascii():
        raise BadRequestLine(line)
    method, path, version = parts
    if version[5] != "1":  # HTTP/1.x
        raise UnknownProtocol(version)
    if method not in METHODS:
        raise BadMethod(method)
    return (method, path, version)


_T = TypeVar("_T")


def _drive(gen: Generator[_T | None, Any, Any]) -> Generator[None, None, _T | None]:
    """Run parser generator gen until it yields something other than None.

    Yields None while gen does, returns what it finally yielded (None if it
    ended without a result). Closes gen.
    """
    try:
        while True:
            try:
                result = next(gen)
            except StopIteration:
                return None
            if result is not None:
                return result
            yield None
    finally:
        gen.close()


class EventSource:
    """Server Sent Event stream client parser.

    Parses a ``text/event-stream`` body (https://html.spec.whatwg.org/multipage/server-sent-events.html)
    from .raw and appends each event to .events as a dict with items:

    - ``id``: last event id, utf-8 decoded, None if none seen
    - ``name``: event name (the ``event`` field), empty if not given
    - ``data``: event data, multiple ``data`` lines joined with LF; when
      .dictable and the data is json, what it deserializes to instead

    Attributes:
        raw (bytearray): bytes of the stream, consumed as parsed
        events (deque): parsed events
        dictable (bool): True means attempt to deserialize data as json
        parser (Generator | None): the stream parser made by .makeParser
        bom (bytes | None): the byte order mark if the stream started with one
        retry (int | None): reconnection time in milliseconds if given
        leid (str | None): last event id if any
        ended (bool): True when parsing ended
        closed (bool): True when the stream was closed
        maxLineSize (int): longest line allowed
        maxEventSize (int): most data bytes allowed in one event
    """

    Bom = codecs.BOM_UTF8

    def __init__(
        self,
        raw: bytearray | None = None,
        events: deque[dict[str, Any]] | None = None,
        dictable: bool = False,
        maxLineSize: int = MAX_LINE_SIZE,
        maxEventSize: int = MAXAMOUNT,
    ) -> None:
        """
        Parameters:
            raw (bytearray | None): bytes to parse, new bytearray if None
            events (deque | None): deque to append events to, new if None
            dictable (bool): True means attempt to deserialize data as json
            maxLineSize (int): longest line allowed
            maxEventSize (int): most data bytes allowed in one event
        """
        self.raw = raw if raw is not None else bytearray()
        self.events: deque[dict[str, Any]] = events if events is not None else deque()
        self.dictable = bool(dictable)
        self.maxLineSize = maxLineSize
        self.maxEventSize = maxEventSize
        self.parser: Generator[bool | None, None, None] | None = None
        self.leid: str | None = None
        self.bom: bytes | None = None
        self.retry: int | None = None
        self.ended = False
        self.closed = False
        self._cr = False  # last line ended with CR, a following LF belongs to it

    def close(self) -> None:
        """Assign True to .closed. The parser ends at its next step."""
        self.closed = True

    def _nextLine(self) -> bytes | None:
        """Return the next complete line from .raw, consumed, or None if none yet.

        Line endings are CRLF, LF or CR; a CR at the end of .raw ends its line
        at once and an LF arriving next is then dropped.

        Raises:
            LineTooLong: no line ending within .maxLineSize bytes
        """
        raw = self.raw
        if self._cr and raw:
            if raw[0] == 0x0A:
                del raw[0]
            self._cr = False
        lf = raw.find(LF)
        cr = raw.find(CR, 0, lf if lf != -1 else len(raw))
        if cr == -1 and lf == -1:
            if len(raw) > self.maxLineSize:
                raise LineTooLong("event line", self.maxLineSize)
            return None
        if cr == -1 or (lf != -1 and lf < cr):
            index, size = lf, 1
        elif cr + 1 < len(raw):
            index, size = cr, 2 if raw[cr + 1] == 0x0A else 1
        else:
            index, size = cr, 1
            self._cr = True
        if index > self.maxLineSize:
            raise LineTooLong("event line", self.maxLineSize)
        line = bytes(raw[:index])
        del raw[: index + size]
        return line

    def parseEvents(self) -> Generator[bool | None, None, None]:
        """Generator to parse events from .raw and append them to .events.

        Assigns .retry and .leid from ``retry`` and ``id`` fields. Comment lines
        (starting with colon) and unknown fields are ignored. An event is
        dispatched at an empty line; one without data is not appended. Text is
        utf-8 decoded with replacement of invalid bytes.

        Grammar::

            event         = *( comment / field ) end-of-line
            comment       = colon *any-char end-of-line
            field         = 1*name-char [ colon [ space ] *any-char ] end-of-line
            end-of-line   = ( cr lf / cr / lf )

        Yields None while waiting for more bytes, True when .closed (an event
        not ended by an empty line is then dropped, as the standard says).

        Raises:
            LineTooLong: a line longer than .maxLineSize or an event with more
                than .maxEventSize data bytes
        """
        name = ""
        data: list[str] = []
        size = 0
        while True:
            line = self._nextLine()
            if line is None:
                if self.closed:
                    break
                yield None
                continue
            if not line:  # dispatch
                if data:
                    text: Any = "\n".join(data)
                    if self.dictable:
                        try:
                            text = json.loads(text)
                        except ValueError:
                            pass  # not json: the text as it came
                    self.events.append({"id": self.leid, "name": name, "data": text})
                name = ""
                data = []
                size = 0
                continue
            if line[:1] == b":":  # comment
                continue
            rawField, colon, rawValue = line.partition(b":")
            if colon and rawValue[:1] == b" ":
                rawValue = rawValue[1:]
            field = rawField.decode("utf-8", errors="replace")
            value = rawValue.decode("utf-8", errors="replace")
            if field == "data":
                size += len(value) + 1
                if size > self.maxEventSize:
                    raise LineTooLong("event data", self.maxEventSize)
                data.append(value)
            elif field == "event":
                name = value
            elif field == "id":
                if "\x00" not in value:
                    self.leid = value
            elif field == "retry" and DIGITS_TEXT.match(value):
                self.retry = int(value)
        yield True

    def parseEventStream(self) -> Generator[bool | None, None, None]:
        """Generator to parse an event stream from .raw until closed.

        Removes and assigns a leading byte order mark to .bom, then parses
        events as :meth:`parseEvents` does, appending them to .events and
        assigning .retry and .leid. Consumes .raw as it parses.

        Yields None while waiting for more bytes, True when completed (after
        .close), and then .ended is True.
        """
        bomParser = parseBom(self.raw, bom=self.Bom)
        while (bom := next(bomParser)) is None and not self.closed:
            yield None
        bomParser.close()
        self.bom = bytes(bom) if bom else None
        yield from _drive(self.parseEvents())
        self.ended = True
        yield True

    # Shaped like Parsent's makeParser and parse, not one mechanism: an event stream parses .raw
    # until its connection closes and drops its parser on a long line; a message parses .msg to its end.
    def makeParser(self, raw: bytearray | None = None) -> None:
        """Make event stream parser generator and assign to .parser.

        Parameters:
            raw (bytearray | None): assigned to .raw if provided
        """
        if raw is not None:
            self.raw = raw
        self.ended = False
        self._cr = False
        self.parser = self.parseEventStream()

    def parse(self) -> None:
        """Service the event stream parsing; .makeParser must be called first.

        When done parsing, .parser is None and .ended is True.

        Raises:
            LineTooLong: propagated from the parser, which is then dropped
        """
        if self.parser is None:
            return
        try:
            result = next(self.parser)
        except StopIteration:
            result = True
        except Exception:
            self.parser = None
            raise
        if result:
            if self.parser is not None:
                self.parser.close()
            self.parser = None
            self.ended = True


class Parsent:
    """Base class for objects that parse HTTP messages.

    Subclasses (the server's Requestant, the client's Respondent) parse the
    start line in their .parseHead and may refine .parseBody. The base class
    provides the shared pieces: header parsing with limits, unambiguous body
    framing (:meth:`frame`), body parsing for Content-Length, chunked and
    read-until-close bodies, persistence and json conversion.

    Attributes:
        msg (bytearray): bytes of the message stream, consumed as parsed
        dictable (bool): True means attempt to convert body to .data as json
        method (str): method verb of the associated request
        body (bytearray): message body
        data (object | None): body deserialized from json if applicable
        headers (Hict | None): message headers
        trails (Hict | None): trailer headers of a chunked body
        parms (dict | None): chunk extension parameters of the last chunk
        parser (Generator | None): the message parser made by .makeParser
        version (int | None): HTTP version, 10 or 11
        length (int | None): body length from Content-Length
        chunked (bool): True means chunked transfer coding
        jsoned (bool): True means content type is json
        persisted (bool): True means keep the connection after this message
        headed (bool): True when the head is parsed
        bodied (bool): True when the body is parsed
        ended (bool): True when the whole message is parsed
        closed (bool): True when the input has ended (connection closed)
        errored (bool): True when parsing failed
        error (str | None): error message when errored
        maxLineSize (int): longest start line or header line allowed
        maxHeaders (int): most header lines allowed
        maxLeaderSize (int): most bytes allowed in the header leader
        maxBodySize (int | None): largest body allowed, None is no limit
    """

    msg: bytearray
    dictable: bool
    method: str
    body: bytearray
    data: Any
    headers: Hict | None
    trails: Hict | None
    parms: dict[str, str | None] | None
    parser: Generator[bool | None, None, None] | None
    version: int | None
    length: int | None
    chunked: bool
    jsoned: bool
    persisted: bool
    headed: bool
    bodied: bool
    ended: bool
    closed: bool
    errored: bool
    error: str | None

    def __init__(
        self,
        msg: bytearray | None = None,
        dictable: bool | None = None,
        method: str = "GET",
        maxLineSize: int = MAX_LINE_SIZE,
        maxHeaders: int = MAX_HEADERS,
        maxLeaderSize: int = MAX_LEADER_SIZE,
        maxBodySize: int | None = None,
    ) -> None:
        """
        Parameters:
            msg (bytearray | None): bytes to parse, new bytearray if None
            dictable (bool | None): True means attempt to convert body json
            method (str): method verb of the associated request
            maxLineSize (int): longest start line or header line allowed
            maxHeaders (int): most header lines allowed
            maxLeaderSize (int): most bytes in the header leader
            maxBodySize (int | None): largest body allowed, None is no limit
        """
        self.maxLineSize = maxLineSize
        self.maxHeaders = maxHeaders
        self.maxLeaderSize = maxLeaderSize
        self.maxBodySize = maxBodySize
        self.msg = bytearray()  # reinit replaces it when msg is given
        self.parser = None
        self.reinit(msg=msg, dictable=dictable, method=method)

    def reinit(self, msg: bytearray | None = None, dictable: bool | None = None, method: str = "GET") -> None:
        """Reinitialize instance for parsing another message.

        Parameters:
            msg (bytearray | None): bytearray of message to parse, kept if None
            dictable (bool | None): True means attempt to convert json body,
                kept if None
            method (str): method verb of associated request
        """
        if msg is not None:
            self.msg = msg
        elif self.msg is None:
            self.msg = bytearray()
        if dictable is not None:
            self.dictable = bool(dictable)
        elif not hasattr(self, "dictable"):
            self.dictable = False
        self.method = (method or "GET").upper()
        if self.parser is not None:
            self.parser.close()
        self.parser = None
        self.body = bytearray()
        self.data = None
        self.headers = None
        self.trails = None
        self.parms = None
        self.version = None
        self.length = None
        self.chunked = False
        self.jsoned = False
        self.persisted = True
        self.headed = False
        self.bodied = False
        self.ended = False
        self.closed = False
        self.errored = False
        self.error = None

    def close(self) -> None:
        """Assign True to .closed and close parser.

        Call when the input has ended. The parser runs one last step first, so
        that a read-until-close body completes; a message cut short is marked
        .errored with a PrematureClosure .error instead. Never raises.
        """
        self.closed = True
        if self.parser is not None:
            try:
                self.parse()
            except HTTPException as ex:
                self.errored = True
                self.error = str(ex)
            if self.parser is not None:
                self.parser.close()
                self.parser = None
            if not self.ended and not self.errored:
                self.errored = True
                self.error = str(PrematureClosure("message cut short"))

    def checkPersisted(self) -> bool:
        """Checks headers to determine if connection should be kept open after this
        message. Sets the .persisted flag and returns it.

        HTTP/1.1 persists unless ``Connection: close``; HTTP/1.0 persists only
        with ``Connection: keep-alive`` (hio.core.http.framing.keepAlive).
        """
        headers = self.headers
        self.persisted = keepAlive(self.version, headers.getall("connection", ()) if headers is not None else ())
        return self.persisted

    def frame(self, request: bool = False) -> None:
        """Determine body framing from headers: assign .chunked and .length
        (and .persisted False when the body ends with the connection), by
        the one rule of both directions, hio.core.http.framing.bodyFraming.

        Parameters:
            request (bool): True means the message is a request

        Raises:
            BadFraming: the length cannot be determined unambiguously
            BodyTooLarge: Content-Length larger than .maxBodySize
        """
        headers = self.headers if self.headers is not None else Hict()
        self.length, self.chunked, closes = bodyFraming(
            headers, request=request, version=self.version, maxBodySize=self.maxBodySize
        )
        if closes:
            self.persisted = False

    def parseHeaders(self) -> Generator[None, None, None]:
        """Generator to parse the header leader of .msg into .headers with this
        instance's limits. Yields None while waiting for more bytes."""
        headers = yield from _drive(
            parseLeader(
                raw=self.msg,
                eols=(CRLF, LF),
                kind="leader header line",
                maxSize=self.maxLineSize,
                maxHeaders=self.maxHeaders,
                maxLeaderSize=self.maxLeaderSize,
            )
        )
        if headers is None:
            raise PrematureClosure("headers cut short")
        self.headers = headers

    def parseStartLine(self, kind: str) -> Generator[None, None, bytes]:
        """Generator to parse a start line from .msg and return it.

        Empty lines before it are skipped (RFC 9112 2.2). Yields None while
        waiting for more bytes.

        Parameters:
            kind: what the line is, for error messages: request or status

        Raises:
            LineTooLong: the line is longer than .maxLineSize
            PrematureClosure: the input ended inside the line
        """
        while True:
            line = yield from _drive(parseLine(raw=self.msg, eols=(CRLF, LF), kind=kind, maxSize=self.maxLineSize))
            if line is None:
                raise PrematureClosure(f"{kind} cut short")
            if line:
                return line

    def parseHead(self) -> Generator[bool | None, None, None]:
        """Generator to parse headers in heading of .msg.

        The base class parses only the header leader and framing of a message
        without start line; subclasses parse their start line first.

        Yields None if more to parse, True if done parsing.
        """
        if self.headed:
            yield True
            return
        yield from self.parseHeaders()
        self.checkPersisted()
        self.frame(request=False)
        self.headed = True
        yield True

    def _waitMore(self) -> Generator[None, None, None]:
        """Yield None once, or raise PrematureClosure if the input has ended."""
        if self.closed:
            raise PrematureClosure("body cut short")
        yield None

    def parseBodyBytes(self) -> Generator[None, None, None]:
        """Generator to move body bytes from .msg to .body as they arrive.

        Uses the framing set by :meth:`frame`: chunked (trailers go to .trails),
        Content-Length, or read until .closed when neither. Yields None while
        waiting for more bytes; returns when the body is complete.

        Raises:
            PrematureClosure: the input ended before the body was complete
            BodyTooLarge: body larger than .maxBodySize
            BadChunk, LineTooLong, BadHeader, TooManyHeaders: bad chunked coding
        """
        if self.chunked:
            size = 0
            while True:
                allowance = None if self.maxBodySize is None else self.maxBodySize - size
                chunker = parseChunk(
                    raw=self.msg, maxSize=self.maxLineSize, maxHeaders=self.maxHeaders, maxChunkSize=allowance
                )
                try:
                    while True:
                        result = next(chunker)
                        if result is not None:
                            break
                        yield from self._waitMore()
                except BodyTooLarge:
                    raise BodyTooLarge(f"chunked body larger than maxBodySize, {self.maxBodySize} bytes") from None
                finally:
                    chunker.close()
                csize, parms, trails, chunk = result
                self.parms = parms
                if csize == 0:
                    self.trails = trails
                    break
                size += csize
                self.body.extend(chunk)
        elif self.length is not None:
            remaining = self.length
            while remaining > 0:
                if self.msg:
                    take = min(remaining, len(self.msg))
                    self.body.extend(self.msg[:take])
                    del self.msg[:take]
                    remaining -= take
                    if not remaining:
                        break
                yield from self._waitMore()
        else:  # until close
            while True:
                if self.msg:
                    if self.maxBodySize is not None and len(self.body) + len(self.msg) > self.maxBodySize:
                        raise BodyTooLarge(f"body read until close larger than maxBodySize, {self.maxBodySize} bytes")
                    self.body.extend(self.msg)
                    del self.msg[:]
                if self.closed:
                    break
                yield None

    def parseBody(self) -> Generator[bool | None, None, None]:
        """Generator to parse the body of .msg into .body.

        Yields None if more to parse, True if done parsing. Assigns .data via
        :meth:`dictify`.
        """
        if self.bodied:
            yield True
            return
        yield from self.parseBodyBytes()
        self.bodied = True
        self.dictify()
        yield True

    def parseMessage(self, msg: bytearray | None = None) -> Generator[bool | None, None, None]:
        """Generator to parse a message from bytearray.

        Parses msg if not None, otherwise parses .msg. Yields None while waiting
        for more bytes, True when the message is parsed and then .ended is True.

        Parameters:
            msg: the bytes to parse, None means .msg
        """
        if msg is not None:
            self.msg = msg
        yield from _drive(self.parseHead())
        yield from _drive(self.parseBody())
        self.ended = True
        yield True

    def makeParser(self, msg: bytearray | None = None) -> None:
        """Make message parser generator and assign to .parser.

        Parameters:
            msg (bytearray | None): assigned to .msg if provided
        """
        if msg is not None:
            self.msg = msg
        if self.parser is not None:
            self.parser.close()
        self.parser = self.parseMessage()

    def parse(self) -> None:
        """Service the message parsing; .makeParser must be called first.

        When done parsing, .parser is None and .ended is True.

        Raises:
            HTTPException: (a subclass) when the message is malformed; .errored
                and .error are assigned and .parser is dropped first
        """
        if self.parser is None:
            return
        try:
            result = next(self.parser)
        except StopIteration:
            result = True
        except HTTPException as ex:
            self.errored = True
            self.error = str(ex) or ex.__class__.__name__
            self.parser = None
            raise
        if result:
            if self.parser is not None:
                self.parser.close()
            self.parser = None
            self.ended = True

    def dictify(self) -> None:
        """Attempt to convert body to dict data if .dictable or json content type.

        Assigns .jsoned and .data; data stays None when the body is not json.
        """
        ctype = ""
        if self.headers is not None:
            ctype = self.headers.get("content-type", "")
        if ctype:
            mime = ctype.lower().split(";", 1)[0].strip()
            self.jsoned = mime == "application/json" or mime.endswith("+json")
        else:
            self.jsoned = False
        if (self.jsoned or self.dictable) and self.body:
            try:
                self.data = json.loads(bytes(self.body).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.data = None
