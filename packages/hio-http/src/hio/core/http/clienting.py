"""hio.core.http.clienting module

Nonblocking HTTP/1.1 client.

A :class:`Client` pairs a TCP connector (``hio.core.tcp`` Client, or ClientTls
for https) with a :class:`Requester` that builds request messages and a
:class:`Respondent` that parses response messages out of the connector's
receive buffer. Requests queued on ``.requests`` are sent one at a time on the
kept-alive connection; finished responses are queued on ``.responses``.
Redirects are followed, within one server or across servers, and server sent
events stream into ``.events`` as they arrive. Nothing blocks: call
``.service()`` once per cycle, or run a :class:`ClientDoer`.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import time
from collections import deque, namedtuple
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

from hio.base.servicing import Alias, ServiceDoer
from hio.core import coring, wiring
from hio.core.http import httping
from hio.core.http.calling import FAILED, IDLE, REDIRECT, RESPONSE, RETRY, SUSPEND, Call
from hio.core.http.calling import IDEMPOTENT_METHODS as IDEMPOTENT_METHODS
from hio.core.http.framing import bodiless
from hio.core.http.grammaring import CR as CR
from hio.core.http.grammaring import CRLF as CRLF
from hio.core.http.grammaring import LF as LF
from hio.core.http.grammaring import VERSIONS
from hio.core.http.httping import HTTPException, PrematureClosure
from hio.core.tcp import clienting as tcpclienting
from hio.help.hicting import Hict
from hio.hioing import keywordsOf, warnUnexpected

logger = logging.getLogger(__name__)

Response = namedtuple(
    "Response", "version status reason headers body data request errored error redirects", defaults=(None,)
)
Response.__doc__ = """A finished response as returned by Client.respond and Client.serviceWhileGen.

Fields:
    version (tuple | None): HTTP version of the response, (1, 1) or (1, 0)
    status (int | None): status code, None when the request failed before one
    reason (str | None): reason phrase
    headers (Hict | None): response headers
    body (bytes): response body
    data (object | None): body deserialized from json when applicable
    request (dict | None): the request this answers, as sent: method, path
        (without query), qargs, fragment, headers, body, data, fargs, host,
        port and scheme, with any other items the queued request carried
    errored (bool): True when the request or response failed
    error (str | None): what failed
    redirects (list | None): the redirect responses followed on the way to
        this one, each a response dict of its own; None when there were none
"""

MAX_RESPONSE_SIZE = 64 * 1024 * 1024
"""Default largest response body (64 MiB) a Client takes; a larger one ends in an errored response."""

REDIRECT_STATUSES = (300, 301, 302, 303, 307, 308)

# items of a queued request that make the request sent
_FIELDS = ("method", "path", "qargs", "fragment", "headers", "body", "data", "fargs")

# items of a request record that the client fills in; any others a queued request carries come along
_RECORDED = frozenset((*_FIELDS, "host", "port", "scheme"))

# characters left unquoted in a request target path: RFC 3986 pchar, "/" and "%"
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def _isAddress(host: str) -> bool:
    """True when host is an IP address literal, not a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _splitTarget(path: str) -> tuple[str, str, str]:
    """Return (path, query, fragment) of a request target without scheme or host."""
    path, _, fragment = path.partition("#")
    path, _, query = path.partition("?")
    return (path, query, fragment)


