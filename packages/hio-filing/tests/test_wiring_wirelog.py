"""Tests of hio.core.wiring: WireLog, openWL and WireLogDoer.

The ``heads`` fixture points every head directory into tmp_path, so log
files are only ever written there.
"""

import io
import os
import stat

import pytest

from hio.base.doing import Doer, Doist
from hio.base.filing import Filer, FilerError
from hio.core import wiring
from hio.core.wiring import WireLog, WireLogDoer, openWL


def mode(path):
    """The permission bits (with sticky, setuid and setgid) of ``path``."""
    return stat.S_IMODE(os.lstat(path).st_mode)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_class_defaults():
    assert WireLog.Prefix == "hio"
    assert WireLog.HeadDirPath == "/usr/local/var"
    assert WireLog.TailDirPath == "wirelogs"
    assert WireLog.AltHeadDirPath == "~"
    assert WireLog.TempHeadDir == "/tmp"
    assert WireLog.TempPrefix == "test_"
    assert WireLog.TempSuffix == "_temp"
    assert WireLog.Format == b"\n%(dx)b %(who)b:\n%(data)b\n"
    assert set(wiring.__all__) == {"WireLog", "WireLogDoer", "openWL"}


def test_unopened():
    wl = WireLog()
    assert (wl.rxed, wl.txed, wl.samed, wl.filed) == (True, True, False, False)
    assert wl.fmt == WireLog.Format
    assert (wl.name, wl.temp, wl.prefix) == ("main", False, "hio")
    assert wl.headDirPath == WireLog.HeadDirPath  # the default head, filled in
    assert wl.dirPath is None and wl.rxl is None and wl.txl is None
    assert wl.opened is False
    wl.writeRx(b"ignored")  # not open: nothing to log into, and no error
    wl.writeTx(b"ignored")
    assert wl.readRx() is None and wl.readTx() is None
    wl.flush()
    wl.close()


def test_memory_separate():
    wl = WireLog(reopen=True)
    assert wl.opened is True
    assert isinstance(wl.rxl, io.BytesIO) and isinstance(wl.txl, io.BytesIO)
    assert wl.rxl is not wl.txl
    assert wl.dirPath is None
    wl.writeRx(b"GET / HTTP/1.1\r\n", who=("127.0.0.1", 8080))
    wl.writeTx(b"HTTP/1.1 200 OK\r\n", who=("127.0.0.1", 8080))
    wl.writeRx(b"more", who=b"peer")
    assert wl.readRx() == b"\nRx ('127.0.0.1', 8080):\nGET / HTTP/1.1\r\n\n" + b"\nRx peer:\nmore\n"
    assert wl.readTx() == b"\nTx ('127.0.0.1', 8080):\nHTTP/1.1 200 OK\r\n\n"
    wl.close()


def test_memory_same():
    wl = WireLog(samed=True, reopen=True)
    assert wl.rxl is wl.txl
    wl.writeTx(b"ping", who=b"b")
    wl.writeRx(b"pong", who=b"b")
    both = b"\nTx b:\nping\n\nRx b:\npong\n"
    assert wl.readRx() == wl.readTx() == both
    wl.close()


def test_who_forms():
    wl = WireLog(fmt=b"%(who)b|", reopen=True)
    wl.writeRx(b"", who=b"bytes")
    wl.writeRx(b"", who=bytearray(b"array"))
    wl.writeRx(b"", who="text")
    wl.writeRx(b"", who=("::1", 80, 0, 0))
    wl.writeRx(b"", who=("host", 443))
    wl.writeRx(b"")  # default who is empty
    assert wl.readRx() == b"bytes|array|text|('::1', 80, 0, 0)|('host', 443)||"


def test_data_forms_and_raw_format():
    wl = WireLog(fmt=b"%(data)b", reopen=True)
    wl.writeTx(b"a")
    wl.writeTx(bytearray(b"b"))
    wl.writeTx(memoryview(b"c"))
    assert wl.readTx() == b"abc"
    with pytest.raises(TypeError):
        wl.writeTx("text is not bytes")
    assert wl.readTx() == b"abc"  # nothing half written


