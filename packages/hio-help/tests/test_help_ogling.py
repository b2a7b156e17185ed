"""Tests of hio.help.ogling: Ogler, initOgler, openOgler and hio.help.ogler.

No test writes into the real home or /usr/local/var: temporary directories
are made under tmp_path and the head paths point into tmp_path.
"""

import logging
import os
import socket
import tempfile

import pytest

import hio.help
from hio.help import ogling
from hio.help.ogling import Ogler, initOgler, openOgler
from hio.hioing import OglerError


@pytest.fixture
def heads(tmp_path, monkeypatch):
    """Points every head directory of Ogler into tmp_path."""
    monkeypatch.setattr(Ogler, "HeadDirPath", str(tmp_path / "var"))
    monkeypatch.setattr(Ogler, "AltHeadDirPath", str(tmp_path / "home"))
    monkeypatch.setattr(Ogler, "TempHeadDir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return tmp_path


@pytest.fixture
def unwritable(tmp_path):
    """Returns a directory path under which no directory can be made.

    As a regular user that is a directory with mode 0o500. Tests may run as
    root, for whom permissions do not stop writes, so there the path lies
    under a regular FILE, which can never hold a directory.
    """
    if os.geteuid() == 0:
        blocker = tmp_path / "blocker"
        blocker.write_text("a regular file, not a directory")
        yield str(blocker / "var")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        yield str(locked)
        locked.chmod(0o700)


def test_class_defaults():
    assert Ogler.Prefix == "hio"
    assert Ogler.HeadDirPath == "/usr/local/var"
    assert Ogler.TailDirPath == "logs"
    assert Ogler.AltHeadDirPath == "~"
    assert Ogler.TempHeadDir == "/tmp"
    assert Ogler.TempPrefix == "test_"
    assert Ogler.TempSuffix == "_temp"


def test_init_makes_nothing(heads):
    ogler = Ogler()
    assert ogler.name == "main"
    assert ogler.level == logging.ERROR
    assert ogler.temp is False
    assert ogler.prefix == "hio"
    assert ogler.headDirPath == str(heads / "var")
    assert ogler.dirPath is None and ogler.path is None
    assert ogler.opened is False
    assert (ogler.consoled, ogler.syslogged, ogler.filed) == (True, True, True)
    assert (ogler.when, ogler.interval, ogler.count) == ("H", 1, 48)
    assert not (heads / "var").exists()


def test_package_ogler():
    ogler = hio.help.ogler
    assert isinstance(ogler, Ogler)
    assert ogler.level == logging.CRITICAL
    assert ogler.prefix == "hio"
    assert ogler.opened is False and ogler.dirPath is None
    assert ogler.consoled and ogler.syslogged and ogler.filed
    logger = ogler.getLogger(name="hio.test.package")
    assert logger.handlers == [ogler.baseConsoleHandler, ogler.baseSysLogHandler]


def test_handlers_console_syslog_file_in_order(heads):
    ogler = Ogler(name="pi", level=logging.DEBUG, temp=True)
    logger = ogler.getLogger(name="hio.test.pi")
    assert logger.handlers == [ogler.baseConsoleHandler, ogler.baseSysLogHandler]  # no file before reopen
    ogler.reopen()
    try:
        logger = ogler.getLogger(name="hio.test.pi")
        assert logger.handlers == [ogler.baseConsoleHandler, ogler.baseSysLogHandler, ogler.baseFileHandler]
        assert len(ogler.getLogger(name="hio.test.pi").handlers) == 3  # asking again adds nothing

        other = Ogler(name="rho", syslogged=False, filed=False)  # another Ogler takes the logger over
        assert other.getLogger(name="hio.test.pi").handlers == [other.baseConsoleHandler]
    finally:
        ogler.close(clear=True)


def test_logger_name_and_propagation(heads):
    ogler = Ogler(name="sigma", syslogged=False, filed=False)
    logger = ogler.getLogger()
    assert logger.name == "hio.help.ogling"  # the module's name by default
    assert logger.propagate is False  # its records go to the Ogler's handlers only
    loud = logging.getLogger("hio.test.sigma.loud")
    assert loud.propagate is True
    assert ogler.getLogger(name="hio.test.sigma.loud").propagate is False  # turned off for every logger it hands out


def test_get_logger_replaces_every_handler(heads):
    """A handler someone else put on the logger (a test runner's capture, say) is replaced too."""
    ogler = Ogler(name="phi", syslogged=False, filed=False)
    foreign = logging.NullHandler()
    logger = logging.getLogger("hio.test.phi")
    logger.addHandler(foreign)
    assert ogler.getLogger(name="hio.test.phi").handlers == [ogler.baseConsoleHandler]
    assert ogler.getLogger(name="hio.test.phi").handlers == [ogler.baseConsoleHandler]  # never doubled


def test_ogled_records_never_reach_the_root_handlers(heads, capsys):
    """An application's root handler, with a formatter that rewrites records, sees none of an Ogler's records."""

    class Rewriting(logging.Handler):
        """Like an application formatter that turns lineno into text: a record it sees twice breaks it."""

        def __init__(self):
            super().__init__()
            self.seen = []

        def emit(self, record):
            record.lineno = f"line {record.lineno}"  # a second pass would fail on the text
            self.seen.append(record.getMessage())

    root = logging.getLogger()
    rewriting = Rewriting()
    root.addHandler(rewriting)
    ogler = Ogler(name="upsilon", level=logging.INFO, syslogged=False, filed=False)
    try:
        logger = ogler.getLogger(name="hio.test.upsilon")
        logger.info("once %s", "only")
        assert rewriting.seen == []  # the root's handlers never see it ...
        assert capsys.readouterr().err.count("once only") == 1  # ... and the Ogler's console shows it once
        logging.getLogger("hio.test.upsilon.child").warning("from a child")
        assert rewriting.seen == []  # a child's records stop at the Ogler's logger too
        assert "from a child" in capsys.readouterr().err
    finally:
        root.removeHandler(rewriting)


def test_reset_level_globally_sets_the_oglers_level(heads):
    ogler = Ogler(name="tau", level=logging.CRITICAL, syslogged=False, filed=False)
    logger = ogler.getLogger(name="hio.test.tau")
    ogler.resetLevel(name="hio.test.tau", level=logging.INFO)
    assert logger.level == logging.INFO and ogler.level == logging.CRITICAL  # one logger only
    ogler.resetLevel(name="hio.test.tau", level=logging.DEBUG, globally=True)
    assert logger.level == logging.DEBUG and ogler.level == logging.DEBUG
    assert ogler.getLogger(name="hio.test.tau.later").level == logging.DEBUG


def test_temp_reopen_after_close_keeps_the_directory(heads):
    ogler = Ogler(name="upsilon", level=logging.INFO, temp=True, consoled=False, syslogged=False, reopen=True)
    try:
        logger = ogler.getLogger(name="hio.test.upsilon")
        logger.info("one")
        first = ogler.dirPath
        ogler.close()  # no clear: the file stays
        ogler.reopen(temp=True)  # same temp setting: same directory, same file
        assert ogler.dirPath == first
        logger.info("two")
        ogler.baseFileHandler.flush()
        with open(ogler.path) as f:
            assert f.read() == "hio: one\nhio: two\n"
    finally:
        ogler.close(clear=True)


def test_temp_head_is_the_platforms_temp_dir(tmp_path, monkeypatch):
    system = tmp_path / "system"
    system.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system))  # what tempfile.gettempdir() returns
    monkeypatch.setattr(ogling.sys, "platform", "linux")
    assert Ogler.TempHeadDir == "/tmp"
    ogler = Ogler(name="phi", temp=True, consoled=False, syslogged=False, reopen=True)
    try:
        assert os.path.dirname(ogler.dirPath) == str(system / "hio" / "logs")
    finally:
        ogler.close(clear=True)

    monkeypatch.setattr(Ogler, "TempHeadDir", str(tmp_path / "own"))  # any other TempHeadDir is used as it is
    (tmp_path / "own").mkdir()
    ogler = Ogler(name="phi", temp=True, consoled=False, syslogged=False, reopen=True)
    try:
        assert os.path.dirname(ogler.dirPath) == str(tmp_path / "own" / "hio" / "logs")
    finally:
        ogler.close(clear=True)