class Requester:
    """Nonblocking HTTP client Requester: builds request messages from its attributes.

    Attributes:
        hostname (str): server host name or address
        port (int): server port
        scheme (str): ``http`` or ``https``
        method (str): request method
        path (str): request path, may hold ``?query`` and ``#fragment``
        qargs (dict): query arguments, merged with any query in path
        fragment (str): fragment, kept for reference but never sent
        headers (Hict): request headers
        body (bytes): request body
        data (object | None): json serializable body, wins over fargs and body
        fargs (dict | None): form arguments sent url encoded, wins over body
        portOptional (bool): True means leave a default port out of Host
        lines (list[bytes]): lines of the last built head
        head (bytes): last built head
        msg (bytes): last built request message
    """

    HttpVersionString = httping.HTTP_11_VERSION_STRING
    Port = httping.HTTP_PORT

    def __init__(
        self,
        hostname: str = "127.0.0.1",
        port: int | None = None,
        scheme: str = "http",
        method: str = "GET",
        path: str = "/",
        qargs: dict | None = None,
        fragment: str = "",
        headers: dict | None = None,
        body: bytes = b"",
        data: Any = None,
        fargs: dict | None = None,
        portOptional: bool = False,
    ) -> None:
        """
        Parameters:
            hostname (str): server host name or address
            port (int | None): server port, scheme default if None
            scheme (str): ``http`` or ``https``
            method (str): request method
            path (str): request path, may hold ``?query`` and ``#fragment``
            qargs (dict | None): query arguments
            fragment (str): fragment (never sent)
            headers (dict | None): request headers
            body (bytes | str): request body
            data (object | None): json serializable body
            fargs (dict | None): form arguments, url encoded into the body
            portOptional (bool): True means leave a default port out of Host
        """
        self.hostname = hostname
        self.scheme = (scheme or "http").lower()
        self.port = port if port is not None else self.defaultPort()
        self.method = method.upper() if method else "GET"
        self.path = path or "/"
        self.qargs = dict(qargs) if qargs is not None else {}
        self.fragment = fragment or ""
        self.headers = Hict(headers) if headers else Hict()
        self.body = body if body is not None else b""
        self.data = data
        self.fargs = fargs
        self.portOptional = bool(portOptional)
        self.lines: list[bytes] = []
        self.head = b""
        self.msg = b""
        self._typed: str | None = None  # the Content-Type value the last build added to .headers, if any

    def defaultPort(self) -> int:
        """Return the default port of .scheme."""
        return httping.HTTPS_PORT if self.scheme == "https" else self.Port

    # rebuild spells out these documented parameters (less hostname, port and scheme) so it is called by position too
    def reinit(
        self,
        hostname: str | None = None,
        port: int | None = None,
        scheme: str | None = None,
        method: str | None = None,
        path: str | None = None,
        qargs: dict | None = None,
        fragment: str | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
        data: Any = None,
        fargs: dict | None = None,
        portOptional: bool | None = None,
    ) -> None:
        """Reinitialize anything that is not None.

        This enables creating another request on a connection to the same host port.

        Parameters:
            hostname: the server's dns name or ip address
            port: the server's port
            scheme: http or https
            method: HTTP method, e.g. GET or POST
            path: the path, may hold a query and fragment, or a full url
            qargs: query arguments, merged with those of path
            fragment: the fragment
            headers: header fields
            body: the body bytes
            data: a body to send as JSON
            fargs: form arguments, sent as a form body
            portOptional: True means leave a default port out of the Host header
        """
        if hostname is not None:
            self.hostname = hostname
        if scheme is not None:
            self.scheme = scheme.lower()
        if port is not None:
            self.port = port
        if method is not None:
            self.method = method.upper()
        if path is not None:
            self.path = path
        if qargs is not None:
            self.qargs = dict(qargs)
        if fragment is not None:
            self.fragment = fragment
        if headers is not None:
            self.headers = Hict(headers)
        if body is not None:
            self.body = body
        if data is not None:
            self.data = data
        if fargs is not None:
            self.fargs = fargs
        if portOptional is not None:
            self.portOptional = bool(portOptional)

    def rebuild(
        self,
        method: str | None = None,
        path: str | None = None,
        qargs: dict | None = None,
        fragment: str | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
        data: Any = None,
        fargs: dict | None = None,
        portOptional: bool | None = None,
    ) -> bytes:
        """Reinit then build and return request message.

        This allows sending another request to the same destination: what is
        not given or None is kept, as for reinit.

        Parameters:
            method: HTTP method, e.g. GET or POST
            path: the path, may hold a query and fragment, or a full url
            qargs: query arguments, merged with those of path
            fragment: the fragment
            headers: header fields
            body: the body bytes
            data: a body to send as JSON
            fargs: form arguments, sent as a form body
            portOptional: True means leave a default port out of the Host header
        """
        self.reinit(
            method=method, path=path, qargs=qargs, fragment=fragment, headers=headers,
            body=body, data=data, fargs=fargs, portOptional=portOptional,
        )  # fmt: skip
        return self.build()

    def target(self) -> str:
        """Return the request target: quoted path and query from .path and .qargs."""
        path, query, _ = _splitTarget(self.path)
        if not path.startswith("/") and path != "*":
            path = "/" + path
        path = quote(path, safe=_PATH_SAFE)
        self.qargs, query = httping.updateQargsQuery(self.qargs, query)
        return f"{path}?{query}" if query else path

    def build(self) -> bytes:
        """Build and return request message from attributes.

        The head is the request line, then Host and ``Accept-Encoding:
        identity`` (each unless given in .headers), then Content-Length when
        there is a body (or the method is POST, PUT or PATCH) and none is
        given, then .headers in their order. A body chunked by a given
        ``Transfer-Encoding: chunked`` gets no Content-Length.

        The body is .data serialized as json, else .fargs as a form, else
        .body. A json body or a form adds its Content-Type to .headers
        (under the lower case name ``content-type``) unless one is given; a
        given ``multipart/form-data`` Content-Type makes the form multipart
        and gets its boundary parameter, any other makes it url encoded.

        A header name given all in lower case goes on the wire capitalized
        word by word (``content-type`` as ``Content-Type``); any other
        spelling goes as given.

        Raises:
            ValueError: method, target or a header holds characters that would
                inject another line
        """
        method = self.method
        line = httping.packRequestLine(method, self.target(), self.HttpVersionString)
        headers = self.headers
        if self._typed is not None and headers.get("content-type") == self._typed:
            headers.popall("content-type")  # added by the last build: this body's type may differ
        self._typed = None
        lines = [line]
        if "host" not in headers:  # Host first, as RFC 9110 7.2 recommends
            host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
            if not (self.portOptional and self.port == self.defaultPort()):
                host = f"{host}:{self.port}"
            lines.append(httping.packHeader("Host", host))
        if "accept-encoding" not in headers:
            lines.append(b"Accept-Encoding: identity")

        if self.data is not None:
            body = json.dumps(self.data, separators=(",", ":")).encode("utf-8")
            if "content-type" not in headers:
                headers["content-type"] = self._typed = "application/json; charset=utf-8"
        elif self.fargs is not None:
            ctype = headers.get("content-type", "")
            if ctype.split(";", 1)[0].strip().lower() == "multipart/form-data":
                body, boundary = packForm(self.fargs, boundary=_boundaryOf(ctype))
                if not _boundaryOf(ctype):
                    name = next(key for key in headers if key.lower() == "content-type")
                    headers[name] = f"{ctype.rstrip('; ')}; boundary={boundary}"
            else:
                body = urlencode(self.fargs, doseq=True).encode("utf-8")
                if not ctype:
                    headers["content-type"] = self._typed = "application/x-www-form-urlencoded; charset=utf-8"
        else:
            body = self.body.encode("utf-8") if isinstance(self.body, str) else bytes(self.body)

        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = (httping.packChunk(body) if body else b"") + httping.packChunk(b"")
        elif "content-length" not in headers and (body or method in ("POST", "PUT", "PATCH")):
            lines.append(b"Content-Length: %d" % len(body))

        for name, value in headers.items():
            if name.islower():
                name = "-".join(word.capitalize() for word in name.split("-"))
            lines.append(httping.packHeader(name, value))
        lines.extend([b"", b""])
        self.lines = lines
        self.head = CRLF.join(lines)
        self.msg = self.head + body
        return self.msg


def _boundaryOf(ctype: str) -> str:
    """Return the boundary parameter of a Content-Type value, "" when it has none."""
    for param in ctype.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "boundary":
            return value.strip().strip('"')
    return ""