def test_rxed_txed_off():
    wl = WireLog(rxed=False, reopen=True)
    wl.writeRx(b"r")
    wl.writeTx(b"t", who=b"w")
    assert wl.readRx() == b""
    assert wl.readTx() == b"\nTx w:\nt\n"
    wl.reopen(rxed=True, txed=False)
    wl.writeRx(b"r", who=b"w")
    wl.writeTx(b"t")
    assert wl.readRx() == b"\nRx w:\nr\n"
    assert wl.readTx() == b""


def test_memory_close_and_reopen():
    wl = WireLog(reopen=True)
    wl.writeRx(b"kept")
    wl.close()
    assert wl.opened is False
    assert wl.rxl.closed and wl.txl.closed  # the buffers are closed ...
    assert wl.readRx() == b"\nRx :\nkept\n"  # ... what they held stays readable until the next reopen
    wl.writeRx(b"after close")  # ignored
    assert wl.readRx() == b"\nRx :\nkept\n"
    wl.reopen()
    assert wl.readRx() == b"" and wl.readTx() == b""


def test_files_separate(heads):
    wl = WireLog(filed=True, name="link", reopen=True)
    assert wl.opened is True
    assert wl.dirPath == str(heads.head / "hio" / "wirelogs")
    assert sorted(os.listdir(wl.dirPath)) == ["link.rx.log", "link.tx.log"]
    assert mode(wl.dirPath) == mode(heads.head / "hio") == Filer.Perm
    assert wl.rxl.name == os.path.join(wl.dirPath, "link.rx.log")  # file names are their paths
    assert wl.txl.name == os.path.join(wl.dirPath, "link.tx.log")
    wl.writeRx(b"in", who=("10.0.0.1", 7))
    wl.writeTx(b"out", who=("10.0.0.1", 7))
    assert wl.readRx() == b"\nRx ('10.0.0.1', 7):\nin\n"  # read back from the files, flushed first
    assert wl.readTx() == b"\nTx ('10.0.0.1', 7):\nout\n"
    assert read(wl.rxl.name) == wl.readRx() and read(wl.txl.name) == wl.readTx()
    wl.writeRx(b"again", who=b"w")  # reading does not disturb appending
    assert wl.readRx() == b"\nRx ('10.0.0.1', 7):\nin\n\nRx w:\nagain\n"
    wl.close()
    assert wl.rxl.closed and wl.txl.closed
    assert os.path.exists(os.path.join(wl.dirPath, "link.rx.log"))  # persistent: kept
    assert wl.readRx().endswith(b"again\n")  # still read from the kept file


def test_files_same(heads):
    wl = WireLog(filed=True, samed=True, name="both", reopen=True)
    assert os.listdir(wl.dirPath) == ["both.log"]
    assert wl.rxl is wl.txl
    wl.writeTx(b"1", who=b"x")
    wl.writeRx(b"2", who=b"x")
    assert wl.readRx() == wl.readTx() == b"\nTx x:\n1\n\nRx x:\n2\n"
    wl.close()  # closing flushes
    assert read(os.path.join(wl.dirPath, "both.log")) == b"\nTx x:\n1\n\nRx x:\n2\n"


def test_files_reopen_appends(heads):
    wl = WireLog(filed=True, fmt=b"%(data)b", reopen=True)
    wl.writeRx(b"first")
    wl.reopen()
    wl.writeRx(b"second")
    wl.close()
    assert read(os.path.join(wl.dirPath, "main.rx.log")) == b"firstsecond"


def test_log_file_permissions(heads, umask):
    umask(0)  # permissive: the log files still get exactly 0o600
    wl = WireLog(filed=True, name="perm", reopen=True)
    umask(0o022)
    for name in ("perm.rx.log", "perm.tx.log"):
        assert mode(os.path.join(wl.dirPath, name)) == 0o600
    assert mode(wl.dirPath) == Filer.Perm
    wl.close(clear=True)
    umask(0o777)  # strict
    same = WireLog(filed=True, samed=True, name="strict", reopen=True)
    umask(0o022)
    assert mode(os.path.join(same.dirPath, "strict.log")) == 0o600
    same.close(clear=True)