@pytest.mark.parametrize("hostile", ["writable", "symlink"])
def test_shared_temp_dir_not_safe_falls_back_to_private(heads, hostile):
    shared = heads / "tmp" / "hio"
    elsewhere = heads / "elsewhere"
    elsewhere.mkdir()
    if hostile == "writable":  # others could swap what lies in it
        shared.mkdir()
        shared.chmod(0o777)
    else:  # someone pointed it somewhere else
        shared.symlink_to(elsewhere, target_is_directory=True)
    ogler = Ogler(name="chi", temp=True, consoled=False, syslogged=False, reopen=True)
    try:
        real = os.path.realpath(ogler.dirPath)
        assert not real.startswith(str(elsewhere)) and not real.startswith(str(shared) + os.sep)
        assert real.startswith(str(heads / "tmp"))
        assert ogler.dirPath.endswith("_temp") and ogler.path.endswith(os.sep + "chi.log")
        private = os.path.relpath(ogler.dirPath, heads / "tmp").split(os.sep)[0]
        assert os.stat(heads / "tmp" / private).st_mode & 0o777 == 0o700
    finally:
        ogler.close(clear=True)
    assert not os.path.exists(heads / "tmp" / private)  # the whole private tree is cleared
    assert os.listdir(elsewhere) == []
    if hostile == "writable":
        assert os.listdir(shared) == [] and shared.stat().st_mode & 0o777 == 0o777  # left as found


