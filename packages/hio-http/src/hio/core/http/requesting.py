"""hio.core.http.requesting module

Server side parsing of HTTP/1.1 request messages: `Requestant`.

A Requestant reads a request message out of a bytearray (normally the
``.rxbs`` receive buffer of a TCP Remoter) with generators that consume the
bytes they parse, so a request may arrive in any split, byte by byte or many
pipelined requests in one buffer. Parsing is strict on purpose: anything that
two HTTP implementations could frame differently (request smuggling) or that
exceeds a configured limit stops parsing with a protocol error
(hio.core.http.erroring), which the requestant keeps as its `.fault`, an
`HTTPError` whose status says what was wrong; the server answers with that
status and closes the connection. Every rule it checks is written once, in
hio.core.http.grammaring and hio.core.http.framing; the quick parse of a
whole head (parseWhole) and the careful line by line parse check the same
rules and come to the same request or error.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from hio.core.http import httping
from hio.core.http.erroring import (
    BadChunk,
    BadExpectation,
    BadMethod,
    BadRequestLine,
    BodyTooLarge,
    HTTPException,
    LineTooLong,
    TooManyHeaders,
    UnknownProtocol,
)
from hio.core.http.framing import bodyFraming, keepAlive
from hio.core.http.grammaring import (
    CONTROL,
    CR,
    CRLF,
    LF,
    TOKEN_TEXT,
    VERSIONS,
    chunkSize,
    elements,
    fieldLine,
    requestLine,
)
from hio.core.http.httping import HTTPError
from hio.core.http.memoing import FIELD_NAMES_SIZE, KEPT_BLOCK, Memo
from hio.help.hicting import Hict

if TYPE_CHECKING:
    from hio.core.tcp.serving import Remoter

MAX_REQUEST_LINE = httping.MAX_LINE_SIZE
"""Default longest request line in bytes (without its CRLF); longer gets 414."""

MAX_HEADERS = httping.MAX_HEADERS
"""Default most header fields in one request (or trailer); more gets 431."""

MAX_HEADER_BYTES = httping.MAX_LINE_SIZE
"""Default most bytes in all header lines of one request; more gets 431."""

MAX_BODY_SIZE = 16 * 1024 * 1024
"""Default largest request body in bytes (16 MiB); larger gets 413."""

MAX_EMPTY_LINES = 4
"""Most empty lines ignored before a request line; more gets 400."""

MAX_CHUNK_LINE = 4096
"""Longest chunk size line (size and extensions) in bytes; longer gets 400."""

SERVED_METHODS = tuple(m for m in httping.METHODS if m != "CONNECT")
"""Request methods the server hands to applications. Any other method gets 501.
CONNECT is left out because a WSGI application cannot run a tunnel."""


class Requestant:
    """Nonblocking HTTP Server Requestant class Parses request msg

    Parses one request at a time from ``.msg``, consuming the bytes it parses
    so that a pipelined next request stays at the front of ``.msg``. Call
    `reinit` and `makeParser` to parse the next request on the same connection.

    Attributes:
        remoter (Remoter | None): incoming connection whose ``.rxbs`` is ``.msg``
        msg (bytearray): bytes of the request as they arrive
        method (str): request method, e.g. "GET"
        target (str): request target as sent, e.g. "/a%20b?x=1"
        url (str): the request target as sent, the same as .target
        path (str): path of the target, still percent-encoded
        query (str): query string of the target without "?"
        fragment (str): fragment of the target without "#", if a client sent one
        version (int | None): HTTP version, 10 or 11
        protocol (str): HTTP version string, e.g. "HTTP/1.1"
        headers (Hict): case insensitive multiple valued header fields
        trails (Hict): chunked trailer fields, kept apart from .headers
        length (int | None): Content-Length if any
        chunked (bool): True when the body uses chunked transfer coding
        expecting (bool): True when the client sent ``Expect: 100-continue``
        body (bytearray): request body
        data (dict | list | None): body deserialized from JSON when applicable
        dictable (bool): True means deserialize a body into .data whatever its Content-Type
        jsoned (bool): True when the Content-Type says JSON
        parser (Generator | None): the parser of the request in process (makeParser)
        closed (bool): True once the input ended (close)
        persisted (bool): True when the connection stays open after the response
        started (bool): True once any byte of the request has been consumed
        headed (bool): True once the head (request line and headers) is parsed
        bodied (bool): True once the body is parsed
        ended (bool): True once the whole request is parsed
        errored (bool): True when parsing stopped on an error
        error (str | None): what was wrong, when errored
        fault (HTTPError | None): the error with the status to answer, when errored
        kept (bytes | None): the whole head of the request as sent, when it is
            among the bodiless heads the memo keeps (then the same bytes again
            are the same request, see again)
        memo (Memo): what the requestants of one server remember of the heads
            they parsed (see hio.core.http.memoing)
        maxRequestLine (int): longest request line in bytes, longer gets 414
        maxHeaders (int): most header fields, more gets 431
        maxHeaderBytes (int): most bytes in header lines, more gets 431
        maxBodySize (int): largest body in bytes, larger gets 413
        methods (tuple[str, ...]): methods served, others get 501
        maxLineSize (int): the .maxRequestLine
        maxLeaderSize (int): the .maxHeaderBytes
    """

    msg: bytearray
    dictable: bool
    trails: Hict
    parser: Generator[bool | None, None, None] | None
    version: int | None
    length: int | None
    error: str | None
    data: Any
    parms: dict[str, str | None] | None
    _hict: Hict | None = None  # .headers once made
    _pairs: tuple[tuple[str, str], ...] = ()  # the header fields parsed, until .headers makes them a Hict
    kept: bytes | None = None  # the whole head as sent, when it is among those its memo keeps

    def __init__(
        self,
        remoter: Remoter | None = None,
        *,
        msg: bytearray | None = None,
        dictable: bool | None = None,
        method: str = "GET",
        maxRequestLine: int | None = None,
        maxHeaders: int | None = None,
        maxHeaderBytes: int | None = None,
        maxBodySize: int | None = None,
        methods: Iterable[str] | None = None,
        memo: Memo | None = None,
    ) -> None:
        """Initialize instance.

        Parameters:
            remoter (Remoter | None): incoming connection; its .rxbs is parsed
                unless msg is given
            msg (bytearray | None): the bytes to parse, None means the
                remoter's .rxbs (a new bytearray without a remoter)
            dictable (bool | None): True means deserialize JSON bodies into .data
            method (str): ignored, the request line gives the method
            maxRequestLine (int | None): longest request line, None means MAX_REQUEST_LINE
            maxHeaders (int | None): most header fields, None means MAX_HEADERS
            maxHeaderBytes (int | None): most header bytes, None means MAX_HEADER_BYTES
            maxBodySize (int | None): largest body, None means MAX_BODY_SIZE
            methods (Iterable[str] | None): methods served, None means SERVED_METHODS
            memo (Memo | None): memo shared with the other requestants of a
                server, None makes one of its own
        """
        self.remoter = remoter
        self.memo = memo if memo is not None else Memo()
        if msg is None and remoter is not None:
            msg = remoter.rxbs
        self.msg = msg if msg is not None else bytearray()
        self.dictable = bool(dictable)
        self.parser = None
        self.maxRequestLine = MAX_REQUEST_LINE if maxRequestLine is None else int(maxRequestLine)
        self.maxHeaders = MAX_HEADERS if maxHeaders is None else int(maxHeaders)
        self.maxHeaderBytes = MAX_HEADER_BYTES if maxHeaderBytes is None else int(maxHeaderBytes)
        self.maxBodySize = MAX_BODY_SIZE if maxBodySize is None else int(maxBodySize)
        self.methods = tuple(SERVED_METHODS if methods is None else methods)
        self._serve()  # ._served: method names by their bytes, made from ._servedFrom, the .methods
        self._reset()

    @property
    def maxLineSize(self) -> int:
        """Longest start line in bytes: the .maxRequestLine."""
        return self.maxRequestLine

    @property
    def maxLeaderSize(self) -> int:
        """Most bytes of header lines: the .maxHeaderBytes."""
        return self.maxHeaderBytes

    def reinit(self, msg: bytearray | None = None, dictable: bool | None = None, method: str = "GET") -> None:
        """Reinitialize for the next request on the same connection.

        Parameters:
            msg (bytearray | None): new bytes to parse, None keeps .msg
            dictable (bool | None): True means deserialize JSON bodies, None keeps
            method (str): ignored for requests, the request line gives the method
        """
        if self.parser is not None:
            self.parser.close()
        if msg is not None:
            self.msg = msg
        if dictable is not None:
            self.dictable = bool(dictable)
        self._reset()

    def again(self) -> bool:
        """Take the next request when it is the same bodiless head as the one just answered.

        A keep-alive client repeats its request: when the request parsed last
        was a whole head kept with all it parsed into (see _quickHead), ended
        cleanly, and .msg begins with the same bytes again, those bytes are
        taken and every attribute already holds what parsing them would give
        (reinit, then parseWhole), so nothing is parsed and nothing is reset.

        Returns:
            bool: True when the next request was taken this way (.ended stays True)
        """
        head = self.kept
        if head is None or not self.ended or self.errored or self.closed or self.parser is not None:
            return False
        msg = self.msg
        if not msg.startswith(head):
            return False
        del msg[: len(head)]
        self._hict = None
        return True

    def _reset(self) -> None:
        """Clear the attributes of one request."""
        self.parms = None
        self.method = ""
        self.target = ""
        self.path = ""
        self.query = ""
        self.fragment = ""
        self.version = None
        self.protocol = ""
        trails = getattr(self, "trails", None)
        if not isinstance(trails, Hict) or trails:  # most requests carry no trailer: the empty one stays
            self.trails = Hict()
        self._pairs = ()  # .headers is empty until a head is parsed
        self._hict = None
        self.kept = None
        self._untyped = False  # True when the head is known to hold no Content-Type
        self.length = None
        self.chunked = False
        self.expecting = False
        self.body = bytearray()
        self.data = None
        self.jsoned = False
        self.persisted = False
        self.closed = False
        self.started = False
        self.headed = False
        self.bodied = False
        self.ended = False
        self.errored = False
        self.error = None
        self.fault: HTTPError | None = None
        self.parser = None

    @property
    def headers(self) -> Hict:
        """Header fields of the request (a Hict, made when first asked for)."""
        hict = self._hict
        if hict is None:
            hict = self._hict = Hict(self._pairs)
        return hict

    @headers.setter
    def headers(self, headers: Hict) -> None:
        self._hict = headers
        self._pairs = ()

    @property
    def url(self) -> str:
        """The request target as sent, e.g. "/echo?name=fame" (the same as .target)."""
        return self.target

    @property
    def pending(self) -> bool:
        """True when part of a request has arrived but not the whole of it."""
        return not self.ended and not self.errored and (self.started or bool(self.msg))

    def makeParser(self, msg: bytearray | None = None) -> None:
        """Make the parser of the next request (.parseMessage) and assign it to .parser.

        Parameters:
            msg (bytearray | None): new bytes to parse, None keeps .msg
        """
        if msg is not None:
            self.msg = msg
        if self.parser is not None:
            self.parser.close()
        self.parser = self.parseMessage()

    def checkPersisted(self) -> bool:
        """Checks headers to determine if connection should be kept open until
        client closes it Sets the .persisted flag

        HTTP/1.1 persists unless ``Connection: close``; HTTP/1.0 only with
        ``Connection: keep-alive`` (hio.core.http.framing.keepAlive).

        Returns:
            bool: .persisted
        """
        self.persisted = keepAlive(self.version, self.headers.getall("connection", ()))
        return self.persisted

    def dictify(self) -> None:
        """Deserialize a JSON body into .data: when the Content-Type is JSON
        (then .jsoned) or the requestant is .dictable; .data stays None when
        the body is not JSON."""
        mime = self.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        self.jsoned = mime == "application/json" or mime.endswith("+json")
        if (self.jsoned or self.dictable) and self.body:
            try:
                self.data = json.loads(bytes(self.body).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.data = None

    def parseMessage(self, msg: bytearray | None = None) -> Generator[bool | None, None, None]:
        """Generator to parse one request out of .msg.

        Yields None while more bytes are needed; returns when the request is
        parsed. Raises HTTPError on a malformed or oversize request.

        Parameters:
            msg: the bytes to parse, None means .msg
        """
        if msg is not None:
            self.msg = msg
        for step in self.parseHead():
            if step:  # the head is parsed: on to the body in the same step
                break
            yield step
        yield from self.parseBody()
        self.ended = True

    def parse(self) -> None:
        """Service parsing: run .parser until it needs more bytes.

        When the request is parsed .parser is None and .ended is True. When the
        request is bad .parser is None, .errored is True and .fault holds the
        HTTPError whose status the server answers with. Never raises.
        """
        if self.parser is None:
            return
        try:
            next(self.parser)
        except StopIteration:
            self.parser = None
        except HTTPException as ex:
            self._fail(ex)
        except Exception as ex:  # a parser bug must cost one connection, not the server
            self._fail(HTTPException(str(ex)))

    def parseWhole(self) -> bool:
        """Parse a plain request that has arrived whole in one go, without the parser generators.

        The head is taken the quick way of _quickHead and a Content-Length
        body is read when all of it is there. Anything else is left to
        makeParser and parse, which go on from where this stopped (.headed
        tells whether the head is parsed). A bad request fails as in parse:
        .errored, with the .fault to answer. Never raises.

        Returns:
            bool: True when the whole request is parsed (.ended)
        """
        if self.parser is not None or self.ended or self.errored:
            return self.ended
        try:
            if not self.headed and not self._quickHead():
                return False
        except HTTPException as ex:
            self._fail(ex)
            return False
        except Exception as ex:  # a parser bug must cost one connection, not the server
            self._fail(HTTPException(str(ex)))
            return False
        length = self.length or 0
        msg = self.msg
        if self.chunked or len(msg) < length:
            return False
        if length:
            self.body.extend(memoryview(msg)[:length])
            del msg[:length]
            self.dictify()
        elif not self._untyped and "content-type" in self.headers:
            self.dictify()  # .jsoned says whether it is json, even without a body
        self.bodied = True
        self.ended = True
        return True

    def _fail(self, ex: HTTPException) -> None:
        """Record the protocol error ex as the .fault to answer and stop parsing."""
        self.parser = None
        self.errored = True
        status = ex.status
        self.error = str(ex) or ex.__class__.__name__
        self.fault = HTTPError(status, title=httping.STATUS_DESCRIPTIONS.get(status, "Error"), detail=self.error)
        self.persisted = False

    def close(self) -> None:
        """Assign True to .closed and close parser.

        Call when the input has ended. The parser takes one last step; a request
        cut short is then .errored with a 400 .fault, while a connection closed
        between requests is not an error. Never raises.
        """
        self.closed = True
        if self.parser is not None:
            self.parse()
        if self.parser is not None:
            self.parser.close()
            self.parser = None
        if not self.ended and not self.errored and self.pending:
            self._fail(httping.PrematureClosure("request cut short"))

    def _line(self, limit: int, status: int, kind: str) -> Generator[None, None, bytes]:
        """Generator that returns the next CRLF ended line of .msg without its CRLF.

        Yields None while waiting for more bytes. Raises LineTooLong answered
        with status when the line is longer than limit, and a 400 when it ends
        in a bare LF or holds a bare CR.
        """
        start = 0
        while True:
            at = self.msg.find(LF, start)
            if at < 0:
                if len(self.msg) > limit + 1:
                    raise LineTooLong(kind, limit).answering(status)
                start = max(0, len(self.msg) - 1)
                yield None
                continue
            if at > limit + 1 or (at == limit + 1 and self.msg[at - 1 : at] != CR):
                raise LineTooLong(kind, limit).answering(status)
            line = bytes(self.msg[: at + 1])
            del self.msg[: at + 1]
            self.started = True
            if not line.endswith(CRLF):
                raise HTTPException(f"{kind} ends in a bare LF")
            line = line[:-2]
            if CR in line:
                raise HTTPException(f"{kind} holds a bare CR")
            return line

    def _fields(self, fields: Hict, kind: str) -> Generator[None, None, Hict]:
        """Generator that parses header (or trailer) lines into fields up to the
        empty line. Yields None while waiting for more bytes."""
        count = 0
        size = 0
        while True:
            line = yield from self._line(
                limit=max(0, self.maxHeaderBytes - size),
                status=httping.REQUEST_HEADER_FIELDS_TOO_LARGE,
                kind=f"{kind} section",
            )
            if not line:
                return fields
            size += len(line) + 2
            count += 1
            if count > self.maxHeaders:
                raise TooManyHeaders(f"more than {self.maxHeaders} {kind} fields")
            fields.add(*fieldLine(line, f"{kind} line"))

    def parseHead(self) -> Generator[bool | None, None, None]:
        """Generator to parse headers in heading of .msg Yields None if more to
        parse Yields True if done parsing

        Parses the request line and the header fields, then checks the framing
        fields (Host, Content-Length, Transfer-Encoding, Expect) so that the body
        can be read the one unambiguous way.
        """
        if self.headed:
            yield True
            return
        if self._quickHead():
            yield True
            return
        skipped = 0
        while True:  # RFC 9112 2.2: ignore a few empty lines before a request line
            line = yield from self._line(
                limit=self.maxRequestLine, status=httping.REQUEST_URI_TOO_LONG, kind="request line"
            )
            if line:
                break
            skipped += 1
            if skipped > MAX_EMPTY_LINES:
                raise BadRequestLine("empty lines instead of a request")
        self._parseRequestLine(line.decode("latin-1"))
        yield from self._fields(self.headers, "header")
        self._checkFraming()
        self.headed = True
        yield True

    def _quickHead(self) -> bool:
        """Parse a plain head that has arrived whole in one go, without the line by line generators.

        Plain means: no empty lines before the request line, every line ended
        by CRLF and printable (no control byte, not even a tab), every field
        well formed and all within the limits. Anything else (and a head
        still arriving) is left untouched for the careful line by line parse,
        which names what is wrong. The request line is checked by the same
        code either way.

        Clients send the same request lines and the same header blocks over
        and over (a keep-alive connection repeats its fields with every
        request): what a request line parsed into and the fields of a block
        once checked, with the framing they give, are kept, at most KEPT_SIZE
        of each, so that their next arrival costs a lookup. A whole head
        without a body (most GET requests) is kept too, with all it parsed
        into, so that it costs one lookup for a requestant of the default
        methods whose limits it keeps within.

        Returns:
            bool: True when the head was parsed (and consumed from .msg)
        """
        msg = self.msg
        end = msg.find(b"\r\n\r\n")
        if end <= 0:
            return False
        memo = self.memo
        stock = self._stock and self._servedFrom is self.methods
        if stock:
            whole = bytes(msg) if len(msg) == end + 4 else bytes(msg[: end + 4])
            known = memo.heads.get(whole)
            if (
                known is not None
                and known[3] <= self.maxRequestLine
                and known[4] <= self.maxHeaderBytes
                and known[5] <= self.maxHeaders
            ):
                del msg[: end + 4]
                self.method, self.target, self.path, self.query, self.fragment, self.version, self.protocol = known[0]
                self._pairs, self.persisted = known[1], known[2]
                self._hict = None
                self.kept = known[6]
                self._untyped = True
                self.length = 0
                self.started = self.headed = True
                return True
        if end > self.maxRequestLine + self.maxHeaderBytes + 2:
            return False
        head = msg[: end + 2].decode("latin-1")  # every line with its CRLF
        at = head.find("\r\n")
        line = head[:at]
        block = head[at + 2 :]
        if not line or at > self.maxRequestLine or len(block) > self.maxHeaderBytes:
            return False
        parsed = memo.lines.get(line) if stock else None
        if parsed is None and not line.isprintable():  # printable: no control byte, no CR, no LF (nor a tab)
            return False
        fields = memo.blocks.get(block)
        if fields is None:
            fields = self._quickFields(block)
            if fields is None:
                return False
        if len(fields) > self.maxHeaders:
            return False
        del msg[: end + 4]
        self.started = True
        size = memo.size
        if parsed is None:
            self._parseRequestLine(line)
            parsed = (self.method, self.target, self.path, self.query, self.fragment, self.version, self.protocol)
            if stock and len(memo.lines) < size:
                memo.lines[line] = parsed
        else:
            self.method, self.target, self.path, self.query, self.fragment, self.version, self.protocol = parsed
        self._pairs = fields
        self._hict = None
        key = (block, self.version)
        framing = memo.framings.get(key)
        if framing is None or (framing[0] or 0) > self.maxBodySize:
            self._checkFraming()  # raises for a request that cannot be framed
            if len(block) <= KEPT_BLOCK and len(memo.framings) < size:
                memo.framings[key] = (self.length, self.chunked, self.expecting, self.persisted)
        else:
            self.length, self.chunked, self.expecting, self.persisted = framing
        self.headed = True
        if (
            stock
            and not self.length
            and not self.chunked
            and not self.expecting
            and end < KEPT_BLOCK
            and len(memo.heads) < size
            and not any(name.lower() == "content-type" for name, _ in fields)
        ):  # a head without a body: kept whole, with all it parsed into
            self._untyped = True
            self.kept = whole
            memo.heads[whole] = (parsed, fields, self.persisted, at, len(block), len(fields), whole)
        return True

    def _quickFields(self, block: str) -> tuple[tuple[str, str], ...] | None:
        """Return the (name, value) fields of block, lines of printable text each ended by CRLF.

        None when a line is not a plain field: a control byte (or tab), no
        colon, a name that is not a token. Kept in the memo when short enough.
        """
        memo = self.memo
        names = memo.names
        pairs = []
        for field in block.split("\r\n")[:-1]:
            if not field.isprintable():
                return None
            name, colon, value = field.partition(":")
            if not colon:
                return None
            if name not in names:
                if not TOKEN_TEXT.match(name):
                    return None
                if len(names) < FIELD_NAMES_SIZE:
                    names.add(name)
            pairs.append((name, value.strip(" ")))
        fields = tuple(pairs)
        if len(block) <= KEPT_BLOCK and len(memo.blocks) < memo.size:
            memo.blocks[block] = fields
        return fields

    def _parseRequestLine(self, line: str) -> None:
        """Parse request line (latin-1 decoded) into method, target, path, query, fragment and version.

        Raises:
            BadRequestLine: not request-line (hio.core.http.grammaring.requestLine)
            UnknownProtocol: an HTTP version other than 1.0 and 1.1
            BadMethod: a method not served
        """
        parts = requestLine(line)
        if parts is None:
            raise BadRequestLine("malformed request line")
        method, target, protocol = parts
        version = VERSIONS.get(protocol)  # the versions served; any other, well formed or not, is unknown
        if version is None:
            raise UnknownProtocol(protocol)
        self.version, self.protocol = version, protocol
        if self._servedFrom is not self.methods:
            self._serve()
        name = self._served.get(method)
        self.method = method
        if name is None:
            raise BadMethod(method)
        self.target = target
        if target[0] == "/":
            if "?" not in target and "#" not in target:
                self.path = target  # .query and .fragment stay empty
                return
            rest, _, self.fragment = target.partition("#")
            self.path, _, self.query = rest.partition("?")
            return
        if target == "*":
            if name != "OPTIONS":
                raise BadRequestLine("asterisk target is for OPTIONS")
            self.path = "*"
            return
        if target.lower().startswith(("http://", "https://")):
            try:
                split = urlsplit(target)
            except ValueError:
                raise BadRequestLine("malformed absolute request target")
            self.path = split.path or "/"
            self.query = split.query
            self.fragment = split.fragment
            return
        raise BadRequestLine("malformed request target")

    def _serve(self) -> None:
        """Map each method name in .methods that can appear in a request line to itself."""
        self._served = {name: name for name in self.methods if isinstance(name, str) and TOKEN_TEXT.match(name)}
        self._servedFrom = self.methods
        self._stock = self.methods == SERVED_METHODS  # request lines parsed for these are kept in the memo

    def _checkFraming(self) -> None:
        """Check the Host field, frame the body (hio.core.http.framing.bodyFraming), check
        Expect and decide persistence (hio.core.http.framing.keepAlive)."""
        headers = self.headers
        hosts = headers.getall("host", ())
        if len(hosts) > 1 or (self.version == 11 and not hosts):
            raise HTTPException("exactly one Host field is required")
        self.length, self.chunked, _ = bodyFraming(
            headers, request=True, version=self.version, maxBodySize=self.maxBodySize
        )
        if "expect" in headers:
            if elements(headers.getall("expect")) != ["100-continue"]:
                raise BadExpectation("unknown expectation")
            self.expecting = self.version == 11
        self.checkPersisted()

    def parseBody(self) -> Generator[bool | None, None, None]:
        """Parse body

        Generator that reads a Content-Length or chunked body into .body,
        yielding None while more bytes are needed. Chunk extensions are
        ignored; trailer fields go to .trails, never into .headers.
        """
        if self.bodied:
            return
        if self.chunked:
            yield from self._chunks()
        else:
            yield from self._take(self.length or 0)
        self.bodied = True
        self.dictify()

    def _take(self, count: int) -> Generator[None, None, None]:
        """Generator that moves the next count bytes of .msg into .body, yielding None while they arrive."""
        while count:
            if not self.msg:
                yield None
                continue
            part = self.msg[:count]
            del self.msg[: len(part)]
            self.body.extend(part)
            count -= len(part)

    def _chunks(self) -> Generator[None, None, None]:
        """Generator that reads a chunked body into .body and trailers into .trails.

        The size limit counts every chunk read, also those a reader took out
        of .body meanwhile (the connection core hands a body out as it arrives).
        """
        total = 0
        while True:
            line = yield from self._line(limit=MAX_CHUNK_LINE, status=httping.BAD_REQUEST, kind="chunk size line")
            field, _, exts = line.partition(b";")
            size = chunkSize(field.rstrip(b" \t"))
            if size is None or CONTROL.search(exts):
                raise BadChunk(f"invalid chunk size line {line[:64]!r}")
            total += size
            if total > self.maxBodySize:
                raise BodyTooLarge(f"body larger than {self.maxBodySize} bytes")
            if size == 0:
                yield from self._fields(self.trails, "trailer")
                return
            yield from self._take(size)
            while len(self.msg) < 2:
                yield None
            if self.msg[:2] != CRLF:
                raise BadChunk("chunk data not ended by CRLF")
            del self.msg[:2]
