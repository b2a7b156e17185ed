"""hio.core.http.serving module

nonblocking http server

`Server` (also `WsgiServer`) serves a WSGI application over HTTP/1.1 or
HTTPS on the nonblocking TCP server of hio.core.tcp, with keep-alive,
pipelining, chunked transfer in both directions and streaming bodies. A
`ServerDoer` runs it inside a Doist. `BareServer` serves non-WSGI responses
built by a `Steward` per connection. `StaticSink` is a falcon sink that serves
the files under one directory.

Every bad request is answered with its 4xx status and its connection closed;
the other connections are not disturbed and no exception reaches the Doist.
See `hio.core.http.requesting` for the request limits.

Usage:
    with openServer(app=app, port=8080) as server:
        while True:
            server.service()
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from hio.base.servicing import Alias, ServiceDoer
from hio.core.http import httping
from hio.core.http.conducting import Conductor, Connection, _Field
from hio.core.http.eventing import ResponseHead
from hio.core.http.grammaring import CR, CRLF, LF
from hio.core.http.memoing import ENVIRON_KEYS_SIZE, Memo
from hio.core.http.requesting import (
    MAX_BODY_SIZE,
    MAX_HEADER_BYTES,
    MAX_HEADERS,
    MAX_REQUEST_LINE,
    Requestant,
)
from hio.core.http.responding import HIGH_WATER, SERVER_SOFTWARE, CustomResponder, FileWrapper, Responder
from hio.core.http.sending import Sender
from hio.core.http.staticing import StaticSink
from hio.core.tcp import serving as tcpServing

if TYPE_CHECKING:
    from hio.core.tcp.serving import Remoter

__all__ = [
    "CR",
    "CRLF",
    "LF",
    "MAX_BODY_SIZE",
    "MAX_HEADERS",
    "MAX_HEADER_BYTES",
    "MAX_REQUEST_LINE",
    "BareServer",
    "CustomResponder",
    "Requestant",
    "Responder",
    "Server",
    "ServerDoer",
    "StaticSink",
    "Steward",
    "WsgiServer",
    "logger",
    "openServer",
]

logger = logging.getLogger(__name__)


def environKey(name: str, memo: Memo | None = None) -> str:
    """Return the WSGI environ key of header field name, "" when the field is left out.

    Fields whose names hold an underscore are left out, so that they cannot
    pose as others (``X_Forwarded`` as ``X-Forwarded``); Content-Type and
    Content-Length have keys of their own; Transfer-Encoding is the server's.

    Parameters:
        name (str): header field name as sent
        memo (Memo | None): where the keys are remembered, None remembers none
    """
    lower = name.lower()
    if "_" in lower or lower in ("content-type", "content-length", "transfer-encoding"):
        key = ""
    else:
        key = "HTTP_" + lower.upper().replace("-", "_")
    if memo is not None and len(memo.environKeys) < ENVIRON_KEYS_SIZE:
        memo.environKeys[name] = key
    return key


def notFoundApp(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """WSGI application of a Server made without one: 404 for everything.

    Parameters:
        environ: the WSGI environ
        start_response: the WSGI start_response
    """
    body = b"404 Not Found\n"
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@contextlib.contextmanager
def openServer(cls: type[Server] | type[BareServer] | None = None, **kwa: Any) -> Iterator[Server | BareServer]:
    """Wrapper to create and open HTTP Server instances When used in with
    statement block, calls .close() on exit of with block

    Parameters:
        cls (type | None): Server class or subclass, None means Server
        kwa (dict): parameters of cls

    Usage:
        with openServer() as server0:
            server0.service()

        with openServer(cls=BareServer) as server0:
            server0.service()
    """
    server = (cls if cls is not None else Server)(**kwa)
    try:
        server.reopen()
        yield server
    finally:
        server.close()


class Server(Conductor):
    """Server WSGI HTTP Server Class

    Attributes:
        name (str): name of the server
        app (callable): WSGI application
        reqs (Mapping): view: the Requestant of each connection keyed by ca;
            it holds the last request parsed until the next one begins to arrive
        reps (Mapping): view: the Responder of each connection keyed by ca:
            of the response in process, or of the last response, kept with its
            status and headers until the next request is parsed
        connections (dict): the record of each connection keyed by ca (see
            hio.core.http.conducting.Connection), where the two views above look
        servant (hio.core.tcp.serving.Server): TCP (TLS for https) server
        scheme (str): "http" or "https"
        tymeout (float): tyme in seconds before a stale connection is closed
        delay (float): tyme a closing connection lingers to drain
        limits (dict): maxRequestLine, maxHeaders, maxHeaderBytes, maxBodySize
        maxUnsent (int): most unsent response bytes one connection holds,
            default hio.core.tcp.serving.MAX_UNSENT (1 MiB)

    Memory per connection is bounded. Once .maxUnsent response bytes wait
    to be sent on a connection (its client pipelines requests and does not
    read the answers), the server neither parses its next request nor reads
    from it until the client has read enough; the other connections are
    served meanwhile. With the defaults a connection holds at most about
    1.4 MiB: maxUnsent, plus conducting.RX_LIMIT (256 KiB) of requests
    waiting to be parsed, plus one pass of reads (16 reads of bufsize).
    A client that reads nothing for tymeout is closed.

    The connection parameters (host, port, scheme, the limits...) are those of
    Conductor, given by keyword::

        server = Server(app=app, host="127.0.0.1", port=8080)  # port 0: any free port
        server.reopen()  # listens; .eha is then the address bound
        doing.Doist(real=True).do(doers=[ServerDoer(server=server)])
    """

    Tymeout = 5.0

    def __init__(
        self,
        name: str = "hio.wsgi.server",
        app: Callable[..., Any] | None = None,
        reqs: dict[tuple[Any, ...], Requestant] | None = None,
        reps: dict[tuple[Any, ...], Responder] | None = None,
        *pa: Any,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            name (str): name of the server
            app (callable | None): WSGI application, None answers 404
            reqs (dict | None): not used: each connection's requestant lives
                in its record (.reqs is a view of them); kept for the position
                of the parameters after it
            reps (dict | None): not used, as reqs (.reps is a view)
            pa (tuple): servant, bufsize, wl, ha, host, port, eha, scheme and
                tymeout by position, as by keyword
            kwa (dict): the connection parameters of Conductor: servant (TCP
                server, None makes one, ServerTls when scheme is "https"),
                bufsize, wl, ha, host, port (None means 80, 443 for https),
                eha, scheme ("https" means TLS: give certpath, keypath and
                cafilepath), tymeout (None means Tymeout), delay, the request
                limits (maxRequestLine, maxHeaders, maxHeaderBytes,
                maxBodySize), maxUnsent (most unsent response bytes per
                connection, default 1 MiB) and servant parameters (tymth, ...)
        """
        super().__init__(*pa, name=name, **kwa)
        self.app = app if app is not None else notFoundApp
        self._base: tuple[Any, dict[str, Any]] | None = None  # (servant ha, the environ part every request shares)
        self._active: dict[tuple[Any, ...], Connection] = {}  # the records (an ordered set) of the responses in process

    @property
    def reqs(self) -> Mapping[tuple[Any, ...], Requestant]:
        """The Requestant of each connection, by ca (a view of .connections)."""
        return _Field(self.connections, lambda conn: conn.exchange.requestant)

    @property
    def reps(self) -> Mapping[tuple[Any, ...], Responder]:
        """The Responder of each connection that has one, by ca (a view of .connections)."""
        return _Field(self.connections, lambda conn: conn.responder)

    def close(self) -> None:
        """Close all connections (their requestants and responders) and the listen socket."""
        super().close()
        self._active.clear()

    def _forget(self, conn: Connection) -> None:
        """Close the Responder of conn and drop what its environs share."""
        responder = conn.responder
        if responder is not None:
            conn.responder = None
            responder.close()
        conn.base = conn.made = None
        self._active.pop(conn.ca, None)

    def buildEnviron(self, requestant: Requestant) -> dict[str, Any]:
        """Returns wisgi environment dictionary for supplied requestant

        Follows PEP 3333: strings are latin-1 decoded, PATH_INFO is percent
        decoded, header fields become ``HTTP_`` variables (fields whose names hold
        an underscore are left out, so that they cannot pose as others) with
        repeated fields joined by commas.

        Parameters:
            requestant: the Requestant holding the parsed request
        """
        ca = requestant.remoter.ca if requestant.remoter is not None else ("", 0)
        conn = self.connections.get(ca)
        head = requestant.kept  # a whole head kept by the memo, seen before
        if head is not None and not requestant.body and conn is not None:
            made = conn.made
            if made is not None and made[0] is head:  # the same head again on ca: the same environ
                environ = made[1].copy()
                environ["wsgi.input"] = io.BytesIO(b"")
                return environ
        path = requestant.path
        if path != "*" and ("%" in path or not path.isascii()):
            path = unquote_to_bytes(path.encode("latin-1")).decode("latin-1")
        body = bytes(requestant.body) if requestant.body else b""
        base = conn.base if conn is not None else None
        if base is None:  # the first request on ca
            base = {**self._baseEnviron(), "REMOTE_ADDR": str(ca[0]), "REMOTE_PORT": str(ca[1])}
            if conn is not None:  # kept while the connection is
                conn.base = base
        environ = base.copy()
        environ["REQUEST_METHOD"] = requestant.method
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = requestant.query
        environ["SERVER_PROTOCOL"] = requestant.protocol
        environ["wsgi.input"] = io.BytesIO(body)
        headers = requestant.headers
        if "content-type" in headers:
            environ["CONTENT_TYPE"] = headers["content-type"]
        if body or (requestant.length is not None and "content-length" in headers):
            environ["CONTENT_LENGTH"] = str(len(body))
        keys = self.memo.environKeys
        for name, value in headers.items():
            key = keys.get(name)
            if key is None:
                key = environKey(name, self.memo)
            if not key:
                continue
            if key in environ:  # a repeated field
                environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
            else:
                environ[key] = value
        if head is not None and not body and conn is not None:  # kept while the connection is
            conn.made = (head, {**environ, "wsgi.input": None})
        return environ

    def _baseEnviron(self) -> dict[str, Any]:
        """The part of the WSGI environ that is the same for every request while .servant.ha stays."""
        key = (self.servant.ha, self.scheme)
        if self._base is None or self._base[0] != key:
            host, port = key[0][0], key[0][1]
            self._base = (
                key,
                {
                    "REQUEST_METHOD": "",
                    "SCRIPT_NAME": "",
                    "PATH_INFO": "",
                    "QUERY_STRING": "",
                    "SERVER_NAME": host if host not in ("", "0.0.0.0", "::") else "localhost",
                    "SERVER_PORT": str(port),
                    "SERVER_PROTOCOL": "",
                    "SERVER_SOFTWARE": SERVER_SOFTWARE,
                    "REMOTE_ADDR": "",
                    "REMOTE_PORT": "",
                    "wsgi.version": (1, 0),
                    "wsgi.url_scheme": self.scheme,
                    "wsgi.input": None,
                    "wsgi.errors": sys.stderr,
                    "wsgi.multithread": False,
                    "wsgi.multiprocess": False,
                    "wsgi.run_once": False,
                    "wsgi.input_terminated": True,
                    "wsgi.file_wrapper": FileWrapper,
                },
            )
        return self._base[1]

    def serviceReqs(self) -> None:
        """Service pending requestants

        Those are the requestants of the connections that received bytes (or
        whose clients closed) since the last pass, and of those whose previous
        response just ended, so that a pipelined request waiting in .rxbs is
        taken up.
        """
        stirred = self._stirred
        if not stirred:
            return
        self._stirred = {}
        connections = self.connections
        serviceReq = self._serviceReq
        for ca, conn in stirred.items():
            if connections.get(ca) is conn:
                try:  # as _guard does, without a call in between
                    serviceReq(conn)
                except Exception as ex:
                    self._fault(ca, ex)

    def _serviceReq(self, conn: Connection) -> None:
        """Parse on conn and start a Responder for a whole request.

        The request answered last stays in the requestant (and its response
        in .reps) until bytes of the next one arrive (or the client closes).
        """
        requestant = conn.exchange.advance()  # one at a time: no request while one is answered
        if requestant is None:
            self._settle(conn)
            return
        environ = self.buildEnviron(requestant)
        responder = conn.responder
        if responder is not None and responder.app is self.app:
            responder.delay = self.delay
            responder.reset(environ, chunkable=requestant.version == 11, persisted=requestant.persisted)
        else:
            responder = conn.responder = Responder(
                incomer=conn.exchange,  # what the response writes goes to the core, which holds the remoter's .txbs
                app=self.app,
                environ=environ,
                chunkable=requestant.version == 11,
                delay=self.delay,
                memo=self.memo,
            )
        self._serviceRep(conn, responder)  # at once: most responses are whole in their first pass

    def serviceReps(self) -> None:
        """Service pending responders: those of the responses in process."""
        if not self._active:
            return
        connections = self.connections
        for ca, conn in list(self._active.items()):
            responder = conn.responder
            if responder is None or connections.get(ca) is not conn:
                self._active.pop(ca, None)
            else:
                self._guard(conn, self._serviceRep, responder)

    def _serviceRep(self, conn: Connection, responder: Responder) -> None:
        """Run responder; on its end keep the connection for the next request or close it.

        A response not ended in this pass is in process (in ._active) until
        it ends. What it queued is sent by serviceSends at the end of the
        pass, with what the other connections queued: sends in one burst cost
        less than sends spread among the responses (measured), and a client
        gets its response within the same pass either way.

        Parameters:
            conn (Connection): the connection's record
            responder (Responder): its responder
        """
        responder.service()
        ca = conn.ca
        if responder.ended:
            if self._active:
                self._active.pop(ca, None)  # kept in .reps, with its request in .reqs, until the next request
            if not responder.closed:
                responder.close()
            if conn.exchange.finish(responder.persisted):  # kept for the next request
                conn.restart = True  # its tymer restarts when it is flushed, at the end of the pass
                self._sending[ca] = conn
                if conn.ix.rxbs or conn.exchange.cutoff:  # a pipelined request may wait in .rxbs
                    self._stirred[ca] = conn
                return
            self.finish(ca)
        elif conn.exchange.cutoff:  # client went away while its response streams
            self.closeConnection(ca)
            return
        else:
            self._active[ca] = conn
        self._sending[ca] = conn

    def _serviceExchanges(self) -> None:
        """Responses in process go on first; then the requests that arrived are
        parsed and their responses started (and usually finished) at once."""
        if self._active:  # each step has nothing to do while its set is empty
            self.serviceReps()
        if self._stirred:
            self.serviceReqs()


