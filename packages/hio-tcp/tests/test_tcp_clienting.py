"""Tests of hio.core.tcp.clienting: Client on loopback against a Server."""

from __future__ import annotations

import socket

import pytest

from hio.base import tyming
from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def test_client_defaults_and_addresses():
    """A Client knows its remote address and buffers before it opens."""
    client = clienting.Client()
    assert client.ha == ("127.0.0.1", 56000)
    assert client.host == "127.0.0.1" and client.port == 56000
    assert client.hostname == "127.0.0.1"
    assert client.tymeout == clienting.Client.Tymeout == 0.0
    assert client.reconnectable is clienting.Client.Reconnectable is False
    assert client.bs == 8096
    assert client.txbs == bytearray() and client.rxbs == bytearray()
    assert client.cs is None and not client.opened
    assert not client.accepted and not client.connected
    assert client.actualBufSizes() == (0, 0)

    client.reinitHostPort(hostname="localhost", port=6101)
    assert client.hostname == "localhost"
    assert client.ha == ("127.0.0.1", 6101)
    client.reinitHostPort(ha=("127.0.0.1", 6102))
    assert client.ha == ("127.0.0.1", 6102)

    txbs, rxbs = bytearray(b"queued"), bytearray()
    client = clienting.Client(ha=("localhost", 6103), tymeout=0.5, reconnectable=True, txbs=txbs, rxbs=rxbs)
    assert client.ha == ("127.0.0.1", 6103)
    assert client.txbs is txbs and client.rxbs is rxbs
    assert client.tymeout == 0.5 and client.reconnectable
    assert clienting.Client(timeout=0.25).tymeout == 0.25


