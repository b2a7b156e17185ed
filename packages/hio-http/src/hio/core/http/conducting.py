"""hio.core.http.conducting module

`Conductor` is the connection keeping shared by the WSGI `Server` and the
`BareServer`: it owns the TCP (or TLS) servant, reads each connection with
back pressure, sends, answers bad requests, closes stale connections on
tymeout and closes connections gracefully (lingering) so that a final
response is not lost to a connection reset.

Memory per connection is bounded: received bytes wait to be parsed up to
RX_LIMIT, and responses wait to be sent up to the servant's maxUnsent (1 MiB
by default, the `maxUnsent` keyword of the servers). A connection with that
many unsent bytes (its client does not read) is neither parsed nor read until
its client reads; the others are served meanwhile.

Each connection has a tymer that starts when the connection is accepted and
restarts only when a response is finished or when bytes of a response leave.
Bytes that arrive do not restart it, so a client that sends a request a byte
now and then (or nothing at all) is closed after tymeout however it trickles.
While an application is working on a response and nothing waits to be sent
the tymer does not apply.

A service pass costs in proportion to the connections that are busy, not to
all of them: one readiness poll of the servant finds the connections with
bytes to read; only those that received something (or whose previous response
just ended) are parsed; only those that queued something are sent to; and the
tymers are looked at when the earliest of them may have expired.

What a server keeps of one connection is one `Connection` record, in
``.connections`` by its address: its remoter, its protocol core (an
`hio.core.http.exchanging.Exchange`, which parses, answers errors and
decides keep-alive without any I/O), its tymer, whether it is closing or
its client has closed, and what the server above keeps (its Responder, or
its Steward). Closing a connection drops its record; the work lists of a
pass (connections stirred, sending, overdue) name records and are emptied
as they are worked.
"""

from __future__ import annotations

import logging
import math
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hio.base.tyming import Tymer
from hio.core.http import httping
from hio.core.http.exchanging import Exchange
from hio.core.http.memoing import Memo
from hio.core.http.responding import Responder
from hio.core.tcp import serving as tcpServing
from hio.core.wiring import WireLog
from hio.hioing import keywordsOf, warnUnexpected

if TYPE_CHECKING:
    from hio.core.tcp.serving import Remoter

logger = logging.getLogger(__name__)

RX_LIMIT = 262144
"""A connection is not read while this many received bytes wait to be parsed."""

RX_READS = 16
"""Most socket reads of one connection in one service pass."""


def shutSend(cs: socket.socket) -> None:
    """Shut down the sending side of connected socket cs, after a TLS close_notify
    when cs is a TLS socket, so that the client sees a clean end of stream.

    Parameters:
        cs: the connected socket
    """
    if isinstance(cs, ssl.SSLSocket):
        try:
            cs.unwrap()  # sends close_notify; nonblocking, it cannot wait for the reply
        except (ssl.SSLError, OSError, ValueError):
            pass
    cs.shutdown(socket.SHUT_WR)


class Connection:
    """What a server keeps of one connection, in one record.

    Attributes:
        ca (tuple): remote address of the connection, its key
        ix (Remoter): its remoter (socket, .rxbs, .txbs)
        exchange (Exchange): its protocol core, reading .ix.rxbs and writing .ix.txbs
        tymer (Tymer): its stale connection tymer
        closing (bool): True once it closes after its queued bytes are sent
        linger (Tymer | None): while closing, after its sending side is shut,
            the tymer of its lingering
        cutoff (bool): True once its client closed its sending side
        restart (bool): True when a response just ended on it; its tymer
            restarts when what waits is flushed
        responder (Responder | None): the Responder of its current or last response (Server)
        steward (Any): its Steward (BareServer)
        base (dict | None): the part of the WSGI environ its requests share (Server)
        made (tuple | None): (the whole head of its last request, the environ it made) (Server)
    """

    __slots__ = (
        "base",
        "ca",
        "closing",
        "exchange",
        "ix",
        "linger",
        "made",
        "responder",
        "restart",
        "steward",
        "tymer",
    )

    def __init__(self, ca: tuple[Any, ...], ix: Remoter, exchange: Exchange, tymer: Tymer) -> None:
        """
        Parameters:
            ca (tuple): remote address of the connection
            ix (Remoter): its remoter
            exchange (Exchange): its protocol core
            tymer (Tymer): its stale connection tymer
        """
        self.ca = ca
        self.ix = ix
        self.exchange = exchange
        self.tymer = tymer
        self.closing = False
        self.linger: Tymer | None = None
        self.restart = False
        self.responder: Responder | None = None
        self.steward: Any = None
        self.base: dict[str, Any] | None = None
        self.made: tuple[bytes, dict[str, Any]] | None = None

    @property
    def cutoff(self) -> bool:
        """True once its client closed its sending side, as its core was told."""
        return self.exchange.cutoff


