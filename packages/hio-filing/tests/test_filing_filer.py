"""Tests of hio.base.filing: Filer, FilerError, openFiler and FilerDoer.

The ``heads`` fixture points every head directory into tmp_path. The tests
run as root in the reference environment, so an unwritable head is made by
putting it under a regular file rather than by permission bits.
"""

import os
import stat
import tempfile

import pytest

from hio import hioing
from hio.base import filing
from hio.base.doing import Doer, Doist
from hio.base.filing import Filer, FilerDoer, FilerError, openFiler
from hio.hioing import HioError

BAD_COMPONENTS = ["..", ".", "a/b", "/abs", "a\\b", "a\0b", "../up", "a/../b"]


def mode(path):
    """The permission bits (with sticky, setuid and setgid) of ``path``."""
    return stat.S_IMODE(os.lstat(path).st_mode)


def tempHead(filer):
    """The temporary directory holding a temporary Filer's <tail>/<name> path (no base)."""
    return os.path.dirname(os.path.dirname(filer.path))


def test_class_defaults():
    assert Filer.HeadDirPath == "/usr/local/var"
    assert Filer.TailDirPath == "hio"
    assert Filer.CleanTailDirPath == "hio/clean"
    assert Filer.AltHeadDirPath == "~"
    assert Filer.AltTailDirPath == ".hio"
    assert Filer.AltCleanTailDirPath == ".hio/clean"
    assert Filer.TempHeadDir == "/tmp"
    assert Filer.TempPrefix == "hio_"
    assert Filer.TempSuffix == "_test"
    assert Filer.Perm == stat.S_ISVTX | stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR == 0o1700 == 960
    assert Filer.Mode == "r+"
    assert Filer.Fext == "text"
    assert issubclass(FilerError, HioError)
    assert FilerError is hioing.FilerError and filing.SizeError is hioing.SizeError  # the published names
    assert set(filing.__all__) >= {"Filer", "FilerDoer", "openFiler"}


def test_unopened(heads):
    filer = Filer(reopen=False)
    assert (filer.name, filer.base, filer.temp) == ("main", "", False)
    assert filer.perm == Filer.Perm
    assert (filer.filed, filer.mode, filer.fext) == (False, "r+", "text")
    assert filer.file is None and filer.path is None
    assert filer.opened is False
    assert not heads.head.exists()  # nothing is made until opened


def test_persistent_directory(heads):
    filer = Filer(name="main")
    assert filer.opened is True
    assert filer.path == str(heads.head / "hio" / "main")
    assert filer.headDirPath == str(heads.head)
    assert os.path.isdir(filer.path)
    assert filer.file is None
    assert mode(filer.path) == Filer.Perm
    assert mode(heads.head / "hio") == Filer.Perm
    filer.close()
    assert filer.opened is False
    assert os.path.isdir(filer.path)  # a persistent path stays after close


def test_persistent_with_base(heads):
    filer = Filer(name="alpha", base="team")
    assert filer.path == str(heads.head / "hio" / "team" / "alpha")
    assert mode(heads.head / "hio" / "team") == Filer.Perm
    filer.close(clear=True)
    assert not (heads.head / "hio").exists()  # everything it made is gone ...
    assert heads.head.is_dir()  # ... but not the head


def test_given_head_dir_path(tmp_path, heads):
    other = tmp_path / "elsewhere"
    filer = Filer(name="x", headDirPath=str(other))
    assert filer.path == str(other / "hio" / "x")
    assert filer.headDirPath == str(other)
    assert not heads.head.exists()
    filer.close(clear=True)


