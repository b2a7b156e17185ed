"""A UXD PeerDoer whose Peer cannot be opened for lack of descriptors backs off,
costing next to nothing, and opens the Peer by itself once descriptors free up."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
import time

import pytest

from hio.core.uxd import uxding

CHILD = textwrap.dedent(
    """
    import encodings.idna, logging, os, resource, sys, time  # imported now: no descriptor for it later
    from hio.base import doing
    from hio.core.uxd import uxding
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("LOGGED %(message)s"))
    uxding.logger.addHandler(handler)
    uxding.logger.setLevel(logging.INFO)
    hoard = []  # every descriptor left, held until FREE seconds have passed
    try:
        while True:
            hoard.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    FREE = float(sys.argv[1])
    class CountingPeer(uxding.Peer):
        tries = 0

        def reopen(self, **kwa):
            self.tries += 1
            return super().reopen(**kwa)

    peer = CountingPeer(name="starving", temp=True)
    start = time.monotonic()

    class Watcher(doing.Doer):
        sent = False

        def recur(self, tyme):
            if hoard and time.monotonic() - start > FREE:
                for fd in hoard:
                    os.close(fd)
                hoard.clear()
            if peer.opened and not self.sent:
                peer.send(b"ping", peer.path)
                self.sent = True
            if peer.rxgs or time.monotonic() - start > FREE + 10.0:
                print("exchanged" if peer.rxgs else "never opened", peer.tries, flush=True)
                return True
            return False

    print("starved" if not hoard else "hoarding", flush=True)
    doer = uxding.PeerDoer(peer=peer)
    doing.Doist(doers=[doer, Watcher()], tock=0.005, real=True).do()
    """
)


def cpuSeconds(pid: int) -> float:
    """User plus system CPU seconds of process pid, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the peer's CPU time from /proc")
def test_peer_doer_out_of_descriptors_backs_off_and_opens_later():
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "1.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "hoarding"
        time.sleep(0.2)
        start, cpu = time.monotonic(), cpuSeconds(child.pid)
        time.sleep(1.0)  # the hoard is freed 1.5 s after the start
        fraction = (cpuSeconds(child.pid) - cpu) / (time.monotonic() - start)
        assert fraction < 0.10, fraction
        outcome, tries = child.stdout.readline().split()
        assert outcome == "exchanged"  # opened by itself, and works
        assert int(tries) <= 20  # pauses of up to BackoffMax, not a try every cycle of 5 ms
    finally:
        child.kill()
        _, err = child.communicate(timeout=10)
    assert err.count("LOGGED UXD Peer starving: cannot open") == 1, err  # once for the episode
    assert err.count("LOGGED UXD Peer starving: opened at") == 1, err
    assert err.count("LOGGED UXD Peer starving: opened after resources freed up") == 1, err


def test_peer_doer_raises_other_open_failures(tmp_path):
    blocker = tmp_path / "hio" / "uxd" / "taken.uxd"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a socket")
    peer = uxding.Peer(name="taken", headDirPath=str(tmp_path), temp=False, clear=False)
    doer = uxding.PeerDoer(peer=peer)
    with pytest.raises(OSError) as info:
        doer.enter(temp=False)
    assert info.value.errno == errno.EEXIST and not doer.starved
