"""Files: Filer, WireLog, Ogler and UXD Peer paths never leave their head directory,
and what they make gets its permissions whatever the process umask (run under
0o000, the most permissive, and 0o077, the most restrictive).

Each head lies inside a "jail" directory of the test's own, so a path that
escaped its head would still land inside tmp_path, where the test finds it.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile

import pytest

from hio.base.filing import Filer, FilerError
from hio.core.uxd.uxding import Peer
from hio.core.wiring import WireLog
from hio.help.ogling import Ogler

RELATIVE_ESCAPES = ["..", "../escaped", "../../escaped", "a/b", "esc\0aped"]


def escapes(jail) -> list[str]:
    """Names that would lead out of a head: relative ones and an absolute path (inside the jail)."""
    return [*RELATIVE_ESCAPES, str(jail / "outside" / "abs")]


@pytest.fixture(params=[0o000, 0o077], ids=["umask000", "umask077"])
def umask(request):
    """Sets the process umask for the test and restores it afterwards."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture
def jail(tmp_path):
    """A directory holding the head directory "head" and an "outside" directory next to it."""
    jail = tmp_path / "jail"
    (jail / "head").mkdir(parents=True)
    (jail / "outside").mkdir()
    return jail


def mode(path) -> int:
    """Permission bits of path, not following a link."""
    return stat.S_IMODE(os.lstat(path).st_mode)


def within(path, head) -> bool:
    """True when path, links resolved, lies inside head."""
    real, top = os.path.realpath(path), os.path.realpath(head)
    return real.startswith(top + os.sep)


def outsiders(jail) -> list[str]:
    """Everything in the jail that is neither inside the head nor the (empty) outside directory itself."""
    found = []
    for entry in os.listdir(jail):
        if entry not in ("head", "outside"):
            found.append(entry)
    found += [f"outside/{e}" for e in os.listdir(jail / "outside")]
    return found


def currentUmask() -> int:
    """The process umask, read without changing it."""
    value = os.umask(0o022)
    os.umask(value)
    return value


def madeModes(path, head) -> dict[str, int]:
    """Permission bits of path and of each directory between head and it."""
    modes = {}
    rel = os.path.relpath(path, head)
    current = str(head)
    for part in rel.split(os.sep):
        current = os.path.join(current, part)
        modes[os.path.relpath(current, head)] = mode(current)
    return modes


def test_filer_paths_stay_in_head_with_exact_permissions(umask, jail):
    head = jail / "head"
    filer = Filer(name="stress", base="b", headDirPath=str(head))
    try:
        assert filer.path == str(head / "hio" / "b" / "stress") and within(filer.path, head)
        assert set(madeModes(filer.path, head).values()) == {Filer.Perm}  # 0o1700 each, whatever the umask
    finally:
        filer.close(clear=True)
    filed = Filer(name="data", headDirPath=str(head), filed=True)
    loose = Filer(name="shared", headDirPath=str(head), perm=0o750)
    temp = Filer(name="temp", temp=True)
    try:
        assert within(filed.path, head) and mode(filed.path) == Filer.Perm
        assert mode(loose.path) == 0o750  # the perm asked for, not narrowed by umask 0o077
        # a temporary Filer makes its own directory under the system temp directory, and all below it
        tempTop = os.path.join(
            tempfile.gettempdir(), os.path.relpath(temp.path, tempfile.gettempdir()).split(os.sep)[0]
        )
        assert set(madeModes(temp.path, tempTop).values()) | {mode(tempTop)} == {Filer.Perm}
    finally:
        for each in (filed, loose, temp):
            each.close(clear=True)
    for bad in escapes(jail):
        for kwa in ({"name": bad}, {"name": "ok", "base": bad}):
            with pytest.raises(FilerError):
                Filer(headDirPath=str(head), **kwa)
    shutil.rmtree(head / "hio", ignore_errors=True)
    os.symlink(jail / "outside", head / "hio")  # head/hio leads outside
    with pytest.raises(FilerError, match="outside"):
        Filer(name="linked", headDirPath=str(head))
    assert outsiders(jail) == []


