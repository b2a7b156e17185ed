"""Tests of hio.core.uxd.uxding: Peer, PeerDoer and openPeer on Unix domain datagram sockets."""

from __future__ import annotations

import errno
import os
import socket
import stat
import sys

import pytest

from hio.base import doing
from hio.base.filing import Filer, FilerError
from hio.base.waking import Waker
from hio.core import uxd
from hio.core.uxd import uxding
from hio.core.wiring import WireLog
from hio.hioing import SizeError

if not hasattr(socket, "AF_UNIX"):
    pytest.skip("the OS has no Unix domain sockets", allow_module_level=True)


def mode(path):
    """The permission bits of path."""
    return stat.S_IMODE(os.stat(path).st_mode)


def tempHead(peer):
    """The temporary directory holding a temporary Peer's <tail>/<name>.uxd path (no base)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(peer.path)))


def isSocket(path):
    """True when path is a socket file."""
    return os.path.lexists(path) and stat.S_ISSOCK(os.lstat(path).st_mode)


def drain(peer, limit=1000):
    """Receives until nothing is waiting; returns the (data, src) duples."""
    grams = []
    for _ in range(limit):
        data, src = peer.receive()
        if src is None and not data:
            return grams
        grams.append((data, src))
    raise AssertionError("receive never ran dry")


def test_defaults_buffers_and_package_exports():
    """A Peer is a Filer with the documented defaults; bc gives bs in whole datagrams."""
    assert uxd.Peer is uxding.Peer and uxd.PeerDoer is uxding.PeerDoer and uxd.openPeer is uxding.openPeer
    peer = uxding.Peer()
    assert isinstance(peer, Filer)
    assert peer.umask == uxding.Peer.Umask == 0o022
    assert peer.bc is None and peer.bs == uxding.Peer.BufSize
    assert peer.wl is None and peer.ls is None and peer.path is None and not peer.opened
    assert peer.name == "main" and not peer.temp and not peer.filed and peer.extensioned
    assert peer.fext == "uxd"
    assert uxding.Peer.MaxGramSize == 65535
    assert uxding.Peer.MaxUxdPathSize == (107 if sys.platform.startswith("linux") else 103)
    assert peer.actualBufSizes() == (0, 0)

    assert uxding.Peer(bc=3).bs == 3 * uxding.Peer.MaxGramSize
    assert uxding.Peer(bc=2, bs=10).bs == 2 * uxding.Peer.MaxGramSize  # bc wins
    assert uxding.Peer(bs=100000, umask=0o077).bs == 100000
    with pytest.raises(ValueError):
        uxding.Peer(bc=0)


def test_two_peers_exchange_both_ways():
    """Two temporary Peers send datagrams each way; each arrives whole with its source path."""
    with uxding.openPeer(name="alpha") as alpha, uxding.openPeer(name="beta") as beta:
        assert alpha.opened and beta.opened and alpha.temp
        assert alpha.path.endswith(os.path.join("hio", "uxd", "alpha.uxd"))
        assert isSocket(alpha.path) and isSocket(beta.path)
        assert alpha.ls.getsockname() == alpha.path
        tx, rx = alpha.actualBufSizes()
        assert tx >= 2 * alpha.MaxGramSize and rx >= 2 * alpha.MaxGramSize

        assert alpha.receive() == (b"", None)  # nothing yet: always a duple
        assert alpha.send(b"Hello beta", beta.path) == 10
        assert alpha.send(b"Second", beta.path) == 6
        assert beta.send(b"Hello alpha", alpha.path) == 11
        assert drain(beta) == [(b"Hello beta", alpha.path), (b"Second", alpha.path)]
        assert drain(alpha) == [(b"Hello alpha", beta.path)]

        assert beta.send(b"", alpha.path) == 0  # an empty datagram is still a datagram
        assert alpha.receive() == (b"", beta.path)

        stranger = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # a sender with no path
        try:
            stranger.sendto(b"anonymous", alpha.path)
        finally:
            stranger.close()
        assert alpha.receive() == (b"anonymous", None)


def test_path_forms():
    """name, base, extensioned and filed shape the socket file path."""
    with uxding.openPeer(name="plain", base="team", extensioned=False) as plain:
        assert plain.path.endswith(os.path.join("hio", "uxd", "team", "plain"))
        assert isSocket(plain.path)
    with uxding.openPeer(name="filed", filed=True, extensioned=False) as filed:
        assert filed.path.endswith("filed.uxd") and filed.file is None
        assert isSocket(filed.path)
    with pytest.raises(FilerError):
        uxding.Peer(name="../escape", temp=True, reopen=True)


def test_largest_datagram_and_one_byte_more():
    """A datagram of MaxGramSize arrives whole; one byte more is refused before sending anything."""
    with uxding.openPeer(name="alpha") as alpha, uxding.openPeer(name="beta") as beta:
        largest = bytes(range(256)) * (alpha.MaxGramSize // 256) + b"z" * (alpha.MaxGramSize % 256)
        assert len(largest) == 65535
        assert alpha.send(largest, beta.path) == len(largest)
        assert beta.receive() == (largest, alpha.path)

        with pytest.raises(uxding.GramSizeError, match="65536 bytes"):
            alpha.send(largest + b"!", beta.path)
        with pytest.raises(ValueError):
            alpha.transmit(largest + b"!", beta.path)
        assert not alpha.txgs
        assert beta.receive() == (b"", None)  # nothing sent, nothing cut

        # a foreign sender may send more than MaxGramSize: refused on receipt, never cut
        foreign = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            foreign.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * len(largest))
            foreign.sendto(largest + b"!", beta.path)
            foreign.sendto(b"after", beta.path)
            with pytest.raises(uxding.GramSizeError, match="larger than the 65535"):
                beta.receive()
            assert beta.receive() == (b"after", None)  # the Peer keeps working
            foreign.sendto(largest + b"!", beta.path)
            foreign.sendto(b"after again", beta.path)
            assert beta.serviceReceives() == 1  # service skips the oversized one
            assert list(beta.rxgs) == [(b"after again", None)]
        finally:
            foreign.close()


def test_unknown_destinations_raise_and_peer_keeps_working(heads):
    """A missing path, a socket file whose socket is gone, or a non-socket raise; the Peer goes on."""
    with uxding.openPeer(name="alpha") as alpha, uxding.openPeer(name="beta") as beta:
        with pytest.raises(FileNotFoundError):
            alpha.send(b"lost", os.path.join(heads.top, "nobody.uxd"))

        gone = uxding.Peer(name="gone", temp=True, reopen=True)
        gonePath = gone.path
        gone.close(clear=False)  # its socket file stays, with no socket behind it
        try:
            assert isSocket(gonePath)
            with pytest.raises(ConnectionRefusedError):
                alpha.send(b"lost", gonePath)
        finally:
            gone.close(clear=True)
        assert not os.path.exists(gonePath)

        with pytest.raises(ConnectionRefusedError):
            alpha.send(b"lost", heads.top)  # a directory is no socket

        assert alpha.send(b"still working", beta.path) == 13
        assert beta.receive() == (b"still working", alpha.path)


def test_queued_datagrams_to_unknown_destinations_are_recorded(heads):
    """serviceTxGrams records undeliverable datagrams in .undelivered and sends the rest, in order."""
    nowhere = os.path.join(heads.top, "nowhere.uxd")
    with uxding.openPeer(name="alpha") as alpha, uxding.openPeer(name="beta") as beta:
        alpha.transmit(b"one", beta.path)
        alpha.transmit(b"lost", nowhere)
        alpha.transmit(b"two", beta.path)
        alpha.txgs.append((b"bad", None))
        alpha.transmit(b"three", beta.path)
        assert alpha.serviceTxGrams() == 3
        assert not alpha.txgs
        assert [dst for dst, _ in alpha.undelivered] == [nowhere, None]
        assert isinstance(alpha.undelivered[0][1], FileNotFoundError)
        assert isinstance(alpha.undelivered[1][1], OSError)
        beta.service()
        assert [data for data, _ in beta.rxgs] == [b"one", b"two", b"three"]


def test_burst_of_ten_thousand_arrives_complete_and_in_order():
    """10,000 datagrams between two PeerDoers under a Doist: the sender backs off, nothing is lost.

    The receiving application takes what arrives each cycle: .rxgs is bounded
    (.maxRxgs), and while it is full the datagrams wait in the socket."""
    count = 10000
    alpha = uxding.Peer(name="alpha", temp=True)
    beta = uxding.Peer(name="beta", temp=True)
    doist = doing.Doist(real=False, tock=0.0078125, doers=[uxding.PeerDoer(peer=alpha), uxding.PeerDoer(peer=beta)])
    doist.enter()
    try:
        assert alpha.opened and beta.opened
        grams = [b"gram %05d " % i + b"x" * (i % 97) for i in range(count)]
        for gram in grams:
            alpha.transmit(gram, beta.path)
        doist.recur()
        assert alpha.txgs  # the receiver's queue filled: the rest wait, in order
        received = list(beta.rxgs)
        beta.rxgs.clear()
        backoffs = 1
        for _ in range(count):
            if len(received) == count:
                break
            doist.recur()
            assert len(beta.rxgs) <= beta.maxRxgs
            received.extend(beta.rxgs)
            beta.rxgs.clear()
            backoffs += 1 if alpha.txgs else 0
        assert [data for data, _ in received] == grams
        assert {src for _, src in received} == {alpha.path}
        assert beta.dropped == 0
        assert not alpha.txgs and not alpha.undelivered
        assert backoffs > 1
    finally:
        doist.exit()
    assert not alpha.opened and not beta.opened
    assert alpha.path and not os.path.exists(alpha.path)  # PeerDoer exit cleared them


@pytest.mark.parametrize("processMask", [0, 0o077])
def test_permissions_follow_umask_not_process_umask(umask, processMask):
    """The uxd file gets 0o777 & ~umask, directories get exactly perm, whatever the process umask."""
    umask(processMask)
    with uxding.openPeer(name="deflt") as peer:
        assert mode(peer.path) == 0o755  # default Umask 0o022
        assert mode(os.path.dirname(peer.path)) == peer.perm == Filer.Perm
        assert mode(tempHead(peer)) == peer.perm
    for mask, expected in ((0o077, 0o700), (0, 0o777), (0o027, 0o750)):
        with uxding.openPeer(name="masked", umask=mask, perm=0o700) as peer:
            assert mode(peer.path) == expected
            assert mode(os.path.dirname(peer.path)) == 0o700
    assert os.umask(processMask) == processMask  # the process umask was restored after each bind


def test_close_clears_only_what_the_peer_made(heads):
    """close(clear) removes the Peer's socket file and the empty directories it made, nothing else."""
    tail = os.path.join(heads.head, "hio", "uxd")
    solo = uxding.Peer(name="solo", reopen=True)  # persistent, under heads.head
    assert solo.path == os.path.join(tail, "solo.uxd")
    solo.close()  # clear=True by default: it made hio and hio/uxd, both go
    assert os.listdir(heads.head) == []  # the head directory, not made by the Peer, stays

    alpha = uxding.Peer(name="alpha", reopen=True)
    beta = uxding.Peer(name="beta", reopen=True)
    try:
        assert beta.path == os.path.join(tail, "beta.uxd")
        stranger = os.path.join(tail, "stranger.txt")
        with open(stranger, "w") as f:
            f.write("not the Peer's")

        alpha.close()  # it made hio/uxd, but beta and the stranger are in there
        assert not os.path.exists(alpha.path) and not alpha.opened
        assert isSocket(beta.path) and os.path.exists(stranger)

        gamma = uxding.Peer(name="gamma", base="team", reopen=True)
        assert gamma.path == os.path.join(tail, "team", "gamma.uxd")
        gamma.close(clear=True)  # removes the team directory it made, not hio/uxd it found
        assert not os.path.exists(os.path.dirname(gamma.path))
        assert sorted(os.listdir(tail)) == ["beta.uxd", "stranger.txt"]

        beta.close(clear=True)
        assert os.listdir(tail) == ["stranger.txt"]
        with open(stranger) as f:
            assert f.read() == "not the Peer's"
    finally:
        alpha.close()
        beta.close()