def test_init_ogler(heads):
    ogler = initOgler()
    assert ogler.name == "main" and ogler.prefix == "hio"
    assert isinstance(ogler, Ogler)
    assert ogler.level == logging.CRITICAL
    assert ogler.opened is False
    other = initOgler(level=logging.DEBUG, prefix="mine", force=True)
    assert other is not ogler
    assert other.level == logging.DEBUG and other.prefix == "mine"


def test_temp_reopen_log_close_clear(heads):
    ogler = Ogler(name="alpha", level=logging.DEBUG, temp=True, reopen=True, consoled=False, syslogged=False)
    shared = heads / "tmp" / "hio" / "logs"
    try:
        assert ogler.opened
        # a fresh test_..._temp directory inside the shared {temp head}/{prefix}/logs
        assert os.path.dirname(ogler.dirPath) == str(shared)
        tempdir = os.path.basename(ogler.dirPath)
        assert tempdir.startswith("test_") and tempdir.endswith("_temp")
        assert ogler.path == os.path.join(ogler.dirPath, "alpha.log")

        logger = ogler.getLogger(name="hio.test.alpha")
        assert logger.level == logging.DEBUG
        logger.debug("first message")
        for handler in logger.handlers:
            handler.flush()
        with open(ogler.path) as f:
            assert f.read() == "hio: first message\n"  # file lines are "{prefix}: {message}"
    finally:
        ogler.close(clear=True)
    assert not ogler.opened
    assert not os.path.exists(ogler.dirPath)
    assert os.listdir(shared) == []  # only the shared parents stay
    logger.error("after close")  # detached from the file: nothing recreated
    assert not os.path.exists(ogler.path)


def test_persistent_head_dir(heads):
    ogler = Ogler(name="beta", headDirPath=str(heads / "data"), consoled=False, syslogged=False)
    ogler.reopen()
    try:
        assert ogler.dirPath == str(heads / "data" / "hio" / "logs")
        logger = ogler.getLogger(name="hio.test.beta")
        logger.error("persisted")
        ogler.close()  # no clear: file stays
        assert not ogler.opened
        with open(ogler.path) as f:
            assert "persisted" in f.read()

        ogler.reopen(clear=True)  # clears old contents, reattaches the file to the logger
        assert ogler.opened
        assert os.path.getsize(ogler.path) == 0
        logger.error("again")
        ogler.baseFileHandler.flush()
        with open(ogler.path) as f:
            assert f.read().count("again") == 1
    finally:
        ogler.close(clear=True)
    assert not os.path.exists(ogler.dirPath)


def test_default_head_is_class_head(heads):
    ogler = Ogler(name="gamma", syslogged=False, filed=False, reopen=True)
    try:
        assert ogler.dirPath == str(heads / "var" / "hio" / "logs")
        assert os.path.isdir(ogler.dirPath)
        assert ogler.baseFileHandler is None  # not filed
        logger = ogler.getLogger(name="hio.test.gamma")
        assert logger.handlers == [ogler.baseConsoleHandler]
    finally:
        ogler.close(clear=True)


def test_unfiled_reopen_still_makes_an_empty_private_file(heads):
    ogler = Ogler(name="nu", temp=True, syslogged=False, filed=False, reopen=True)
    try:
        assert ogler.opened and ogler.baseFileHandler is None
        assert os.path.isfile(ogler.path) and os.path.getsize(ogler.path) == 0
        assert os.stat(ogler.path).st_mode & 0o777 == 0o600
        ogler.getLogger(name="hio.test.nu").error("console only")
        assert os.path.getsize(ogler.path) == 0
    finally:
        ogler.close(clear=True)


