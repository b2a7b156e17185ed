"""hio.core.wiring module

WireLog records the bytes a transport sends and receives — "over the wire" —
for debugging and for tests: in memory buffers, or in log files, rx and tx
apart or together. Each record is formatted with a printf-style bytes
format; the default is::

    b'\\n%(dx)b %(who)b:\\n%(data)b\\n'

where ``dx`` is ``b'Rx'`` or ``b'Tx'``, ``who`` the source or destination
(an address tuple is written as Python shows it, ``('127.0.0.1', 5000)``),
and ``data`` the bytes themselves.

Log files live in ``<head>/<prefix>/wirelogs/`` (``~/.<prefix>/wirelogs/``
when the head cannot be used), or, for a temporary WireLog, in a fresh
directory ``<TempHeadDir>/<prefix>/wirelogs/test_..._temp`` removed on close.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from ..base.doing import Doer
from ..base.filing import Filer, checkComponent

__all__ = ["WireLog", "WireLogDoer", "openWL"]

logger = logging.getLogger(__name__)

LogPerm = stat.S_IRUSR | stat.S_IWUSR  # 0o600: log files are the owner's alone


def whoBytes(who: Any) -> bytes:
    """Returns ``who`` as bytes: bytes as they are, anything else (str, an address tuple) as str() shows it.

    Parameters:
        who: the party logged: bytes, str or an address tuple
    """
    if isinstance(who, (bytes, bytearray, memoryview)):
        return bytes(who)
    return str(who).encode("utf-8", "surrogateescape")


def _openLog(path: str) -> IO[bytes]:
    """Opens the log file at ``path`` to append and read; a new one is the owner's alone (0o600).

    The file's ``.name`` is its path. A link at ``path`` is refused (OSError),
    never followed.
    """

    def opener(path: str, flags: int) -> int:
        try:
            fd = os.open(path, flags | os.O_EXCL | os.O_NOFOLLOW, LogPerm)
        except FileExistsError:
            return os.open(path, (flags & ~os.O_CREAT) | os.O_NOFOLLOW)
        os.fchmod(fd, LogPerm)  # exactly, whatever the umask
        return fd

    return open(path, "a+b", opener=opener)


def _ownedDir(path: str) -> bool:
    """True when ``path`` is a real directory (not a link) of this user that no one else may write."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022


