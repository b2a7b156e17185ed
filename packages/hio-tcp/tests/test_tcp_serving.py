"""Tests of hio.core.tcp.serving: Acceptor, Server and Remoter on loopback."""

from __future__ import annotations

import os
import socket
import struct

import pytest

from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def test_acceptor_listens_and_accepts(pump):
    """An Acceptor binds port 0 to a real port and queues accepted connections in .axes."""
    acceptor = serving.Acceptor(ha=(LOOPBACK, 0), bs=16384, bl=8)
    assert not acceptor.opened and acceptor.ss is None
    assert acceptor.accept() == (None, None)
    assert acceptor.reopen()
    try:
        assert acceptor.opened
        host, port = acceptor.ha
        assert host == LOOPBACK and port != 0
        assert acceptor.eha == (LOOPBACK, port)
        assert min(acceptor.actualBufSizes()) >= 16384
        assert acceptor.accept() == (None, None)
        with socket.create_connection(acceptor.ha) as peer:
            pump(acceptor.serviceAccepts, until=lambda: acceptor.axes)
            ca, cs = acceptor.axes.popleft()
            assert ca == peer.getsockname()
            cs.close()
    finally:
        acceptor.close()
    assert not acceptor.opened and acceptor.ss is None


def test_acceptor_external_address():
    """eha is where clients on this host reach the listener."""
    assert serving.Acceptor(ha=("", 7000)).eha == ("127.0.0.1", 7000)
    assert serving.Acceptor(ha=("0.0.0.0", 7001)).eha == ("127.0.0.1", 7001)
    assert serving.Acceptor(ha=("::", 7002)).eha == ("::1", 7002)
    assert serving.Acceptor(ha=("localhost", 7003)).eha == ("127.0.0.1", 7003)
    server = serving.Server()
    assert server.ha == ("", 56000) and server.eha == ("127.0.0.1", 56000)
    assert server.tymeout == serving.Server.Tymeout == 1.0
    assert server.ixes == {} and server.wl is None


def test_opened_listener_reports_the_address_it_bound(certs):
    """Once open, .ha is the bound address: "" reads 0.0.0.0 and a name its ip address."""
    with serving.openServer(host="", port=0) as anywhere:
        host, port = anywhere.ha
        assert host == "0.0.0.0" and port != 0
        assert anywhere.eha == (LOOPBACK, port)
    with serving.openServer(ha=("localhost", 0)) as named:
        assert named.ha == (LOOPBACK, named.ha[1]) and named.eha == named.ha
    with serving.openServer(
        cls=serving.ServerTls, host="localhost", port=0, certpath=certs.server, keypath=certs.serverKey
    ) as tls:
        assert tls.ha == (LOOPBACK, tls.ha[1]) and tls.eha == tls.ha
    acceptor = serving.Acceptor(ha=("", 0))
    assert acceptor.ha == ("", 0)  # as given until bound
    try:
        acceptor.reopen()
        assert acceptor.ha[0] == "0.0.0.0" and acceptor.ha[1] != 0
        port = acceptor.ha[1]
        acceptor.reopen()  # reopening binds the same address again
        assert acceptor.ha == ("0.0.0.0", port)
    finally:
        acceptor.close()


def test_server_bind_conflict_raises():
    """A port already taken fails with a clear OSError and leaves the server closed."""
    with serving.openServer(host=LOOPBACK, port=0) as first:
        second = serving.Server(ha=first.ha)
        with pytest.raises(OSError, match="in use"):
            second.reopen()
        assert not second.opened and second.ss is None