class _Field(Mapping[tuple[Any, ...], Any]):
    """A read only view of one field of the connection records, by connection address,
    leaving out the records where it is None (the documented .tymers, .reqs, .reps, ...)."""

    def __init__(self, connections: dict[tuple[Any, ...], Connection], get: Callable[[Connection], Any]) -> None:
        self._connections = connections
        self._get = get

    def __getitem__(self, ca: tuple[Any, ...]) -> Any:
        value = self._get(self._connections[ca])
        if value is None:
            raise KeyError(ca)
        return value

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        get = self._get
        return iter([ca for ca, conn in self._connections.items() if get(conn) is not None])

    def __len__(self) -> int:
        get = self._get
        return sum(1 for conn in self._connections.values() if get(conn) is not None)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class Conductor:
    """Connection keeping shared by the HTTP servers.

    Attributes:
        servant (hio.core.tcp.serving.Server): TCP or TLS server of the connections
        name (str): name of the server, for logs
        scheme (str): "http" or "https"
        tymeout (float): tyme in seconds before a stale connection is closed
        delay (float): tyme in seconds a closing connection lingers to drain
        connections (dict): the Connection record of each connection, by its address ca
        tymers (Mapping): view: per ca, its stale connection Tymer
        closings (Mapping): view: per ca of a closing connection, None while
            its last response is flushed, then the Tymer of its lingering
        cutoffs (frozenset): ca of connections whose client closed its sending side
        limits (dict): request limits handed to each Requestant
        memo (Memo): what this server remembers of the heads its connections
            parsed and built (bounded; .memo.reset() forgets it all)
        maxUnsent (int): most unsent response bytes a connection holds; past
            it the connection is neither parsed nor read until its client
            reads (see module docs)
    """

    Tymeout = 5.0
    dictable = False  # True: request bodies in JSON are deserialized (BareServer)

    def __init__(
        self,
        servant: tcpServing.Server | None = None,
        bufsize: int = 8096,
        wl: WireLog | None = None,
        ha: tuple[str, int] | None = None,
        host: str = "",
        port: int | None = None,
        eha: tuple[str, int] | None = None,
        scheme: str = "",
        tymeout: float | None = None,
        *,
        name: str = "",
        delay: float | None = None,
        maxRequestLine: int | None = None,
        maxHeaders: int | None = None,
        maxHeaderBytes: int | None = None,
        maxBodySize: int | None = None,
        maxUnsent: int | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        The servers take these parameters by keyword, and the first nine in
        this order by position after their own (see Server and BareServer).

        Parameters:
            servant (hio.core.tcp.serving.Server | None): TCP server to use,
                None makes one: ServerTls when scheme is "https"
            bufsize (int): socket buffer size
            wl (WireLog | None): wire log of the servant
            ha (tuple | None): (host, port) to listen on, None means (host, port)
            host (str): host to listen on, "" means all interfaces
            port (int | None): port to listen on, 0 means any free port,
                None means 80 (443 for https)
            eha (tuple | None): external (host, port) for TLS
            scheme (str): "https" means TLS, otherwise "http"
            tymeout (float | None): stale connection tymeout, None means Tymeout
            name (str): name of the server, for logs
            delay (float | None): lingering tyme, None means Responder.Delay
            maxRequestLine (int | None): longest request line (414)
            maxHeaders (int | None): most header fields (431)
            maxHeaderBytes (int | None): most header bytes (431)
            maxBodySize (int | None): largest request body (413)
            maxUnsent (int | None): most unsent response bytes per connection,
                None means the servant's, by default
                hio.core.tcp.serving.MAX_UNSENT (1 MiB)
            kwa (dict): more servant parameters, e.g. tymth, certpath, keypath,
                cafilepath, certify, context
        """
        taken = keywordsOf(tcpServing.ServerTls) if kwa else frozenset()
        unknown = [key for key in kwa if key not in taken]
        if unknown:  # a mistaken name: warned of here, by the server's class name, and left out
            warnUnexpected(type(self), unknown, keywordsOf(type(self), tcpServing.ServerTls))
            kwa = {key: value for key, value in kwa.items() if key not in unknown}
        self.name = name
        self.scheme = "https" if (scheme or "").lower() == "https" else "http"
        self.tymeout = float(tymeout) if tymeout is not None else self.Tymeout
        self.delay = float(delay) if delay is not None else Responder.Delay
        self.limits: dict[str, Any] = {
            "maxRequestLine": maxRequestLine,
            "maxHeaders": maxHeaders,
            "maxHeaderBytes": maxHeaderBytes,
            "maxBodySize": maxBodySize,
        }
        if servant is None:
            if ha is None:
                if port is None:
                    port = httping.HTTPS_PORT if self.scheme == "https" else httping.HTTP_PORT
                ha = (host, port)
            cls = tcpServing.ServerTls if self.scheme == "https" else tcpServing.Server
            servant = cls(ha=ha, bs=bufsize, wl=wl, tymeout=self.tymeout, maxUnsent=maxUnsent, **kwa)
            if eha is not None:
                servant.eha = (*eha,)
        elif maxUnsent is not None:
            servant.maxUnsent = int(maxUnsent)
        self.servant = servant
        self.memo = Memo()
        self.maxUnsent = getattr(servant, "maxUnsent", tcpServing.MAX_UNSENT)
        self.connections: dict[tuple[Any, ...], Connection] = {}
        # work lists of a pass, ordered sets of records by ca: new bytes or end of input, or a response
        # just ended (stirred); bytes may wait in its .txbs (sending); tymer expired, connection kept
        # while it waits on something (overdue); closing
        self._stirred: dict[tuple[Any, ...], Connection] = {}
        self._closings: dict[tuple[Any, ...], Connection] = {}
        self._sending: dict[tuple[Any, ...], Connection] = {}
        self._overdue: dict[tuple[Any, ...], Connection] = {}
        self._stale = -math.inf  # tyme from which the earliest connection tymer may be expired
        self._readier: Any = None  # the servant last found to have a readiness poll (readyIxes)
        self._pollsOnce = False  # True when that servant polls once for accepts and receives (pollReady)

    @property
    def tymers(self) -> Mapping[tuple[Any, ...], Tymer]:
        """The stale connection Tymer of each connection, by ca (a view of .connections)."""
        return _Field(self.connections, lambda conn: conn.tymer)

    @property
    def closings(self) -> Mapping[tuple[Any, ...], Tymer | None]:
        """Per ca of a closing connection: None while its last response is
        flushed, then the Tymer of its lingering (a view of .connections)."""
        return {ca: conn.linger for ca, conn in self.connections.items() if conn.closing}

    @property
    def cutoffs(self) -> frozenset[tuple[Any, ...]]:
        """The ca of the connections whose client closed its sending side."""
        return frozenset(ca for ca, conn in self.connections.items() if conn.cutoff)

    @property
    def tymth(self) -> Callable[[], float]:
        """Tymist tyme closure of the servant; while none is wound (a server
        serviced in a plain loop, without a Doist), real time in seconds
        (time.monotonic), so that its tymers still run."""
        return self.servant.tymth or time.monotonic

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Changes tymist.tyme base.
        Updates winds .tymer .tymth

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        self.servant.wind(tymth)
        for conn in self.connections.values():
            conn.tymer.wind(tymth)
            if conn.linger is not None:
                conn.linger.wind(tymth)
        self._stale = -math.inf  # a new tyme base: look at every tymer again

    @property
    def eha(self) -> tuple[str, int]:
        """(host, port) that clients on this machine connect to: the servant's
        .eha. Once open, it holds the port actually bound (port 0 picks any
        free one), as a TCP Server's .eha does."""
        return self.servant.eha

    def reopen(self) -> bool:
        """Return result of .servant.reopen()"""
        return self.servant.reopen()

    @property
    def opened(self) -> bool:
        """True when the servant's listen socket is open."""
        return bool(getattr(self.servant, "opened", False))

    @property
    def ixes(self) -> dict[tuple[Any, ...], Remoter]:
        """Incoming connections (Remoters) of the servant keyed by ca."""
        return self.servant.ixes

    def _admit(self, conn: Connection) -> None:
        """Begin keeping the server's part of newly accepted connection conn. Override."""

    def _forget(self, conn: Connection) -> None:
        """Let go of the server's part of connection conn (it is closing or closed). Override."""

    def _busy(self, conn: Connection) -> bool:
        """True while a response is in process on conn."""
        return conn.exchange.busy

    def closeConnection(self, ca: tuple[Any, ...]) -> None:
        """Close and remove connection given by ca

        Parameters:
            ca: the connection's remote address, its key in .servant.ixes
        """
        conn = self.connections.pop(ca, None)
        self._stirred.pop(ca, None)
        self._sending.pop(ca, None)
        self._overdue.pop(ca, None)
        self._closings.pop(ca, None)
        try:
            if conn is not None:
                self._forget(conn)
        finally:
            if ca in self.servant.ixes:
                try:
                    self.servant.removeIx(ca)
                except OSError:
                    pass

    def serviceConnects(self) -> None:
        """Service new incoming connections Create requestants Timeout stale connections"""
        servant = self.servant
        fresh = None
        try:  # not servant.serviceConnects: it drops half closed connections we still answer
            servant.serviceAccepts()
            if servant.axes:
                fresh = servant.serviceAxes()
            if isinstance(servant, tcpServing.ServerTls):  # TLS: a connection joins .ixes once its handshake is done
                fresh = servant.serviceCxes() if servant.cxes else None  # limited by the servant's tymeout
        except OSError as ex:
            logger.error("%s: accepting failed: %s", self.name, ex)
        ixes = servant.ixes
        if fresh:
            connections = self.connections
            for ca in fresh:
                ix = ixes.get(ca)
                if ix is not None and ca not in connections:
                    self._open(ca, ix)
        if len(ixes) != len(self.connections):  # connections added or removed behind our back
            self._reconcile()
        if self._overdue or self.tymth() >= self._stale:
            self._serviceStales()

    def _open(self, ca: tuple[Any, ...], ix: Remoter) -> None:
        """Begin keeping connection ix at ca: its record, with its tymer and protocol core.

        The tymer here is the one that counts; the remoter's own, restarted on
        every read and write, is not looked at, so the remoter stops keeping it.
        """
        ix.refreshable = False
        tymer = Tymer(tymth=self.tymth, duration=self.tymeout)
        try:
            exchange = Exchange(
                ix.rxbs,
                ix.txbs,
                memo=self.memo,
                maxUnsent=self.maxUnsent,
                dictable=self.dictable,
                remoter=ix,
                **self.limits,
            )
            conn = self.connections[ca] = Connection(ca, ix, exchange, tymer)
            self._stale = min(self._stale, self.tymth() + tymer.remaining)
            self._admit(conn)
        except Exception as ex:
            logger.error("%s: admitting %s failed: %r", self.name, ca, ex)
            self.closeConnection(ca)

    def _reconcile(self) -> None:
        """Bring the kept connections in line with the servant's: open the new, close the gone."""
        for ca, ix in list(self.servant.ixes.items()):
            if not ix.opened:
                self.closeConnection(ca)
            elif ca not in self.connections:
                self._open(ca, ix)
        for ca in [ca for ca in self.connections if ca not in self.servant.ixes]:
            self.closeConnection(ca)

    def _serviceStales(self) -> None:
        """Close connections whose tymer expired (see module docs).

        Looks at every tymer only once the earliest of them may have expired
        (at tyme ._stale); in between only at those found expired before that
        still wait on something (._overdue), such as a response the client
        does not read yet. A lingering connection is left to serviceClosings.
        """
        tyme = self.tymth()
        if tyme >= self._stale:
            conns, soonest = list(self.connections.values()), math.inf
        else:
            conns, soonest = list(self._overdue.values()), self._stale - tyme
        self._overdue = {}
        connections = self.connections
        for conn in conns:
            if connections.get(conn.ca) is not conn:
                continue  # closed meanwhile
            left = conn.tymer.remaining
            if left <= 0.0 and conn.linger is None:
                self._expire(conn)
                if connections.get(conn.ca) is not conn:
                    continue
                left = conn.tymer.remaining
            if left > 0.0:
                soonest = min(soonest, left)
            elif conn.linger is None:
                self._overdue[conn.ca] = conn
        self._stale = tyme + soonest

    def _expire(self, conn: Connection) -> None:
        """Deal with connection conn whose tymer expired."""
        ca = conn.ca
        if conn.closing:  # still flushing its last response
            self.closeConnection(ca)
            return
        if self._busy(conn):
            if conn.ix.txbs:  # client does not read
                logger.info("%s: closing %s: response not read", self.name, ca)
                self.closeConnection(ca)
            return
        if conn.exchange.expire():  # a request part way in: answered 408
            logger.info("%s: closing %s: request not complete in time", self.name, ca)
            self._closeAfterSend(conn)
            conn.tymer.start()
        else:
            self.closeConnection(ca)

    def refuse(self, ca: tuple[Any, ...], status: int, detail: str = "", head: bool = False) -> None:
        """Answer connection ca with an error status and close it after.

        Parameters:
            ca (tuple): connection address
            status (int): status code, e.g. 400
            detail (str): what was wrong
            head (bool): True leaves out the body (request was HEAD)
        """
        conn = self.connections.get(ca)
        if conn is None:
            return
        exchange = conn.exchange
        if not exchange.closing and not exchange.closed:  # one closing has its last answer queued already
            exchange.refuse(status, detail, head=head)
        self._closeAfterSend(conn)

    def _closeAfterSend(self, conn: Connection) -> None:
        """Let go of the server's part of connection conn (its answer is queued
        in full), send what it queued, then close it gracefully (finish)."""
        self._forget(conn)
        self._sending[conn.ca] = conn
        self.finish(conn.ca)

    def finish(self, ca: tuple[Any, ...]) -> None:
        """Close connection ca once its queued bytes are sent (graceful close).

        Parameters:
            ca: the connection's remote address, its key in .servant.ixes
        """
        conn = self.connections.get(ca)
        if conn is not None:
            conn.closing = True
            self._closings[ca] = conn

    def _receive(self, conn: Connection) -> None:
        """Read what connection conn has for us, within the back pressure limit.

        Reads until the socket is drained (a read shorter than the buffer),
        at most RX_READS times. Notes the connection for parsing when bytes
        came, or when the client closed its sending side. Reads nothing while
        .maxUnsent bytes or more wait to be sent to the client.
        """
        ix = conn.ix
        draining = conn.closing
        if not draining and len(ix.txbs) >= self.maxUnsent:
            return
        rxbs = ix.rxbs
        reads = RX_READS
        while reads:
            reads -= 1
            if not draining and len(rxbs) >= RX_LIMIT:
                return
            try:
                data = ix.receive()
            except (OSError, ValueError):
                data = b""
            if data is None:
                return
            if not data:
                conn.exchange.end()
                self._stirred[conn.ca] = conn
                return
            if not draining:
                rxbs.extend(data)
                self._stirred[conn.ca] = conn
            if len(data) < ix.bs:  # drained; TLS bytes left decrypted are found by the servant
                return

    def serviceReceives(self) -> None:
        """Read every connection that has something to read (and whose client
        has not closed): readable sockets, TLS sockets with decrypted bytes
        pending, and new connections; one readiness poll finds them all."""
        servant = self.servant
        if servant is self._readier:  # found to have readyIxes: not looked for again each pass
            ready = servant.readyIxes()
        elif hasattr(servant, "readyIxes"):
            self._readier = servant
            self._pollsOnce = hasattr(servant, "pollReady")
            ready = servant.readyIxes()
        else:
            ready = list(servant.ixes.items())
        connections = self.connections
        receive = self._receive
        for ca, _ in ready:
            conn = connections.get(ca)
            if conn is not None and not conn.exchange.cutoff:
                receive(conn)

    def serviceSends(self) -> None:
        """Send what every connection has queued; progress (or a response just ended) restarts its tymer."""
        sending = self._sending
        if not sending:
            return
        self._sending = {}
        flush = self._flush
        for conn in sending.values():
            flush(conn)

    def _flush(self, conn: Connection) -> None:
        """Send what connection conn has queued, as much as its socket takes now.

        Progress restarts its tymer, as does .restart (a response just ended
        on conn: the tymer restarts whether or not bytes leave now); what the
        socket does not take waits for serviceSends on a later pass; a failed
        send closes the connection.
        """
        ix = conn.ix
        ended, conn.restart = conn.restart, False
        before = len(ix.txbs)
        if not before:
            if ended:
                conn.tymer.start()
            return
        cutoff = ix.cutoff
        try:
            ix.serviceSends()
        except (OSError, ValueError) as ex:
            logger.info("%s: closing %s: send failed: %s", self.name, conn.ca, ex)
            self.closeConnection(conn.ca)
            return
        if ix.cutoff and not cutoff:  # send failed: the client is gone
            logger.info("%s: closing %s: client gone", self.name, conn.ca)
            self.closeConnection(conn.ca)
            return
        left = len(ix.txbs)
        if left < before or ended:
            conn.tymer.start()
            if left < self.maxUnsent <= before:  # the client reads again: parse what waits
                self._stirred[conn.ca] = conn
        if left:  # the socket is full for now: the rest on a later pass
            self._sending[conn.ca] = conn

    def serviceClosings(self) -> None:
        """Lingering close: flush, shut down sending, drain, then close."""
        for conn in list(self._closings.values()):
            ca = conn.ca
            ix = conn.ix
            if self.servant.ixes.get(ca) is not ix:
                self.closeConnection(ca)
                continue
            if conn.linger is None:
                if ix.txbs:
                    continue
                if conn.exchange.cutoff or conn.exchange.closed:
                    self.closeConnection(ca)
                    continue
                if ix.cs is None:  # closed already
                    self.closeConnection(ca)
                    continue
                try:
                    shutSend(ix.cs)
                except (OSError, AttributeError):
                    self.closeConnection(ca)
                    continue
                conn.linger = Tymer(tymth=self.tymth, duration=self.delay)
                continue
            self._receive(conn)
            if conn.exchange.cutoff or conn.linger.expired:
                self.closeConnection(ca)

    def _serviceExchanges(self) -> None:
        """Parse the requests that arrived and answer them. Override."""

    def service(self) -> None:
        """Service request response

        Accepts and reads the connections, parses requests and runs their
        responses (see the servers), then sends what they queued and goes on
        with the connections closing. A failure is logged, never raised into
        the Doist.
        """
        try:
            if self._pollsOnce and self.servant is self._readier:  # one readiness poll for accepts and receives
                self._readier.pollReady()
            self.serviceConnects()
            self.serviceReceives()
            self._serviceExchanges()
            if self._sending:  # each step below has nothing to do while its list is empty
                self.serviceSends()
            if self._closings:
                self.serviceClosings()
        except Exception as ex:  # never into the Doist
            logger.error("%s: service failed: %r", self.name, ex, exc_info=ex)

    def close(self) -> None:
        """Close all connections and the listen socket."""
        for ca in list(self.connections):
            try:
                self.closeConnection(ca)
            except Exception as ex:
                logger.error("%s: closing %s failed: %r", self.name, ca, ex)
        self.servant.close()
        self._stirred.clear()
        self._sending.clear()
        self._overdue.clear()
        self._closings.clear()
        self._stale = -math.inf

    def idle(self) -> bool:
        """Returns True if no connections have requests in process Useful for debugging"""
        return not any(self._busy(conn) or conn.exchange.pending for conn in self.connections.values())

    def _guard(self, conn: Connection, action: Callable[..., Any], *pa: Any) -> None:
        """Run action(conn, *pa); a failure closes connection conn only, never the server."""
        try:
            action(conn, *pa)
        except Exception as ex:
            self._fault(conn.ca, ex)

    def _fault(self, ca: tuple[Any, ...], ex: Exception) -> None:
        """Log the failure ex of connection ca and close ca."""
        logger.error("%s: connection %s failed: %r", self.name, ca, ex, exc_info=ex)
        try:
            self.closeConnection(ca)
        except Exception:
            pass

    def _settle(self, conn: Connection) -> None:
        """Act on what the Exchange of conn decided when it gave no request: send an
        error it answered and close after it, close a connection its client closed
        between requests, send a ``100 Continue``."""
        exchange = conn.exchange
        if conn.closing:
            return
        if exchange.closing:
            fault = exchange.fault
            if fault is not None:
                logger.info("%s: refusing request from %s: %s %s", self.name, conn.ca, fault.status, fault.detail)
            self._closeAfterSend(conn)
        elif exchange.closed:
            self.closeConnection(conn.ca)
        elif exchange.txbs:  # 100 Continue
            self._sending[conn.ca] = conn
