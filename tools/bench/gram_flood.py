"""A datagram flood against a slow consumer: memory growth and the latency of a late datagram.

Usage: ``python gram_flood.py [udp|uxd] [seconds]`` (default udp, 10 s); prints one JSON object.

A Peer run by a real-time Doist (tock 1 ms) next to a consumer doer that
takes one datagram from ``.rxgs`` each cycle is flooded by another process
sending 1 KB datagrams as fast as it can for the given seconds. Then, a
tenth of a second later (a UDP datagram sent while the receiver's socket
buffer is full is dropped by the kernel, whatever the receiver does), the
flooder sends one marked datagram and the run measures how long that one
takes to reach the consumer (given up after 5 s). Reported: the growth of
the process's resident set size during the flood (MB), the datagrams sent,
consumed and dropped (``.dropped``, when the Peer counts them), and the late
datagram's latency in seconds (null when it did not arrive).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from typing import Any

GRAM = 1024
PAUSE = 0.1  # seconds between the end of the flood and the late datagram
LATE = b"late" + b"\0" * (GRAM - 4)


def rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def flood(kind: str, dst: object, seconds: float, sent: Any, lateAt: Any) -> None:
    """Sends 1 KB datagrams to dst for seconds, then the late one; counts them in sent, notes when in lateAt."""
    family = socket.AF_UNIX if kind == "uxd" else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setblocking(False)
    data = b"x" * GRAM
    count = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(64):
            try:
                s.sendto(data, dst)
                count += 1
            except (BlockingIOError, InterruptedError):
                time.sleep(0.0001)
                break
    sent.value = count
    time.sleep(PAUSE)  # after the flood: a datagram that finds the receiver's socket full is lost on the way
    s.setblocking(True)
    lateAt.value = time.monotonic()  # one clock for every process
    s.sendto(LATE, dst)
    s.close()


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "udp"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    from hio.base import doing

    if kind == "uxd":
        from hio.core.uxd import uxding

        head = tempfile.mkdtemp(prefix="hio-flood-")
        peer = uxding.Peer(name="flooded", temp=True, headDirPath=head, reuse=True)
        doer = uxding.PeerDoer(peer=peer)
    else:
        from hio.core.udp import udping

        peer = udping.Peer(host="127.0.0.1", port=0)
        doer = udping.PeerDoer(peer=peer)
    peer.reopen()
    dst = peer.path if kind == "uxd" else peer.ha
    state = {"consumed": 0, "late": None, "start": None}

    def consume(tymth=None, tock=0.0, **opts):
        while True:
            yield tock
            if peer.rxgs:
                data, _ = peer.rxgs.popleft()
                state["consumed"] += 1
                if data == LATE:
                    state["late"] = time.monotonic()
                    return True

    sent = multiprocessing.Value("q", 0)
    lateAt = multiprocessing.Value("d", 0.0)
    before = rss()
    flooder = multiprocessing.Process(target=flood, args=(kind, dst, seconds, sent, lateAt))
    doist = doing.Doist(real=True, tock=0.001, limit=seconds + 5.0, doers=[doer, doing.doify(consume)])
    flooder.start()
    peak = [before]

    def watch(tymth=None, tock=0.0, **opts):
        while True:
            peak[0] = max(peak[0], rss())
            yield 0.1

    doist.doers.append(doing.doify(watch, tock=0.1))
    doist.do()
    flooder.join()
    latency = None if state["late"] is None else round(max(0.0, state["late"] - lateAt.value), 3)
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": seconds,
                "sent": sent.value,
                "consumed": state["consumed"],
                "dropped": getattr(peer, "dropped", None),
                "rss_growth_mb": round((peak[0] - before) / 1e6, 1),
                "late_latency_s": latency,
            }
        )
    )


if __name__ == "__main__":
    main()