def test_client_receive_send_and_close_semantics(pump):
    """receive gives None when nothing waits, data when it came, empty bytes when closed."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        assert server.ha[1] != 0  # port 0 bound to a real port
        with clienting.openClient(ha=server.ha) as client:
            assert client.opened and client.bs <= min(client.actualBufSizes())
            assert client.receive() is None  # not accepted yet: nothing
            pump(client.connect, server.serviceConnects, until=lambda: client.connected and server.ixes)
            assert client.accepted and client.connected
            (ca, ix) = next(iter(server.ixes.items()))
            assert ca == client.ca == client.cs.getsockname()
            assert ix.ca == ca and ix.ha == client.ha == ix.cs.getsockname()

            assert client.receive() is None
            assert ix.receive() is None
            assert client.send(b"Hello") == 5
            pump(ix.serviceReceives, until=lambda: ix.rxbs == b"Hello")
            ix.tx(b"Back at you")
            ix.serviceSends()
            assert not ix.txbs
            pump(lambda: None, until=lambda: client.receive() == b"Back at you")
            assert not client.cutoff

            server.closeIx(ca)
            pump(lambda: None, until=lambda: client.receive() == b"")
            assert client.cutoff
            assert client.receive() == b""
            server.serviceConnects()
            assert server.ixes[ca] is ix and not ix.opened  # closed, kept until removed
            with pytest.raises(AttributeError):  # a closed remoter has no socket
                ix.receive()
            server.removeIx(ca)
            assert ca not in server.ixes
        assert not client.opened and client.cs is None
        with pytest.raises(AttributeError):  # nor has a closed client
            client.receive()


def test_client_partial_sends_keep_order_small_bs(pump):
    """Sends the socket cannot take now stay queued in order; nothing is lost or reordered."""
    payload = bytes(range(256)) * 32768  # 8 MiB, more than the kernel takes at once
    with (
        serving.openServer(host=LOOPBACK, port=0, bs=512) as server,
        clienting.openClient(ha=server.ha, bs=512) as client,
    ):
        pump(client.connect, server.serviceConnects, until=lambda: client.connected and server.ixes)
        ix = next(iter(server.ixes.values()))
        client.tx(payload)
        client.serviceSends()
        assert 0 < len(client.txbs) < len(payload)  # socket took part of it, rest stays queued
        assert payload.endswith(client.txbs)
        received = bytearray()

        def drain():
            ix.serviceReceiveOnce()  # one bs chunk at a time
            received.extend(ix.rxbs)
            ix.clearRxbs()

        pump(client.serviceSends, drain, until=lambda: len(received) == len(payload), limit=100_000)
        assert received == payload
        assert not client.txbs


def test_client_half_close_still_gets_reply(pump):
    """A client that shuts down sending still receives what the server sends back."""
    with serving.openServer(host=LOOPBACK, port=0) as server, clienting.openClient(ha=server.ha) as client:
        pump(client.connect, server.serviceConnects, until=lambda: client.connected and server.ixes)
        client.tx(b"request")
        client.serviceSends()
        client.shutdownSend()
        ix = next(iter(server.ixes.values()))
        pump(ix.serviceReceives, until=lambda: ix.cutoff)
        assert ix.rxbs == b"request"
        ix.tx(b"reply")
        server.serviceSendsAllIx()
        server.serviceConnects()
        assert server.ixes == {client.ca: ix}  # cut off, still there for its caller
        server.closeIx(client.ca)
        pump(client.serviceReceives, until=lambda: client.cutoff)
        assert client.rxbs == b"reply"


def test_refused_client_retries_without_raising(pump, freeport):
    """A refused attempt never raises: it is kept in .error and retried at the next service."""
    with clienting.openClient(ha=(LOOPBACK, freeport)) as client:
        assert not client.reconnectable and client.error is None
        pump(client.service, until=lambda: client.error is not None)
        assert isinstance(client.error, ConnectionRefusedError)
        assert f"{LOOPBACK}:{freeport}" in str(client.error)
        assert not client.connected and not client.opened  # closed until the next attempt
        for _ in range(50):  # each service opens anew and is refused again
            assert client.connect() is False
            client.service()
        with serving.openServer(host=LOOPBACK, port=freeport) as server:
            pump(client.service, server.service, until=lambda: client.connected and client.ca in server.ixes)
            assert client.error is None  # cleared once connected
            client.tx(b"got through")
            ix = server.ixes[client.ca]
            pump(client.service, server.service, until=lambda: ix.rxbs == b"got through")


def test_client_closed_by_caller_reopens_on_service(pump):
    """serviceConnect on a client closed by its caller opens it again and connects."""
    with serving.openServer(host=LOOPBACK, port=0) as server, clienting.openClient(ha=server.eha) as client:
        pump(client.serviceConnect, server.serviceConnects, until=lambda: client.ca in server.ixes)
        first = client.ca
        client.close()
        assert not client.opened and client.cs is None and not client.connected
        pump(client.serviceConnect, server.serviceConnects, until=lambda: client.connected and client.ca in server.ixes)
        assert client.opened and client.ca != first


def test_client_send_buffer_stays_bounded(pump):
    """The kernel does not grow the client's send buffer: what send takes stays near bs."""
    with (
        serving.openServer(host=LOOPBACK, port=0) as server,
        clienting.openClient(ha=server.eha, bs=16384) as client,
    ):
        pump(client.connect, server.serviceConnects, until=lambda: client.connected and server.ixes)
        ix = server.ixes[client.ca]
        payload = bytes(range(256)) * 16384  # 4 MiB
        client.tx(payload)
        received = bytearray()

        def drain():
            ix.serviceReceives()
            received.extend(ix.rxbs)
            ix.clearRxbs()

        pump(client.serviceSends, drain, until=lambda: len(received) == len(payload), limit=100_000)
        assert received == payload
        sndbuf = client.actualBufSizes()[0]
        assert 16384 <= sndbuf <= 1 << 18  # fixed (the kernel reports twice what was set), not grown to megabytes


def test_client_reads_at_most_reads_times_bs_in_one_service(pump):
    """A peer that keeps the socket full grows .rxbs by at most Reads * bs a service; nothing is lost."""
    assert clienting.Client.Reads == 64
    with (
        serving.openServer(host=LOOPBACK, port=0) as server,
        clienting.openClient(ha=server.eha, bs=512) as client,
    ):
        pump(client.connect, server.serviceConnects, until=lambda: client.connected and server.ixes)
        ix = server.ixes[client.ca]
        bound = client.Reads * client.bs  # 32 KiB
        payload = bytes(range(256)) * 512  # 128 KiB
        ix.tx(payload)
        pump(ix.serviceSends, until=lambda: len(payload) - len(ix.txbs) >= 2 * bound)
        client.serviceReceives()
        assert len(client.rxbs) == bound  # every read was a full bs, and it stopped at Reads of them
        received = bytearray(client.rxbs)
        client.clearRxbs()

        def drain():
            client.serviceReceives()
            assert len(client.rxbs) <= bound
            received.extend(client.rxbs)
            client.clearRxbs()

        pump(ix.serviceSends, drain, until=lambda: len(received) == len(payload))
        assert received == payload