def test_an_ogler_needs_somewhere_to_log(heads):
    with pytest.raises(OglerError, match="at least one"):
        Ogler(name="xi", consoled=False, syslogged=False, filed=False)
    for kwa in ({"consoled": True}, {"syslogged": True}, {"filed": True}):
        flags = {"consoled": False, "syslogged": False, "filed": False, **kwa}
        assert isinstance(Ogler(name="xi", **flags), Ogler)


def test_unwritable_head_falls_back_to_alt(heads, monkeypatch, unwritable):
    monkeypatch.setattr(Ogler, "HeadDirPath", unwritable)
    ogler = Ogler(name="delta", prefix="app", consoled=False, syslogged=False)
    ogler.reopen()
    try:
        assert ogler.opened
        assert ogler.dirPath == str(heads / "home" / ".app" / "logs")
        logger = ogler.getLogger(name="hio.test.delta")
        logger.error("fallback works")
        ogler.baseFileHandler.flush()
        with open(ogler.path) as f:
            assert "fallback works" in f.read()
    finally:
        ogler.close(clear=True)


def test_unwritable_head_and_alt_raise(heads, monkeypatch, unwritable):
    monkeypatch.setattr(Ogler, "AltHeadDirPath", unwritable)
    ogler = Ogler(name="eps", headDirPath=unwritable, consoled=False, syslogged=False)
    with pytest.raises(OglerError, match="Cannot make log directory"):
        ogler.reopen()
    assert not ogler.opened


def test_reopen_rename_and_switch_temp(heads):
    ogler = Ogler(name="one", temp=True, consoled=False, syslogged=False, reopen=True)
    try:
        first = ogler.dirPath
        ogler.reopen(name="two")
        assert ogler.dirPath == first  # same directory, new file
        assert ogler.path == os.path.join(first, "two.log")
        ogler.reopen(temp=False)
        assert ogler.temp is False
        assert ogler.dirPath == str(heads / "var" / "hio" / "logs")
        assert not os.path.exists(first)  # the abandoned temp dir is removed
        ogler.reopen(temp=True)
        assert ogler.dirPath.startswith(str(heads / "tmp"))
    finally:
        ogler.close(clear=True)


def test_console_and_no_duplicate_handlers(heads, capsys):
    ogler = Ogler(name="zeta", level=logging.INFO, syslogged=False, filed=False)
    logger = ogler.getLogger(name="hio.test.zeta")
    again = ogler.getLogger(name="hio.test.zeta")
    assert again is logger
    assert len(logger.handlers) == 1
    logger.info("to the console")
    logger.debug("below level")
    err = capsys.readouterr().err
    assert err.count("hio: to the console\n") == 1  # "<prefix>: <message>", as published
    assert "below level" not in err


def test_levels_and_reset_level(heads, capsys):
    ogler = Ogler(name="eta", level=logging.WARNING, syslogged=False, filed=False)
    one = ogler.getLogger(name="hio.test.eta.one")
    two = ogler.getLogger(name="hio.test.eta.two", level=logging.ERROR)
    assert one.level == logging.WARNING and two.level == logging.ERROR

    ogler.resetLevel(name="hio.test.eta.one", level=logging.DEBUG)
    assert one.level == logging.DEBUG and two.level == logging.ERROR
    ogler.resetLevel(name="hio.test.eta.one")  # None means .level
    assert one.level == logging.WARNING

    plain = logging.getLogger("hio.test.eta.plain")  # not configured by an Ogler
    plain.setLevel(logging.WARNING)
    ogler.resetLevel(name="hio.test.eta.one", level=logging.INFO, globally=True)
    assert one.level == logging.INFO and two.level == logging.INFO
    assert plain.level == logging.WARNING

    two.info("now visible")
    assert "now visible" in capsys.readouterr().err


def test_syslog_to_local_socket(heads, monkeypatch):
    with tempfile.TemporaryDirectory() as sockdir:  # short path for AF_UNIX
        address = os.path.join(sockdir, "log")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
            server.bind(address)
            server.settimeout(5.0)
            monkeypatch.setattr(ogling, "SYSLOG_ADDRESSES", (os.path.join(sockdir, "absent"), address))
            ogler = Ogler(name="theta", prefix="app", consoled=False, filed=False)
            logger = ogler.getLogger(name="hio.test.theta")
            try:
                assert ogler.baseSysLogHandler in logger.handlers
                logger.error("to syslog")
                msg = server.recv(4096)
            finally:
                logger.removeHandler(ogler.baseSysLogHandler)
                ogler.baseSysLogHandler.close()
    assert msg.startswith(b"<11>")  # facility user, severity error
    assert msg.endswith(b"app: to syslog\x00")