def test_head_dir_path_expands_user(tmp_path, heads, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    filer = Filer(name="x", headDirPath="~/data")
    assert filer.path == str(tmp_path / "home" / "data" / "hio" / "x")
    filer.close(clear=True)


def test_filed(heads):
    filer = Filer(name="conf", filed=True)
    assert filer.path == str(heads.head / "hio" / "conf.text")
    assert os.path.isfile(filer.path)
    assert filer.opened is True
    assert not filer.file.closed
    assert mode(filer.path) == Filer.Perm
    filer.file.write("hello")
    filer.file.flush()
    filer.close()
    assert filer.file.closed and filer.opened is False
    with open(filer.path) as f:
        assert f.read() == "hello"


def test_filed_extension_and_mode(heads):
    filer = Filer(name="data", filed=True, fext="json", mode="a+")
    assert filer.path.endswith(os.path.join("hio", "data.json"))
    filer.close()
    bare = Filer(name="bare", filed=True, fext="")
    assert bare.path == str(heads.head / "hio" / "bare")
    assert os.path.isfile(bare.path)
    bare.close(clear=True)
    assert not os.path.exists(bare.path)


def test_filed_reuse_reopens_same_file(heads):
    filer = Filer(name="log", filed=True)
    filer.file.write("first")
    filer.close()
    assert filer.reopen(reuse=True) is True
    assert filer.file.read() == "first"  # mode r+ on the existing file
    filer.close(clear=True)
    assert not os.path.exists(filer.path)


def test_temp(heads):
    filer = Filer(name="tmp", temp=True)
    assert filer.temp is True
    head = os.path.dirname(os.path.dirname(filer.path))
    assert os.path.dirname(head) == str(heads.temp)
    assert os.path.basename(head).startswith("hio_") and head.endswith("_test")
    assert filer.headDirPath == str(heads.head)  # the head asked for; a temporary path lives elsewhere
    assert filer.path == os.path.join(head, "hio", "tmp")
    assert mode(head) == mode(filer.path) == Filer.Perm
    assert not heads.head.exists()
    filer.close(clear=True)
    assert not os.path.exists(head)  # the whole temporary directory goes
    assert os.listdir(heads.temp) == []


def test_temp_uses_system_temp_when_temp_head_missing(tmp_path, monkeypatch):
    system = tmp_path / "system"
    system.mkdir()
    monkeypatch.setattr(Filer, "TempHeadDir", str(tmp_path / "missing"))
    monkeypatch.setattr(tempfile, "tempdir", str(system))
    filer = Filer(name="t", temp=True)
    assert filer.path.startswith(str(system) + os.sep)
    filer.close(clear=True)
    assert os.listdir(system) == []


def test_temp_reopen_makes_fresh_dir_and_drops_old(heads):
    filer = Filer(name="t", temp=True)
    first = tempHead(filer)
    (heads.temp / os.path.basename(first) / "hio" / "t" / "f.txt").write_text("x")
    filer.reopen(reuse=True)
    assert tempHead(filer) == first  # reuse keeps the same temporary path and what it holds
    assert os.path.exists(os.path.join(filer.path, "f.txt"))
    filer.reopen()
    assert tempHead(filer) != first  # a fresh temporary directory ...
    assert not os.path.exists(first)  # ... and the previous one is not left behind
    assert os.listdir(filer.path) == []
    filer.close(clear=True)
    assert os.listdir(heads.temp) == []


def test_alt_fallback_when_head_unusable(tmp_path, heads, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file, not a directory")
    monkeypatch.setattr(Filer, "HeadDirPath", str(blocker / "var"))
    filer = Filer(name="main", base="b")
    assert filer.headDirPath == str(blocker / "var")  # asked for; .path shows the fallback
    assert filer.path == str(heads.alt / ".hio" / "b" / "main")
    assert mode(filer.path) == Filer.Perm
    assert blocker.read_text() == "a regular file, not a directory"  # left alone
    filer.close(clear=True)
    assert not (heads.alt / ".hio").exists()
    clean = Filer(name="main", clean=True)
    assert clean.path == str(heads.alt / ".hio" / "clean" / "main")
    clean.close(clear=True)


def test_alt_fallback_for_given_head(tmp_path, heads):
    blocker = tmp_path / "file"
    blocker.write_text("")
    filer = Filer(name="x", headDirPath=str(blocker))
    assert filer.path == str(heads.alt / ".hio" / "x")
    filer.close(clear=True)


def test_clean_path(heads):
    normal = Filer(name="db")
    (heads.head / "hio" / "db" / "keep.txt").write_text("normal")
    clean = Filer(name="db", clean=True)
    assert clean.path == str(heads.head / "hio" / "clean" / "db")
    (heads.head / "hio" / "clean" / "db" / "stale.txt").write_text("old")
    again = Filer(name="db", clean=True)  # a clean path starts empty
    assert again.path == clean.path
    assert os.listdir(again.path) == []
    assert mode(again.path) == Filer.Perm
    assert (heads.head / "hio" / "db" / "keep.txt").read_text() == "normal"  # the normal path is untouched
    for filer in (again, clean, normal):
        filer.close()


def test_clean_filed(heads):
    filer = Filer(name="state", filed=True, clean=True)
    filer.file.write("old")
    filer.close()
    again = Filer(name="state", filed=True, clean=True)
    assert again.path == str(heads.head / "hio" / "clean" / "state.text")
    assert again.file.read() == ""  # the old file was removed
    again.close(clear=True)


def test_reuse_keeps_directory_contents(heads):
    filer = Filer(name="r")
    (heads.head / "hio" / "r" / "data").write_text("kept")
    filer.reopen(reuse=True)
    assert (heads.head / "hio" / "r" / "data").read_text() == "kept"
    filer.reopen()  # a persistent path is the same path: made again only where missing
    assert (heads.head / "hio" / "r" / "data").read_text() == "kept"
    filer.reopen(clear=True)  # clear while reopening starts over
    assert os.listdir(filer.path) == []
    assert filer.opened
    filer.close(clear=True)


def test_reopen_parameters(tmp_path, heads):
    filer = Filer(name="p", filed=True)
    other = tmp_path / "other"
    filer.reopen(headDirPath=str(other), perm=0o700, mode="a+", fext="cfg")
    assert filer.path == str(other / "hio" / "p.cfg")
    assert (filer.perm, filer.mode, filer.fext) == (0o700, "a+", "cfg")
    assert mode(filer.path) == 0o700
    assert mode(other / "hio") == 0o700
    filer.reopen(temp=True)
    assert filer.temp is True
    assert filer.path.startswith(str(heads.temp))
    filer.close(clear=True)
    assert os.listdir(heads.temp) == []


def test_remake_returns_path_and_file(heads):
    filer = Filer(name="m", reopen=False)
    path, file = filer.remake(name="m", base="b")
    assert path == str(heads.head / "hio" / "b" / "m") and file is None
    path, file = filer.remake(name="f", filed=True, fext="txt", mode="r+")
    assert path == str(heads.head / "hio" / "f.txt")
    assert not file.closed
    file.close()
    with pytest.raises(FilerError):
        filer.remake(name="..")
    with pytest.raises(FilerError):
        filer.remake(name="ok", base="a/b")


@pytest.mark.parametrize("perm", [Filer.Perm, 0o700, 0o750])
@pytest.mark.parametrize("mask", [0o000, 0o077, 0o777])
def test_permissions_exact_whatever_the_umask(heads, umask, perm, mask):
    umask(mask)
    directory = Filer(name="d", base="b", perm=perm)
    filed = Filer(name="f", base="c", filed=True, perm=perm)
    temp = Filer(name="t", temp=True, perm=perm)
    umask(0o022)  # permissive again so that the checks can read everything
    for path in (heads.head / "hio", heads.head / "hio" / "b", directory.path, heads.head / "hio" / "c", filed.path):
        assert mode(path) == perm, path
    assert mode(temp.path) == mode(tempHead(temp)) == perm
    for filer in (directory, filed, temp):
        filer.close(clear=True)


def test_clear_removes_only_what_it_made(heads):
    shared = heads.head / "hio"
    shared.mkdir(parents=True)
    (shared / "sibling.txt").write_text("not the Filer's")
    filer = Filer(name="mine", base="b")
    (shared / "b" / "other").mkdir()  # someone else's, put next to the Filer's path after it opened
    filer.close(clear=True)
    assert not os.path.exists(filer.path)
    assert (shared / "sibling.txt").read_text() == "not the Filer's"
    assert (shared / "b" / "other").is_dir()  # b was made by the Filer but is not empty: kept
    assert shared.is_dir()


def test_clear_removes_made_parents_when_empty(heads):
    filer = Filer(name="mine", base="b")
    filer.close(clear=True)
    assert not (heads.head / "hio").exists()
    assert os.listdir(heads.head) == []


def test_close_without_clear_then_clear_later(heads):
    filer = Filer(name="c", filed=True)
    filer.close()
    assert os.path.exists(filer.path)
    filer._clearPath()
    assert not os.path.exists(filer.path)
    assert not (heads.head / "hio").exists()


def test_empty_name_directory_is_the_base_or_tail_itself(heads):
    """A nameless Filer's path is its base directory, or the tail when there is no base."""
    filer = Filer(name="")
    assert filer.name == "" and filer.opened is True
    assert filer.path == str(heads.head / "hio")  # no trailing separator
    assert os.path.isdir(filer.path) and mode(filer.path) == Filer.Perm
    based = Filer(name="", base="main")
    assert based.path == str(heads.head / "hio" / "main")
    assert based.exists() and based.exists(name="", base="main")
    temp = Filer(name="", temp=True)
    assert os.path.isdir(temp.path) and os.path.basename(temp.path) == "hio"
    temp.close(clear=True)
    assert not os.path.exists(temp.path)


def test_empty_name_filed_is_named_by_its_extension(heads):
    filer = Filer(name="", filed=True)
    assert filer.path == str(heads.head / "hio" / ".text")
    assert os.path.isfile(filer.path) and filer.file is not None
    filer.file.write("kept")
    filer.close()

    class Configured(Filer):
        """Shaped like an application's config file: its own tails, json, named by base alone."""

        TailDirPath = "app/cf"
        AltTailDirPath = ".app/cf"
        CleanTailDirPath = "app/clean/cf"
        AltCleanTailDirPath = ".app/clean/cf"
        Fext = "json"

    config = Configured(name="", base="main", filed=True, clear=False)
    assert config.path == str(heads.head / "app" / "cf" / "main" / ".json")
    config.close(clear=True)  # a filed path is the Filer's own file: cleared
    assert not os.path.exists(config.path)
    again = Filer(name="", filed=True)
    assert again.file.read() == "kept"
    again.close()


def test_empty_name_clear_keeps_a_shared_directory(heads):
    """Clearing a nameless directory Filer never wipes a tail or base directory that holds others' paths."""
    other = Filer(name="other")
    nameless = Filer(name="")
    assert nameless.path == os.path.dirname(other.path)
    nameless.close(clear=True)
    assert os.path.isdir(other.path)  # the shared directory and what is in it stay
    cleaned = Filer(name="x", clean=True)
    nameless = Filer(name="", clean=True)  # clean never empties it either
    assert nameless.path == os.path.dirname(cleaned.path) and os.path.isdir(cleaned.path)
    alone = Filer(name="", base="alone")  # a base directory it made, still empty: cleared
    alone.close(clear=True)
    assert not os.path.exists(alone.path)


@pytest.mark.parametrize("bad", BAD_COMPONENTS)
def test_rejects_escaping_names(heads, bad):
    with pytest.raises(FilerError):
        Filer(name=bad)
    assert not heads.head.exists()  # nothing made


@pytest.mark.parametrize("bad", BAD_COMPONENTS)
def test_rejects_escaping_bases(heads, bad):
    with pytest.raises(FilerError):
        Filer(name="ok", base=bad)
    with pytest.raises(FilerError):
        Filer(name="ok", base=bad, temp=True)
    assert not heads.head.exists()
    assert os.listdir(heads.temp) == []


def test_rejects_non_str_names(heads):
    for bad in (None, 3, b"name"):
        with pytest.raises(FilerError, match="str"):
            Filer(name=bad)
    with pytest.raises(FilerError):
        Filer(name="ok", base=b"b")


def test_rejects_path_through_link_out_of_head(tmp_path, heads):
    outside = tmp_path / "outside"
    outside.mkdir()
    tail = heads.head / "hio"
    tail.mkdir(parents=True)
    (tail / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(FilerError, match="outside"):
        Filer(name="x", base="link")
    assert os.listdir(outside) == []  # nothing was made through the link


def test_open_filer_temp_default(heads):
    with openFiler() as filer:
        assert isinstance(filer, Filer)
        assert filer.name == "test"
        assert filer.temp is True
        assert filer.opened
        assert filer.path.startswith(str(heads.temp))
        path = filer.path
    assert not os.path.exists(path)
    assert filer.opened is False
    assert os.listdir(heads.temp) == []


def test_open_filer_class_and_options(heads):
    class SubFiler(Filer):
        TailDirPath = "sub"

    with openFiler(cls=SubFiler, name="eve", temp=False, filed=True) as filer:
        assert isinstance(filer, SubFiler)
        assert filer.path == str(heads.head / "sub" / "eve.text")
        filer.file.write("kept")
    assert os.path.exists(filer.path)  # persistent and not cleared
    with openFiler(cls=SubFiler, name="eve", temp=False, filed=True, clear=True) as filer:
        assert filer.file.read() == "kept"
    assert not os.path.exists(filer.path)


def test_open_filer_closes_on_error(heads):
    with pytest.raises(RuntimeError), openFiler(name="err") as filer:
        raise RuntimeError("inside")
    assert filer.opened is False
    assert not os.path.exists(filer.path)


def test_filer_doer_under_doist(heads):
    filer = Filer(name="doer", temp=True, reopen=False)
    doer = FilerDoer(filer=filer, tock=0.25)
    assert isinstance(doer, Doer)
    assert doer.filer is filer
    seen = []

    class Probe(Doer):
        def recur(self, tyme):
            seen.append((tyme, filer.opened, filer.path is not None and os.path.isdir(filer.path)))
            return tyme >= 0.5

    doist = Doist(tock=0.25, limit=1.0)
    doist.do([doer, Probe()])
    assert seen == [(0.0, True, True), (0.25, True, True), (0.5, True, True)]
    assert doer.done is False  # a FilerDoer runs until closed
    assert filer.opened is False
    assert os.listdir(heads.temp) == []  # temporary: cleared on exit


def test_filer_doer_persistent_and_temp_option(heads):
    filer = Filer(name="keep", reopen=False)
    Doist(tock=0.25, limit=0.5).do([FilerDoer(filer=filer)])
    assert filer.opened is False
    assert os.path.isdir(filer.path)  # persistent: kept
    other = Filer(name="t", reopen=False)
    dog = FilerDoer(filer=other)(tymth=Doist(real=False).tymen(), tock=0.0, temp=True)  # temp injected
    next(dog)  # enter context
    assert other.temp is True and other.opened
    dog.close()  # exit context: a temporary Filer is cleared
    assert not other.opened and not os.path.exists(other.path)
    assert os.listdir(heads.temp) == []


def test_filer_doer_leaves_open_filer_open_until_exit(heads):
    filer = Filer(name="open")
    path = filer.path
    doer = FilerDoer(filer=filer)
    Doist(tock=0.25, limit=0.25).do([doer])
    assert filer.path == path  # entered without reopening
    assert filer.opened is False


def test_close_keeps_the_closed_file_and_clear_drops_it(heads):
    filer = Filer(name="f", filed=True)
    first = filer.file
    filer.close()
    assert filer.opened is False
    assert filer.file is first and first.closed  # closed, still there to look at
    assert os.path.exists(filer.path)
    filer.reopen()
    assert filer.file is not first and not filer.file.closed
    filer.close(clear=True)
    assert filer.file is None  # what it named is gone
    assert filer.path is not None and not os.path.exists(filer.path)  # .path still says where it was
    filer.reopen(reuse=True)  # nothing left to reuse: made again
    assert filer.opened and not filer.file.closed and os.path.exists(filer.path)
    filer.close(clear=True)


def test_filer_doer_clears_a_temporary_filed_filer_and_its_file(heads):
    filers = [Filer(name=name, temp=True, filed=True, reopen=False) for name in ("a", "b")]
    doist = Doist(real=False, tock=0.25, limit=0.5)
    doist.do([FilerDoer(filer=filer) for filer in filers])
    for filer in filers:
        assert filer.opened is False
        assert filer.file is None
        assert not os.path.exists(filer.path)
    doist.do([FilerDoer(filer=filer) for filer in filers])  # again from the start
    assert all(filer.file is None and not os.path.exists(filer.path) for filer in filers)
    assert os.listdir(heads.temp) == []


def test_reopen_after_fallback_stays_on_the_alternate_path(tmp_path, heads):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    filer = Filer(name="x", headDirPath=str(blocker / "var"))
    first = filer.path
    assert first == str(heads.alt / ".hio" / "x")
    for options in ({}, {"reuse": True}, {"reuse": True, "clear": True}, {"clear": True}):
        filer.reopen(**options)
        assert filer.path == first, options
        assert filer.opened and os.path.isdir(first)
    filer.close(clear=True)
    assert not (heads.alt / ".hio").exists()
    assert not (heads.alt / "hio").exists()  # never the normal tail under the alternate head


def test_extensioned_directory(heads):
    filer = Filer(name="peer", fext="uxd", extensioned=True)
    assert filer.extensioned is True
    assert filer.path == str(heads.head / "hio" / "peer.uxd")
    assert os.path.isdir(filer.path)
    filer.close(clear=True)
    again = Filer(name="peer.uxd", fext="uxd", extensioned=True)  # ends with it already
    assert again.path == str(heads.head / "hio" / "peer.uxd")
    again.close(clear=True)
    assert Filer(name="plain", reopen=False).extensioned is False


def test_exists_for_a_directory(heads):
    filer = Filer(name="db", reopen=False)
    assert filer.exists(name="db") is False
    assert not heads.head.exists()  # asking makes nothing
    filer.reopen()
    assert filer.exists(name="db") is True
    assert filer.exists() is True  # name defaults to .name
    assert filer.exists(name="other") is False
    filer.close()
    assert filer.exists(name="db") is True  # closing keeps it
    filer.close(clear=True)
    assert filer.exists(name="db") is False


def test_exists_for_clean_base_filed_and_extensioned_paths(heads):
    clean = Filer(name="db", clean=True)
    assert clean.exists(name="db", clean=True) is True
    assert clean.exists(name="db") is False  # the normal path is another one
    conf = Filer(name="cfg", base="conf", filed=True, fext="json")
    assert conf.exists(name="cfg", base="conf", filed=True) is True  # fext defaults to .fext
    assert conf.exists(name="cfg", base="conf", filed=True, fext="text") is False
    assert conf.exists(name="cfg", base="conf") is False  # no cfg without its extension
    assert conf.exists(name="cfg") is False  # nor without its base
    assert conf.exists(name="cfg", base="conf", extensioned=True, fext="json") is True
    sock = Filer(name="peer", fext="uxd", extensioned=True)
    assert sock.exists(name="peer", extensioned=True) is True
    assert sock.exists(name="peer") is False
    for filer in (clean, conf, sock):
        filer.close(clear=True)


def test_exists_where_the_filer_falls_back(tmp_path, heads):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    head = str(blocker / "var")
    filer = Filer(name="x", headDirPath=head, reopen=False)
    assert filer.exists(name="x", headDirPath=head) is False
    filer.reopen()
    assert filer.path == str(heads.alt / ".hio" / "x")
    assert filer.exists(name="x", headDirPath=head) is True  # the alternate path it would use
    assert filer.exists(name="x") is True  # its own head, the blocked one, by default
    assert filer.exists(name="x", headDirPath=str(heads.head)) is False  # a usable head: no alternate
    filer.close(clear=True)
    assert filer.exists(name="x", headDirPath=head) is False
    assert blocker.read_text() == ""


def test_exists_keeps_the_path_protections(tmp_path, heads):
    filer = Filer(reopen=False)
    for bad in BAD_COMPONENTS:
        with pytest.raises(FilerError):
            filer.exists(name=bad)
        with pytest.raises(FilerError):
            filer.exists(name="ok", base=bad)
    outside = tmp_path / "outside"
    (outside / "x").mkdir(parents=True)
    heads.head.mkdir()
    (heads.head / "hio").symlink_to(outside)
    with pytest.raises(FilerError):
        filer.exists(name="x")  # there, but out of the head: a Filer would refuse it too


def test_exists_asks_about_the_filers_own_head(tmp_path, heads):
    own = str(tmp_path / "own")
    filer = Filer(name="db", base="b", headDirPath=own)
    assert filer.path == os.path.join(own, "hio", "b", "db")
    assert filer.exists(name="db", base="b") is True  # no headDirPath: the one it was given
    assert filer.exists(name="db", base="b", headDirPath=str(heads.head)) is False
    filer.close(clear=True)
    assert filer.exists(name="db", base="b") is False
