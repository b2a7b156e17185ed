"""Tests of hio.core.udp.udping: Peer, PeerDoer and openPeer on loopback, port 0."""

from __future__ import annotations

import errno
import select
import socket
import sys

import pytest

from hio.base import doing
from hio.base.waking import Waker
from hio.core import udp
from hio.core.udp import udping
from hio.core.wiring import WireLog, openWL

LOOPBACK = "127.0.0.1"


def arrived(peer, timeout=2.0):
    """Waits, at most timeout seconds, until peer's socket is readable, then returns peer.receive()."""
    select.select([peer.ls], [], [], timeout)
    return peer.receive()


def test_constants_and_package_exports():
    """The size constants say what UDP carries; the package re-exports the module's API."""
    assert udping.UDP_MAX_DATAGRAM_SIZE == 65535
    assert udping.UDP_MAX_SAFE_PAYLOAD == 548
    assert udping.UDP_MAX_PACKET_SIZE == 65535 - 20 - 8
    assert udp.Peer is udping.Peer
    assert udp.PeerDoer is udping.PeerDoer
    assert udp.openPeer is udping.openPeer
    assert udp.UDP_MAX_SAFE_PAYLOAD == 548
    assert udping.logger is not None


def test_peer_defaults_and_port_zero():
    """A new Peer is closed on port 55000 by default; port 0 binds a free port shown in .ha."""
    peer = udping.Peer()
    assert peer.name == "main"
    assert peer.ha == ("", 55000)
    assert peer.bs == 1024 and peer.wl is None and not peer.bcast
    assert not peer.opened and peer.ls is None
    assert peer.actualBufSizes() == (0, 0)

    peer = udping.Peer(host="localhost", port=0, bufsize=8192)
    assert peer.ha == (LOOPBACK, 0)  # host normalized to its ip address
    try:
        assert peer.open() is True
        assert peer.opened
        assert peer.host == LOOPBACK and peer.port > 0
        assert peer.ha == peer.ls.getsockname()
        tx, rx = peer.actualBufSizes()
        assert tx >= 8192 and rx >= 8192
        assert peer.maxGramSize == udping.UDP_MAX_PACKET_SIZE
    finally:
        peer.close()
    assert not peer.opened and peer.ls is None

    peer = udping.Peer(ha=(LOOPBACK, 0))
    with udping.openPeer(cls=udping.Peer, ha=(LOOPBACK, 0)) as other:
        assert other.opened
    assert not other.opened
    assert peer.ha == (LOOPBACK, 0)


def test_two_peers_exchange_both_ways():
    """Two Peers on loopback send datagrams each way; each arrives whole with its source address."""
    with udping.openPeer(host=LOOPBACK, port=0) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
        assert alpha.receive() == (b"", None)  # nothing yet: always a duple

        assert alpha.send(b"Hello beta", beta.ha) == len(b"Hello beta")
        assert alpha.send(b"Second", beta.ha) == 6
        assert beta.send(b"Hello alpha", alpha.ha) == 11

        assert arrived(beta) == (b"Hello beta", alpha.ha)
        assert arrived(beta) == (b"Second", alpha.ha)
        assert beta.receive() == (b"", None)
        assert arrived(alpha) == (b"Hello alpha", beta.ha)
        assert alpha.receive() == (b"", None)

        assert alpha.send(b"", beta.ha) == 0  # an empty datagram is still a datagram
        assert arrived(beta) == (b"", alpha.ha)