class WireLog:
    """Logs bytes received (rx) and transmitted (tx) by a transport, in memory or in files.

    Attributes:
        rxed (bool): True means log rx
        txed (bool): True means log tx
        samed (bool): True means log rx and tx into the same buffer or file
        filed (bool): True means log to files, False to memory buffers
        fmt (bytes): printf-style bytes format with dx, who and data
        name (str): used in file names
        temp (bool): True means files in a temporary directory, cleared on close
        prefix (str): path component before the tail, default .Prefix
        headDirPath (str): head of a persistent directory path, default .HeadDirPath
        dirPath (str | None): directory of the log files when filed (still
            naming it after it is cleared), None when in memory
        rxl (IO[bytes] | None): rx log file or buffer
        txl (IO[bytes] | None): tx log file or buffer (the same as rxl when samed)
        opened (bool): True when the logs are open
    """

    Prefix = "hio"
    HeadDirPath = "/usr/local/var"
    TailDirPath = "wirelogs"
    AltHeadDirPath = "~"
    TempHeadDir = "/tmp"
    TempPrefix = "test_"
    TempSuffix = "_temp"
    Format = b"\n%(dx)b %(who)b:\n%(data)b\n"

    def __init__(
        self,
        rxed: bool = True,
        txed: bool = True,
        samed: bool = False,
        filed: bool = False,
        fmt: bytes | None = None,
        name: str = "main",
        temp: bool = False,
        prefix: str | None = None,
        headDirPath: str | None = None,
        reopen: bool = False,
        clear: bool = False,
    ) -> None:
        """Initializes the WireLog and, when ``reopen``, opens its logs.

        Parameters:
            rxed: log rx
            txed: log tx
            samed: log rx and tx into the same buffer or file
            filed: log to files, not memory
            fmt: bytes format, default .Format
            name: used in file names
            temp: files in a temporary directory, cleared on close
            prefix: path component before the tail, default .Prefix
            headDirPath: head of the directory path, default .HeadDirPath
            reopen: open now
            clear: clear the directory when reopening
        """
        self.rxed = bool(rxed)
        self.txed = bool(txed)
        self.samed = bool(samed)
        self.filed = bool(filed)
        self.fmt = fmt if fmt is not None else self.Format
        self.name = checkComponent(name, "name")
        self.temp = bool(temp)
        self.prefix = checkComponent(prefix if prefix is not None else self.Prefix, "prefix")
        self.headDirPath = headDirPath if headDirPath is not None else self.HeadDirPath
        self.dirPath: str | None = None
        self.rxl: IO[bytes] | None = None
        self.txl: IO[bytes] | None = None
        self.opened = False
        self._filer: Filer | None = None  # made the persistent directory
        self._tempDir: str | None = None  # the temporary directory this WireLog made
        self._kept: dict[int, bytes] = {}  # what closed memory logs held, by id of the buffer
        if reopen:
            self.reopen(clear=clear)

    def reopen(
        self,
        rxed: bool | None = None,
        txed: bool | None = None,
        samed: bool | None = None,
        filed: bool | None = None,
        fmt: bytes | None = None,
        name: str | None = None,
        temp: bool | None = None,
        headDirPath: str | None = None,
        clear: bool = False,
    ) -> bool:
        """Closes if open, then opens the logs, making the directory when filed.

        Each parameter given replaces the attribute of the same name.

        Parameters:
            clear: True means clear the directory when closing first
            rxed: True means log received bytes
            txed: True means log transmitted bytes
            samed: True means rx and tx go to the same log
            filed: True means log to files, otherwise to memory buffers
            fmt: format of each log entry's header
            name: name used in the file names
            temp: True means a temporary directory
            headDirPath: head directory of the log files

        Returns:
            bool: .opened
        """
        self.close(clear=clear)
        # What was closed is no longer this WireLog's: a later clear (say, once it is
        # temporary) must never remove the logs it kept on closing.
        self._filer = None
        self._tempDir = None
        self._kept = {}
        self.dirPath = None
        for attr, value in (("rxed", rxed), ("txed", txed), ("samed", samed), ("filed", filed), ("temp", temp)):
            if value is not None:
                setattr(self, attr, bool(value))
        if fmt is not None:
            self.fmt = fmt
        if name is not None:
            self.name = checkComponent(name, "name")
        if headDirPath is not None:
            self.headDirPath = headDirPath
        if self.filed:
            self._openFiles()
        else:
            self.rxl = io.BytesIO()
            self.txl = self.rxl if self.samed else io.BytesIO()
        self.opened = True
        return self.opened

    def _openFiles(self) -> None:
        """Makes the log directory and opens the log files in it."""
        if self.temp:
            dirPath = self._tempDir = tempfile.mkdtemp(
                prefix=self.TempPrefix, suffix=self.TempSuffix, dir=self._tempParent()
            )
        else:
            filer = Filer(name=self.TailDirPath, headDirPath=self.headDirPath, reopen=False)
            filer.TailDirPath, filer.AltTailDirPath = self.prefix, "." + self.prefix  # <head>/<prefix>/wirelogs
            filer.HeadDirPath, filer.AltHeadDirPath = self.HeadDirPath, self.AltHeadDirPath
            filer.reopen()
            self._filer = filer
            assert filer.path is not None  # reopen always makes it
            dirPath = filer.path
        self.dirPath = dirPath
        if self.samed:
            self.rxl = self.txl = _openLog(os.path.join(dirPath, f"{self.name}.log"))
        else:
            self.rxl = _openLog(os.path.join(dirPath, f"{self.name}.rx.log"))
            self.txl = _openLog(os.path.join(dirPath, f"{self.name}.tx.log"))

    def _tempParent(self) -> str:
        """Returns the directory that holds temporary log directories: <TempHeadDir>/<prefix>/<tail>.

        Makes what is missing of it, for this user alone. When a part of it
        is not safely this user's (a link, another user's, writable by
        others), the temporary directory goes straight into the temp head.
        """
        top = self.TempHeadDir if os.path.isdir(self.TempHeadDir) else tempfile.gettempdir()
        current = top
        for part in [self.prefix, *(p for p in self.TailDirPath.split("/") if p)]:
            current = os.path.join(current, part)
            try:
                os.mkdir(current, 0o700)
            except FileExistsError:
                pass  # checked below like any other
            except OSError as ex:
                logger.info("WireLog: cannot make %s (%s), using %s", current, ex, top)
                return top
            if not _ownedDir(current):
                logger.info("WireLog: %s is not this user's alone, using %s", current, top)
                return top
        return current

    def _logs(self) -> list[IO[bytes]]:
        """The open or closed log files or buffers, each once."""
        return list({id(x): x for x in (self.rxl, self.txl) if x is not None}.values())

    def flush(self) -> None:
        """Flushes the log files, if open, from the program's buffers to the operating system."""
        for log in self._logs():
            if not log.closed:
                log.flush()

    def close(self, clear: bool = False) -> None:
        """Closes the logs; removes the log directory when ``clear`` or temporary.

        What memory logs held stays readable with readRx and readTx until the
        next reopen.

        Parameters:
            clear: True means remove the log files and what was made for them
        """
        for log in self._logs():
            if not log.closed:
                if not self.filed and isinstance(log, io.BytesIO):
                    self._kept[id(log)] = log.getvalue()
                log.close()
        self.opened = False
        if clear or self.temp:
            self.clearDirPath()

    def clearDirPath(self) -> None:
        """Removes the log files and the log directory made for them; .dirPath still names it.

        A temporary directory goes whole. From a persistent directory only
        this WireLog's own log files go, then the directory and what was made
        for it, when nothing else is left in them.
        """
        if self._tempDir is not None:
            shutil.rmtree(self._tempDir, ignore_errors=True)
            self._tempDir = None
        if self._filer is not None:
            for log in self._logs():
                with contextlib.suppress(OSError):
                    os.remove(log.name)
            with contextlib.suppress(OSError):
                if not os.listdir(self._filer.path):
                    self._filer.close(clear=True)
            self._filer = None

    def _read(self, log: IO[bytes] | None) -> bytes | None:
        """Returns all that ``log`` holds: its file's bytes or its buffer's, None when there is none."""
        if log is None:
            return None
        if not self.filed:
            if isinstance(log, io.BytesIO) and not log.closed:
                return log.getvalue()
            return self._kept.get(id(log), b"")
        if not log.closed:
            log.flush()
            return os.pread(log.fileno(), os.fstat(log.fileno()).st_size, 0)
        try:
            with open(log.name, "rb") as f:
                return f.read()
        except OSError:
            return None

    def readRx(self) -> bytes | None:
        """Returns everything logged for rx (with tx too when samed), None when never opened."""
        return self._read(self.rxl)

    def readTx(self) -> bytes | None:
        """Returns everything logged for tx (with rx too when samed), None when never opened."""
        return self._read(self.txl)

    def writeRx(self, data: bytes | bytearray | memoryview, who: Any = b"") -> None:
        """Logs ``data`` received from source ``who``.

        Parameters:
            data: the bytes received
            who: the source address
        """
        self._write(self.rxl, self.rxed, b"Rx", data, who)

    def writeTx(self, data: bytes | bytearray | memoryview, who: Any = b"") -> None:
        """Logs ``data`` transmitted to destination ``who``.

        Parameters:
            data: the bytes transmitted
            who: the destination address
        """
        self._write(self.txl, self.txed, b"Tx", data, who)

    def _write(
        self, log: IO[bytes] | None, on: bool, dx: bytes, data: bytes | bytearray | memoryview, who: Any
    ) -> None:
        """Writes one entry of direction ``dx`` (b"Rx" or b"Tx") to ``log`` when that direction is logged and open."""
        if on and self.opened and log is not None:
            log.write(self.fmt % {b"dx": dx, b"who": whoBytes(who), b"data": bytes(data)})