def test_server_echo_many_clients_at_once(pump):
    """Every client gets back exactly what it sent, keyed by its address on the server."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        clients = [clienting.Client(ha=server.ha) for _ in range(40)]
        try:
            for client in clients:
                client.reopen()
            pump(server.serviceConnects, *(c.connect for c in clients), until=lambda: len(server.ixes) == 40)
            assert set(server.ixes) == {c.ca for c in clients}
            for i, client in enumerate(clients):
                client.tx(b"client %d says %s" % (i, b"hi " * i))

            def echo():
                server.serviceReceivesAllIx()
                for ix in server.ixes.values():
                    ix.tx(ix.rxbs)
                    ix.clearRxbs()
                server.serviceSendsAllIx()

            expected = {c.ca: b"client %d says %s" % (i, b"hi " * i) for i, c in enumerate(clients)}
            pump(
                echo,
                *(c.service for c in clients),
                until=lambda: all(c.rxbs == expected[c.ca] for c in clients),
            )
        finally:
            for client in clients:
                client.close()
        pump(server.service, until=lambda: all(ix.cutoff for ix in server.ixes.values()))
        assert len(server.ixes) == 40  # gone peers are marked cut off, kept for the caller to remove


def test_server_transfers_ten_megabytes_both_ways_small_bs(pump):
    """10 MB up and echoed back down with a 1 KiB buffer arrive byte exact."""
    payload = os.urandom(1 << 16) * 160  # 10 MiB
    with (
        serving.openServer(cls=serving.Server, host=LOOPBACK, port=0, bs=1024) as server,
        clienting.openClient(ha=server.ha, bs=1024) as client,
    ):
        echoer = serving.EchoServerDoer(server=server)
        pump(client.service, server.service, until=lambda: client.connected and server.ixes)
        client.tx(payload)
        pump(
            client.service,
            lambda: echoer.recur(tyme=0.0),
            until=lambda: len(client.rxbs) >= len(payload),
            limit=1_000_000,
        )
        assert client.rxbs == payload
        assert not client.txbs
        assert all(not ix.txbs and not ix.rxbs for ix in server.ixes.values())


def test_server_survives_peers_leaving_mid_stream(pump):
    """A reset or a disconnect mid message cuts off that remoter only."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        steady = clienting.Client(ha=server.ha)
        steady.reopen()
        resetter = socket.create_connection(server.ha)
        quitter = socket.create_connection(server.ha)
        try:
            pump(steady.connect, server.serviceConnects, until=lambda: len(server.ixes) == 3)
            resetCa, quitCa = resetter.getsockname(), quitter.getsockname()

            resetter.sendall(b"half a mess")
            quitter.sendall(b"half a mes")
            big = b"q" * (16 << 20)  # more than the kernel takes at once, so the server has a backlog to send
            server.transmitIx(big, resetCa)
            server.serviceSendsAllIx()
            assert server.ixes[resetCa].txbs

            resetter.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            resetter.close()  # RST while the server still has data queued for it
            quitter.close()  # FIN in the middle of a message

            pump(server.service, until=lambda: server.ixes[resetCa].cutoff and server.ixes[quitCa].cutoff)
            assert not server.ixes[resetCa].txbs  # undeliverable, dropped
            assert server.ixes[quitCa].rxbs == b"half a mes"  # what came before the end is kept
            server.removeIx(resetCa)
            server.removeIx(quitCa)
            steady.tx(b"still there?")
            pump(
                server.service,
                steady.service,
                until=lambda: server.ixes.get(steady.ca) is not None and server.ixes[steady.ca].rxbs,
            )
            server.transmitIx(b"yes", steady.ca)
            pump(server.service, steady.service, until=lambda: steady.rxbs == b"yes")
            assert list(server.ixes) == [steady.ca]
        finally:
            steady.close()
            resetter.close()
            quitter.close()


def test_server_five_hundred_connections_no_fd_left(pump, fds):
    """500 connections open at once are all served and closed; no file descriptor leaks."""
    before = fds()
    with serving.openServer(host=LOOPBACK, port=0, bl=1024) as server:
        clients = [clienting.Client(ha=server.ha, bs=256) for _ in range(500)]
        try:
            for client in clients:
                client.reopen()
                client.connect()
                server.serviceConnects()
            pump(server.serviceConnects, *(c.connect for c in clients), until=lambda: len(server.ixes) == 500)
            echoer = serving.EchoServerDoer(server=server)
            for client in clients:
                client.tx(b"ping %d" % client.ca[1])
            pump(
                lambda: echoer.recur(tyme=0.0),
                *(c.service for c in clients),
                until=lambda: all(c.rxbs == b"ping %d" % c.ca[1] for c in clients),
            )
        finally:
            for client in clients:
                client.close()
        pump(lambda: echoer.recur(tyme=0.0), until=lambda: not server.ixes)  # the echo server removes the gone
    assert not server.opened
    assert fds() == before