def test_temp_peer_clears_its_temporary_directory():
    """A temporary Peer removes its whole temporary directory on close, and gets a new one on reopen."""
    peer = uxding.Peer(name="tmp", temp=True, reopen=True)
    first = tempHead(peer)
    assert os.path.basename(first).startswith(uxding.Peer.TempPrefix)
    assert peer.headDirPath == uxding.Peer.HeadDirPath  # the head asked for: a temporary path lives elsewhere
    peer.reopen()
    try:
        assert tempHead(peer) != first and not os.path.exists(first)
        assert isSocket(peer.path)
    finally:
        peer.close()
    assert not os.path.exists(tempHead(peer))
    peer.close()  # twice is harmless

    peer.reopen()
    left = tempHead(peer)
    peer.close(clear=False)
    assert isSocket(peer.path)
    peer.reopen()  # a temporary Peer moves on and removes what it left
    try:
        assert not os.path.exists(left) and peer.opened
    finally:
        peer.close()


def test_reopen_switches_between_temporary_and_persistent(heads):
    """reopen(temp=False) moves a temporary Peer under the persistent head, and back."""
    peer = uxding.Peer(name="mover", temp=True, reopen=True)
    try:
        first = tempHead(peer)
        peer.reopen(temp=False)
        assert peer.path == os.path.join(heads.head, "hio", "uxd", "mover.uxd")
        assert not os.path.exists(first) and isSocket(peer.path)
        peer.reopen(temp=True)
        assert not peer.path.startswith(heads.head) and isSocket(peer.path)
        assert os.listdir(heads.head) == []
    finally:
        peer.close()


