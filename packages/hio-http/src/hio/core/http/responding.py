"""hio.core.http.responding module

Server side HTTP/1.1 responses: `Responder` runs a WSGI application for one
request and streams its response into the transmit buffer of the incoming
connection; `CustomResponder` builds a whole response for non-WSGI servers;
`errorMessage` builds the short response that answers a bad request.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from hio.core.http import httping
from hio.core.http.erroring import BadFraming
from hio.core.http.eventing import ResponseHead
from hio.core.http.framing import bodiless, contentLength, keepAlive, lengthless
from hio.core.http.grammaring import CONTROL_TEXT, STATUS_TEXT, TOKEN_TEXT
from hio.core.http.httping import HTTPError
from hio.core.http.memoing import FIELD_NAMES_SIZE, Memo
from hio.core.http.sending import Sender
from hio.help.hicting import Hict

logger = logging.getLogger(__name__)

SERVER_SOFTWARE = "hio"
"""Value of the Server header field of responses."""

HIGH_WATER = 65536
"""A Responder stops pulling a body iterator while this many bytes wait to be sent."""

PULLS = 64
"""Most body chunks a Responder pulls in one service pass from a list or tuple
body or a file (a FileWrapper), so others get a turn. Any other iterator (a
generator) gives one chunk a pass, so that a body that paces itself by tyme
(an event stream yielding while a tymer runs) sends a chunk per pass."""

HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection")
"""Header fields the server owns; an application's values for them are dropped
(except that an application's ``Connection: close`` closes the connection)."""

OWNED = frozenset((*HOP_BY_HOP, "content-length", "date", "server"))
"""Header fields that the head builder looks at: hop by hop ones, the length,
and those it adds itself when the application did not."""


def statusLine(status: int | str, memo: Memo | None = None) -> str:
    """Return WSGI status string "200 OK" for int status or validated status string.

    Parameters:
        status (int | str): status code, or code and reason phrase
        memo (Memo | None): where the status strings validated are kept, None keeps none

    Raises:
        ValueError: when status is not a valid status
    """
    if isinstance(status, int) and not isinstance(status, bool):
        if not 100 <= status <= 999:
            raise ValueError(f"invalid status {status!r}")
        return f"{status} {httping.STATUS_DESCRIPTIONS.get(status, '')}".rstrip()
    if isinstance(status, bytes):
        status = status.decode("latin-1")
    if not isinstance(status, str):
        raise ValueError(f"invalid status {status!r}")
    if memo is not None:
        line = memo.statusLines.get(status)  # applications answer with a few statuses, over and over
        if line is not None:
            return line
    given = status
    status = status.strip()
    matched = STATUS_TEXT.match(status)
    if not matched:
        raise ValueError(f"invalid status {status!r}")
    if not matched.group(2):
        status = statusLine(int(matched.group(1)))
    if memo is not None and len(memo.statusLines) < memo.size:
        memo.statusLines[given] = status
    return status


def statusCode(status: str) -> int:
    """Return the int code of WSGI status string status.

    Parameters:
        status: a WSGI status such as 200 OK
    """
    return int(status[:3])


def httpDate(memo: Memo | None = None) -> str:
    """Return the current date formatted for the Date header field.

    The field has a resolution of one second, so with a memo it is formatted
    once per second.

    Parameters:
        memo (Memo | None): where the date of this second is kept, None keeps none
    """
    now = int(time.time())
    if memo is None:
        return email.utils.formatdate(now, usegmt=True)
    if now != memo.dated[0]:
        date = email.utils.formatdate(now, usegmt=True)
        memo.dated = (now, date, f"Date: {date}\r\nServer: {SERVER_SOFTWARE}".encode("latin-1"))
    return memo.dated[1]


def _stamp(memo: Memo) -> bytes:
    """Return the Date and Server header lines (without the final CRLF), formatted once per second."""
    if int(time.time()) != memo.dated[0]:
        httpDate(memo)
    return memo.dated[2]


def checkHeader(name: str | bytes, value: object, memo: Memo | None = None) -> tuple[str, str]:
    """Return (name, value) as str after checking that neither can inject fields.

    Parameters:
        name (str | bytes): field name, a token
        value (object): field value, made a str when not str or bytes
        memo (Memo | None): where the names found good are kept, None keeps none

    Raises:
        ValueError: when name is not a token or value holds CR, LF or controls
    """
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    if not isinstance(value, str):
        value = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    if not isinstance(name, str) or memo is None or name not in memo.names:
        if not isinstance(name, str) or not TOKEN_TEXT.match(name):
            raise ValueError(f"invalid header field name {name!r}")
        if memo is not None and len(memo.names) < FIELD_NAMES_SIZE:
            memo.names.add(name)
    if not value.isprintable() and CONTROL_TEXT.search(value):  # printable holds no control byte
        raise ValueError(f"invalid header field value for {name}")
    return name, value


def errorMessage(
    status: int | str,
    detail: str = "",
    headers: dict[str, Any] | None = None,
    close: bool = True,
    head: bool = False,
    body: bytes | None = None,
    memo: Memo | None = None,
) -> bytes:
    """Return the bytes of a short plain text response with status.

    Parameters:
        status (int | str): status code, e.g. 400, or code and reason phrase
        detail (str): what was wrong, appended to the status line in the body
        headers (dict | None): extra header fields
        close (bool): True adds ``Connection: close``
        head (bool): True leaves out the body (response to HEAD)
        body (bytes | None): the body, None makes it of the status line and detail
        memo (Memo | None): the server's memo (the Date of this second), None keeps nothing
    """
    line = statusLine(status, memo)
    if body is None:
        body = (line + (f": {detail}" if detail else "") + "\n").encode("utf-8", "replace")
    fields = [
        ("Date", httpDate(memo)),
        ("Server", SERVER_SOFTWARE),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ]
    if close:
        fields.append(("Connection", "close"))
    for name, value in (headers or {}).items():
        fields.append(checkHeader(name, value, memo))
    lines = [f"{Responder.HttpVersionString} {line}"] + [f"{n}: {v}" for n, v in fields]
    msg = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return msg if head else msg + body


def senderOf(outlet: Any) -> Sender:
    """Return the Sender a response to outlet is written through: the one of
    a connection core (hio.core.http.exchanging.Exchange), or for anything
    else with a .tx (a tcp Remoter) a Sender of its own that queues with it.

    Parameters:
        outlet: the connection core, or a tcp Remoter
    """
    sender = getattr(outlet, "sender", None)
    return sender if isinstance(sender, Sender) else Sender(outlet.tx)


class _Outlet(Protocol):
    """Where a Responder writes its response: a tcp Remoter, or the connection core
    (hio.core.http.exchanging.Exchange) that holds the Remoter's transmit buffer."""

    txbs: bytearray

    def tx(self, data: bytes | bytearray | memoryview) -> None:
        """Queue data to send.

        Parameters:
            data: the bytes to send
        """


class FileWrapper:
    """The ``wsgi.file_wrapper`` of the environ (PEP 3333): iterates a file-like
    object in blocks, and closes it with the response.

    A Responder pulls up to PULLS blocks of it in a pass (a file does not pace
    itself), where it pulls one chunk a pass from other iterators.

    Attributes:
        filelike: object with a .read(size) method
        blksize (int): bytes read at a time
    """

    def __init__(self, filelike: Any, blksize: int = 8192) -> None:
        """
        Parameters:
            filelike: object with a .read(size) method, and maybe .close()
            blksize (int): bytes read at a time
        """
        self.filelike = filelike
        self.blksize = int(blksize)

    def __iter__(self) -> FileWrapper:
        return self

    def __next__(self) -> bytes:
        data = self.filelike.read(self.blksize)
        if not data:
            raise StopIteration
        return data

    def close(self) -> None:
        """Close the file-like object, if it can be closed."""
        closer = getattr(self.filelike, "close", None)
        if callable(closer):
            closer()


def headFields(msg: bytes) -> Hict:
    """Return the header fields of the response head at the front of msg, in their order.

    Parameters:
        msg (bytes): a head built here (status line, fields, empty line), body may follow
    """
    head = bytes(msg).split(b"\r\n\r\n", 1)[0].decode("latin-1")
    fields = Hict()
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        fields.add(name, value.strip())
    return fields


def persistedBy(environ: dict[str, Any]) -> bool:
    """Return True when the request described by WSGI environ keeps its connection open
    (hio.core.http.framing.keepAlive; a protocol other than HTTP/1.1 counts as HTTP/1.0).

    Parameters:
        environ: the WSGI environ of the request
    """
    return keepAlive(11 if environ.get("SERVER_PROTOCOL") == "HTTP/1.1" else 10, environ.get("HTTP_CONNECTION"))


class Responder:
    """Nonblocking HTTP WSGI Responder class

    Runs the WSGI application ``app`` for the request described by ``environ``
    and streams the response into ``incomer.txbs`` one service pass at a time.

    The body iterable may yield empty bytes: an empty yield sends nothing and
    ends the pass, so an application waiting on something (a backend request,
    an event) keeps its connection without blocking the server. The status
    line and headers are sent with the first non-empty chunk (or at the end),
    so until then the application may still change them: through
    ``start_response`` with exc_info, or by setting ``._status`` and
    ``._headers`` on an `attributize` d generator.

    Framing: an application Content-Length is honoured (extra bytes are cut,
    missing bytes close the connection); a list or tuple body gets its length
    computed; otherwise the body is chunked when the client speaks HTTP/1.1
    (``chunkable``) and ends with the connection when it speaks HTTP/1.0.
    HEAD, 1xx, 204 and 304 responses carry no body.

    Attributes:
        incomer (Remoter): incoming connection, whose .tx queues bytes
        sender (Sender): what the response is written through: the Sender of
            the connection core, or one of its own over incomer.tx
        app (callable): WSGI application
        environ (dict): WSGI environment of the request
        chunkable (bool): True means chunked transfer coding may be used
        delay (float): tyme in seconds the server lingers on a connection it
            closes after this response, draining unread request bytes so that
            the response is not lost to a connection reset
        status (str): WSGI status string, e.g. "200 OK"
        headers (Hict): response header fields: the application's until the
            head is sent, then the fields sent, in their order (with the
            server's Content-Length or Transfer-Encoding, Date, Server and
            Connection)
        started (bool): True once start_response was called
        headed (bool): True once the status line and headers were sent
        chunked (bool): True when the body is sent chunked
        length (int | None): body length announced in Content-Length
        size (int): body bytes sent so far
        persisted (bool): True when the connection stays open afterwards
        ended (bool): True once the whole response is queued
        closed (bool): True once closed
        errored (bool): True when the application failed
        iterable (Iterable | None): what the application returned
        iterator (Iterator | None): iterator over iterable
    """

    HttpVersionString = httping.HTTP_11_VERSION_STRING
    Delay = 1.0
    _keepsHeads = True  # heads are built as here, so whole ones may be kept (see _wholeHead)
    closed: bool

    def __init_subclass__(cls, **kwa: Any) -> None:
        """A subclass that builds heads its own way does not share the kept ones."""
        super().__init_subclass__(**kwa)
        cls._keepsHeads = cls.build is Responder.build and cls.HttpVersionString == Responder.HttpVersionString

    def __init__(
        self,
        incomer: _Outlet,
        app: Callable[..., Any],
        environ: dict[str, Any],
        chunkable: bool = False,
        delay: float | None = None,
        memo: Memo | None = None,
    ) -> None:
        """Initialize instance.

        Parameters:
            incomer (Remoter): incoming connection whose .tx queues bytes to
                send (any object with .tx and .txbs, such as the connection core
                hio.core.http.exchanging.Exchange)
            app (callable): WSGI application
            environ (dict): WSGI environment of the request
            chunkable (bool): True means the client accepts chunked transfer coding
            delay (float | None): lingering tyme, None means Delay
            memo (Memo | None): memo shared with the other responders of a
                server, None makes one of its own
        """
        self.memo = memo if memo is not None else Memo()
        self.incomer = incomer
        self.sender = senderOf(incomer)
        self.app = app
        self.delay = float(delay) if delay is not None else self.Delay
        self.chunkable = bool(chunkable)
        self.iterable: Any = None  # what the WSGI application returned: any iterable of bytes
        self.reset(environ)

    def reset(self, environ: dict[str, Any], chunkable: bool | None = None, persisted: bool | None = None) -> None:
        """Reset attributes for another request-response

        Parameters:
            environ (dict): WSGI environment of the next request
            chunkable (bool | None): new chunkable, None keeps it
            persisted (bool | None): whether the request keeps the connection
                (a server knows it from parsing it), None finds it in environ
                (persistedBy)
        """
        if self.iterable is not None and not self.closed:
            self._closeIterable()
        self.environ = environ
        if chunkable is not None:
            self.chunkable = bool(chunkable)
        self.status = "200 OK"
        self._fields: tuple[Any, ...] | None = ()  # the application's header fields, until .headers makes them a Hict
        self._hict: Hict | None = None
        self._sent: bytes | None = None  # the head as sent (bytes), once sent
        self._told: Hict | None = None  # its header fields, a Hict made when first asked for
        self.started = False
        self.headed = False
        self.chunked = False
        self.length: int | None = None
        self.size = 0
        self.persisted = persistedBy(environ) if persisted is None else persisted
        self.method = environ.get("REQUEST_METHOD", "GET")
        self.head = self.method == "HEAD"
        self.ended = False
        self.closed = False
        self.errored = False
        self.iterable = None
        self.iterator: Iterator[Any] | None = None
        self._pulls = 1  # most body chunks pulled in a pass, set when the body iterator is made

    @property
    def headers(self) -> Hict:
        """Response header fields (a Hict, made when first asked for): the
        application's, or once the head is sent, those sent."""
        if self._sent is not None:
            if self._told is None:
                self._told = headFields(self._sent)
            return self._told
        if self._hict is None:
            self._hict = Hict(self._fields or ())
            self._fields = None
        return self._hict

    @headers.setter
    def headers(self, headers: Any) -> None:
        self._hict = headers if isinstance(headers, Hict) else Hict(headers)
        self._fields = None

    def close(self) -> None:
        """Close any resources

        Closes the application iterable (PEP 3333 requires it) once.
        """
        if not self.closed:
            self._closeIterable()
            self.closed = True

    def _closeIterable(self) -> None:
        """Call .close of the application iterable, logging its failure."""
        closer = getattr(self.iterable, "close", None)
        self.iterable = None
        self.iterator = None
        if callable(closer):
            try:
                closer()
            except Exception:
                logger.exception("WSGI iterable close failed")

    @property
    def bodiless(self) -> bool:
        """True when this response must carry no body (HEAD, 1xx, 204, 304:
        hio.core.http.framing.bodiless)."""
        return bodiless(int(self.status[:3]), self.method)

    def _override(self) -> None:
        """Apply ._status and ._headers of an attributized body generator."""
        status = getattr(self.iterable, "_status", None)
        if status is not None:
            self.status = statusLine(status, self.memo)
        headers = getattr(self.iterable, "_headers", None)
        if headers:
            items = headers.items() if hasattr(headers, "items") else headers
            for name, value in items:
                name, value = checkHeader(name, value, self.memo)
                self.headers[name] = value

    def build(self) -> bytes:
        """Return built head bytes from .status and .headers

        Decides the framing of the body: Content-Length, chunked or to close.
        """
        before, after = self._headParts()
        return before if after is None else before + _stamp(self.memo) + after

    def _headParts(self) -> tuple[bytes, bytes | None]:
        """Return the head as the bytes before the Date and Server lines and the bytes after them.

        Sets .length, .chunked and .persisted as the framing decides. When the
        application gave Date or Server itself the whole head is the first
        part and the second is None.
        """
        status = self.status
        lines = [f"{self.HttpVersionString} {status}"]
        lengths: list[str] = []
        dated = served = False
        fields: Iterable[Any] = self._fields if self._fields is not None else (self._hict or Hict()).items()
        for name, value in fields:
            lower = name.lower()
            if lower not in OWNED:
                lines.append(f"{name}: {value}")
            elif lower == "content-length":
                lengths.append(value)
            elif lower == "date":
                dated = True
                lines.append(f"{name}: {value}")
            elif lower == "server":
                served = True
                lines.append(f"{name}: {value}")
            elif lower == "connection" and not keepAlive(11, value):  # other hop by hop fields are dropped
                self.persisted = False
        length = self.length
        if length is None and lengths:
            try:
                length = contentLength(lengths)
            except BadFraming as ex:
                raise ValueError(f"invalid Content-Length from application: {ex}") from ex
        if length is None and not self.headed and isinstance(self.iterable, (list, tuple)):
            try:
                length = sum(len(part) for part in self.iterable)
            except TypeError:
                length = None
        code = int(status[:3])
        if lengthless(code):
            length = None
        elif length is not None:
            lines.append(f"Content-Length: {length}")
        elif self.ended:
            length = self.size
            if code != httping.NOT_MODIFIED:  # a 304's length would be that of what was not sent
                lines.append(f"Content-Length: {length}")
        elif not self.bodiless:  # a body of unknown length follows
            if self.chunkable:
                self.chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                self.persisted = False
        self.length = length
        stamped = not (dated or served)
        if not stamped:
            if not dated:
                lines.append("Date: " + httpDate(self.memo))
            if not served:
                lines.append("Server: " + SERVER_SOFTWARE)
        at = len(lines)  # where the Date and Server lines go
        if not self.persisted:
            lines.append("Connection: close")
        elif self.environ.get("SERVER_PROTOCOL") == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        lines.append("\r\n")
        if not stamped:
            return "\r\n".join(lines).encode("latin-1"), None
        return ("\r\n".join(lines[:at]) + "\r\n").encode("latin-1"), ("\r\n" + "\r\n".join(lines[at:])).encode(
            "latin-1"
        )

    def _sendHead(self) -> None:
        """Send the status line and headers once."""
        if self.headed:
            return
        self._override()
        head = self.build()
        self.headed = True
        self._sent = head
        self.sender.head(ResponseHead(head, self.length, self.chunked, self.bodiless, self.persisted))

    def write(self, msg: bytes | bytearray | memoryview) -> None:
        """WSGI write callback This writes out the headers the first time its
        called otherwise writes the msg bytes

        Parameters:
            msg (bytes): body bytes to send

        Raises:
            RuntimeError: when start_response was not called yet
        """
        if not self.started:
            raise RuntimeError("WSGI body written before start_response")
        if not isinstance(msg, (bytes, bytearray, memoryview)):
            raise TypeError(f"WSGI body chunk must be bytes, not {type(msg).__name__}")
        self._sendHead()
        self.size += self.sender.data(msg)  # framed by the sender: chunked, cut at the length, or dropped

    def start(
        self, status: str | int, response_headers: Iterable[Any], exc_info: tuple[Any, Any, Any] | None = None
    ) -> Callable[[bytes], None]:
        """WSGI application start_response callable

        Parameters:
            status (str | int): "200 OK" or a bare status code int that is
                replaced with its string
            response_headers (list[tuple[str, str]]): (field, value) pairs,
                e.g. [('Content-type', 'text/plain'), ('X-Some-Header', 'value')]
            exc_info (tuple | None): exception info when the application failed.
                Before headers are sent it replaces status and headers (the
                application changes its mind); after they are sent it is
                re-raised.

        Returns:
            callable: the WSGI write callable

        Nonstandard modification to allow for iterable/generator of body to
        change headers and status before first write to support async
        processing of responses whose iterator/generator yields empty before
        first non-empty yield. In .service yielding empty does not cause write
        so status line and headers are not sent until first non-empty write.
        The ._status and ._headers of an attributized body generator are
        consulted when the headers are sent.
        """
        if exc_info:
            try:
                if self.headed:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.started:
            raise RuntimeError("start_response called again without exc_info")
        memo = self.memo
        line = memo.statusLines.get(status) if type(status) is str else None
        if line is None:
            line = statusLine(status, memo)
        try:
            fields = tuple(response_headers)
            known = fields in memo.checkedFields  # applications send the same few sets of fields over and over
        except TypeError:  # unhashable: checked field by field below
            fields, known = tuple(tuple(field) for field in response_headers), False
        if not known:
            good = True
            checked = []
            for name, value in fields:
                if type(name) is str and type(value) is str and name in memo.names and value.isprintable():
                    checked.append((name, value))  # checked before, and printable holds no control byte
                else:
                    checked.append(checkHeader(name, value, memo))
                    good = False
            if good and len(memo.checkedFields) < memo.size and all(type(field) is tuple for field in fields):
                memo.checkedFields.add(fields)
            fields = tuple(checked)
        self.status = line
        self._fields = fields  # made into the .headers Hict only when someone asks for it
        self._hict = None
        self.started = True
        return self.write

    def _roomy(self) -> bool:
        """True while the transmit buffer has room for more body."""
        txbs = getattr(self.incomer, "txbs", None)
        return txbs is None or len(txbs) < HIGH_WATER

    def service(self) -> None:
        """Service wsgi compatible application

        Calls the application on the first pass, then pulls body chunks while
        the transmit buffer has room, stopping at an empty chunk: one chunk a
        pass from a generator (or any other iterator), up to PULLS from a list,
        tuple or FileWrapper. A generator that returns bytes (``return body``)
        sends them as its last chunk. Failures of the application never
        escape: before the headers are sent they become a 500, or a raised
        HTTPError's status and headers with its rendered lines as the body;
        after that the connection is closed so that the client sees a cut
        response.
        """
        if self.ended or self.closed:
            return
        try:
            if self.iterator is None:
                self.iterable = self.app(self.environ, self.start)
                if self._whole():
                    return
                self.iterator = iter(self.iterable)
                kind = type(self.iterable)
                self._pulls = PULLS if kind in (list, tuple) or kind is FileWrapper else 1
            pulls = 0
            while not self.ended and self._roomy() and pulls < self._pulls:
                pulls += 1
                try:
                    msg = next(self.iterator)
                except StopIteration as stop:  # a generator may return its last chunk
                    if stop.value and isinstance(stop.value, (bytes, bytearray, memoryview)):
                        self.write(stop.value)
                    self._end()
                    break
                if not msg:
                    break
                self.write(msg)
                if self.bodiless:  # HEAD, 204, 304: nothing more to send, stop pulling
                    self._end()
                    break
        except Exception as ex:
            self._fail(ex)

    def _whole(self) -> bool:
        """Send a small list or tuple body, the usual answer of an application, at once.

        The head and the joined parts go out in one piece and the response
        ends, with the same framing, cuts and warnings as the chunk by chunk
        path. A body with more than PULLS parts or HIGH_WATER bytes, with a
        part that is not bytes, a subclass of list or tuple (it may carry an
        attributized ._status), or an application that used the write
        callable or never called start_response is left to the chunk by chunk
        pulling of .service.

        Returns:
            bool: True when the response was queued whole and ended
        """
        parts = self.iterable
        kind = type(parts)
        if (kind is not list and kind is not tuple) or not self.started or self.headed:
            return False
        if len(parts) == 1 and type(parts[0]) is bytes and self._fields is not None and self._keepsHeads:
            body = parts[0]  # the usual answer: one piece, with a head sent before
            memo = self.memo
            known = memo.responseHeads.get(
                (self.status, self._fields, self.persisted, self.head, self.environ.get("SERVER_PROTOCOL"), len(body))
            )
            if known is not None and known[4]:  # that head, and the body goes as it is
                before, after, self.length, self.persisted, _ = known
                dated = memo.dated  # _stamp, written out on this hot path
                head = before + (dated[2] if int(time.time()) == dated[0] else _stamp(memo)) + after
                self.headed = True
                self._sent = head
                self.size = len(body)
                self.ended = True
                self.sender.whole(head + body, self.persisted)
                self.iterable = None  # a plain list or tuple has nothing to close
                self.closed = True
                return True
        if len(parts) > PULLS:
            return False
        try:
            body = b"".join(parts)
        except TypeError:
            return False
        if len(body) > HIGH_WATER:
            return False
        head = self._wholeHead(parts, body)
        self.headed = True
        self._sent = head
        sender = self.sender
        sender.head(ResponseHead(head, self.length, self.chunked, self.bodiless, self.persisted))
        self.size = sender.data(body)
        self.persisted = sender.end()
        self.ended = True
        self.iterable = None  # a plain list or tuple has nothing to close
        self.closed = True
        return True

    def _wholeHead(self, parts: list[Any] | tuple[Any, ...], body: bytes) -> bytes:
        """Return the head for whole body made of parts, as build does.

        Applications answer with the same few heads over and over: the head
        of a one piece body is kept by everything that makes it (status,
        fields, persistence, method, protocol, body length), and only the
        Date line is new each second.
        """
        fields = self._fields
        if fields is None or len(parts) != 1 or type(parts[0]) is not bytes or not self._keepsHeads:
            return self.build()
        key = (
            self.status,
            fields,
            self.persisted,
            self.head,
            self.environ.get("SERVER_PROTOCOL"),
            len(body),
        )
        memo = self.memo
        known = memo.responseHeads.get(key)
        if known is None:
            before, after = self._headParts()
            if after is None:
                return before
            length = self.length
            known = (
                before,
                after,
                length,
                self.persisted,
                not self.bodiless and (length is None or length == len(body)),
            )
            if len(memo.responseHeads) < memo.size:
                memo.responseHeads[key] = known
        before, after, self.length, self.persisted, _ = known
        return before + _stamp(memo) + after

    def _end(self) -> None:
        """Finish the response after the body iterator is exhausted."""
        if not self.started:
            raise RuntimeError("WSGI application returned without calling start_response")
        self.ended = True
        self._sendHead()
        self.persisted = self.sender.end()
        self.close()

    def _fail(self, ex: Exception) -> None:
        """Answer an application failure: error response before headers, else cut."""
        self.errored = True
        self.ended = True
        if isinstance(ex, HTTPError):
            logger.info("WSGI application raised %r", ex)
        else:
            logger.error("WSGI application failed: %r", ex, exc_info=ex)
        self.close()
        if self.headed:
            self.persisted = False
            return
        close = not self.persisted
        try:
            if isinstance(ex, HTTPError):  # its status, headers and rendered lines
                status = f"{ex.status} {ex.reason}" if 100 <= ex.status <= 999 else httping.INTERNAL_SERVER_ERROR
                msg = errorMessage(
                    status, headers=ex.headers, close=close, head=self.head, body=ex.render(), memo=self.memo
                )
            else:
                msg = errorMessage(httping.INTERNAL_SERVER_ERROR, close=close, head=self.head, memo=self.memo)
        except ValueError:
            msg = errorMessage(httping.INTERNAL_SERVER_ERROR, close=not self.persisted, head=self.head, memo=self.memo)
        self.headed = True
        self._sent = msg
        self.sender.whole(msg, self.persisted)


class CustomResponder:
    """Nonblocking HTTP Server Response class for non-wsgi applications Used by Steward

    Builds a whole response message, for example::

        HTTP/1.1 200 OK
        Content-Length: 122
        Content-Type: application/json
        Date: Thu, 30 Apr 2015 19:37:17 GMT
        Server: IoBook.local

    Attributes:
        steward (Any): steward of the connection (a hio.core.http.serving.Steward), if any
        status (int): status code
        headers (Hict): header fields; once built, those of the built message
            (with Content-Type of data, Content-Length, Date and Server)
        body (bytes): body
        data (dict | list | None): body as data, sent as JSON when not None
        msg (bytearray): built message
    """

    HttpVersionString = httping.HTTP_11_VERSION_STRING

    def __init__(
        self,
        steward: Any = None,
        status: int = 200,
        headers: dict[str, Any] | None = None,
        body: bytes = b"",
        data: Any = None,
    ) -> None:
        """Initialize instance.

        Parameters:
            steward (Any): steward of the connection (a hio.core.http.serving.Steward), if any
            status (int): status code
            headers (dict | None): header fields
            body (bytes): body
            data (dict | list | None): body as data, sent as JSON when not None
        """
        self.steward = steward
        self.status = status
        self.headers = Hict(headers or {})
        self.body = bytes(body or b"")
        self.data = data
        self.msg = bytearray()

    def reinit(
        self,
        status: int | None = None,
        headers: dict[str, Any] | None = None,
        body: bytes | None = None,
        data: Any = None,
    ) -> None:
        """Reinitialize anything that is not None This enables creating another
        response on a connection

        Parameters:
            status: the status code
            headers: header fields
            body: the body bytes
            data: a body to send as JSON
        """
        if status is not None:
            self.status = status
        if headers is not None:
            self.headers = Hict(headers)
        if body is not None:
            self.body = bytes(body)
        if data is not None:
            self.data = data
        self.msg = bytearray()

    def build(
        self,
        status: int | None = None,
        headers: dict[str, Any] | None = None,
        body: bytes | None = None,
        data: Any = None,
    ) -> bytearray:
        """Build and return response message. Each parameter None keeps the current value.

        Parameters:
            status (int | None): status code
            headers (dict | None): header fields
            body (bytes | None): body
            data (dict | list | None): body as data, sent as JSON
        """
        self.reinit(status=status, headers=headers, body=body, data=data)
        line = statusLine(self.status)
        body = self.body
        fields = Hict()
        for name, value in self.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding"):
                fields.add(*checkHeader(name, value))
        if self.data is not None:
            body = json.dumps(self.data, separators=(",", ":")).encode("utf-8")
            fields["Content-Type"] = "application/json"
        if not bodiless(statusCode(line)):
            fields["Content-Length"] = str(len(body))
        else:
            body = b""
        if "date" not in fields:
            fields["Date"] = httpDate()
        if "server" not in fields:
            fields["Server"] = SERVER_SOFTWARE
        lines = [f"{self.HttpVersionString} {line}"] + [f"{n}: {v}" for n, v in fields.items()]
        self.headers = fields
        self.msg = bytearray(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return self.msg
