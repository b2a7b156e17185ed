"""Tests of hio.core.gramming: the GramQueue a datagram Peer mixes in and GramDoer.

The Peer under test is the smallest datagram Peer there is: a Unix domain
datagram socket at an abstract address (Linux), which, unlike UDP on
loopback, tells a sender that its receiver is full instead of dropping.
"""

from __future__ import annotations

import errno
import socket
import sys
import uuid

import pytest

from hio.base.doing import Doer, Doist
from hio.core.gramming import GramDoer, GramQueue, GramSizeError
from hio.hioing import HioError

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract unix socket addresses")


def address(label: str) -> str:
    """A fresh abstract unix socket address."""
    return f"\0hio-gramming-{label}-{uuid.uuid4().hex}"


class Peer(GramQueue):
    """A datagram Peer at an abstract unix address, built on GramQueue alone."""

    Kind = "TEST"
    MaxGramSize = 1024

    def __init__(self, name: str = "test"):
        super().__init__()
        self.name = name
        self.wl = None
        self.opened = False
        self.ha = address(name)

    def _where(self):
        return self.ha

    def reopen(self) -> bool:
        self.close()
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            ls.setblocking(False)
            ls.bind(self.ha)
        except OSError as ex:
            self._failed(ls, ex)
            raise
        return self._opened(ls)

    def close(self) -> None:
        self._closeSocket()

    def receive(self):
        ls = self._socket()
        try:
            data, src = ls.recvfrom(self.MaxGramSize)
        except (BlockingIOError, InterruptedError):
            return (b"", None)
        return (data, src or None)

    def send(self, data, dst) -> int:
        return self._sendGram(data, dst)


@pytest.fixture
def pair():
    """Two open Peers, alpha and beta, closed after the test."""
    alpha, beta = Peer("alpha"), Peer("beta")
    alpha.reopen()
    beta.reopen()
    yield alpha, beta
    alpha.close()
    beta.close()


def test_a_new_peer_has_empty_queues_and_no_socket():
    peer = Peer()
    assert not peer.rxgs and not peer.txgs and not peer.undelivered
    assert peer.undelivered.maxlen == Peer.UndeliveredSize
    assert peer.ls is None and peer.actualBufSizes() == (0, 0)
    with pytest.raises(OSError) as info:
        peer.send(b"x", address("nobody"))
    assert info.value.errno == errno.EBADF


def test_open_and_close_watch_the_socket_and_keep_the_queue(pair):
    alpha, beta = pair
    sizes = alpha.actualBufSizes()
    assert alpha.opened and sizes[0] > 0 and sizes[1] > 0
    alpha.transmit(b"kept", beta.ha)
    alpha.close()
    assert not alpha.opened and alpha.ls is None
    assert list(alpha.txgs) == [(b"kept", beta.ha)]  # closing drops nothing queued


def test_transmit_refuses_a_datagram_larger_than_the_peer_carries(pair):
    alpha, beta = pair
    with pytest.raises(GramSizeError, match="1025 bytes") as info:
        alpha.transmit(b"x" * 1025, beta.ha)
    assert isinstance(info.value, ValueError) and isinstance(info.value, HioError)
    assert not alpha.txgs
    alpha.transmit(bytearray(b"y" * 1024), beta.ha)
    data, dst = alpha.txgs[0]
    assert type(data) is bytes and len(data) == 1024 and dst == beta.ha


def test_queued_datagrams_are_sent_in_order_and_received_into_rxgs(pair):
    alpha, beta = pair
    for index in range(3):
        alpha.transmit(f"gram {index}".encode(), beta.ha)
    assert alpha.serviceTxGrams() == 3 and not alpha.txgs
    assert beta.serviceReceives() == 3
    assert [data for data, _ in beta.rxgs] == [b"gram 0", b"gram 1", b"gram 2"]
    assert all(src == alpha.ha.encode() for _, src in beta.rxgs)
    assert beta.serviceReceives() == 0  # nothing more waiting


def test_a_full_receiver_keeps_the_rest_queued_in_order_until_it_has_room(pair):
    alpha, beta = pair
    total = 5000
    for index in range(total):
        alpha.transmit(index.to_bytes(4, "big") * 64, beta.ha)
    sent = alpha.serviceTxGrams()
    assert 0 < sent < total  # the receiver filled up: the sender backed off
    assert len(alpha.txgs) == total - sent
    assert alpha.txgs[0][0][:4] == sent.to_bytes(4, "big")  # the next one waits first
    assert not alpha.undelivered  # no room is not a failure
    received = []  # the application takes what arrives: .rxgs holds at most .maxRxgs
    for _ in range(total):  # bounded: each round moves at least one datagram
        beta.serviceReceives()
        assert len(beta.rxgs) <= beta.maxRxgs
        received.extend(beta.rxgs)
        beta.rxgs.clear()
        if not alpha.txgs:
            break
        alpha.service()
    beta.serviceReceives()
    received.extend(beta.rxgs)
    assert not alpha.txgs
    assert [int.from_bytes(data[:4], "big") for data, _ in received] == list(range(total))