def test_largest_datagram_and_one_byte_more():
    """The largest UDP payload arrives whole; one byte more is refused before sending anything."""
    with udping.openPeer(host=LOOPBACK, port=0) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
        largest = bytes(range(256)) * (udping.UDP_MAX_PACKET_SIZE // 256) + b"z" * (udping.UDP_MAX_PACKET_SIZE % 256)
        assert len(largest) == alpha.maxGramSize == 65507
        assert alpha.send(largest, beta.ha) == len(largest)
        assert arrived(beta) == (largest, alpha.ha)  # not cut by the small default bufsize

        with pytest.raises(udping.GramSizeError, match="65508 bytes"):
            alpha.send(largest + b"!", beta.ha)
        with pytest.raises(ValueError):  # a GramSizeError is a ValueError too
            alpha.transmit(largest + b"!", beta.ha)
        assert not alpha.txgs
        assert beta.receive() == (b"", None)  # nothing was sent, nothing cut

        assert alpha.send(b"still working", beta.ha) == 13
        assert arrived(beta) == (b"still working", alpha.ha)


def test_largest_datagram_over_ipv6():
    """Over IPv6 the largest payload is 65527 bytes, one byte more is refused."""
    if not socket.has_ipv6:
        pytest.skip("Python built without IPv6")
    try:
        alpha = udping.Peer(host="::1", port=0)
        alpha.open()
    except OSError as ex:
        pytest.skip(f"no IPv6 loopback: {ex}")
    try:
        with udping.openPeer(host="::1", port=0) as beta:
            assert alpha.maxGramSize == udping.UDP_MAX_DATAGRAM_SIZE - 8
            largest = b"6" * alpha.maxGramSize
            assert alpha.send(largest, beta.ha) == len(largest)
            data, sa = arrived(beta)
            assert data == largest and sa[:2] == alpha.ha
            with pytest.raises(udping.GramSizeError):
                alpha.send(largest + b"6", beta.ha)
    finally:
        alpha.close()


def test_unknown_destinations_are_reported_and_peer_keeps_working(dead):
    """Unresolvable destinations raise; refusals of earlier datagrams land in .undelivered."""
    with udping.openPeer(host=LOOPBACK, port=0) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
        with pytest.raises(OSError):  # socket.gaierror: the name does not resolve
            alpha.send(b"lost", ("no-such-host.invalid", 9))
        with pytest.raises(TypeError):
            alpha.send(b"lost", None)

        assert alpha.send(b"to nobody", dead) == 9  # UDP itself gives no receipt
        if not sys.platform.startswith("linux"):
            pytest.skip("only Linux reports refusals to unconnected UDP sockets")
        # the port unreachable report comes back asynchronously on loopback
        assert arrived(alpha) == (b"", None)  # readable for the report, which is no datagram
        assert list(alpha.undelivered) == [(dead, alpha.undelivered[0][1])]
        report = alpha.undelivered[0][1]
        assert isinstance(report, ConnectionRefusedError) and report.errno == errno.ECONNREFUSED
        assert str(dead[1]) in str(report)

        assert alpha.send(b"to beta", beta.ha) == 7  # the Peer keeps working
        assert arrived(beta) == (b"to beta", alpha.ha)


def test_pending_refusal_does_not_fail_the_next_send(dead):
    """A refusal that arrives between sends is reported, and the following send still goes out."""
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux reports refusals to unconnected UDP sockets")
    with udping.openPeer(host=LOOPBACK, port=0) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
        alpha.send(b"to nobody", dead)
        # wait, without reading alpha, until the refusal is pending on its socket
        readable, _, _ = select.select([alpha.ls], [], [], 2.0)
        assert readable == [alpha.ls]
        assert not alpha.undelivered
        assert alpha.send(b"hello", beta.ha) == 5  # the pending refusal is collected, hello still sent
        assert [da for da, _ in alpha.undelivered] == [dead]
        assert arrived(beta) == (b"hello", alpha.ha)


def test_closed_peer_and_address_in_use():
    """A closed Peer refuses to send or receive with a clear error; a taken address raises on open."""
    peer = udping.Peer(host=LOOPBACK, port=0)
    with pytest.raises(OSError, match="not open"):
        peer.receive()
    with pytest.raises(OSError, match="not open"):
        peer.send(b"x", (LOOPBACK, 9))

    with udping.openPeer(host=LOOPBACK, port=0) as alpha:
        clash = udping.Peer(ha=alpha.ha)
        with pytest.raises(OSError) as info:
            clash.open()
        assert info.value.errno == errno.EADDRINUSE
        assert not clash.opened and clash.ls is None
        assert alpha.send(b"fine", alpha.ha) == 4  # the holder is undisturbed
        assert arrived(alpha) == (b"fine", alpha.ha)


def test_reopen_is_idempotent_and_watched_by_waker():
    """reopen closes first; the open socket is watched by the waker and unwatched on close."""
    peer = udping.Peer(host=LOOPBACK, port=0)
    waker = peer.waker = Waker()
    try:
        assert peer.reopen()
        first = peer.ls
        assert first.fileno() in waker
        port = peer.port
        assert peer.reopen()  # the bound port stays in .ha, so it reopens on the same port
        assert peer.ls is not first and first.fileno() == -1
        assert peer.port == port
        assert peer.ls.fileno() in waker
        fd = peer.ls.fileno()
    finally:
        peer.close()
    assert fd not in waker
    peer.close()  # closing twice is harmless


def test_broadcast_needs_bcast():
    """Without bcast a broadcast address is refused; with bcast the datagram reaches a listener."""
    broadcast = "127.255.255.255"
    try:
        listener = udping.Peer(host=broadcast, port=0)
        listener.open()
    except OSError as ex:
        pytest.skip(f"the OS does not allow binding the loopback broadcast address: {ex}")
    try:
        with udping.openPeer(host=LOOPBACK, port=0) as plain:
            assert plain.ls.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST) == 0
            with pytest.raises(PermissionError):
                plain.send(b"shout", listener.ha)
        with udping.openPeer(host=LOOPBACK, port=0, bcast=True) as caster:
            assert caster.bcast
            assert caster.ls.getsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST) != 0
            try:
                sent = caster.send(b"shout", listener.ha)
            except OSError as ex:
                pytest.skip(f"the OS refuses loopback broadcast even with SO_BROADCAST: {ex}")
            assert sent == 5
            assert arrived(listener) == (b"shout", caster.ha)
    finally:
        listener.close()