def test_server_close_releases_everything(pump, fds):
    """close closes the listener, every remoter and the readiness poller."""
    before = fds()
    server = serving.Server(host=LOOPBACK, port=0)
    server.reopen()
    peers = [socket.create_connection(server.ha) for _ in range(5)]
    try:
        pump(server.service, until=lambda: len(server.ixes) == 5)
        ixes = list(server.ixes.values())
        server.close()
        assert not server.opened and list(server.ixes.values()) == ixes  # kept, closed
        assert all(not ix.opened and ix.cs is None for ix in ixes)
        for peer in peers:
            assert peer.recv(10) == b""
    finally:
        for peer in peers:
            peer.close()
    assert fds() == before
    server.reopen()  # opens again on the same port
    try:
        with clienting.openClient(ha=server.ha) as client:
            pump(client.service, server.service, until=lambda: client.connected and client.ca in server.ixes)
            assert len(server.ixes) == 6
    finally:
        server.close()


def test_server_ix_operations(pump):
    """The Ix methods act on the remoter at a connection address, and reject unknown ones."""
    with serving.openServer(host=LOOPBACK, port=0) as server, clienting.openClient(ha=server.ha) as client:
        pump(client.service, server.service, until=lambda: client.connected and server.ixes)
        ca = client.ca
        server.transmitIx(b"hello", ca)
        assert server.ixes[ca].txbs == b"hello"
        server.serviceSendsAllIx()
        pump(client.service, until=lambda: client.rxbs == b"hello")

        client.tx(b"one")
        client.serviceSends()
        pump(lambda: server.serviceReceivesIx(ca), until=lambda: server.ixes[ca].rxbs == b"one")
        server.ixes[ca].clearRxbs()

        server.shutdownReceiveIx(ca)
        server.shutdownSendIx(ca)
        pump(client.service, until=lambda: client.cutoff)
        server.shutdownIx(ca)  # repeated shutdowns are harmless

        unknown = ("127.0.0.1", 1)
        for method in (server.transmitIx,):
            with pytest.raises(ValueError, match="no remoter"):
                method(b"x", unknown)
        for method in (server.serviceReceivesIx, server.shutdownIx, server.shutdownSendIx, server.shutdownReceiveIx):
            with pytest.raises(ValueError, match="no remoter"):
                method(unknown)
        server.closeIx(unknown)  # closing or removing what is not there is harmless
        server.removeIx(unknown)

        ix = server.ixes[ca]
        server.removeIx(ca, close=False)
        assert ca not in server.ixes and ix.opened
        ix.close()
        assert not ix.opened


def test_server_closeAllIx_keeps_until_removed(pump):
    """closeAllIx closes every remoter; they stay in .ixes until removed."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        peers = [socket.create_connection(server.ha) for _ in range(3)]
        try:
            pump(server.service, until=lambda: len(server.ixes) == 3)
            server.closeAllIx()
            assert len(server.ixes) == 3 and all(not ix.opened for ix in server.ixes.values())
            for _ in range(3):
                server.service()  # closed remoters are neither read nor written
            assert len(server.ixes) == 3
            for ca in list(server.ixes):
                server.removeIx(ca)
            assert not server.ixes
        finally:
            for peer in peers:
                peer.close()


def test_remoter_direct_close_and_reused_descriptor(pump):
    """A remoter closed directly, whose descriptor is reused, does not confuse the server."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        first = socket.create_connection(server.ha)
        try:
            pump(server.service, until=lambda: server.ixes)
            old = next(iter(server.ixes.values()))
            old.close()  # behind the server's back
            second = socket.create_connection(server.ha)
            try:
                pump(server.service, until=lambda: second.getsockname() in server.ixes)
                assert server.ixes[old.ca] is old  # closed behind the server's back: still there
                second.sendall(b"fresh")
                new = server.ixes[second.getsockname()]
                pump(server.service, until=lambda: new.rxbs == b"fresh")
            finally:
                second.close()
        finally:
            first.close()