WsgiServer = Server
"""The WSGI HTTP server, `Server`."""


class Steward:
    """Manages the associated requestant and responder for an incoming
    connection for BareServer (non-wsgi) HTTP server

    Override `respond` in a subclass to answer requests; the default echoes
    the request as JSON.

    Attributes:
        remoter (Remoter): incoming connection
        sender (Sender): what its responses are written through (the
            Sender of the connection's core, hio.core.http.sending)
        requestant (Requestant): parser of its requests
        responder (CustomResponder): builder of its responses
        waited (bool): True while a response is being poured
        pourer (Generator | None): generator that streams the response
    """

    def __init__(
        self,
        remoter: Remoter,
        requestant: Requestant | None = None,
        responder: CustomResponder | None = None,
        dictable: bool = False,
    ) -> None:
        """Initialize instance.

        Parameters:
            remoter (Remoter): incoming connection
            requestant (Requestant | None): parser, None makes one
            responder (CustomResponder | None): builder, None makes one
            dictable (bool): True means deserialize JSON request bodies
        """
        self.remoter = remoter
        self.sender = Sender(remoter.tx)  # a server gives the Sender of the connection's core
        self.requestant = requestant if requestant is not None else Requestant(remoter=remoter, dictable=dictable)
        self.responder = responder if responder is not None else CustomResponder(steward=self)
        self.waited = False
        self.pourer: Generator[None, None, None] | None = None

    def refresh(self) -> None:
        """Restart incomer tymer"""
        self.remoter.refresh()

    def respond(self) -> None:
        """Respond to request Override in subclass Echo request

        Echoes the request as JSON: version ("HTTP/1.1"), method, path, qargs
        (the query parsed), fragment, headers (a list of [name, value] pairs
        in their order), body (text) and data.
        """
        requestant = self.requestant
        echo = {
            "version": requestant.protocol,
            "method": requestant.method,
            "path": requestant.path,
            "qargs": httping.parseQuery(requestant.query),
            "fragment": requestant.fragment,
            "headers": [[name, value] for name, value in requestant.headers.items()],
            "body": bytes(requestant.body).decode("utf-8", "replace"),
            "data": requestant.data,
        }
        self.responder.reinit(status=httping.OK, headers={}, body=b"", data=echo)
        self.waited = True

    def pour(self) -> bool:
        """Run generator to stream response message

        Returns:
            bool: True once the whole response is queued for sending
        """
        if self.pourer is None:
            self.pourer = self._pouring()
        try:
            next(self.pourer)
        except StopIteration:
            self.pourer = None
            self.waited = False
            return True
        return False

    def _pouring(self) -> Generator[None, None, None]:
        """Generator that writes the built response through .sender, its body
        as the transmit buffer has room."""
        msg = bytes(self.responder.build())
        at = msg.find(b"\r\n\r\n") + 4  # the head ends at the first empty line
        body = memoryview(msg)[at:]
        sender = self.sender
        sender.head(ResponseHead(msg[:at], length=len(body)))
        sent = 0
        while sent < len(body):
            room = HIGH_WATER - len(self.remoter.txbs)
            if room > 0:
                sender.data(body[sent : sent + room])
                sent += room
            if sent < len(body):
                yield None
        sender.end()


