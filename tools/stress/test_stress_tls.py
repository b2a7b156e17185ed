"""TLS: secure defaults (certificate and host name verified, TLS 1.2 at least, both ways),
and hundreds of clients that stall or garble their handshakes never stall the
handshakes of the others on a ServerTls; each staller is dropped after the tymeout.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import warnings

from hio.base.doing import Doist
from hio.core.tcp.clienting import ClientTls
from hio.core.tcp.serving import EchoServerDoer, ServerTls

LEGACY_CIPHERS = "DEFAULT:@SECLEVEL=0"  # what an old peer needs: TLS 1.1 signs with SHA-1


def handshake(client: ClientTls, server: ServerTls, passes: int = 2000) -> bool:
    """Services client and server until the client is connected (True) or its attempt failed (False, see .error)."""
    for _ in range(passes):
        client.service()
        server.service()
        if client.connected:
            return True
        if client.error is not None:
            return False
    return False


def echoed(client: ClientTls, server: ServerTls, msg: bytes) -> bool:
    """Sends msg through an echoing server and tells whether it came back whole."""
    client.tx(msg)
    for _ in range(2000):
        client.service()
        server.serviceConnects()
        server.serviceReceivesAllIx()
        for ix in server.ixes.values():
            if ix.rxbs:
                ix.tx(ix.rxbs)
                ix.clearRxbs()
        server.serviceSendsAllIx()
        if len(client.rxbs) >= len(msg):
            break
    return bytes(client.rxbs) == msg


def test_client_tls_defaults_verify_certificate_and_host_name(certs, kit):
    for client in (ClientTls(ha=(kit.LOOPBACK, 1), cafilepath=certs.ca), ClientTls(ha=(kit.LOOPBACK, 1))):
        assert client.context.verify_mode == ssl.CERT_REQUIRED
        assert client.context.check_hostname is True
        assert client.context.minimum_version >= ssl.TLSVersion.TLSv1_2
    server = ServerTls(host=kit.LOOPBACK, port=0, certpath=certs.named, keypath=certs.namedKey)
    assert server.context.minimum_version >= ssl.TLSVersion.TLSv1_2
    server.reopen()
    refused = []
    try:
        # a certificate for another name than the one dialled; then one from an unknown authority
        for kwa in ({"cafilepath": certs.ca}, {"cafilepath": certs.otherCa, "certedhost": "www.example.org"}):
            client = ClientTls(ha=server.eha, **kwa)
            client.reopen()
            try:
                assert not handshake(client, server)  # a refused handshake is kept, never raised
                assert isinstance(client.error, ssl.SSLCertVerificationError)
                refused.append(client.error.verify_message)
                assert not client.connected
            finally:
                client.close()
        client = ClientTls(ha=server.eha, cafilepath=certs.ca, certedhost="www.example.org")  # the right name
        client.reopen()
        try:
            assert handshake(client, server) and echoed(client, server, b"verified")
        finally:
            client.close()
    finally:
        server.close()
    kit.report("TLS client defaults", refused=" / ".join(refused))


@contextlib.contextmanager
def legacyPeer(context: ssl.SSLContext, serverSide: bool, ha=None):
    """Runs one TLS 1.1 handshake in a thread, as server (accepting on a new port) or as client (to ha).

    Yields a dict: "ha" the address a server peer listens on; after the block
    "version" is the version it negotiated or "error" the exception it got.
    """
    box = {}
    listener = None
    if serverSide:
        listener = socket.create_server(("127.0.0.1", 0))
        box["ha"] = listener.getsockname()

    def run():
        try:
            if serverSide:
                listener.settimeout(10)
                sock, _ = listener.accept()
                sock.settimeout(10)
                with context.wrap_socket(sock, server_side=True) as tls:
                    box["version"] = tls.version()
                    tls.recv(1)
            else:
                sock = socket.create_connection(ha, timeout=10)
                with context.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
                    box["version"] = tls.version()
        except (OSError, ssl.SSLError) as ex:
            box["error"] = ex

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        if listener is not None:
            listener.close()
        thread.join(10)


def legacyContext(protocol: int, certs) -> ssl.SSLContext | None:
    """A context that speaks TLS 1.1 only, or None when this Python or OpenSSL cannot make one."""
    if not getattr(ssl, "HAS_TLSv1_1", False):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            context = ssl.SSLContext(protocol)
            context.minimum_version = ssl.TLSVersion.TLSv1_1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
            context.set_ciphers(LEGACY_CIPHERS)
        except (ValueError, ssl.SSLError):
            return None
    if protocol == ssl.PROTOCOL_TLS_SERVER:
        context.load_cert_chain(certs.server, certs.serverKey)
    else:
        context.load_verify_locations(certs.ca)
    return context


def legacyWorksHere(certs) -> bool:
    """True when two TLS 1.1 peers of this OpenSSL can complete a handshake with each other."""
    server, client = legacyContext(ssl.PROTOCOL_TLS_SERVER, certs), legacyContext(ssl.PROTOCOL_TLS_CLIENT, certs)
    if server is None or client is None:
        return False
    with legacyPeer(server, serverSide=True) as box:
        try:
            with client.wrap_socket(
                socket.create_connection(box["ha"], timeout=10), server_hostname="127.0.0.1"
            ) as tls:
                tls.sendall(b"x")
        except (OSError, ssl.SSLError):
            pass
    return box.get("version") == "TLSv1.1"


def test_tls_1_1_peer_refused_both_ways(certs, kit):
    server = ServerTls(host=kit.LOOPBACK, port=0, certpath=certs.server, keypath=certs.serverKey)
    client = ClientTls(ha=(kit.LOOPBACK, 1), cafilepath=certs.ca)
    for context in (server.context, client.context):
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    if not legacyWorksHere(certs):  # the local OpenSSL cannot make a TLS 1.1 peer: the settings above must do
        kit.report("TLS 1.1 peers", refused="not tried, this OpenSSL makes no TLS 1.1 peer")
        return
    # both hio sides loosen their ciphers for old peers: only the minimum version keeps TLS 1.1 out
    server.context.set_ciphers(LEGACY_CIPHERS)
    client.context.set_ciphers(LEGACY_CIPHERS)
    seen = {}

    # hio client against a TLS 1.1 only server
    with legacyPeer(legacyContext(ssl.PROTOCOL_TLS_SERVER, certs), serverSide=True) as box:
        client.reinitHostPort(ha=box["ha"])
        client.reopen()
        try:
            for _ in range(2000):
                client.service()
                if client.connected or client.error is not None:
                    break
            assert not client.connected
            assert isinstance(client.error, ssl.SSLError)  # a refused handshake is kept, never raised
            seen["client"] = client.error.reason
        finally:
            client.close()
    assert "version" not in box  # the legacy server never completed its handshake

    # TLS 1.1 only client against the hio server, which serves a modern client right after
    server.reopen()
    try:
        with legacyPeer(legacyContext(ssl.PROTOCOL_TLS_CLIENT, certs), serverSide=False, ha=server.eha) as box:
            for _ in range(20000):
                server.service()
                if "error" in box or "version" in box:
                    break
        assert "version" not in box and isinstance(box.get("error"), ssl.SSLError)
        seen["server"] = box["error"].reason
        for _ in range(100):
            server.service()
        assert not server.cxes and not server.ixes  # the refused handshake was dropped
        modern = ClientTls(ha=server.eha, cafilepath=certs.ca)
        modern.reopen()
        try:
            assert handshake(modern, server) and modern.cs.version() in ("TLSv1.2", "TLSv1.3")
            assert echoed(modern, server, b"modern")
        finally:
            modern.close()
    finally:
        server.close()
    kit.report("TLS 1.1 peers", client_refused=seen["client"], legacy_client_got=seen["server"])


STALLED_SILENT = 200  # connect and send nothing
STALLED_PARTIAL = 100  # send part of a ClientHello, then nothing
GARBLED = 100  # send bytes that are not TLS
GOOD = 100
TOCK = 0.01
TYMEOUT = 2.0


def clientHello() -> bytes:
    """The first flight of a real TLS client handshake, made in memory."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_stalled_and_garbled_handshakes_never_stall_other_handshakes(certs, kit, fds, noLeaks):
    server = ServerTls(host=kit.LOOPBACK, port=0, certpath=certs.server, keypath=certs.serverKey, tymeout=TYMEOUT)
    doist = Doist(real=False, tock=TOCK, doers=[EchoServerDoer(server=server)])
    baseline = fds()
    doist.enter()
    ha = server.eha
    hello = clientHello()

    class Staller(kit.RawClient):
        """Sends .msg (maybe nothing) on connect and then waits; notes when the server dropped it."""

        msg = b""
        connectedAt = endedAt = None

        def onConnect(self):
            self.connectedAt = doist.tyme
            if self.msg:
                self.send(self.msg)

        def onEnd(self):
            self.endedAt = doist.tyme

    stallers = []

    def opener():  # waves within the listen backlog
        pending = sum(1 for s in stallers[-100:] if not s.connected)
        while len(stallers) < STALLED_SILENT + STALLED_PARTIAL + GARBLED and pending < 100:
            staller = Staller(loop, ha)
            n = len(stallers)
            if n >= STALLED_SILENT + STALLED_PARTIAL:
                staller.msg = (
                    b"GET / HTTP/1.1\r\nHost: stress\r\n\r\n" if n % 2 else b"\x16\x03\x01\xff\xff" + b"\x00" * 64
                )
            elif n >= STALLED_SILENT:
                staller.msg = hello[: len(hello) // 2]
            stallers.append(staller)
            pending += 1

    goods = []

    def serviceGoods():
        for client in goods:
            client.service()

    loop = kit.Loop(opener, doist.recur, serviceGoods)
    stalled = STALLED_SILENT + STALLED_PARTIAL
    try:
        loop.run(
            lambda: (
                len(stallers) == stalled + GARBLED
                and all(s.connected for s in stallers)
                and len(server.cxes) == stalled
            ),
            limit=20.0,
            what="every staller connected, garbled ones dropped",
        )
        firstStall = min(s.connectedAt for s in stallers)
        goods.extend(ClientTls(ha=ha, cafilepath=certs.ca, tymth=doist.tymen()) for _ in range(GOOD))
        for client in goods:
            client.reopen()
            client.tx(b"through %d" % id(client))
        loop.run(
            lambda: all(c.rxbs == b"through %d" % id(c) for c in goods), limit=30.0, what="every good client echoed"
        )
        goodTyme = doist.tyme - firstStall
        waiting = len(server.cxes)  # the stallers still hold their handshakes open
        loop.run(lambda: all(s.ended for s in stallers), limit=30.0, what="server dropping every staller")
        for client in goods:
            client.close()
        loop.run(lambda: not server.ixes and not server.cxes, limit=10.0, what="server dropping the good clients")
    finally:
        kit.reap(stallers)
        for client in goods:
            client.close()
        doist.exit()
        loop.close()
    garbled = stallers[stalled:]
    stalls = [s.endedAt - s.connectedAt for s in stallers[:stalled]]
    kit.report(
        "stalled TLS handshakes",
        stalled=stalled,
        garbled=GARBLED,
        good_handshakes=GOOD,
        good_done_within_tyme=goodTyme,
        still_stalled_then=waiting,
        stallers_dropped_after_tyme=min(stalls),
        garbled_dropped_after_tyme=max(s.endedAt - s.connectedAt for s in garbled),
        tymeout=TYMEOUT,
    )
    assert goodTyme < TYMEOUT and waiting == stalled  # all good ones served while every staller still stalled
    assert min(stalls) >= TYMEOUT - TOCK / 2 and max(stalls) <= TYMEOUT + 1.0
    assert all(s.endedAt - s.connectedAt < TYMEOUT for s in garbled)  # garbage is dropped at once
    assert fds() == baseline
