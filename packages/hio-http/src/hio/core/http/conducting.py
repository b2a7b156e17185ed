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
"""

from __future__ import annotations

import logging
import math
import socket
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hio.base.tyming import Tymer
from hio.core.http import httping
from hio.core.http.responding import Responder, errorMessage
from hio.core.tcp import serving as tcpServing
from hio.core.wiring import WireLog
from hio.hioing import keywordsOf, warnUnexpected

if TYPE_CHECKING:
    from hio.core.http.requesting import Requestant
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


class Conductor:
    """Connection keeping shared by the HTTP servers.

    Attributes:
        servant (hio.core.tcp.serving.Server): TCP or TLS server of the connections
        name (str): name of the server, for logs
        scheme (str): "http" or "https"
        tymeout (float): tyme in seconds before a stale connection is closed
        delay (float): tyme in seconds a closing connection lingers to drain
        tymers (dict): per connection address ca, its stale connection Tymer
        closings (dict): per ca of a closing connection, None while its last
            response is flushed, then the Tymer of its lingering
        cutoffs (set): ca of connections whose client closed its sending side
        limits (dict): request limits handed to each Requestant
        maxUnsent (int): most unsent response bytes a connection holds; past
            it the connection is neither parsed nor read until its client
            reads (see module docs)
    """

    Tymeout = 5.0

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
        self.maxUnsent = getattr(servant, "maxUnsent", tcpServing.MAX_UNSENT)
        self.tymers: dict[tuple[Any, ...], Tymer] = {}
        self.closings: dict[tuple[Any, ...], Tymer | None] = {}
        self.cutoffs: set[tuple[Any, ...]] = set()
        # ca (an ordered set): new bytes or end of input, or a response just ended
        self._stirred: dict[tuple[Any, ...], None] = {}
        # ca (an ordered set): bytes may wait in its .txbs; True when a response just ended on it, whose
        # tymer restarts when it is flushed (one restart, whether or not bytes leave)
        self._sending: dict[tuple[Any, ...], bool | None] = {}
        self._stale = -math.inf  # tyme from which the earliest connection tymer may be expired
        # ca (an ordered set): tymer expired, connection kept while it waits on something
        self._overdue: dict[tuple[Any, ...], None] = {}
        self._readier: Any = None  # the servant last found to have a readiness poll (readyIxes)
        self._pollsOnce = False  # True when that servant polls once for accepts and receives (pollReady)

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
        for tymer in self.tymers.values():
            tymer.wind(tymth)
        for closing in self.closings.values():
            if closing is not None:
                closing.wind(tymth)
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

    def _admit(self, ca: tuple[Any, ...], ix: Remoter) -> None:
        """Begin keeping newly accepted connection ix at ca. Override."""

    def _forget(self, ca: tuple[Any, ...]) -> None:
        """Drop the per connection state of ca. Override."""

    def _busy(self, ca: tuple[Any, ...]) -> bool:
        """True while a response is in process on ca. Override."""
        return False

    def _pending(self, ca: tuple[Any, ...]) -> bool:
        """True while part of a request has arrived on ca. Override."""
        return False

    def closeConnection(self, ca: tuple[Any, ...]) -> None:
        """Close and remove connection given by ca

        Parameters:
            ca: the connection's remote address, its key in .servant.ixes
        """
        self._stirred.pop(ca, None)
        self._sending.pop(ca, None)
        self._overdue.pop(ca, None)
        try:
            self._forget(ca)
        finally:
            self.tymers.pop(ca, None)
            self.closings.pop(ca, None)
            self.cutoffs.discard(ca)
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
            for ca in fresh:
                ix = ixes.get(ca)
                if ix is not None and ca not in self.tymers:
                    self._open(ca, ix)
        if len(ixes) != len(self.tymers):  # connections added or removed behind our back
            self._reconcile()
        if self._overdue or self.tymth() >= self._stale:
            self._serviceStales()

    def _open(self, ca: tuple[Any, ...], ix: Remoter) -> None:
        """Begin keeping connection ix at ca: its tymer, then its per connection state.

        The tymer here is the one that counts; the remoter's own, restarted on
        every read and write, is not looked at, so the remoter stops keeping it.
        """
        ix.refreshable = False
        tymer = Tymer(tymth=self.tymth, duration=self.tymeout)
        self.tymers[ca] = tymer
        if self.tymth is not None:
            self._stale = min(self._stale, self.tymth() + tymer.remaining)
        try:
            self._admit(ca, ix)
        except Exception as ex:
            logger.error("%s: admitting %s failed: %r", self.name, ca, ex)
            self.closeConnection(ca)

    def _reconcile(self) -> None:
        """Bring the kept connections in line with the servant's: open the new, close the gone."""
        for ca, ix in list(self.servant.ixes.items()):
            if not ix.opened:
                self.closeConnection(ca)
            elif ca not in self.tymers:
                self._open(ca, ix)
        for ca in [ca for ca in self.tymers if ca not in self.servant.ixes]:
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
            cas, soonest = list(self.tymers), math.inf
        else:
            cas, soonest = list(self._overdue), self._stale - tyme
        self._overdue = {}
        tymers, closings = self.tymers, self.closings
        for ca in cas:
            tymer = tymers.get(ca)
            if tymer is None:
                continue
            left = tymer.remaining
            if left <= 0.0 and closings.get(ca) is None:
                self._expire(ca, tymer)
                tymer = tymers.get(ca)
                if tymer is None:
                    continue
                left = tymer.remaining
            if left > 0.0:
                soonest = min(soonest, left)
            elif closings.get(ca) is None:
                self._overdue[ca] = None
        self._stale = tyme + soonest

    def _expire(self, ca: tuple[Any, ...], tymer: Tymer) -> None:
        """Deal with connection ca whose tymer expired."""
        ix = self.servant.ixes.get(ca)
        if ix is None:
            return
        if ca in self.closings:
            if self.closings[ca] is None:  # still flushing its last response
                self.closeConnection(ca)
            return
        if self._busy(ca):
            if ix.txbs:  # client does not read
                logger.info("%s: closing %s: response not read", self.name, ca)
                self.closeConnection(ca)
            return
        if self._pending(ca):
            logger.info("%s: closing %s: request not complete in time", self.name, ca)
            self.refuse(ca, httping.REQUEST_TIMEOUT, "request not complete in time")
            tymer.start()
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
        ix = self.servant.ixes.get(ca)
        if ix is None:
            return
        self._forget(ca)
        ix.tx(errorMessage(status, detail=detail, head=head))
        self._sending.setdefault(ca, None)
        self.finish(ca)

    def finish(self, ca: tuple[Any, ...]) -> None:
        """Close connection ca once its queued bytes are sent (graceful close).

        Parameters:
            ca: the connection's remote address, its key in .servant.ixes
        """
        if ca not in self.closings:
            self.closings[ca] = None

    def _receive(self, ca: tuple[Any, ...], ix: Remoter) -> None:
        """Read what connection ca has for us, within the back pressure limit.

        Reads until the socket is drained (a read shorter than the buffer),
        at most RX_READS times. Notes the connection for parsing when bytes
        came, or when the client closed its sending side. Reads nothing while
        .maxUnsent bytes or more wait to be sent to the client.
        """
        closings = self.closings
        draining = ca in closings if closings else False
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
                self.cutoffs.add(ca)
                self._stirred[ca] = None
                return
            if not draining:
                rxbs.extend(data)
                self._stirred[ca] = None
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
        cutoffs = self.cutoffs
        receive = self._receive
        for ca, ix in ready:
            if not cutoffs or ca not in cutoffs:
                receive(ca, ix)

    def serviceSends(self) -> None:
        """Send what every connection has queued; progress (or a response just ended) restarts its tymer."""
        sending = self._sending
        if not sending:
            return
        self._sending = {}
        flush = self._flush
        ixes = self.servant.ixes
        for ca, ended in sending.items():
            flush(ca, ended, ixes.get(ca))

    def _flush(self, ca: tuple[Any, ...], ended: bool | None, ix: Remoter | None) -> None:
        """Send what connection ca has queued, as much as its socket takes now.

        Progress restarts its tymer, as does ended (a response just ended on
        ca, the tymer restarts whether or not bytes leave now); what the socket
        does not take waits for serviceSends on a later pass; a failed send
        closes the connection.

        Parameters:
            ca (tuple): connection address
            ended (bool | None): True when a response just ended on ca
            ix (Remoter | None): its remoter in the servant's .ixes, None when gone
        """
        if ix is None:
            return
        before = len(ix.txbs)
        if not before:
            if ended:
                tymer = self.tymers.get(ca)
                if tymer is not None:
                    tymer.start()
            return
        cutoff = ix.cutoff
        try:
            ix.serviceSends()
        except (OSError, ValueError) as ex:
            logger.info("%s: closing %s: send failed: %s", self.name, ca, ex)
            self.closeConnection(ca)
            return
        if ix.cutoff and not cutoff:  # send failed: the client is gone
            logger.info("%s: closing %s: client gone", self.name, ca)
            self.closeConnection(ca)
            return
        left = len(ix.txbs)
        if left < before or ended:
            tymer = self.tymers.get(ca)
            if tymer is not None:
                tymer.start()
            if left < self.maxUnsent <= before:  # the client reads again: parse what waits
                self._stirred[ca] = None
        if left:  # the socket is full for now: the rest on a later pass
            self._sending[ca] = None

    def serviceClosings(self) -> None:
        """Lingering close: flush, shut down sending, drain, then close."""
        if not self.closings:
            return
        for ca, linger in list(self.closings.items()):
            ix = self.servant.ixes.get(ca)
            if ix is None:
                self.closeConnection(ca)
                continue
            if linger is None:
                if ix.txbs:
                    continue
                if ca in self.cutoffs:
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
                self.closings[ca] = Tymer(tymth=self.tymth, duration=self.delay)
                continue
            self._receive(ca, ix)
            if ca in self.cutoffs or linger.expired:
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
            if self._sending:  # each step below has nothing to do while its set is empty
                self.serviceSends()
            if self.closings:
                self.serviceClosings()
        except Exception as ex:  # never into the Doist
            logger.error("%s: service failed: %r", self.name, ex, exc_info=ex)

    def close(self) -> None:
        """Close all connections and the listen socket."""
        for ca in list(self.tymers):
            try:
                self.closeConnection(ca)
            except Exception as ex:
                logger.error("%s: closing %s failed: %r", self.name, ca, ex)
        self.servant.close()
        self._stirred.clear()
        self._sending.clear()
        self._overdue.clear()
        self._stale = -math.inf

    def idle(self) -> bool:
        """Returns True if no connections have requests in process Useful for debugging"""
        return not any(self._busy(ca) or self._pending(ca) for ca in self.tymers)

    def _guard(self, ca: tuple[Any, ...], action: Callable[..., Any], *pa: Any) -> None:
        """Run action(ca, *pa); a failure closes connection ca only, never the server."""
        try:
            action(ca, *pa)
        except Exception as ex:
            self._fault(ca, ex)

    def _fault(self, ca: tuple[Any, ...], ex: Exception) -> None:
        """Log the failure ex of connection ca and close ca."""
        logger.error("%s: connection %s failed: %r", self.name, ca, ex, exc_info=ex)
        try:
            self.closeConnection(ca)
        except Exception:
            pass

    def _advance(self, ca: tuple[Any, ...], requestant: Requestant) -> bool:
        """Parse what has arrived on ca into requestant.

        Answers a bad request (and a request cut short) with its error status,
        closes a connection that its client closed between requests, and sends
        ``100 Continue`` when the client waits for it.

        Returns:
            bool: True when a whole request is parsed and ready to respond to
        """
        ix = self.servant.ixes.get(ca)
        if ix is None or ca in self.closings:
            return False
        if requestant.ended:
            return True
        requestant.msg = ix.rxbs
        if requestant.parser is None and not requestant.errored:
            if requestant.parseWhole():  # the usual case: a whole request at once
                return True
            if not requestant.errored:  # a bad whole head is answered below, at once
                if not ix.rxbs and ca not in self.cutoffs and not requestant.headed:
                    return False  # nothing arrived (a head parsed just now waits for its body below)
                requestant.makeParser()
        for _ in range(4):  # head, then body: a whole buffered request in one pass
            requestant.parse()
            if requestant.parser is None:
                break
        if not requestant.errored and not requestant.ended and ca in self.cutoffs:
            requestant.close()
            if not requestant.errored:
                self.closeConnection(ca)
                return False
        if requestant.errored:
            fault = requestant.fault
            if fault is None:
                fault = httping.HTTPError(httping.BAD_REQUEST, detail=requestant.error or "")
            logger.info("%s: refusing request from %s: %s %s", self.name, ca, fault.status, requestant.error)
            self.refuse(ca, fault.status, fault.detail or fault.title, head=requestant.method == "HEAD")
            return False
        if requestant.expecting and requestant.headed and not requestant.bodied:
            ix.tx(b"HTTP/1.1 100 Continue\r\n\r\n")
            self._sending.setdefault(ca, None)
            requestant.expecting = False
        return requestant.ended
