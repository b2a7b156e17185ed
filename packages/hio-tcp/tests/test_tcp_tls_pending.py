"""Pending TLS handshakes on a ServerTls wait for readiness on its readiness poller: a
connection that never goes on with its handshake is not tried again each pass, costs next to
nothing while held, and is closed at the tymeout; everyone else is served meanwhile."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import time

import pytest

from hio.base import tyming
from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def halfHello() -> bytes:
    """The first half of a real TLS ClientHello, made in memory."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    hello = outgoing.read()
    return hello[: len(hello) // 2]


class CountedRemoterTls(serving.RemoterTls):
    """A RemoterTls that counts its handshake attempts."""

    tries = 0

    def handshake(self) -> bool:
        self.tries += 1
        return super().handshake()


class CountingServerTls(serving.ServerTls):
    """A ServerTls whose connections count their handshake attempts."""

    def _newRemoter(self, ca, cs):
        return CountedRemoterTls(ha=cs.getsockname(), ca=ca, cs=cs, context=self.context, **self._remoterKwa())


def closedByPeer(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_pending_handshakes_wait_for_readiness_and_close_at_tymeout(certs, pump):
    """Silent connections and half ClientHellos are tried once each, then not again while
    their sockets stay silent; a good client handshakes and echoes meanwhile; at the
    tymeout every staller is closed."""
    tymist = tyming.Tymist(tock=0.03125)
    server = CountingServerTls(
        host=LOOPBACK, port=0, certpath=certs.server, keypath=certs.serverKey, tymeout=1.0, tymth=tymist.tymen()
    )
    server.reopen()
    hello = halfHello()
    stallers = []
    try:
        for index in range(40):
            sock = socket.create_connection(server.eha)
            if index % 2:
                sock.sendall(hello)
            stallers.append(sock)
        pump(server.service, until=lambda: len(server.cxes) == 40)
        time.sleep(0.05)  # every half hello has arrived
        for _ in range(3):
            server.service()
        tries = {ca: cx.tries for ca, cx in server.cxes.items()}
        assert all(1 <= count <= 3 for count in tries.values())
        client = clienting.ClientTls(ha=server.eha, cafilepath=certs.ca, tymth=tymist.tymen())
        client.reopen()
        echoer = serving.EchoServerDoer(server=server)
        client.tx(b"through")

        def step():
            client.service()
            echoer.recur(tyme=0.0)

        pump(step, until=lambda: client.rxbs == b"through")
        for _ in range(20):  # 0.625 s of tyme, within the tymeout: the stallers stay, untried
            step()
            tymist.tick()
        assert {ca: cx.tries for ca, cx in server.cxes.items()} == tries
        assert client.ca in server.ixes and not any(closedByPeer(sock) for sock in stallers)
        for _ in range(16):  # past the tymeout
            step()
            tymist.tick()
        assert not server.cxes
        pump(lambda: None, until=lambda: all(closedByPeer(sock) for sock in stallers), limit=100)
        client.close()
    finally:
        for sock in stallers:
            sock.close()
        server.close()


CHILD = textwrap.dedent(
    """
    import sys
    from hio.base import doing
    from hio.core.tcp import serving
    server = serving.ServerTls(host="127.0.0.1", port=0, certpath=sys.argv[1], keypath=sys.argv[2], tymeout=30.0)

    class Announce(doing.Doer):
        # tells the test the port once EchoServerDoer, entered first, has opened the listener:
        # a connection made before that would wait on a socket that its enter replaces

        def enter(self, *, temp=None):
            print(server.ha[1], flush=True)

    doing.Doist(doers=[serving.EchoServerDoer(server=server), Announce()], tock=0.03125, real=True).do()
    """
)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the server's CPU time from /proc")
def test_held_handshakes_cost_next_to_no_cpu(certs, cpushare):
    """300 connections that never go on with their handshakes (half silent, half with half a
    ClientHello) held on a real-time ServerTls: it stays under 5% of a core."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, certs.server, certs.serverKey], stdout=subprocess.PIPE, text=True
    )
    held = []
    try:
        port = int(child.stdout.readline())
        hello = halfHello()
        for index in range(300):
            sock = socket.create_connection((LOOPBACK, port))
            if index % 2:
                sock.sendall(hello)
            held.append(sock)
        time.sleep(0.5)  # accepted, each tried once
        fraction = cpushare(child.pid, 1.5)
        assert fraction < 0.05, fraction
        assert child.poll() is None
    finally:
        for sock in held:
            sock.close()
        child.kill()
        child.communicate(timeout=10)


def test_a_tls_server_polls_for_itself_while_a_handshake_is_under_way(certs, pump):
    """The waker watches for reading only, so while a handshake may wait to write, the server
    does not take the Doist's wait for its own poll; with none under way it does."""
    from hio.base import doing

    doist = doing.Doist(tock=0.03125, real=False)
    server = serving.ServerTls(
        host=LOOPBACK, port=0, certpath=certs.server, keypath=certs.serverKey, tymeout=1.0, tymth=doist.tymen()
    )
    server.reopen()
    try:
        assert server.waker is doist.waker
        doist.waker.ready = []  # as after a wait that found nothing
        assert server._woken() == []
        doist.waker.ready = None  # as once that cycle ran: the server polls for itself
        with socket.create_connection(server.eha):  # says nothing: its handshake stays under way
            pump(server.service, until=lambda: len(server.cxes) == 1)
            doist.waker.ready = []
            assert server._woken() is None
    finally:
        doist.waker.ready = None
        server.close()