def test_close_without_clear_leaves_a_stale_file_that_reopen_replaces(heads):
    """close(clear=False) leaves the uxd file; a reopen replaces the stale file, a live one is not stolen."""
    peer = uxding.Peer(name="keep", reopen=True)
    path = peer.path
    peer.close(clear=False)
    assert isSocket(path) and not peer.opened and peer.ls is None
    try:
        assert peer.reopen(clear=False)
        assert peer.path == path and peer.opened

        thief = uxding.Peer(name="keep")
        with pytest.raises(OSError) as info:
            thief.reopen()
        assert info.value.errno == errno.EADDRINUSE
        assert not thief.opened and isSocket(path)  # the failed Peer removed nothing of the live one
        with uxding.openPeer(name="other") as other:
            assert other.send(b"to keep", path) == 7
            assert peer.receive() == (b"to keep", other.path)

        peer.close(clear=False)
        successor = uxding.Peer(name="keep", reopen=True)  # replaces the stale file with its own
        try:
            peer.close(clear=True)  # the file at path is no longer the one peer bound: it stays
            assert isSocket(path) and successor.opened
        finally:
            successor.close()

        with open(path + ".txt", "w"):
            pass
        squatter = uxding.Peer(name="keep.uxd", extensioned=False, fext="txt", filed=True)
        with pytest.raises(FileExistsError):
            squatter.reopen()  # a regular file at the path is never replaced
        assert os.path.isfile(path + ".txt")
    finally:
        peer.close()
    assert not os.path.exists(path)