def test_client_reconnects_before_server_starts(pump, freeport):
    """A reconnectable client retries every tymeout and connects once the server is up."""
    tymist = tyming.Tymist(tock=0.125)
    client = clienting.Client(tymth=tymist.tymen(), ha=(LOOPBACK, freeport), tymeout=0.5, reconnectable=True, bs=1024)
    client.reopen()
    try:
        while tymist.tyme < 2.0:  # no server: refused again and again, never raises
            for _ in range(3):
                client.service()
            tymist.tick()
        assert not client.connected

        pump(client.service, until=lambda: not client.opened)  # refused again, waits out tymeout
        assert isinstance(client.error, ConnectionRefusedError)
        with serving.openServer(host=LOOPBACK, port=freeport) as server:
            for _ in range(10):  # tymer not yet expired: no attempt even though the server is up
                client.service()
                server.service()
            assert not client.opened and not client.connected
            tymist.tick(0.5)
            pump(client.service, server.service, until=lambda: client.connected and server.ixes)
            client.tx(b"late hello")
            ix = next(iter(server.ixes.values()))
            pump(client.service, server.service, until=lambda: ix.rxbs == b"late hello")

            # the server drops the connection: the client reconnects by itself
            server.closeIx(ix.ca)
            pump(client.service, server.service, until=lambda: not client.accepted)  # cut off: starts over
            assert client.opened and not client.cutoff  # a new socket, waiting out tymeout
            for _ in range(10):
                client.service()
            assert not client.accepted
            tymist.tick(0.5)
            pump(client.service, server.service, until=lambda: client.connected and client.ca in server.ixes)
            assert not server.ixes[ix.ca].opened  # the closed one stays until its caller removes it
            server.removeIx(ix.ca)
            client.tx(b"again")
            ix = next(iter(server.ixes.values()))
            pump(client.service, server.service, until=lambda: ix.rxbs == b"again")
    finally:
        client.close()


def test_client_connects_after_server_started(pump):
    """A client started after its server connects at once, reconnectable or not."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        for reconnectable in (False, True):
            with clienting.openClient(ha=server.ha, reconnectable=reconnectable) as client:
                pump(client.service, server.service, until=lambda c=client: c.connected)
                client.tx(b"x")
                pump(client.service, server.service, until=lambda c=client: server.ixes.get(c.ca) is not None)
                ix = server.ixes[client.ca]
                pump(client.service, server.service, until=lambda i=ix: i.rxbs == b"x")


def test_client_wind_changes_tyme_base():
    """wind injects the tymth into the client and its tymer."""
    first, second = tyming.Tymist(tyme=1.0), tyming.Tymist(tyme=5.0)
    client = clienting.Client(tymth=first.tymen(), tymeout=2.0)
    assert client.tyme == 1.0
    client.wind(second.tymen())
    assert client.tyme == 5.0
    client.refresh()
    assert client.tymer.duration == 2.0
    assert not client.tymer.expired
    second.tick(2.0)
    assert client.tymer.expired


def test_client_shutdowns_are_harmless_when_not_connected():
    """shutdown calls on an unopened or unconnected client do nothing."""
    client = clienting.Client()
    client.shutdown()
    client.shutdownSend()
    client.shutdownReceive()
    client.close()
    client.open()
    client.shutdown(socket.SHUT_RDWR)
    client.close()
    assert client.cs is None


def test_client_and_server_over_ipv6(pump):
    """Host addresses with a colon use IPv6 sockets."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("IPv6 loopback ::1 is not available")
    with serving.openServer(host="::1", port=0) as server, clienting.openClient(ha=server.eha) as client:
        assert server.eha[0] == "::1" and client.ha == server.eha
        pump(client.service, server.service, until=lambda: client.connected and client.ca in server.ixes)
        client.tx(b"six")
        pump(client.service, server.service, until=lambda: server.ixes[client.ca].rxbs == b"six")