def _dispositionName(name: object) -> str:
    """Return form field name as a quoted-string safe value: ``"``, CR and LF percent encoded."""
    return str(name).replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def packForm(fargs: dict, boundary: str = "") -> tuple[bytes, str]:
    """Return (body, boundary) of fargs as a ``multipart/form-data`` body (RFC 7578).

    Each field is a part with its Content-Disposition: a str value (or any
    other, as its str) is ``text/plain; charset=utf-8``, a bytes value
    ``application/octet-stream``. A field with a list or tuple of values
    gives a part for each value.

    Parameters:
        fargs (dict): form field names and values
        boundary (str): boundary to use, "" makes a random one that no value holds

    Example:
        >>> body, boundary = packForm({"name": "hio"}, boundary="b0")
        >>> body
        b'--b0\\r\\nContent-Disposition: form-data; name="name"\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n\\r\\nhio\\r\\n--b0--\\r\\n'
    """
    fields = []
    for name, values in fargs.items():
        for value in values if isinstance(values, (list, tuple)) else (values,):
            if isinstance(value, (bytes, bytearray, memoryview)):
                fields.append((name, bytes(value), "application/octet-stream"))
            else:
                fields.append((name, str(value).encode("utf-8"), "text/plain; charset=utf-8"))
    while not boundary or any(boundary.encode("ascii") in content for _, content, _ in fields):
        boundary = secrets.token_hex(12)
    delimiter = b"--" + boundary.encode("ascii")
    parts = []
    for name, content, ctype in fields:
        parts.append(
            delimiter
            + b'\r\nContent-Disposition: form-data; name="'
            + _dispositionName(name).encode("utf-8")
            + b'"\r\nContent-Type: '
            + ctype.encode("ascii")
            + b"\r\n\r\n"
            + content
            + b"\r\n"
        )
    parts.append(delimiter + b"--\r\n")
    return b"".join(parts), boundary


class Respondent(httping.Parsent):
    """Nonblocking HTTP client Respondent: parses response messages.

    Made ready to parse: call .parse while .parser is not None. Skips interim (1xx) responses, knows responses without body (HEAD, 204,
    304), detects redirects and parses ``text/event-stream`` bodies into
    events as they arrive.

    Attributes:
        status (int | None): status code
        reason (str | None): reason phrase
        redirects (list): redirect records (appended by the Client)
        redirectable (bool): True means allow redirection
        redirected (bool): True when this response is a redirect to follow
        location (str | None): Location of a redirect response
        events (deque): server sent events parsed from an event stream
        evented (bool): True when the body is an event stream
        eventSource (EventSource | None): event stream parser
        retry (int): event stream reconnection time in milliseconds
        leid (str | None): last event id of the event stream
        tap (bytearray | None): when a bytearray, the bytes of an event stream's
            body are copied into it as they arrive, since they do not gather in
            .body (a Call's way to hand them out; whoever sets it empties it)

    See :class:`hio.core.http.httping.Parsent` for the parsing attributes.
    """

    Retry = 100

    def __init__(
        self,
        redirects: list | None = None,
        redirectable: bool = True,
        events: deque | None = None,
        retry: int | None = None,
        leid: str | None = None,
        **kwa: Any,
    ) -> None:
        """
        Parameters:
            redirects (list | None): list for redirect records
            redirectable (bool): True means allow redirection
            events (deque | None): deque for server sent events
            retry (int | None): initial event stream retry in milliseconds
            leid (str | None): initial last event id
            kwa (dict): msg, dictable, method and limits for Parsent
        """
        self.redirects = redirects if redirects is not None else []
        self.redirectable = bool(redirectable)
        self.events = events if events is not None else deque()
        self.retry = retry if retry is not None else self.Retry
        self.leid = leid
        self.eventSource: httping.EventSource | None = None
        self.tap: bytearray | None = None
        super().__init__(**kwa)
        self.makeParser()  # ready to parse what arrives in .msg

    def reinit(self, redirectable: bool | None = None, **kwa: Any) -> None:  # type: ignore[override]  # redirectable first, as published
        """Reinitialize instance, see Parsent.reinit.

        Parameters:
            redirectable (bool | None): True means allow redirection, kept if None
            kwa (dict): msg, dictable, method for Parsent.reinit
        """
        super().reinit(**kwa)
        if redirectable is not None:
            self.redirectable = bool(redirectable)
        self.status: int | None = None
        self.reason: str | None = None
        self.redirected = False
        self.location: str | None = None
        self.evented = False
        if self.eventSource is not None:
            self.eventSource.close()
        self.eventSource = None

    def close(self) -> None:
        """Call super to assign True to .closed, also close event source."""
        super().close()
        if self.eventSource is not None:
            self.eventSource.close()

    def parseHead(self) -> Generator[bool | None, None, None]:
        """Generator to parse the status line and headers in heading of .msg.

        Yields None if more to parse, True if done parsing.

        Raises:
            BadStatusLine, UnknownProtocol, LineTooLong, BadHeader,
            TooManyHeaders, BadFraming: malformed response head
        """
        if self.headed:
            yield True
            return
        while True:
            line = yield from self.parseStartLine("status line")
            version, status, reason = httping.parseStatusLine(line)
            self.version = VERSIONS.get(version, 11)  # another HTTP/1.x reads as 1.1
            yield from self.parseHeaders()
            if 100 <= status < 200 and status != httping.SWITCHING_PROTOCOLS:
                continue  # interim response, the final one follows
            break
        self.status = status
        self.reason = reason
        self.checkPersisted()
        if bodiless(status, self.method):
            self.length = 0
            self.chunked = False
            if status == httping.SWITCHING_PROTOCOLS or self.method == "CONNECT":
                self.persisted = False  # the connection is no longer HTTP
        else:
            self.frame(request=False)
        headers = self.headers
        assert headers is not None  # parsed above
        if status in REDIRECT_STATUSES and "location" in headers:
            self.location = headers["location"]
            if self.redirectable:
                self.redirected = True
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype == "text/event-stream" and 200 <= status < 300 and self.length != 0:
            self.evented = True
            self.eventSource = EventSourceFactory(events=self.events, dictable=self.dictable)
            self.eventSource.leid = self.leid
            self.eventSource.makeParser()
        self.headed = True
        yield True

    def parseBody(self) -> Generator[bool | None, None, None]:
        """Generator to parse the body of .msg.

        An event stream body is parsed into .events as it arrives instead of
        gathering in .body; the stream ends when the connection closes (or the
        chunked body ends). Yields None if more to parse, True if done parsing.
        """
        if self.evented and not self.bodied:
            return self._parseEvents()
        return super().parseBody()

    def _parseEvents(self) -> Generator[bool | None, None, None]:
        """Generator to parse an event stream body into .events, as parseBody."""
        bodyParser = self.parseBodyBytes()
        source = self.eventSource
        assert source is not None  # made with the head of an event stream
        try:
            while True:
                try:
                    next(bodyParser)
                    done = False
                except StopIteration:
                    done = True
                except PrematureClosure:
                    done = True  # a closed event stream ends the stream
                if self.body:
                    if self.tap is not None:
                        self.tap.extend(self.body)
                    source.raw.extend(self.body)
                    del self.body[:]
                if done:
                    source.close()
                source.parse()
                if source.retry is not None:
                    self.retry = source.retry
                self.leid = source.leid
                if done:
                    break
                yield None
        finally:
            bodyParser.close()
        self.bodied = True
        yield True