class WireLogDoer(Doer):
    """Doer that opens a WireLog on enter and closes it on exit.

    Attributes:
        wl (WireLog): the WireLog it manages
    """

    def __init__(self, wl: WireLog, **kwa: Any):
        """Initializes with the WireLog to manage.

        Parameters:
            wl: the WireLog
            kwa: parameters of the base classes (see Bases), passed on
        """
        super().__init__(**kwa)
        self.wl = wl

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the WireLog.

        Parameters:
            temp: True means open the WireLog in a temporary directory, None keeps its .temp
        """
        self.wl.reopen(temp=temp)

    def exit(self) -> None:
        """Closes the WireLog."""
        self.wl.close()


@contextlib.contextmanager
def openWL(cls: type[WireLog] | None = None, name: str = "test", temp: bool = True, **kwa: Any) -> Iterator[WireLog]:
    """Context manager for a WireLog, temporary by default; closes it on exit.

    Usage:
        with openWL(name="bob") as wl:
            wl.writeRx(b"abc", who=("127.0.0.1", 8080))

    Parameters:
        cls: the WireLog class or subclass
        name: used in file names
        temp: True means a temporary directory, cleared on close
        kwa: more parameters of cls (see WireLog)
    """
    wl = (cls or WireLog)(name=name, temp=temp, reopen=True, **kwa)
    try:
        yield wl
    finally:
        wl.close(clear=wl.temp)