def test_wirelog_records_rx_and_tx_with_addresses():
    """A WireLog records each datagram sent and received, with the peer address."""
    wl = WireLog(samed=True, reopen=True)
    try:
        with udping.openPeer(host=LOOPBACK, port=0, wl=wl) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
            alpha.send(b"out", beta.ha)
            beta.send(b"in", alpha.ha)
            assert arrived(alpha) == (b"in", beta.ha)
            log = wl.readTx()
            assert b"\nTx ('127.0.0.1', %d):\nout\n" % beta.port in log
            assert b"\nRx ('127.0.0.1', %d):\nin\n" % beta.port in log
            assert log.index(b"Tx") < log.index(b"Rx")
            alpha.receive()  # nothing: nothing logged
            assert wl.readRx() == log
    finally:
        wl.close()


def test_txgs_keep_order_and_service_fills_rxgs(dead, pump):
    """Queued datagrams go out in order; a bad destination is recorded and the rest still go."""
    with udping.openPeer(host=LOOPBACK, port=0) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
        alpha.transmit(b"one", beta.ha)
        alpha.txgs.append((b"two", ("no-such-host.invalid", 9)))
        alpha.transmit(b"three", beta.ha)
        alpha.service()
        assert not alpha.txgs
        assert alpha.undelivered[-1][0] == ("no-such-host.invalid", 9)
        assert isinstance(alpha.undelivered[-1][1], OSError)
        pump(beta.service, until=lambda: len(beta.rxgs) == 2)
        assert list(beta.rxgs) == [(b"one", alpha.ha), (b"three", alpha.ha)]


def test_full_receiver_never_gets_datagrams_cut_or_reordered(pump):
    """A flood beyond the receiver's buffer: what arrives is whole and in order (UDP may drop)."""
    with udping.openPeer(host=LOOPBACK, port=0) as alpha, udping.openPeer(host=LOOPBACK, port=0) as beta:
        alpha.ls.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        beta.ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        grams = [b"%05d" % i + b"." * 1000 for i in range(2000)]
        for gram in grams:
            alpha.transmit(gram, beta.ha)
        received = []

        def drain():
            beta.serviceReceives()
            received.extend(data for data, _ in beta.rxgs)
            beta.rxgs.clear()

        pump(alpha.serviceTxGrams, drain, until=lambda: not alpha.txgs, limit=100000)
        for _ in range(100):
            drain()
        # loopback UDP drops when the receiver is full, but never reorders or cuts
        assert received
        assert received == sorted(received)
        assert set(received) <= set(grams)
        assert all(len(data) == 1005 for data in received)
        assert not alpha.undelivered