def test_remoter_basics():
    """A Remoter wraps an accepted socket with buffers, a tymer and shutdown helpers."""
    left, right = socket.socketpair()
    try:
        ix = serving.Remoter(ha=("", 0), ca=("peer", 1), cs=left, bs=64)
        assert ix.tymeout == serving.Remoter.Tymeout == 0.0
        assert ix.refreshable and ix.opened and not ix.cutoff
        assert ix.receive() is None
        right.sendall(b"x" * 100)
        ix.serviceReceiveOnce()
        assert ix.rxbs == b"x" * 64
        ix.serviceReceives()
        assert ix.rxbs == b"x" * 100
        ix.clearRxbs()
        ix.tx(b"out")
        ix.serviceSends()
        assert right.recv(10) == b"out"
        right.close()
        ix.serviceReceives()
        assert ix.cutoff
        assert ix.receive() == b""
        ix.tx(b"into the void")
        for _ in range(3):
            ix.serviceSends()
        assert not ix.txbs  # nothing can be delivered: dropped
    finally:
        ix.close()
        right.close()
    assert not ix.opened
    ix.close()  # idempotent


def test_server_ready_ixes_are_the_new_and_the_readable(pump):
    """readyIxes: each new remoter once, then only those with bytes waiting (or their peers gone)."""
    with serving.openServer(ha=(LOOPBACK, 0)) as server:
        peers = [socket.create_connection(server.ha) for _ in range(3)]
        try:
            added = []
            pump(server.serviceAccepts, until=lambda: len(server.axes) == 3)
            added = server.serviceAxes()
            assert added == list(server.ixes) and len(added) == 3
            assert [ca for ca, _ in server.readyIxes()] == added  # new ones, read once
            assert server.readyIxes() == []  # nothing waiting anywhere
            quiet, talker, leaver = (server.ixes[ca] for ca in added)
            peers[1].sendall(b"hello")
            pump(lambda: None, until=lambda: server.readyIxes() == [(talker.ca, talker)], limit=5000)
            talker.serviceReceives()
            assert talker.rxbs == b"hello" and server.readyIxes() == []
            peers[2].close()
            ready = []
            pump(lambda: ready.extend(server.readyIxes()), until=lambda: ready, limit=5000)
            assert ready == [(leaver.ca, leaver)]
            leaver.serviceReceives()
            assert leaver.cutoff
            assert server.readyIxes() == []  # at end of stream it stays readable: left out from now on
            assert not quiet.rxbs and not quiet.cutoff
        finally:
            for peer in peers:
                peer.close()


def test_remoter_reads_until_drained_but_boundedly(pump):
    """serviceReceives reads what the socket has, at most Reads reads in one service."""
    with serving.openServer(ha=(LOOPBACK, 0), bs=1024) as server:
        with socket.create_connection(server.ha) as peer:
            pump(server.serviceConnects, until=lambda: server.ixes)
            (ix,) = server.ixes.values()
            assert ix.bs == 1024 and ix.Reads == 16
            data = os.urandom(64 * 1024)
            peer.sendall(data)
            got = bytearray()

            def once():
                ix.serviceReceives()
                assert len(ix.rxbs) <= ix.Reads * ix.bs  # never more than Reads reads in one service
                got.extend(ix.rxbs)
                ix.clearRxbs()

            pump(once, until=lambda: len(got) == len(data))
            assert got == data


def test_echo_server_doer_hands_over_received_bytes_in_order(pump):
    """EchoServerDoer echoes every byte in order, also while earlier echoes still wait to be sent."""
    from hio.base import doing

    server = serving.Server(ha=(LOOPBACK, 0), bs=4096)
    doist = doing.Doist(tock=0.0, real=False)
    doist.doers = [serving.EchoServerDoer(server=server)]
    doist.enter()
    try:
        with socket.create_connection(server.ha) as peer:
            peer.setblocking(False)
            data = os.urandom(4 * 1024 * 1024)  # more than the socket buffers hold: echoes back up
            sent, got = 0, bytearray()

            def step():
                nonlocal sent
                if sent < len(data):
                    try:
                        sent += peer.send(data[sent : sent + 65536])
                    except BlockingIOError:
                        pass
                try:
                    got.extend(peer.recv(65536))
                except BlockingIOError:
                    pass
                doist.recur()

            pump(step, until=lambda: len(got) == len(data), limit=200000)
            assert got == data
    finally:
        doist.exit()


