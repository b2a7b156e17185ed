"""hio.core.tcp.clienting module

Nonblocking TCP clients: Client connects to a remote (host, port) and moves
bytes between its socket and the .txbs and .rxbs buffers; ClientTls adds TLS
with a nonblocking handshake; ClientDoer services a Client under a Doist.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from hio import help
from hio.base import tyming
from hio.base.servicing import Alias
from hio.base.waking import pollOne
from hio.core import coring
from hio.core.tcp import tlsing
from hio.core.tcp.streaming import TLS_ENDS, Stream, StreamTls, WoundOnRun, opened
from hio.core.wiring import WireLog

logger = help.ogler.getLogger()


# least fixed send buffer: one smaller than a loopback segment (64 KiB) leaves
# the sender waiting on the peer's delayed acknowledgements, at a few MB/s
_LEAST_SNDBUF = 1 << 16

# connect_ex results that mean the attempt is still under way
_PENDING = frozenset((errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK, errno.EAGAIN, errno.EINTR))


def openClient(cls: type[Client] | None = None, **kwa: Any) -> AbstractContextManager[Client]:
    """Returns a with-block context that makes a ``cls(**kwa)``, default a Client,
    opens it and closes it at the end of the block.

    Parameters:
        kwa: the parameters of cls (see Client, ClientTls)

    Usage:
        with openClient(cls=ClientTls, ha=ha) as client0:
            client0.accept()
    """
    return opened((cls or Client)(**kwa))


class Client(coring.Addressed, Stream):
    """Nonblocking TCP Socket Client Class.

    See Stream (sends and receives) and tyming.Tymee for inherited attributes,
    properties, and methods

    Attributes:
        tymeout (float): seconds to wait after a failed connection attempt (or,
            when reconnectable, a lost connection) before the next one; 0.0
            means at the next service
        tymer (Tymer): retry tymer on the tyme base of .tymth
        hostname (str): dns name or ip address of the remote host as given
        ha (tuple): (host, port) of the remote host, host normalized to an ip address
        reconnectable (bool): True means also reconnect, after .tymeout, once
            the peer closed or reset an established connection; False means a
            connection cut off stays so until reopened. Either way a refused or
            otherwise failed connection attempt is retried, never raised
        bs (int): buffer size, the most bytes read from the socket at once
        txbs (bytearray): bytes waiting to be sent, in order
        rxbs (bytearray): bytes received and not yet consumed, in order
        wl (WireLog | None): logs every rx and tx with the remote address when given
        cs (socket.socket | None): connection socket
        ca (tuple): local (host, port) of the connection socket once accepted
        cutoff (bool): True when the peer closed or reset the connection
        opened (bool): True when .cs is open
        error (OSError | None): why the last connection attempt failed (for
            example ConnectionRefusedError, or an ssl.SSLError for a rejected
            TLS handshake); None before any failure and again once connected

    Properties:
        host (str): host in .ha
        port (int): port in .ha
        accepted (bool): True when the TCP connection is established
        connected (bool): True when the connection is ready for data
    """

    Tymeout = 0.0  # seconds between reconnection attempts, 0.0 means retry at once
    Timeout = Tymeout  # former name of Tymeout
    Reconnectable = False  # auto reconnect flag
    _kind = "Client"

    def __init__(
        self,
        tymeout: float | None = None,
        ha: tuple[str, int] | None = None,
        host: str = "127.0.0.1",
        port: int = 56000,
        reconnectable: bool | None = None,
        bs: int = 8096,
        txbs: bytearray | None = None,
        rxbs: bytearray | None = None,
        wl: WireLog | None = None,
        tymth: Callable[[], float] | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            tymeout: seconds between reconnection attempts, default .Tymeout
                (timeout is accepted as an alias)
            ha: remote (host, port), overrides host and port when given
            host: remote dns name or ip address
            port: remote port
            reconnectable: True means keep retrying and reconnecting, default .Reconnectable
            bs: buffer size, the most bytes read from the socket at once
            txbs: transmit buffer to use, default a new bytearray
            rxbs: receive buffer to use, default a new bytearray
            wl: WireLog instance to record rx and tx, if any
            tymth: the injected tymist.tymth
            kwa: passed on
        """
        timeout = kwa.pop("timeout", None)
        super().__init__(tymth=tymth, **kwa)
        if tymeout is None:
            tymeout = timeout
        self.tymeout = tymeout if tymeout is not None else self.Tymeout
        self.tymer = tyming.Tymer(tymth=self.tymth, duration=self.tymeout)
        self.reinitHostPort(ha=ha, hostname=host, port=port)
        self.reconnectable = reconnectable if reconnectable is not None else self.Reconnectable
        self.bs = bs
        self.txbs = txbs if txbs is not None else bytearray()
        self.rxbs = rxbs if rxbs is not None else bytearray()
        self.wl = wl
        self.ca: tuple[Any, ...] = (None, None)
        self.opened = False
        self.error: Exception | None = None
        self._accepted = False
        self._waiting = False  # True while waiting out .tymer before the next attempt

    @property
    def _remote(self) -> tuple[str, int]:
        return self.ha

    @property
    def accepted(self) -> bool:
        """Property that returns accepted state of TCP socket"""
        return self._accepted

    @property
    def connected(self) -> bool:
        """Property that returns connected state of TCP socket.

        Non-tls tcp is connected when accepted
        """
        return self._linked

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Changes tymist.tyme base.

        Updates winds .tymer .tymth

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        self.tymer.wind(tymth)

    def reinitHostPort(self, ha: tuple[str, int] | None = None, hostname: str = "127.0.0.1", port: int = 56000) -> None:
        """Reinit self.ha and self.hostname from ha = (host, port) or hostname port.

        self.ha is of form (host, port) where host is the ip address output
        from normalizeHost() of the dns name or ip address given.
        self.hostname is hostname as given, a dns name or ip address.

        Parameters:
            ha: (host, port), overrides hostname and port when given
            hostname: dns name or ip address of the server
            port: the server's port
        """
        if ha:
            hostname, port = ha[0], ha[1]
        self.hostname = hostname
        host = coring.normalizeHost(hostname) if hostname else hostname
        self.ha = (host or hostname, port)

    def actualBufSizes(self) -> tuple[int, int]:
        """Returns duple of the the actual socket send and receive buffer size (send, receive)"""
        if not self.cs:
            return (0, 0)
        return (
            self.cs.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF),
            self.cs.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
        )

    def open(self) -> bool:
        """Opens connection socket in non blocking mode.

        Returns True when opened.
        """
        self.close()
        family = socket.AF_INET6 if ":" in self.ha[0] else socket.AF_INET
        cs = socket.socket(family, socket.SOCK_STREAM)
        try:
            # the send buffer is fixed, so the kernel does not grow it into
            # megabytes that a send reports as sent long before the peer has
            # them; the receive buffer only ever grows
            cs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, max(self.bs, _LEAST_SNDBUF))
            if cs.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < self.bs:
                cs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.bs)
            cs.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            cs.setblocking(False)
        except OSError:
            cs.close()
            raise
        self.cs = cs
        self._watch(cs)  # a real-time Doist wakes when it becomes readable
        self._ready = pollOne(cs)
        self.opened = True
        self.cutoff = False
        self._accepted = False
        self._linked = False
        return True

    def reopen(self) -> bool:
        """Idempotently opens socket. Returns True when opened."""
        self._waiting = False
        return self.open()

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        """Shutdown connected socket .cs; nothing once closed

        Parameters:
            how: socket.SHUT_RD, socket.SHUT_WR or socket.SHUT_RDWR (2, the default)
        """
        if self.cs:
            super().shutdown(how)

    def close(self) -> None:
        """Shutdown and close connected socket .cs"""
        self._closeSocket()
        self._ready = None
        self.opened = False
        self._accepted = False
        self._waiting = False

    def refresh(self) -> None:
        """Restart timer"""
        if self._tymth is not None:
            self.tymer.start(duration=self.tymeout)

    def accept(self) -> bool:
        """Attempt nonblocking acceptance connect to .ha

        Returns True if successful
        Returns False if not so try again later

        Never raises for a failed attempt: a refused, unreachable or otherwise
        failed attempt is logged and kept in .error, .cs is closed, and the
        next call (once .tymeout has passed) opens .cs anew and tries again.
        A closed client, also one closed by the caller, is opened first.
        """
        if self._accepted:
            return True
        if self._waiting:
            if not self._expired():
                return False
            self._waiting = False
        if not self.opened:
            try:
                self.reopen()
            except OSError as ex:  # out of descriptors or buffers
                return self._fail(ex)
        cs = self.cs
        assert cs is not None  # opened above
        try:
            result = cs.connect_ex(self.ha)
        except OSError as ex:
            return self._fail(ex)
        if result == 0 or result == errno.EISCONN:
            if cs.getsockname() == cs.getpeername():  # self connected to unbound port
                return self._fail(self._error(errno.ECONNREFUSED))
            self._accepted = True
            self.cutoff = False
            self.ca = cs.getsockname()
            if not self._tls:  # a TLS client is connected only after its handshake
                self._linked = True
                self.error = None
            logger.debug("Client %s accepted connection to %s.", self.ca, self.ha)
            return True
        if result in _PENDING:
            return False
        return self._fail(self._error(result))

    def _expired(self) -> bool:
        """Returns True when .tymer has expired or there is no tyme base to wait on."""
        return self.tymth is None or self.tymer.expired

    def _error(self, code: int) -> OSError:
        """Returns the OSError (its subclass for code) of a failed attempt to connect to .ha."""
        return OSError(code, f"{os.strerror(code)} connecting to {self.ha[0]}:{self.ha[1]}")

    def _fail(self, ex: Exception) -> bool:
        """Records failed connection attempt ex in .error, closes and retries later.

        The first failure of a kind is logged as an error, repeats of it only
        for debugging, so a client retrying a peer that is down does not flood
        the log. Returns False.
        """
        last = self.error
        if last is None or type(last) is not type(ex) or getattr(last, "errno", None) != getattr(ex, "errno", None):
            logger.error("Client connection to %s failed: %s", self.ha, ex)
        else:
            logger.debug("Client connection to %s failed again: %s", self.ha, ex)
        self.error = ex
        self._retryLater()
        return False

    def _retryLater(self, reopen: bool = False) -> None:
        """Closes .cs; the next connection attempt waits until .tymeout has passed.

        Parameters:
            reopen: True means open a new .cs at once, ready for that attempt
        """
        self.close()
        if reopen:
            try:
                self.open()
            except OSError as ex:  # out of descriptors or buffers: opened by the next attempt
                logger.error("Client to %s cannot open a socket: %s", self.ha, ex)
                self.error = ex
        self._waiting = True
        if self.tymth is not None:
            self.tymer.start(duration=self.tymeout)

    def connect(self) -> bool:
        """Attempt nonblocking connect to .ha

        Returns True if successful
        Returns False if not so try again later
        For non-TLS tcp connect is done when accepted
        This is placeholder for subclass Tls
        """
        return self.accept()

    def serviceConnect(self) -> bool:
        """Service connection attempt.

        If not already connected make a nonblocking attempt (see accept: a
        failed attempt is retried, never raised). A reconnectable client whose
        peer closed the connection closes it and opens a new socket at once
        (so it is no longer .cutoff), and connects it once .tymeout has passed.
        Returns .connected
        """
        if self.cutoff and self.reconnectable and self.opened:
            logger.info("Client to %s cut off, reconnecting.", self.ha)
            self._retryLater(reopen=True)
        if not self.connected:
            self.connect()
        return self.connected

    def service(self) -> None:
        """Service connect, txbs, and receives."""
        if self.serviceConnect():
            self.serviceSends()
            self.serviceReceives()