def test_peer_doers_under_doist():
    """PeerDoers open their Peers on enter, exchange queued datagrams each cycle and close on exit."""
    alpha = udping.Peer(host=LOOPBACK, port=0)
    beta = udping.Peer(host=LOOPBACK, port=0)
    alphaDoer = udping.PeerDoer(peer=alpha)
    betaDoer = udping.PeerDoer(peer=beta)
    assert alphaDoer.peer is alpha

    doist = doing.Doist(real=False, tock=0.03125, limit=1.0, doers=[alphaDoer, betaDoer])
    doist.enter()
    try:
        assert alpha.opened and beta.opened
        for i in range(5):
            alpha.transmit(b"a%d" % i, beta.ha)
            beta.transmit(b"b%d" % i, alpha.ha)
        for _ in range(20):
            doist.recur()
            if len(alpha.rxgs) == 5 and len(beta.rxgs) == 5:
                break
        assert [data for data, _ in beta.rxgs] == [b"a%d" % i for i in range(5)]
        assert [data for data, _ in alpha.rxgs] == [b"b%d" % i for i in range(5)]
        assert {sa for _, sa in beta.rxgs} == {alpha.ha}
    finally:
        doist.exit()
    assert not alpha.opened and not beta.opened

    # Doist.do runs them to its limit and closes them
    doist = doing.Doist(real=False, tock=0.25, limit=1.0)
    doist.do(doers=[udping.PeerDoer(peer=alpha), udping.PeerDoer(peer=beta)])
    assert doist.done is False and doist.tyme == 1.0  # the limit stopped deeds that had not completed
    assert not alpha.opened and not beta.opened


def test_named_peer():
    """A Peer carries the name it is given; the name changes nothing else."""
    peer = udping.Peer(name="beta", host=LOOPBACK, port=0)
    assert peer.name == "beta"
    with udping.openPeer(name="gamma", host=LOOPBACK, port=0) as other:
        assert other.name == "gamma" and other.opened


def test_peer_on_every_interface_shows_the_wildcard_address():
    """A Peer on host "" binds every interface; once open its .ha is ('0.0.0.0', port) and loopback reaches it."""
    with udping.openPeer(host="", port=0) as anyone, udping.openPeer(host=LOOPBACK, port=0) as sender:
        host, port = anyone.ha
        assert host == "0.0.0.0" and port > 0
        assert anyone.ha == anyone.ls.getsockname()
        sender.send(b"to any", (LOOPBACK, port))
        assert arrived(anyone) == (b"to any", sender.ha)
        anyone.send(b"back", sender.ha)
        assert arrived(sender) == (b"back", (LOOPBACK, port))


def test_wirelog_in_files_holds_both_directions_in_order():
    """A filed, samed WireLog reads back every datagram each way, addresses as Python shows them."""
    with (
        openWL(samed=True, filed=True) as wl,
        udping.openPeer(host=LOOPBACK, port=0, wl=wl) as alpha,
        udping.openPeer(host=LOOPBACK, port=0, wl=wl) as beta,
    ):
        alpha.send(b"ping", beta.ha)
        assert arrived(beta) == (b"ping", alpha.ha)
        beta.send(b"pong", alpha.ha)
        assert arrived(alpha) == (b"pong", beta.ha)
        a, b = (repr(peer.ha).encode() for peer in (alpha, beta))
        expected = b"\nTx %s:\nping\n\nRx %s:\nping\n\nTx %s:\npong\n\nRx %s:\npong\n" % (b, a, a, b)
        assert wl.readRx() == wl.readTx() == expected


def test_eha_is_where_senders_reach_the_peer_and_a_refused_bind_names_it():
    alpha = udp.Peer(host="", port=0)
    assert alpha.eha == ("127.0.0.1", 0)  # every interface is reached at loopback
    alpha.reopen()
    try:
        port = alpha.ha[1]
        assert port != 0 and alpha.eha == ("127.0.0.1", port)  # the port bound
        beta = udp.Peer(host="127.0.0.1", port=port)
        with pytest.raises(OSError) as info:
            beta.reopen()
        assert info.value.errno == errno.EADDRINUSE
        assert str(info.value).endswith(f": '127.0.0.1:{port}'")
        assert not beta.opened
    finally:
        alpha.close()