def test_remoter_ha_is_the_local_end_of_its_connection(pump):
    """A server on all interfaces gives each remoter the address its client actually reached."""
    with serving.openServer(host="", port=0) as server, clienting.openClient(ha=server.eha) as client:
        pump(client.serviceConnect, server.serviceConnects, until=lambda: client.ca in server.ixes)
        ix = server.ixes[client.ca]
        assert server.ha[0] == "0.0.0.0"
        assert ix.ha == ix.cs.getsockname() == client.cs.getpeername() == client.ha == server.eha
        assert ix.ca == client.ca == ix.cs.getpeername()


def test_remoter_send_raises_on_a_dead_connection_but_serviceSends_does_not(pump):
    """send raises BrokenPipeError once sending is shut down; serviceSends marks cutoff instead."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        with socket.create_connection(server.eha) as peer:
            pump(server.serviceConnects, until=lambda: server.ixes)
            (ix,) = server.ixes.values()
            assert ix.send(b"before") == 6
            ix.shutdownSend()
            with pytest.raises(BrokenPipeError):
                ix.send(b"after")
            assert ix.cutoff
            ix.tx(b"queued after")
            ix.serviceSends()  # does not raise
            assert not ix.txbs
            server.serviceSendsAllIx()
            assert peer.recv(100) == b"before"
            ix.close()
            assert ix.cs is None
            with pytest.raises(AttributeError):
                ix.receive()
            ix.tx(b"to a closed remoter")
            ix.serviceSends()
            ix.serviceReceives()
            ix.serviceReceiveOnce()


def test_echo_server_doer_removes_connections_whose_clients_left(pump):
    """The echo server answers a half closed client, then drops the connection once it is sent."""
    server = serving.Server(ha=(LOOPBACK, 0))
    server.reopen()
    echoer = serving.EchoServerDoer(server=server)
    try:
        with socket.create_connection(server.eha) as peer:
            stay = socket.create_connection(server.eha)
            pump(lambda: echoer.recur(tyme=0.0), until=lambda: len(server.ixes) == 2)
            peer.sendall(b"last words")
            peer.shutdown(socket.SHUT_WR)
            pump(lambda: echoer.recur(tyme=0.0), until=lambda: peer.getsockname() not in server.ixes)
            assert peer.recv(100) == b"last words"  # echoed before it was dropped
            assert list(server.ixes) == [stay.getsockname()]
            stay.close()
            pump(lambda: echoer.recur(tyme=0.0), until=lambda: not server.ixes)
    finally:
        server.close()


class CountingPoll:
    """Stands in for a readiness poll object, counting its polls."""

    def __init__(self, poll):
        self.inner = poll
        self.polls = 0

    def poll(self, *args):
        self.polls += 1
        return self.inner.poll(*args)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def __contains__(self, fd):
        return fd in self.inner


def test_echo_server_doer_polls_once_a_pass_for_connections_and_bytes(pump, echoed):
    """The listen socket shares the remoters' readiness poller: one poll a pass accepts and reads alike."""
    from hio.base import doing

    server = serving.Server(ha=(LOOPBACK, 0))
    doist = doing.Doist(tock=0.0, real=False)
    doist.doers = [serving.EchoServerDoer(server=server)]
    doist.enter()
    passes = 0

    def step():
        nonlocal passes
        passes += 1
        doist.recur()

    try:
        shared, own = CountingPoll(server._poller), CountingPoll(server._ready)
        server._poller, server._ready = shared, own
        peers = []
        for message in (b"early", b"late"):
            peer = socket.create_connection(server.ha)
            peers.append(peer)
            peer.sendall(message)  # waits in the socket before it is accepted
            peer.setblocking(False)
            pump(step, until=echoed(peer, message), limit=5000)
        assert len(server.ixes) == 2
        assert shared.polls == passes  # one readiness poll a pass
        assert own.polls == 0  # the listen socket was never polled apart
        for peer in peers:
            peer.close()
    finally:
        doist.exit()