def test_prefix_and_head_dir_path(tmp_path, heads):
    wl = WireLog(filed=True, prefix="app", headDirPath=str(tmp_path / "logs"), reopen=True)
    assert wl.dirPath == str(tmp_path / "logs" / "app" / "wirelogs")
    wl.close(clear=True)
    assert not (tmp_path / "logs" / "app").exists()


def test_close_clear_and_clear_dir_path(heads):
    wl = WireLog(filed=True, reopen=True)
    path = wl.dirPath
    wl.close(clear=True)
    assert not os.path.exists(path)
    assert wl.dirPath == path  # still names where the logs were
    assert not (heads.head / "hio").exists()  # what it made, and only that
    wl.reopen()
    path = wl.dirPath
    wl.close()
    assert os.path.exists(path)
    wl.clearDirPath()
    assert not os.path.exists(path)
    assert wl.dirPath == path
    wl.clearDirPath()  # again: nothing to do


def test_clear_keeps_what_others_put_there(heads):
    shared = heads.head / "hio"
    shared.mkdir(parents=True)
    (shared / "other.txt").write_text("someone else's")
    wl = WireLog(filed=True, reopen=True)
    wl.close(clear=True)
    assert not (shared / "wirelogs").exists()
    assert (shared / "other.txt").read_text() == "someone else's"
    # logs of another WireLog in the same persistent directory stay
    other = WireLog(filed=True, name="other", reopen=True)
    mine = WireLog(filed=True, name="mine", reopen=True)
    assert mine.dirPath == other.dirPath
    mine.close(clear=True)
    assert sorted(os.listdir(other.dirPath)) == ["other.rx.log", "other.tx.log"]
    other.close(clear=True)
    assert not (shared / "wirelogs").exists()


def test_temp_files(heads):
    wl = WireLog(filed=True, temp=True, reopen=True)
    parent = heads.temp / "hio" / "wirelogs"
    assert os.path.dirname(wl.dirPath) == str(parent)  # <TempHeadDir>/<prefix>/wirelogs/test_..._temp
    name = os.path.basename(wl.dirPath)
    assert name.startswith("test_") and name.endswith("_temp")
    assert wl.headDirPath == WireLog.HeadDirPath  # the persistent head is not where temporary logs go
    assert mode(wl.dirPath) == mode(parent) == mode(heads.temp / "hio") == 0o700
    wl.writeRx(b"x")
    wl.close()  # temporary: cleared on close
    assert not os.path.exists(wl.dirPath)
    assert os.listdir(parent) == []  # the shared parent stays for the next one
    assert not heads.head.exists()


def test_temp_files_never_go_under_a_parent_that_is_not_ours_alone(heads):
    parent = heads.temp / "hio"
    parent.mkdir()
    parent.chmod(0o777)  # others may write here: they could swap what is inside
    wl = WireLog(filed=True, temp=True, reopen=True)
    assert os.path.dirname(wl.dirPath) == str(heads.temp)  # straight in the temp head instead
    assert os.path.basename(wl.dirPath).startswith("test_")
    wl.close()
    assert os.listdir(heads.temp) == ["hio"]
    parent.rmdir()
    (heads.temp / "elsewhere").mkdir()
    parent.symlink_to(heads.temp / "elsewhere")  # a link is never followed
    wl.reopen()
    assert os.path.dirname(wl.dirPath) == str(heads.temp)
    assert os.listdir(heads.temp / "elsewhere") == []
    wl.close()


def test_log_file_link_is_refused(heads):
    wl = WireLog(filed=True, reopen=True)
    wl.close()
    target = heads.head / "target"
    target.write_bytes(b"")
    os.remove(wl.rxl.name)
    os.symlink(target, wl.rxl.name)  # planted where the rx log goes
    with pytest.raises(OSError):
        wl.reopen()
    assert target.read_bytes() == b""