class BareServer(Conductor):
    """BareServer class nonblocking Bare (non-WSGI) HTTP server Define
    CustomResponder subclass to respond to requests as per Steward

    Attributes:
        servant (hio.core.tcp.serving.Server): TCP (TLS for https) server
        stewards (Mapping): view: the Steward of each connection keyed by ca
        connections (dict): the record of each connection keyed by ca
        dictable (bool): True means deserialize JSON request bodies
        timeout (float): tyme in seconds before a stale connection is closed
        steward (type): Steward class made for each connection
        maxUnsent (int): most unsent response bytes one connection holds
            before its next request waits, as for Server (default 1 MiB)
    """

    Timeout = 5.0

    def __init__(
        self,
        servant: tcpServing.Server | None = None,
        stewards: dict[tuple[Any, ...], Steward] | None = None,
        name: str = "",
        *pa: Any,
        dictable: bool = False,
        timeout: float | None = None,
        steward: type[Steward] | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            servant (hio.core.tcp.serving.Server | None): TCP server, None makes one
            stewards (dict | None): not used: each connection's Steward lives in
                its record (.stewards is a view of them); kept for the position
                of the parameters after it
            name (str): name of the server
            pa (tuple): bufsize, wl, ha, host, port, eha, scheme, dictable and
                timeout by position, as by keyword
            dictable (bool): True means deserialize JSON request bodies
            timeout (float | None): stale connection timeout, None means Timeout
            steward (type | None): Steward subclass made per connection
            kwa (dict): the other connection parameters of Conductor (bufsize,
                wl, ha, host, port, eha, scheme, delay, request limits,
                maxUnsent) and servant parameters
        """
        if len(pa) > 9:
            raise TypeError(f"BareServer takes at most 12 positional arguments ({len(pa) + 3} given)")
        if len(pa) > 7:  # dictable and timeout follow scheme in the documented order
            if dictable is not False:
                raise TypeError("BareServer got multiple values for argument 'dictable'")
            dictable = pa[7]
            if len(pa) > 8:
                if timeout is not None:
                    raise TypeError("BareServer got multiple values for argument 'timeout'")
                timeout = pa[8]
            pa = pa[:7]
        self.timeout = float(timeout) if timeout is not None else self.Timeout
        kwa["tymeout"] = self.timeout
        self.dictable = bool(dictable)
        super().__init__(servant, *pa, name=name, **kwa)
        self.steward = steward if steward is not None else Steward
        self._pouring: dict[tuple[Any, ...], Connection] = {}  # records (an ordered set) of stewards pouring a response

    @property
    def stewards(self) -> Mapping[tuple[Any, ...], Steward]:
        """The Steward of each connection, by ca (a view of .connections)."""
        return _Field(self.connections, lambda conn: conn.steward)

    def _admit(self, conn: Connection) -> None:
        """Make the Steward of new connection conn, with the requestant and the sender of its core."""
        steward = self.steward(remoter=conn.ix, requestant=conn.exchange.requestant, dictable=self.dictable)
        steward.sender = conn.exchange.sender  # its responses are written through the core
        conn.steward = steward

    def _forget(self, conn: Connection) -> None:
        """Drop the Steward of conn."""
        steward = conn.steward
        conn.steward = None
        if steward is not None and steward.pourer is not None:
            steward.pourer.close()

    def close(self) -> None:
        """Close all ixes for all stewards"""
        super().close()
        self._pouring.clear()

    def serviceStewards(self) -> None:
        """Service pending requestants and responders

        Those are the stewards of the connections that received bytes (or
        whose clients closed) since the last pass, and those still pouring a
        response.
        """
        due = self._pouring
        if self._stirred:
            due.update(self._stirred)
            self._stirred = {}
        if not due:
            return
        self._pouring = {}
        connections = self.connections
        for ca, conn in due.items():
            steward = conn.steward
            if steward is None or connections.get(ca) is not conn:
                continue
            self._guard(conn, self._serviceSteward, steward)
            self._sending[ca] = conn
            if steward.waited and connections.get(ca) is conn:
                self._pouring[ca] = conn

    def _serviceSteward(self, conn: Connection, steward: Steward) -> None:
        """Parse, respond and pour on connection conn.

        The request answered last stays in the steward's requestant until
        bytes of the next one arrive (or the client closes).
        """
        ca = conn.ca
        if not steward.waited:
            if conn.exchange.advance() is None:
                self._settle(conn)
                return
            try:
                steward.respond()
            except Exception as ex:
                logger.error("%s: steward of %s failed: %r", self.name, ca, ex, exc_info=ex)
                self.refuse(ca, httping.INTERNAL_SERVER_ERROR)
                return
            steward.waited = True
        if steward.pour():
            if conn.exchange.finish():  # the request persists
                conn.tymer.start()
                self._stirred[ca] = conn  # a pipelined request may wait in .rxbs
            else:
                self.finish(ca)

    def _serviceExchanges(self) -> None:
        """Parse, respond and pour on the stirred connections and those pouring."""
        if self._pouring or self._stirred:  # nothing to do while both are empty
            self.serviceStewards()


class ServerDoer(ServiceDoer):
    """HTTP WSGI Server Doer: opens its server on enter, services it each run
    and closes it (with all its connections) on exit.

    See ServiceDoer and Doer for inherited attributes, properties, and methods.

    Attributes:
        server (Server | BareServer): HTTP server it opens, services and closes,
            the servant
    """

    server = Alias[Server | BareServer]("servant")

    def __init__(self, server: Server | BareServer, **kwa: Any) -> None:
        """Initialize instance.

        Parameters:
            server (Server | BareServer): HTTP server, wound at once when a
                tymth is given
            kwa (dict): Doer parameters (tymth, tock, ...)
        """
        super().__init__(servant=server, **kwa)