# EventSource class used by Respondent, a module attribute so it may be replaced
EventSourceFactory = httping.EventSource


class Client:
    """Nonblocking HTTP client connection manager and HTTP client request and
    response processor.

    Queue requests with :meth:`request` (or append dicts to .requests), call
    :meth:`service` every cycle and take finished responses with
    :meth:`respond`. Requests are sent one at a time, the next when the
    previous response is complete; the connection is kept alive when the
    server allows and reopened when it does not.

    Attributes:
        connector (hio.core.tcp.Client): the TCP (or TLS) connection
        requester (Requester): builds request messages
        respondent (Respondent): parses response messages from connector.rxbs
        requests (deque): queued request dicts
        responses (deque): finished response dicts
        events (deque): server sent events of event stream responses
        redirects (list): redirect records of every followed redirect
        redirectable (bool): True means follow redirects
        waited (bool): True while a request is in progress and its response pending
        call (Call): the protocol of the connection apart from its I/O
        pending (dict | None): the request in progress, None when none
        name (str): name for logging
        uid (int): unique id
        maxRedirects (int): most redirects followed for one request
        maxBodySize (int | None): largest response body taken, None no limit

    A response whose body grows past .maxBodySize (by its Content-Length, its
    chunks, or bytes read until the server closes, as from a server that
    streams without end) ends at once in an errored response whose error
    says so, and its connection is closed: what the client holds for one
    response stays within .maxBodySize plus one service's reads. Event
    streams are not bounded by it, since their events are taken out of the
    body as they arrive.
    """

    MaxRedirects = 10

    def __init__(
        self,
        connector: tcpclienting.Client | None = None,
        requester: Requester | None = None,
        respondent: Respondent | None = None,
        name: str = "",
        uid: int = 0,
        bufsize: int = 8096,
        wl: wiring.WireLog | None = None,
        hostname: str = "127.0.0.1",
        port: int | None = None,
        scheme: str = "",
        method: str = "GET",
        path: str = "/",
        headers: dict | None = None,
        qargs: dict | None = None,
        fragment: str = "",
        body: bytes = b"",
        data: Any = None,
        fargs: dict | None = None,
        requests: deque | None = None,
        msg: bytearray | None = None,
        dictable: bool | None = None,
        events: deque | None = None,
        redirectable: bool = True,
        redirects: list | None = None,
        responses: deque | None = None,
        portOptional: bool = False,
        maxBodySize: int | None = MAX_RESPONSE_SIZE,
        host: str | None = None,
        **kwa: Any,
    ) -> None:
        """
        Parameters:
            connector (hio.core.tcp.Client | None): connection to use, made
                from scheme, hostname and port when None
            requester (Requester | None): made from the request parameters if None
            respondent (Respondent | None): made if None
            name (str): name for logging
            uid (int): unique id
            bufsize (int): socket buffer size of a made connector
            wl (WireLog | None): wire log of a made connector
            hostname (str): server host, may be a netloc with port
            port (int | None): server port, scheme default if None
            scheme (str): ``http`` or ``https``, from connector or ``http`` if empty
            method (str): initial request method
            path (str): initial request path, may be a full url which then
                gives scheme, host and port
            headers (dict | None): initial request headers
            qargs (dict | None): initial query arguments
            fragment (str): initial fragment
            body (bytes): initial request body
            data (object | None): initial json body
            fargs (dict | None): initial form arguments
            requests (deque | None): request queue
            msg (bytearray | None): receive buffer of a made connector
            dictable (bool | None): True means convert bodies from json
            events (deque | None): server sent events deque
            redirectable (bool): True means follow redirects
            redirects (list | None): redirect records list
            responses (deque | None): response queue
            portOptional (bool): True means leave a default port out of Host
            maxBodySize (int | None): largest response body taken, default
                MAX_RESPONSE_SIZE (64 MiB); None means no limit. Applies to a
                made respondent only
            host (str | None): the same as hostname, the name tcp.Client and
                http.Server take; None means hostname is used
            kwa (dict): more parameters for a made connector (tymth,
                reconnectable, and context, certify, hostify, cafilepath,
                certpath, keypath for TLS)
        """
        taken = keywordsOf(tcpclienting.ClientTls) if kwa else frozenset()
        unknown = [key for key in kwa if key not in taken]
        if unknown:  # a mistaken name: warned of here, by this class's name, and left out
            warnUnexpected(type(self), unknown, keywordsOf(type(self), tcpclienting.ClientTls))
            kwa = {key: value for key, value in kwa.items() if key not in unknown}
        if host is not None:
            if hostname not in ("127.0.0.1", host):
                raise TypeError(f"Client() got host={host!r} and hostname={hostname!r}: give one of them")
            hostname = host
        self.name = name
        self.uid = uid
        self.bufsize = bufsize
        self.wl = wl
        self.kwa = dict(kwa)
        self._tymth = kwa.get("tymth")
        self.requests = requests if requests is not None else deque()
        self.responses = responses if responses is not None else deque()
        self.events = events if events is not None else deque()
        self.redirects = redirects if redirects is not None else []
        self.redirectable = bool(redirectable)
        self.maxRedirects = self.MaxRedirects
        self.maxBodySize = None if maxBodySize is None else int(maxBodySize)
        self.pending: dict[str, Any] | None = None
        self._last: dict[str, Any] | None = None  # values of the last queued request
        self._redirectCount = 0
        self._redirectMark = 0
        self._resumeAt: float | None = None  # tyme to resume an event stream that the server closed

        # a full url in path gives scheme host and port
        parts = urlsplit(path or "/")
        if parts.scheme and parts.netloc:
            scheme = parts.scheme
            hostname, port = parts.netloc, None
            path = parts.path or "/"
            if parts.query:
                path = f"{path}?{parts.query}"
            fragment = parts.fragment or fragment

        if scheme and scheme.lower() not in ("http", "https"):
            raise httping.InvalidURL(f"unsupported scheme {scheme!r}")
        if connector is not None:
            self.connector = connector
            if not scheme:
                scheme = "https" if isinstance(connector, tcpclienting.ClientTls) else "http"
            hostname = getattr(connector, "hostname", None) or connector.ha[0]
            port = connector.ha[1]
        else:
            scheme = (scheme or "http").lower()
            defaultPort = httping.HTTPS_PORT if scheme == "https" else httping.HTTP_PORT
            hostname, port = httping.normalizeHostPort(hostname, port, defaultPort)
            self.connector = self._makeConnector(scheme, hostname, port, rxbs=msg)
        self.scheme = scheme.lower()

        if requester is None:  # keyword forwarding of the documented parameters, not a shared mechanism
            requester = Requester(
                hostname=hostname,
                port=port,
                scheme=self.scheme,
                method=method,
                path=path,
                qargs=qargs,
                fragment=fragment,
                headers=headers,
                body=body,
                data=data,
                fargs=fargs,
                portOptional=portOptional,
            )
        self.requester = requester
        # server of requests with a relative path: the first one, or the last
        # given in a full url; redirects to other servers do not change it
        self._home = (self.scheme, self.requester.hostname, self.requester.port)
        if respondent is None:
            respondent = Respondent(
                msg=self.connector.rxbs,
                method=self.requester.method,
                dictable=dictable,
                events=self.events,
                redirectable=self.redirectable,
                redirects=self.redirects,
                maxBodySize=self.maxBodySize,
            )
        # the protocol of the connection apart from its I/O: its state, sends, parses, decides retry and keep-alive
        self.call = Call(respondent, self.connector.rxbs, self.connector.txbs)

    @property
    def respondent(self) -> Respondent:
        """The parser of the responses: the one of .call."""
        return self.call.respondent  # type: ignore[return-value]  # a Respondent, as given or made

    @respondent.setter
    def respondent(self, respondent: Respondent) -> None:
        """Parse the responses with respondent from now on."""
        self.call.respondent = respondent

    @property
    def waited(self) -> bool:
        """True while a request is in progress (sent, or an event stream to resume) and its response pending."""
        return self.pending is not None

    @waited.setter
    def waited(self, waited: bool) -> None:
        """False gives up the request in progress: no response is recorded for
        it, and its connection is closed, so that an answer still on its way is
        never read as the next request's. True only confirms a request in
        progress: sending one (transmit) is what begins a wait.

        Raises:
            ValueError: waited set True with no request in progress
        """
        if waited:
            if self.pending is None:
                raise ValueError("waited: no request in progress; sending one (transmit) begins a wait")
            return
        if self.pending is not None:
            self.connector.close()
            self.call.close()
            self._forget()

    def _makeConnector(
        self, scheme: str, hostname: str, port: int, rxbs: bytearray | None = None
    ) -> tcpclienting.Client:
        """Return a new tcp Client (ClientTls for https) to hostname port."""
        kwa = dict(self.kwa)
        if self._tymth is not None:
            kwa["tymth"] = self._tymth
        if rxbs is not None:
            kwa["rxbs"] = rxbs
        cls = tcpclienting.ClientTls if scheme == "https" else tcpclienting.Client
        if cls is tcpclienting.Client:
            for key in ("context", "version", "certify", "hostify", "certedhost", "keypath", "certpath", "cafilepath"):
                kwa.pop(key, None)
        return cls(ha=(hostname, port), bs=self.bufsize, wl=self.wl, **kwa)

    @property
    def tymth(self) -> Callable[[], float] | None:
        """Return the injected tymth of this client, None if not wound."""
        return self._tymth

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Changes tymist.tyme base.
        Updates winds the connector's tymth.

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        self._tymth = tymth
        self.connector.wind(tymth)

    def reopen(self) -> bool:
        """Return result of .connector.reopen(); a new connection carries the next request."""
        if self.pending is None:
            self.call.reset()
        return self.connector.reopen()

    def close(self) -> None:
        """Call .connector.close (shutclose)."""
        self.connector.close()

    @staticmethod
    def attrify(response: dict) -> Response:
        """Convert response dict into named tuple Response so its fields are attributes.

        Parameters:
            response: a response dict from .responses
        """
        return Response(**{field: response.get(field) for field in Response._fields})

    def respond(self) -> Response | None:
        """Pop and return next response from .responses as Response, None if none."""
        try:
            response = self.responses.popleft()
        except IndexError:
            return None
        return self.attrify(response)

    # request, transmit and Requester.reinit each spell out their documented parameters, so positional calls keep working
    def request(
        self,
        method: str | None = None,
        path: str | None = None,
        qargs: dict | None = None,
        fragment: str | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
        data: Any = None,
        fargs: dict | None = None,
        reply: Any = None,
        **kwa: Any,
    ) -> dict[str, Any]:
        """Create and append a request dict onto .requests and return it.

        A differential request: method, path, qargs, fragment and headers not
        given reuse those of the latest queued request (or of .requester).
        body, data and fargs are never reused. path may be a full url to
        another server. reply (when not None) and extra kwa are carried in the
        dict and come back in the response's request.

        Parameters:
            method: HTTP method, e.g. GET or POST
            path: the path, may hold a query and fragment, or a full url
            qargs: query arguments, merged with those of path
            fragment: the fragment
            headers: header fields
            body: the body bytes
            data: a body to send as JSON
            fargs: form arguments, sent as a form body
            reply: anything, carried in the request dict and back in its response's request
            kwa: more items carried in the request dict

        Example:
            client.request(method="POST", path="/echo", data={"name": "hio"},
                           headers={"Accept": "application/json"})
        """
        last: dict[str, Any] = self._last or {
            "method": self.requester.method,
            "path": self.requester.path,
            "qargs": self.requester.qargs,
            "fragment": self.requester.fragment,
            "headers": self.requester.headers,
        }
        request = {
            "method": (method or last["method"]).upper(),
            "path": path if path is not None else last["path"],
            "qargs": dict(qargs) if qargs is not None else dict(last["qargs"]),
            "fragment": fragment if fragment is not None else last["fragment"],
            "headers": Hict(headers) if headers is not None else Hict(last["headers"]),
            "body": body if body is not None else b"",
            "data": data,
            "fargs": fargs,
        }
        if reply is not None:
            request["reply"] = reply
        request.update(kwa)
        self._last = {key: request[key] for key in ("method", "path", "qargs", "fragment", "headers")}
        self.requests.append(request)
        return request

    def _retarget(self, scheme: str, hostname: str, port: int) -> None:
        """Point the client at another server: close the connection and make a
        new connector for scheme hostname port. The requester follows."""
        self.connector.close()
        if hostname != self.requester.hostname:
            self.kwa.pop("certedhost", None)  # a certificate host name given for the first server only
        tymth = self._tymth or getattr(self.connector, "tymth", None)
        if self.scheme == "https" and scheme == "https" and "context" not in self.kwa:
            context = getattr(self.connector, "context", None)
            if context is not None:
                self.kwa["context"] = context
        if tymth is not None:
            self._tymth = tymth
        self.connector = self._makeConnector(scheme, hostname, port)
        self.scheme = scheme
        self.requester.reinit(hostname=hostname, port=port, scheme=scheme)
        self.requester.headers.popall("host", None)
        self.call.close()

    def _target(self, path: str, qargs: dict | None) -> tuple[str, dict | None]:
        """Retarget when path is a full url to another server.

        Returns (path, qargs) with the path of the url and its query merged.
        """
        parts = urlsplit(path)
        if not (parts.scheme and parts.netloc):
            return (path, qargs)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise httping.InvalidURL(f"unsupported scheme {scheme!r}")
        defaultPort = httping.HTTPS_PORT if scheme == "https" else httping.HTTP_PORT
        hostname, port = httping.normalizeHostPort(parts.netloc.rpartition("@")[2], None, defaultPort)
        if (scheme, hostname, port) != (self.scheme, self.requester.hostname, self.requester.port):
            self._retarget(scheme, hostname, port)
        self._home = (scheme, hostname, port)
        path = parts.path or "/"
        if parts.query:
            qargs = dict(qargs or {})
            qargs.update(httping.parseQuery(parts.query))
        return (path, qargs)

    def transmit(
        self,
        method: str | None = None,
        path: str | None = None,
        qargs: dict | None = None,
        fragment: str | None = None,
        headers: dict | None = None,
        body: bytes | None = None,
        data: Any = None,
        fargs: dict | None = None,
        **kwa: Any,
    ) -> None:
        """Rebuild and transmit request. Assumes that .waited is not True.

        Do not use bare unless there is no request/response in progress,
        otherwise it clobbers .requester attributes. If the parameters are all
        None, sends the request of the current .requester attributes again;
        otherwise reinits .requester with those given (body, data and fargs are
        then replaced by those given or by empty) and .respondent. The request
        as sent is recorded in .pending, with the extra items of kwa.

        Parameters:
            method: HTTP method, e.g. GET or POST
            path: the path, may hold a query and fragment, or a full url
            qargs: query arguments, merged with those of path
            fragment: the fragment
            headers: header fields
            body: the body bytes
            data: a body to send as JSON
            fargs: form arguments, sent as a form body
            kwa: more items recorded with the request in .pending
        """
        if path is not None:
            path, qargs = self._target(path, qargs)
        if any(value is not None for value in (method, path, qargs, fragment, headers, body, data, fargs)):
            self.requester.reinit(method=method, path=path, qargs=qargs, fragment=fragment, headers=headers)
            self.requester.body = body if body is not None else b""
            self.requester.data = data
            self.requester.fargs = fargs
        msg = self.requester.build()
        self.pending = self._record(kwa)
        self._send(msg)

    def _send(self, msg: bytes) -> None:
        """Send request msg, on a new connection unless the kept-alive one may
        be reused, and make .respondent ready for its response."""
        call = self.call
        reused = call.state == IDLE and self.connector.cs is not None
        if not reused:
            self.connector.close()
            self.connector.txbs.clear()  # nothing of an earlier connection goes on the new one
            self.connector.clearRxbs()
            self.connector.reopen()
        self._resumeAt = None
        call.send(
            msg,
            method=self.requester.method,
            redirectable=self.redirectable,
            rxbs=self.connector.rxbs,
            txbs=self.connector.txbs,
            reused=reused,
        )

    def _record(self, extra: dict | None = None) -> dict:
        """Return the record of the request .requester just built: extra's items,
        then method, path (without query), qargs, fragment, headers, body,
        data, fargs, host, port and scheme as sent."""
        requester = self.requester
        body = requester.body
        record = dict(extra) if extra else {}
        record.update(
            method=requester.method,
            path=_splitTarget(requester.path)[0] or "/",
            qargs=requester.qargs,
            fragment=requester.fragment,
            headers=requester.headers,
            body=body.encode("utf-8") if isinstance(body, str) else bytes(body or b""),
            data=requester.data,
            fargs=requester.fargs,
            host=requester.hostname,
            port=requester.port,
            scheme=self.scheme,
        )
        return record

    def _response(self, errored: bool = False, error: str | None = None) -> dict:
        """Return the response dict of what .respondent parsed for the request in progress."""
        respondent = self.respondent
        version = respondent.version
        return {
            "version": None if version is None else divmod(version, 10),
            "status": respondent.status,
            "reason": respondent.reason,
            "headers": respondent.headers,
            "body": bytes(respondent.body),
            "data": respondent.data,
            "request": self.pending,
            "errored": errored or respondent.errored,
            "error": error if error is not None else respondent.error,
        }

    def _sameServer(self, scheme: str, hostname: str, port: int) -> bool:
        """True when scheme hostname port name the server of the connection:
        the same scheme and port, and the same host name, or an address and
        a name that resolves to the address connected to (``localhost`` for
        ``127.0.0.1``). Two different names are two servers (virtual hosts),
        wherever they resolve to."""
        requester = self.requester
        if scheme != self.scheme or port != requester.port:
            return False
        if hostname.lower() == requester.hostname.lower():
            return True
        if not (_isAddress(hostname) or _isAddress(requester.hostname)):
            return False
        try:
            return coring.normalizeHost(hostname) == self.connector.ha[0]
        except (OSError, UnicodeError):
            return False

    def redirect(self) -> None:
        """Perform redirect: send the request again to the Location of the
        redirect response, on this server or another.

        The redirect response is kept in .redirects (and in the final
        response's redirects). A Location naming the server of the connection,
        by its name or another that resolves to its address, goes on with the
        same host. A 303 (and a 301 or 302 to a POST) becomes a GET without
        body; 307 and 308 keep method and body. Credentials (Authorization,
        Cookie) are not sent to another server. More than .maxRedirects
        redirects for one request ends it with an errored response.
        """
        self.call.finish(self._cutoff())  # the redirect response ended: keep its connection or not
        respondent = self.respondent
        current = f"{self.scheme}://{self.requester.hostname}:{self.requester.port}{self.requester.target()}"
        location = urljoin(current, respondent.location or "")
        self._redirectCount += 1
        self.redirects.append(self._response())
        if self._redirectCount > self.maxRedirects:
            self._finish(errored=True, error=f"more than {self.maxRedirects} redirects")
            return
        parts = urlsplit(location)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.netloc:
            self._finish(errored=True, error=f"cannot redirect to {location!r}")
            return
        defaultPort = httping.HTTPS_PORT if scheme == "https" else httping.HTTP_PORT
        try:
            hostname, port = httping.normalizeHostPort(parts.netloc.rpartition("@")[2], None, defaultPort)
        except httping.InvalidURL as ex:
            self._finish(errored=True, error=str(ex))
            return

        method = self.requester.method
        body, data, fargs = self.requester.body, self.requester.data, self.requester.fargs
        status = respondent.status
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method = "GET"
            body, data, fargs = b"", None, None
            for name in ("content-type", "content-length", "transfer-encoding"):
                self.requester.headers.popall(name, None)

        if not self._sameServer(scheme, hostname, port):
            for name in ("authorization", "proxy-authorization", "cookie"):
                self.requester.headers.popall(name, None)
            try:
                self._retarget(scheme, hostname, port)
            except (OSError, ValueError) as ex:  # host does not resolve, bad TLS setup
                self._finish(errored=True, error=str(ex))
                return

        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        self.requester.reinit(method=method, path=path, fragment=parts.fragment or "")
        self.requester.qargs = {}
        self.requester.body, self.requester.data, self.requester.fargs = body, data, fargs
        extra = {key: value for key, value in (self.pending or {}).items() if key not in _RECORDED}
        try:
            msg = self.requester.build()
            self.pending = self._record(extra)
            self._send(msg)
        except (ValueError, HTTPException) as ex:
            self._finish(errored=True, error=str(ex))

    def _cutoff(self) -> bool:
        """True when the server has closed the connection."""
        connector = self.connector
        return bool(getattr(connector, "cutoff", False))

    def _finish(self, errored: bool = False, error: str | None = None) -> None:
        """Append the response to the request in progress to .responses and
        make ready for the next request."""
        response = self._response(errored=errored, error=error)
        redirects = self.redirects[self._redirectMark :]
        if redirects:
            response["redirects"] = redirects
        self.responses.append(response)
        self.call.finish(self._cutoff())  # IDLE when the connection is kept, else MUST_CLOSE
        if response["errored"]:
            logger.info("HTTP client %s request failed: %s", self.name, response["error"])
            self.connector.close()
            self.call.close()
        self._forget()

    def _forget(self) -> None:
        """No request in progress any more: the next one starts afresh, its redirects counted anew."""
        self.pending = None
        self._resumeAt = None
        self._redirectCount = 0
        self._redirectMark = len(self.redirects)

    def _suspend(self) -> None:
        """The server closed the event stream in progress: close the connection
        and resume the stream on a new one after the stream's retry time
        (see _resume). The request stays in progress.

        The connector is reopened at once, unconnected, so that it no longer
        shows the cut off; it connects when the stream resumes."""
        self.connector.close()
        self.connector.reopen()
        self.call.close()
        self._resumeAt = self._tyme()() + self.respondent.retry / 1000.0

    def _resume(self) -> None:
        """Send the event stream request again, with a Last-Event-Id header
        when the stream gave event ids, so that the server goes on from there."""
        requester = self.requester
        requester.headers.popall("last-event-id", None)
        if self.respondent.leid is not None:
            requester.headers["Last-Event-Id"] = self.respondent.leid
        self._send(requester.build())

    def serviceRequests(self) -> None:
        """Service requests deque: send the next queued request when none is pending."""
        if self.waited or not self.requests:
            return
        request = self.requests.popleft()
        self.pending = request
        self._redirectCount = 0
        self._redirectMark = len(self.redirects)
        self.call.begin()
        try:
            parts = urlsplit(request.get("path") or "/")
            here = (self.scheme, self.requester.hostname, self.requester.port)
            if not (parts.scheme and parts.netloc) and here != self._home:
                self._retarget(*self._home)  # back from a redirect to another server
            if request.get("headers") is None:
                self.requester.headers.popall("last-event-id", None)  # resumes only its own stream
            fields = {key: request.get(key) for key in _FIELDS}
            if fields["body"] is None:
                fields["body"] = b""  # a queued request never sends the body of an earlier one
            self.transmit(**fields, **{key: value for key, value in request.items() if key not in _RECORDED})
        except (ValueError, OSError, HTTPException) as ex:  # request that cannot be built or sent
            self.respondent.reinit(method=self.requester.method)
            self._finish(errored=True, error=str(ex))

    def serviceResponse(self) -> None:
        """Service receives on the connection and parse the response."""
        connector = self.connector
        try:
            connector.serviceReceives()
        except OSError as ex:
            if self.waited:
                self._finish(errored=True, error=str(ex))
            return
        if not self.waited:
            if self._cutoff():  # the server closed the idle connection
                self.call.close()
                connector.close()  # nor is it reconnected until a request needs it
            return
        outcome = self.call.advance(self._cutoff())
        if outcome is None:
            return
        if outcome == RETRY:  # the server closed the kept-alive connection as the request went out
            self._send(self.requester.build())  # the same request: .call is CLOSED, so on a new connection
        elif outcome == SUSPEND:
            self._suspend()
        elif outcome == REDIRECT:
            self.redirect()
        elif outcome == RESPONSE:
            self._finish()
        elif outcome == FAILED:
            self._finish(errored=True)

    def service(self) -> None:
        """Service request response: send queued requests, service the
        connection and parse responses. An event stream that the server
        closed is resumed here once its retry time has passed."""
        if self._resumeAt is not None:
            if self._tyme()() < self._resumeAt:
                return
            try:
                self._resume()
            except (ValueError, OSError, HTTPException) as ex:
                self._finish(errored=True, error=str(ex))
                return
        self.serviceRequests()
        if not self.waited and self.connector.cs is None:
            return  # nothing to send, no connection to keep
        connector = self.connector
        try:
            connector.serviceConnect()
            if connector.connected:
                connector.serviceSends()
        except OSError as ex:  # connection refused or reset, TLS handshake failed
            self._fail(ex)
            return
        if self._unreachable() and connector.error is not None:
            self._fail(connector.error)
            return
        self.serviceResponse()

    def _unreachable(self) -> bool:
        """True when the last attempt to connect failed (refused, unreachable,
        TLS handshake rejected) while a request waits, and the connector does
        not keep retrying (it is not reconnectable)."""
        connector = self.connector
        return (
            self.waited
            and not connector.connected
            and not connector.opened
            and getattr(connector, "error", None) is not None
            and not getattr(connector, "reconnectable", False)
        )

    def _fail(self, ex: Exception) -> None:
        """The connection failed: close it and end the request in progress, if
        any, with an errored response."""
        self.connector.close()
        self.call.close()
        if self.waited:
            self._finish(errored=True, error=str(ex))

    def _tyme(self) -> Callable[[], float]:
        """Return a function giving the current tyme: the wound tymth, else monotonic time."""
        tymth = self._tymth or getattr(self.connector, "tymth", None)
        return tymth if tymth is not None else time.monotonic

    def serviceWhileGen(
        self, tymeout: float = 0.5, tock: float | None = None
    ) -> Generator[float | bytes, None, Response | None]:
        """Generator method: service while requests are pending or no response
        has come, until tymeout.

        Usage::

            response = yield from client.serviceWhileGen(tymeout=0.5)

        Runs one iteration of .service() on each next and yields empty bytes
        while not done, or tock when given: a doer run by a Doist must yield
        tocks, so inside a doer use
        ``response = yield from client.serviceWhileGen(tymeout=0.5, tock=self.tock)``.
        Assumes the associated tymist is advanced and real time sleep is
        incurred elsewhere.

        Parameters:
            tymeout (float): tyme to wait for the response
            tock (float | None): value to yield while waiting, None yields b""

        Returns:
            Response | None: the next response, None on tymeout
        """
        response = yield from self._serviceWhile(tymeout=tymeout, tock=tock)
        return None if response is None else self.attrify(response)

    def _serviceWhile(
        self, tymeout: float = 0.5, tock: float | None = None
    ) -> Generator[float | bytes, None, dict[str, Any] | None]:
        """Generator method as serviceWhileGen, returning the response dict itself."""
        waiting = b"" if tock is None else tock
        tyme = self._tyme()
        start = tyme()
        while True:
            self.service()
            if not self.requests and not self.waited and self.responses:
                return self.responses.popleft()
            if tyme() - start >= tymeout:
                return None
            yield waiting