def test_open_peer_persistent_does_not_clear(heads):
    """openPeer(temp=False) leaves the socket file on exit; openPeer(temp=True) clears."""
    with uxding.openPeer(name="lasting", temp=False) as peer:
        path = peer.path
        assert path.startswith(heads.head)
    assert isSocket(path) and not peer.opened
    with uxding.openPeer(name="lasting", temp=False) as again:  # replaces the stale file
        assert again.path == path and again.opened
    again.close()
    assert not os.path.exists(path)


def test_unusable_head_falls_back_to_alternate_head(heads, monkeypatch):
    """When the head directory cannot be used, the Peer lives under the alternate head."""
    blocker = os.path.join(heads.top, "file")
    with open(blocker, "w"):
        pass
    monkeypatch.setattr(uxding.Peer, "HeadDirPath", blocker)  # a file: no directory can go there
    with uxding.openPeer(name="alt", temp=False) as peer:
        assert peer.path == os.path.join(heads.alt, ".hio", "uxd", "alt.uxd")
        assert isSocket(peer.path)
    peer.close()


def test_path_longer_than_max_is_refused_before_any_socket(heads, monkeypatch):
    """A path longer than MaxUxdPathSize raises SizeError; no socket is made and nothing is left."""

    def noSocket(*pa, **kwa):
        raise AssertionError("a socket was made for a path that is too long")

    fit = uxding.Peer.MaxUxdPathSize - len(os.path.join(heads.head, "hio", "uxd", ".uxd")) - 1
    longest = uxding.Peer(name="n" * fit, reopen=True)
    try:
        assert len(os.fsencode(longest.path)) == uxding.Peer.MaxUxdPathSize - 1
        assert isSocket(longest.path)
    finally:
        longest.close()
    fit += 1
    longest = uxding.Peer(name="n" * fit, reopen=True)  # exactly MaxUxdPathSize bytes
    try:
        assert len(os.fsencode(longest.path)) == uxding.Peer.MaxUxdPathSize
        assert isSocket(longest.path)
    finally:
        longest.close()
    assert os.listdir(heads.head) == []

    monkeypatch.setattr(uxding.socket, "socket", noSocket)
    with pytest.raises(SizeError, match="MaxUxdPathSize"):
        uxding.Peer(name="n" * (fit + 1), reopen=True)
    assert os.listdir(heads.head) == []  # no directory made

    monkeypatch.setattr(uxding.Peer, "TempHeadDir", heads.alt)
    with pytest.raises(SizeError, match="longer than"):
        uxding.Peer(name="n" * 120, temp=True, reopen=True)
    assert os.listdir(heads.alt) == []  # the temporary directory was removed again


