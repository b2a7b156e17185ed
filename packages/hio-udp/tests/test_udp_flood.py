"""A flood of datagrams against a consumer slower than the sender: the Peer's memory stays
bounded, what it dropped is counted, and a datagram sent after the flood still arrives soon."""

from __future__ import annotations

import socket
import tracemalloc

from hio.base import doing
from hio.core.udp import udping

LOOPBACK = "127.0.0.1"
GRAM = b"x" * 1024
LATE = b"late"


def test_flood_keeps_rxgs_bounded_counts_drops_and_late_datagram_arrives():
    """100 datagrams of 1 KB a cycle for 300 cycles against a consumer taking one a cycle."""
    peer = udping.Peer(host=LOOPBACK, port=0)
    assert peer.maxRxgs == udping.Peer.MaxRxgs == 256 and peer.dropped == 0
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setblocking(False)
    sent = [0]
    got = {"count": 0, "late": None, "most": 0}

    def flooder(tymth=None, tock=0.0, **opts):
        yield tock  # the peer is open from here on
        for _ in range(300):
            for _ in range(100):
                try:
                    sender.sendto(GRAM, peer.ha)
                    sent[0] += 1
                except BlockingIOError:
                    break
            yield tock
        yield tock  # one cycle for the peer to drain its socket
        sender.sendto(LATE, peer.ha)
        got["lateAt"] = tymth()
        return True

    def consumer(tymth=None, tock=0.0, **opts):
        while True:
            yield tock
            got["most"] = max(got["most"], len(peer.rxgs))
            if peer.rxgs:
                data, _ = peer.rxgs.popleft()
                got["count"] += 1
                if data == LATE:
                    got["late"] = tymth()
                    return True

    doist = doing.Doist(real=False, tock=0.001, limit=40.0)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        doist.do(doers=[doing.doify(flooder), udping.PeerDoer(peer=peer), doing.doify(consumer)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sender.close()
    assert got["late"] is not None  # the late datagram reached the consumer
    assert got["late"] - got["lateAt"] < 1.0  # within a second of tyme, one datagram a millisecond
    assert got["most"] <= peer.maxRxgs  # never more than maxRxgs waiting
    assert peak - before < 16e6  # unbounded, 30,000 datagrams of 1 KB would take over 30 MB
    assert peer.dropped > 0  # the oldest went, counted
    assert got["count"] + peer.dropped + len(peer.rxgs) <= sent[0] + 1


def test_maxRxgs_is_per_peer_and_drops_the_oldest(pump):
    """A Peer given a smaller maxRxgs keeps the newest that many; the older ones are counted in dropped."""
    with udping.openPeer(host=LOOPBACK, port=0, name="small") as peer, udping.openPeer(host=LOOPBACK, port=0) as other:
        peer.maxRxgs = 3
        for i in range(5):
            assert other.send(b"%d" % i, peer.ha)
        pump(peer.serviceReceives, until=lambda: len(peer.rxgs) + peer.dropped == 5)
        assert [data for data, _ in peer.rxgs] == [b"2", b"3", b"4"]
        assert peer.dropped == 2