def test_reopen_parameters(heads):
    wl = WireLog(reopen=True)
    wl.reopen(samed=True, fmt=b"<%(data)b>", name="n2")
    assert (wl.samed, wl.fmt, wl.name) == (True, b"<%(data)b>", "n2")
    assert wl.rxl is wl.txl
    wl.reopen(filed=True, samed=False)
    files = wl.dirPath
    assert sorted(os.listdir(files)) == ["n2.rx.log", "n2.tx.log"]
    wl.reopen(filed=False, temp=True)
    assert wl.filed is False and wl.temp is True
    assert wl.dirPath is None  # in memory now
    wl.close()  # temporary now, but the persistent logs it closed before are not its to clear
    assert sorted(os.listdir(files)) == ["n2.rx.log", "n2.tx.log"]


def test_alt_fallback(tmp_path, heads, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    monkeypatch.setattr(WireLog, "HeadDirPath", str(blocker / "var"))
    wl = WireLog(filed=True, reopen=True)
    assert wl.dirPath == str(heads.alt / ".hio" / "wirelogs")
    wl.writeTx(b"t")
    wl.close(clear=True)
    assert not (heads.alt / ".hio").exists()


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "/abs", "a\\b", "a\0b", ""])
def test_rejects_escaping_names(heads, bad):
    with pytest.raises(FilerError):
        WireLog(name=bad)
    with pytest.raises(FilerError):
        WireLog(prefix=bad)
    wl = WireLog(filed=True)
    with pytest.raises(FilerError):
        wl.reopen(name=bad)
    assert not heads.head.exists()


def test_open_wl_defaults(heads):
    with openWL() as wl:
        assert isinstance(wl, WireLog)
        assert wl.name == "test" and wl.temp is True and wl.opened
        assert wl.filed is False
        wl.writeRx(b"abc", who=("127.0.0.1", 1))
        assert wl.readRx() == b"\nRx ('127.0.0.1', 1):\nabc\n"
    assert wl.opened is False
    assert wl.rxl.closed and wl.txl.closed
    assert not heads.head.exists() and os.listdir(heads.temp) == []


def test_open_wl_files_and_class(heads):
    class Sub(WireLog):
        TailDirPath = "sublogs"

    with openWL(cls=Sub, name="eve", filed=True) as wl:
        assert isinstance(wl, Sub)
        assert os.path.dirname(wl.dirPath) == str(heads.temp / "hio" / "sublogs")
        path = wl.dirPath
    assert not os.path.exists(path)
    assert os.listdir(heads.temp / "hio" / "sublogs") == []
    with openWL(name="kept", filed=True, temp=False) as wl:
        wl.writeRx(b"k")
    assert os.path.exists(os.path.join(wl.dirPath, "kept.rx.log"))  # persistent: kept
    wl.clearDirPath()


def test_open_wl_closes_on_error(heads):
    with pytest.raises(KeyError), openWL(filed=True) as wl:
        raise KeyError("inside")
    assert wl.opened is False
    assert not os.path.exists(wl.dirPath)


def test_wirelog_doer_under_doist(heads):
    wl = WireLog(filed=True, temp=True, name="doer")
    doer = WireLogDoer(wl=wl, tock=0.5)
    assert isinstance(doer, Doer)
    assert doer.wl is wl
    seen = []

    class Talker(Doer):
        def recur(self, tyme):
            seen.append((tyme, wl.opened))
            wl.writeTx(b"%d" % len(seen))
            return len(seen) >= 3

    doist = Doist(tock=0.25, limit=1.0)
    doist.do([doer, Talker()])
    assert seen == [(0.0, True), (0.25, True), (0.5, True)]
    assert doer.done is False  # runs until closed
    assert wl.opened is False
    assert not os.path.exists(wl.dirPath)  # temporary: cleared on exit


def test_wirelog_doer_memory_and_temp_option(heads):
    wl = WireLog()
    dog = WireLogDoer(wl=wl)(tymth=Doist(real=False).tymen(), tock=0.0, temp=True)  # temp injected
    next(dog)  # enter context
    assert wl.temp is True and wl.opened
    dog.close()  # exit context
    assert wl.opened is False
    assert wl.readTx() == b""