def test_wirelog_records_rx_and_tx_with_paths():
    """A WireLog records each datagram sent and received, with the peer's path."""
    wl = WireLog(samed=True, reopen=True)
    try:
        with uxding.openPeer(name="alpha", wl=wl) as alpha, uxding.openPeer(name="beta") as beta:
            alpha.send(b"out", beta.path)
            beta.send(b"in", alpha.path)
            assert alpha.receive() == (b"in", beta.path)
            log = wl.readTx()
            assert b"\nTx %s:\nout\n" % beta.path.encode() in log
            assert b"\nRx %s:\nin\n" % beta.path.encode() in log
            assert log.index(b"Tx") < log.index(b"Rx")
    finally:
        wl.close()


def test_socket_is_watched_while_open():
    """The waker watches the open socket so a real-time Doist wakes on a datagram: the
    waker given to the Peer, or that of the Doist whose PeerDoer runs it."""
    waker = Waker()
    with uxding.openPeer(name="watched") as peer:
        fd = peer.ls.fileno()
        assert fd not in waker and peer.waker is None  # no waker yet: only remembered
        peer.waker = waker
        assert fd in waker
    assert fd not in waker
    peer = uxding.Peer(name="run", temp=True)
    doist = doing.Doist(real=False, tock=0.125, limit=0.25)
    seen = []

    def look(tymth=None, tock=0.0, **opts):
        while True:
            seen.append(peer.ls.fileno() in doist.waker)
            yield tock

    doist.do(doers=[uxding.PeerDoer(peer=peer), doing.doify(look)])
    assert seen and all(seen) and peer.waker is doist.waker and doist.waker.watching == 0


def test_closed_peer_refuses_with_clear_error():
    """send and receive on a closed Peer raise a clear OSError."""
    peer = uxding.Peer(name="closed", temp=True)
    with pytest.raises(OSError, match="not open"):
        peer.receive()
    with pytest.raises(OSError, match="not open"):
        peer.send(b"x", "/nowhere")


def test_peer_doer_opens_temp_and_exchanges_under_doist():
    """A PeerDoer opens its Peer on enter (temp injected), services it, and closes and clears on exit."""
    alpha = uxding.Peer(name="alpha")
    beta = uxding.Peer(name="beta")
    alphaDoer = uxding.PeerDoer(peer=alpha)
    betaDoer = uxding.PeerDoer(peer=beta)
    assert alphaDoer.peer is alpha and alphaDoer.tock == 0.0

    doist = doing.Doist(real=False, tock=0.03125, limit=0.5, doers=[alphaDoer, betaDoer])
    doist.enter()
    try:
        assert alpha.opened and beta.opened
        for i in range(3):
            alpha.transmit(b"a%d" % i, beta.path)
            beta.transmit(b"b%d" % i, alpha.path)
        doist.recur()
        doist.recur()
        assert list(beta.rxgs) == [(b"a%d" % i, alpha.path) for i in range(3)]
        assert list(alpha.rxgs) == [(b"b%d" % i, beta.path) for i in range(3)]
    finally:
        doist.exit()
    assert not alpha.opened and not os.path.exists(alpha.path)

    temp = uxding.Peer(name="injected")
    doist = doing.Doist(real=False, tock=0.125, limit=0.5)
    seen = []

    @doing.doify
    def watcher(tymth=None, tock=0.0, **opts):
        while True:
            seen.append((temp.opened, temp.temp, temp.path))
            yield tock

    doist.do(doers=[uxding.PeerDoer(peer=temp, opts={"temp": True}), watcher])
    assert doist.done is False  # the limit stopped it before its deeds completed
    assert seen and all(opened and istemp for opened, istemp, _ in seen)
    assert not temp.opened and not os.path.exists(seen[0][2])


def test_eha_is_the_path_senders_send_to():
    peer = uxd.Peer(name="eha", temp=True)
    assert peer.eha is None  # no path before it is opened
    peer.reopen()
    try:
        assert peer.eha == peer.path and stat.S_ISSOCK(os.stat(peer.eha).st_mode)
    finally:
        peer.close()