def test_server_service_polls_once_a_pass(pump):
    """Server.service makes one readiness poll (pollReady) for the accepts and receives of its pass."""
    with serving.openServer(host=LOOPBACK, port=0) as server:
        shared, own = CountingPoll(server._poller), CountingPoll(server._ready)
        server._poller, server._ready = shared, own
        passes = 0

        def step():
            nonlocal passes
            passes += 1
            server.service()

        peer = socket.create_connection(server.ha)
        try:
            peer.sendall(b"hello")
            pump(step, until=lambda: any(ix.rxbs == b"hello" for ix in server.ixes.values()), limit=5000)
            ix = next(iter(server.ixes.values()))
            ix.tx(b"back")
            pump(step, until=lambda: not ix.txbs, limit=5000)
            assert peer.recv(16) == b"back"
            assert shared.polls == passes and own.polls == 0
            assert server.pollReady() and server._acceptable is False  # nothing waits now
            assert server.readyIxes() == [] and server._events is None  # the poll made stands for readyIxes'
        finally:
            peer.close()


def test_listen_socket_on_the_poller_across_reopen_and_apart_from_ready_ixes(pump, echoed):
    """readyIxes passes over a waiting connection (serviceConnects takes it); a reopened listen
    socket goes on the poller in place of the old one."""
    from hio.base import doing

    server = serving.Server(ha=(LOOPBACK, 0))
    server.reopen()
    with socket.create_connection(server.ha) as waiting:
        pump(lambda: None, until=lambda: server._poller.poll(0), limit=5000)  # the listen socket is readable
        assert server.readyIxes() == [] and not server.ixes
        server.serviceConnects()
        assert list(server.ixes) == [waiting.getsockname()]
    server.close()
    server.ha = (LOOPBACK, 0)
    server.reopen()
    first = server.ss
    server.ha = (LOOPBACK, 0)  # a new address: reopen replaces the listen socket on the same poller
    server.reopen()
    assert server.ss is not first
    doist = doing.Doist(tock=0.0, real=False)
    doist.doers = [serving.EchoServerDoer(server=server)]
    doist.enter()
    try:
        with socket.create_connection(server.ha) as peer:
            peer.sendall(b"again")
            peer.setblocking(False)
            pump(doist.recur, until=echoed(peer, b"again"), limit=5000)
    finally:
        doist.exit()


def test_a_pass_after_the_doists_wait_takes_what_it_found_instead_of_polling(pump, echoed):
    """After the Doist's wait found descriptors readable, the echo server's pass reads and accepts
    from them without a poll of its own; a pass that no wait came before polls, as before.
    Another transport's descriptor among them is left alone."""
    from hio.base import doing

    server = serving.Server(ha=(LOOPBACK, 0))
    doist = doing.Doist(tock=0.0, real=False)
    doist.doers = [serving.EchoServerDoer(server=server, tymth=doist.tymen())]
    doist.enter()
    other, otherPeer = socket.socketpair()
    try:
        shared = CountingPoll(server._poller)
        server._poller = shared
        doist.waker.watch(other)  # another transport's, readable all along
        otherPeer.send(b"not the server's")
        peer = socket.create_connection(server.ha)
        peer.sendall(b"hello")
        peer.setblocking(False)
        waited = 0

        def step():  # as a real-time Doist: wait for readiness, then the cycle after it
            nonlocal waited
            assert doist.waker.wait(0.5)  # something is always readable here: the other socket
            waited += 1
            assert doist.waker.ready is not None
            doist.recur()
            assert doist.waker.ready is None  # stale once the cycle ran

        pump(step, until=echoed(peer, b"hello"), limit=200)
        assert waited >= 1 and shared.polls == 0  # accepted, read and echoed on the waits' findings alone
        assert other.fileno() in doist.waker.poller and other.fileno() not in server._polled
        doist.recur()  # no wait before it: the server polls for itself
        assert shared.polls == 1
        peer.close()
    finally:
        doist.exit()
        other.close()
        otherPeer.close()
