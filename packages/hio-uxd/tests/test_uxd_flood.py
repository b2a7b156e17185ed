"""A flood of datagrams against a consumer slower than the sender: the Peer's memory stays
bounded, nothing is dropped (the sender is made to wait), and a datagram sent after the flood
still arrives soon."""

from __future__ import annotations

import socket
import tracemalloc

import pytest

from hio.base import doing
from hio.core.uxd import uxding

if not hasattr(socket, "AF_UNIX"):
    pytest.skip("the OS has no Unix domain sockets", allow_module_level=True)

GRAM = b"x" * 1024
LATE = b"late"


def test_flood_keeps_rxgs_bounded_pushes_back_and_late_datagram_arrives():
    """100 datagrams of 1 KB a cycle for 300 cycles against a consumer taking one a cycle."""
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sender.setblocking(False)
    sent = [0]
    got = {"count": 0, "late": None, "most": 0}
    with uxding.openPeer(name="flooded") as peer:
        assert peer.maxRxgs == uxding.Peer.MaxRxgs == 256 and peer.dropped == 0
        path = peer.path

        def flooder(tymth=None, tock=0.0, **opts):
            yield tock
            for _ in range(300):
                for _ in range(100):
                    try:
                        sender.sendto(GRAM, path)
                        sent[0] += 1
                    except BlockingIOError:  # a Unix datagram socket pushes back instead of dropping
                        break
                yield tock
            yield tock
            while True:
                try:
                    sender.sendto(LATE, path)
                    break
                except BlockingIOError:  # no room yet: the consumer takes one a cycle
                    yield tock
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
            doist.do(doers=[doing.doify(flooder), uxding.PeerDoer(peer=peer), doing.doify(consumer)])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            sender.close()
    assert got["late"] is not None
    assert got["late"] - got["lateAt"] < 1.0
    assert got["most"] <= peer.maxRxgs
    assert peak - before < 16e6  # unbounded, 30,000 datagrams of 1 KB would take over 30 MB
    assert peer.dropped == 0  # reliable: none dropped, the sender was made to wait
    assert sent[0] < 30000  # pushed back
    assert got["count"] == sent[0] + 1  # every one sent arrived, the late one last