def test_undeliverable_datagrams_are_reported_and_sending_goes_on(pair):
    alpha, beta = pair
    nobody = address("nobody")
    alpha.transmit(b"lost", nobody)
    alpha.transmit(b"odd", 12345)  # not an address of this transport
    alpha.transmit(b"found", beta.ha)
    assert alpha.serviceTxGrams() == 1 and not alpha.txgs
    (first, refused), (second, invalid) = alpha.undelivered
    assert first == nobody and isinstance(refused, OSError) and refused.errno == errno.ECONNREFUSED
    assert second == 12345 and isinstance(invalid, OSError) and invalid.errno == errno.EINVAL
    beta.service()
    assert [data for data, _ in beta.rxgs] == [b"found"]


def test_undelivered_reports_are_bounded(pair):
    alpha, _ = pair
    nobody = address("nobody")
    for _ in range(Peer.UndeliveredSize + 10):
        alpha.transmit(b"lost", nobody)
    alpha.serviceTxGrams()
    assert len(alpha.undelivered) == Peer.UndeliveredSize


def test_doer_opens_its_peer_services_it_every_run_and_closes_it():
    alpha, beta = Peer("alpha"), Peer("beta")
    beta.reopen()
    try:
        doer = GramDoer(peer=alpha)
        assert doer.peer is alpha and doer.servant is alpha and not doer.starved

        class Sender(Doer):
            def recur(self, tyme):
                alpha.transmit(f"at {tyme}".encode(), beta.ha)
                return tyme >= 0.0625

        Doist(doers=[doer, Sender()], tock=0.03125, real=False, limit=0.25).do()
        assert not alpha.opened and alpha.ls is None  # closed on exit
        beta.serviceReceives()
        assert [data for data, _ in beta.rxgs] == [b"at 0.0", b"at 0.03125", b"at 0.0625"]
    finally:
        beta.close()


class HungryPeer(Peer):
    """A Peer whose opening fails for lack of descriptors while .hungry."""

    def __init__(self, name: str = "hungry"):
        super().__init__(name)
        self.hungry = True
        self.tries = 0

    def reopen(self) -> bool:
        self.tries += 1
        if self.hungry:
            raise OSError(errno.EMFILE, "Too many open files")
        return super().reopen()


def test_a_starved_doer_waits_out_its_pause_before_trying_again():
    peer = HungryPeer()

    class Patient(GramDoer):
        Backoff = 600.0  # longer than this test runs
        BackoffMax = 600.0

    doer = Patient(peer=peer)
    doer.enter()
    assert doer.starved and peer.tries == 1 and not peer.opened
    for _ in range(5):
        assert doer.recur(0.0) is False
    assert peer.tries == 1  # no try before the pause is over


def test_a_starved_doer_opens_its_peer_once_resources_free_up():
    peer, other = HungryPeer(), Peer("other")

    class Eager(GramDoer):
        Backoff = 0.0  # every run is due
        BackoffMax = 0.0

    doer = Eager(peer=peer)
    other.reopen()
    try:
        doer.enter()
        assert doer.starved
        assert doer.recur(0.0) is False and doer.starved and peer.tries == 2
        peer.hungry = False
        peer.transmit(b"at last", other.ha)
        assert doer.recur(0.0) is False  # never done by itself
        assert not doer.starved and peer.opened and peer.tries == 3
        other.serviceReceives()
        assert [data for data, _ in other.rxgs] == [b"at last"]
        doer.exit()
        assert not peer.opened
    finally:
        other.close()


def test_a_doer_raises_other_failures_to_open():
    holder = Peer("holder")
    holder.reopen()
    try:
        twin = Peer("twin")
        twin.ha = holder.ha  # the address is taken
        doer = GramDoer(peer=twin)
        with pytest.raises(OSError) as info:
            doer.enter()
        assert info.value.errno == errno.EADDRINUSE and not doer.starved and not twin.opened
    finally:
        holder.close()


def test_a_full_rxgs_drops_the_oldest_or_leaves_the_rest_in_the_socket(pair):
    """DropOldest: the newest maxRxgs are kept and the older counted in dropped;
    otherwise nothing more is read while .rxgs is full, and nothing is dropped."""
    alpha, beta = pair
    beta.maxRxgs = 4
    for index in range(6):
        assert alpha.send(bytes([index]), beta.ha)
    assert beta.serviceReceives() == 6
    assert [data for data, _ in beta.rxgs] == [bytes([2]), bytes([3]), bytes([4]), bytes([5])]
    assert beta.dropped == 2
    beta.rxgs.clear()
    beta.DropOldest = False
    for index in range(6):
        assert alpha.send(bytes([index]), beta.ha)
    assert beta.serviceReceives() == 4  # full: the other two wait in the socket
    assert beta.serviceReceives() == 0
    assert [data for data, _ in beta.rxgs] == [bytes([index]) for index in range(4)]
    beta.rxgs.clear()
    assert beta.serviceReceives() == 2
    assert [data for data, _ in beta.rxgs] == [bytes([4]), bytes([5])]
    assert beta.dropped == 2  # unchanged