def test_wirelog_files_stay_in_head_owner_only(umask, jail):
    head = jail / "head"
    for samed in (False, True):
        wl = WireLog(filed=True, samed=samed, headDirPath=str(head), name="stress", reopen=True)
        try:
            wl.writeRx(b"received", who=("127.0.0.1", 1))
            wl.writeTx(b"sent", who=("127.0.0.1", 1))
            wl.flush()
            assert within(wl.dirPath, head)
            logs = sorted(os.listdir(wl.dirPath))
            assert logs == (["stress.log"] if samed else ["stress.rx.log", "stress.tx.log"])
            for log in logs:
                assert mode(os.path.join(wl.dirPath, log)) == 0o600
            assert set(madeModes(wl.dirPath, head).values()) == {Filer.Perm}
        finally:
            wl.close(clear=True)
    for bad in escapes(jail):
        for kwa in ({"name": bad}, {"prefix": bad}):
            with pytest.raises(FilerError):
                WireLog(filed=True, headDirPath=str(head), reopen=True, **kwa).close()
    assert outsiders(jail) == []


def test_ogler_log_stays_in_head_not_writable_by_others(umask, jail):
    head = jail / "head"
    problems = []
    ogler = Ogler(name="stress", headDirPath=str(head), reopen=True, consoled=False, syslogged=False)
    try:
        logger = ogler.getLogger("hio.stress.files")
        logger.error("logged under umask %o", umask)
        assert within(ogler.path, head) and os.path.isfile(ogler.path)
        for rel, bits in madeModes(ogler.path, head).items():
            if bits & 0o022:
                problems.append(f"{rel} is {oct(bits)}, writable by others")
    finally:
        ogler.close(clear=True)
    for bad in escapes(jail):
        for kwa in ({"name": bad}, {"prefix": bad}):
            try:
                ogler = Ogler(headDirPath=str(head), reopen=True, consoled=False, syslogged=False, **kwa)
            except Exception:
                continue  # refused: fine
            try:
                if not within(ogler.path, head):
                    problems.append(f"{kwa} puts the log at {os.path.relpath(ogler.path, jail)} outside the head")
            finally:
                ogler.close()
    escaped = outsiders(jail)
    assert not problems and not escaped, f"under umask {oct(umask)}: {problems}; made outside the head: {escaped}"


def test_uxd_socket_file_in_head_with_its_umask(umask, jail):
    head = jail / "head"
    peer = Peer(name="stress", headDirPath=str(head), reopen=True)
    tight = Peer(name="tight", headDirPath=str(head), umask=0o077, reopen=True)
    try:
        assert currentUmask() == umask  # the process umask is left as it was
        assert peer.path == str(head / "hio" / "uxd" / "stress.uxd") and within(peer.path, head)
        assert stat.S_ISSOCK(os.lstat(peer.path).st_mode)
        assert peer.umask == 0o022 and mode(peer.path) == 0o755  # documented default: only the owner writes
        assert mode(tight.path) == 0o700
        dirs = madeModes(os.path.dirname(peer.path), head)
        assert set(dirs.values()) == {Peer.Perm}
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:  # it is really bound there
            probe.sendto(b"hello", peer.path)
        assert peer.receive()[0] == b"hello"
    finally:
        tight.close(clear=True)  # the later one first: each removes only the directories it made
        peer.close(clear=True)
    assert not os.path.exists(head / "hio")  # clearing removes what the peers made
    for bad in escapes(jail):
        for kwa in ({"name": bad}, {"name": "ok", "base": bad}):
            with pytest.raises(FilerError):
                Peer(headDirPath=str(head), reopen=True, **kwa).close()
    os.symlink(jail / "outside", head / "hio")  # head/hio leads outside
    with pytest.raises(FilerError, match="outside"):
        Peer(name="linked", headDirPath=str(head), reopen=True)
    assert outsiders(jail) == []