class ClientTls(tlsing.Secured, StreamTls, Client):
    """Outgoer with Nonblocking TLS/SSL support Nonblocking TCP Socket Client Class.

    Verifies the server certificate against the certificate authorities in
    cafilepath (default: the system store) and the server host name against
    certedhost unless the caller turns that off explicitly with
    certify=ssl.CERT_NONE or hostify=False.

    Attributes:
        context (ssl.SSLContext): TLS context
        version (int | ssl.TLSVersion | None): TLS version asked for
        certify (int | bool | None): server certificate requirement asked for
        hostify (bool | None): host name verification asked for
        certedhost (str): host name the server certificate must be for, also
            sent as server name indication
        keypath (str | None): path to the client private key file for mutual TLS
        certpath (str | None): path to the client certificate file for mutual TLS
        cafilepath (str | None): path to the certificate authority file that
            verifies the server certificate
    """

    def __init__(
        self,
        context: ssl.SSLContext | None = None,
        version: int | ssl.TLSVersion | None = None,
        certify: int | bool | None = None,
        hostify: bool | None = None,
        certedhost: str = "",
        keypath: str | None = None,
        certpath: str | None = None,
        cafilepath: str | None = None,
        **kwa: Any,
    ) -> None:
        """Initialize instance.

        Parameters:
            context: TLS context to use, default a new client context
            version: None means TLS 1.2 or later, an ssl.TLSVersion pins that
                version, an ``ssl.PROTOCOL_*`` constant makes the context with it
            certify: server certificate requirement, default ssl.CERT_REQUIRED;
                True, False or ssl.CERT_NONE/OPTIONAL/REQUIRED
            hostify: True means verify the server host name, default True
                unless certify is ssl.CERT_NONE
            certedhost: host name to verify and indicate, default .hostname
            keypath: client private key file for mutual TLS
            certpath: client certificate file for mutual TLS
            cafilepath: certificate authority file that verifies the server
            kwa: passed on to Client
        """
        super().__init__(**kwa)
        self.certedhost = certedhost or self.hostname
        self._secure(
            initClientContext,
            context,
            version=version,
            certify=certify,
            hostify=hostify,
            keypath=keypath,
            certpath=certpath,
            cafilepath=cafilepath,
        )

    def wrap(self) -> None:
        """Wrap socket .cs in ssl context"""
        assert self.cs is not None  # accepted before it is wrapped
        self.cs = self.context.wrap_socket(
            self.cs,
            server_side=False,
            do_handshake_on_connect=False,
            server_hostname=self.certedhost or None,
        )

    def _handshakeFailed(self, ex: OSError) -> None:
        """A failed handshake is a failed connection attempt (see accept): it is
        logged and kept in .error, for example an ssl.SSLCertVerificationError
        for an unknown authority, an expired certificate or a host name
        mismatch, .cs is closed and the attempt is made anew later. No data
        moves over a connection whose handshake failed."""
        self._fail(ex)

    def _handshaken(self) -> None:
        self.error = None

    def connect(self) -> bool:
        """Attempt nonblocking connect to .ha

        Returns True if successful
        Returns False if not so try again later
        Connected when both accepted connection and TLS handshake complete
        """
        if self._linked:
            return True
        if not self._accepted and not self.accept():
            return False
        if not isinstance(self.cs, ssl.SSLSocket):
            self.wrap()
        return self.handshake()

    def _receiveFailed(self, ex: OSError) -> None:
        """When the server rejects the connection with a TLS alert, for instance
        because it does not accept the client certificate, keeps the
        ssl.SSLError in .error (the connection is cut off)."""
        if isinstance(ex, ssl.SSLError) and not isinstance(ex, TLS_ENDS):
            logger.error("Client TLS connection to %s failed: %s", self.ha, ex)
            self.error = ex
        else:
            super()._receiveFailed(ex)

    def _readable(self) -> bool:
        """Returns True when .cs may have something to receive, decrypted or not."""
        cs = self.cs
        return (isinstance(cs, ssl.SSLSocket) and cs.pending() > 0) or super()._readable()