@contextmanager
def openClient(cls: type[Client] | None = None, **kwa: Any) -> Iterator[Client]:
    """Wrapper to create and open HTTP Client instances.

    When used in a with statement block, calls .close() on exit of the block.

    Parameters:
        cls (type | None): Client or a subclass, Client if None
        kwa (dict): parameters for cls

    Usage::

        with openClient(hostname="localhost", port=8080) as client:
            client.request(method="GET", path="/")
    """
    with closing((cls if cls is not None else Client)(**kwa)) as client:
        client.reopen()
        yield client


def backendRequest(
    tymth: Callable[[], float] | None,
    *,
    method: str = "GET",
    scheme: str = "",
    host: str = "localhost",
    port: int | None = None,
    path: str = "/",
    qargs: dict | None = None,
    data: Any = None,
    buffered: bool = False,
    tymeout: float = 2.0,
    tock: float | None = None,
) -> Generator[float | bytes, None, dict[str, Any] | None]:
    """Perform async ReST request to a backend server.

    Parameters:
        tymth (Callable): tymth of the tymist whose tyme measures the tymeout
        method (str): request method
        scheme (str): ``http`` or ``https``
        host (str): server host
        port (int | None): server port, scheme default if None
        path (str): request path; a full url with host port etc. takes
            precedence over the others
        qargs (dict | None): query arguments
        data (object | None): json body
        buffered (bool): True means record the wire traffic in an in memory
            WireLog (``client.wl``) while the request runs
        tymeout (float): tyme to wait for the response
        tock (float | None): value to yield while waiting, None yields b"";
            give a tock (such as the doer's ``self.tock``) when a Doist runs
            the generator

    Usage (inside a generator function, such as a doer's recur)::

        response = yield from backendRequest(self.tymth, path="http://localhost:8080/status",
                                             tock=self.tock)

    Before the response is complete, the ``yield from`` yields up empty bytes
    (or tock when given); once complete the response has its value: the
    response dict (``response["status"]``, ``response["body"]``, ...; see
    Response for its items), or None on tymeout.
    """
    wl = wiring.WireLog(samed=True, reopen=True) if buffered else None
    client = Client(
        hostname=host,
        port=port,
        scheme=scheme,
        method=method,
        path=path,
        qargs=qargs,
        data=data,
        wl=wl,
        tymth=tymth,
    )
    try:
        client.reopen()
        client.request(method=method, path=client.requester.path, qargs=client.requester.qargs, data=data)
        response = yield from client._serviceWhile(tymeout=tymeout, tock=tock)
    finally:
        client.close()
        if wl is not None:
            wl.close()
    return response


class ClientDoer(ServiceDoer):
    """HTTP Client Doer: opens its client on enter, services it once per cycle
    and closes it on exit.

    See Doer for inherited attributes, properties, and methods; ServiceDoer
    for enter, recur, exit and wind, which winds the client with the doer.

    Attributes:
        client (Client): HTTP client instance
    """

    client = Alias[Client]("servant")

    def __init__(self, client: Client, **kwa: Any) -> None:
        """
        Parameters:
            client (Client): HTTP client instance
            kwa (dict): parameters for Doer
        """
        super().__init__(client, **kwa)