def test_syslog_absent_drops_records_until_a_socket_appears(heads, monkeypatch, capsys):
    with tempfile.TemporaryDirectory() as sockdir:  # short path for AF_UNIX
        address = os.path.join(sockdir, "log")
        monkeypatch.setattr(ogling, "SYSLOG_ADDRESSES", (address,))
        ogler = Ogler(name="iota", consoled=False, filed=False)
        logger = ogler.getLogger(name="hio.test.iota")
        try:
            assert logger.handlers == [ogler.baseSysLogHandler]  # there even without a syslog
            logger.error("nowhere to go")  # dropped quietly: no logging error report
            assert capsys.readouterr().err == ""
            assert ogler.baseSysLogHandler.socket is None

            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
                server.bind(address)
                server.settimeout(5.0)
                logger.error("now delivered")  # the next record looks again
                assert b"now delivered" in server.recv(4096)
            logger.error("daemon gone")  # nothing raised, nothing printed
        finally:
            logger.removeHandler(ogler.baseSysLogHandler)
            ogler.baseSysLogHandler.close()
    assert capsys.readouterr().err == ""


def test_open_ogler(heads):
    with openOgler(name="kappa", consoled=False, syslogged=False) as ogler:
        assert isinstance(ogler, Ogler)
        assert ogler.opened and ogler.temp
        assert ogler.path.endswith("kappa.log")
        ogler.getLogger(name="hio.test.kappa").critical("inside")
        ogler.baseFileHandler.flush()
        with open(ogler.path) as f:
            assert "inside" in f.read()
        dirPath = ogler.dirPath
    assert not ogler.opened
    assert not os.path.exists(dirPath)


def test_open_ogler_subclass_persistent_and_error(heads):
    class SubOgler(Ogler):
        Prefix = "sub"

    with pytest.raises(RuntimeError, match="boom"), openOgler(cls=SubOgler, name="lam", temp=False) as ogler:
        assert isinstance(ogler, SubOgler)
        assert ogler.dirPath == str(heads / "var" / "sub" / "logs")
        raise RuntimeError("boom")
    assert not ogler.opened
    assert os.path.isdir(ogler.dirPath)  # persistent: not cleared


def test_bad_rotation_when(heads):
    ogler = Ogler(name="mu", temp=True, when="fortnightly", consoled=False, syslogged=False)
    with pytest.raises(OglerError, match="Cannot open log file"):
        ogler.reopen()
    assert not ogler.opened
    ogler.close(clear=True)
    assert os.listdir(heads / "tmp" / "hio" / "logs") == []


@pytest.mark.parametrize(
    "kwa", [{"name": ".."}, {"name": "a/b"}, {"name": "/abs"}, {"prefix": "../out"}, {"prefix": ""}, {"name": "x\0y"}]
)
def test_escaping_names_and_prefixes_are_refused(heads, kwa):
    with pytest.raises(OglerError, match=r"single path component|must not be empty"):
        Ogler(headDirPath=str(heads / "data"), **kwa)
    assert not (heads / "data").exists()
    ogler = Ogler(name="ok", headDirPath=str(heads / "data"), consoled=False, syslogged=False)
    with pytest.raises(OglerError):
        ogler.reopen(name="../escape")


@pytest.mark.parametrize("umask", [0o000, 0o077])
def test_log_directories_and_files_are_the_owners_alone(heads, umask):
    old = os.umask(umask)
    try:
        ogler = Ogler(name="perm", headDirPath=str(heads / "data"), consoled=False, syslogged=False)
        ogler.reopen()
        ogler.getLogger(name="hio.test.perm").error("private")
        ogler.baseFileHandler.flush()
    finally:
        os.umask(old)
    try:
        assert os.stat(heads / "data" / "hio").st_mode & 0o777 == 0o700
        assert os.stat(ogler.dirPath).st_mode & 0o777 == 0o700
        assert os.stat(ogler.path).st_mode & 0o777 == 0o600
    finally:
        ogler.close(clear=True)