def initClientContext(
    context: ssl.SSLContext | None = None,
    version: int | ssl.TLSVersion | None = None,
    certify: int | bool | None = None,
    hostify: bool | None = None,
    keypath: str | None = None,
    certpath: str | None = None,
    cafilepath: str | None = None,
) -> ssl.SSLContext:
    """Initialize and return context for TLS Client.

    IF context is None THEN create a context that requires a server
    certificate verified by cafilepath (default: the system store) for the
    expected host name, over TLS 1.2 or later.

    Parameters:
        context: existing context to configure, if any
        version: see tlsing.newContext
        certify: server certificate requirement; None keeps the default
            (ssl.CERT_REQUIRED for a new context)
        hostify: True or False turns host name verification on or off; None
            keeps the default (on unless certify is ssl.CERT_NONE)
        keypath: client private key file; applied with certpath
        certpath: client certificate file for mutual TLS; if given apply to context
        cafilepath: certificate authority file that verifies the server; if given apply to context

    Raises:
        ValueError: for hostify True with certify ssl.CERT_NONE
    """
    if context is None:
        context = tlsing.newContext(ssl.PROTOCOL_TLS_CLIENT, version)
        if not cafilepath:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if cafilepath:
        context.load_verify_locations(cafile=cafilepath)
    if certpath:
        context.load_cert_chain(certfile=certpath, keyfile=keypath)
    mode = tlsing.verifyMode(certify) if certify is not None else None
    if mode == ssl.CERT_NONE:
        if hostify:
            raise ValueError("Cannot verify the host name without verifying the certificate.")
        context.check_hostname = False
    if hostify is not None:
        context.check_hostname = bool(hostify)
    if mode is not None:
        context.verify_mode = mode
    return context


class ClientDoer(WoundOnRun):
    """Basic TCP Client: opens the client on enter, services its connect,
    sends and receives each run and closes it on exit.

    See WoundOnRun, ServiceDoer and Doer for inherited attributes, properties, and methods.

    Attributes:
        client (Client): TCP Client instance, the servant
    """

    client = Alias[Client]("servant")

    def __init__(self, client: Client, **kwa: Any) -> None:
        """Initializes the doer of ``client``.

        Parameters:
            client: the TCP Client to service
            kwa: parameters of WoundOnRun and Doer (tymth, tock, opts)
        """
        super().__init__(client, **kwa)
