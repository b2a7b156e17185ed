"""hio.core.wiring module

WireLog records the bytes a transport sends and receives — "over the wire" —
for debugging and for tests: in memory buffers, or in log files under a
Filer-managed directory, rx and tx apart or together. Each record is
formatted with a printf-style bytes format; the default is::

    b'\\n%(dx)b %(who)b:\\n%(data)b\\n'

where ``dx`` is ``b'rx'`` or ``b'tx'``, ``who`` the source or destination
address, and ``data`` the bytes themselves.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import stat
from collections.abc import Iterator
from typing import IO, Any

from ..base.doing import Doer
from ..base.filing import Filer, checkComponent
from ..help.helping import ocfn

__all__ = ["WireLog", "WireLogDoer", "openWL"]

logger = logging.getLogger(__name__)

LogPerm = stat.S_IRUSR | stat.S_IWUSR  # 0o600: log files are the owner's alone


def whoBytes(who: Any) -> bytes:
    """Returns ``who`` (bytes, str, or an address tuple such as (host, port)) as bytes."""
    if isinstance(who, (bytes, bytearray, memoryview)):
        return bytes(who)
    if isinstance(who, tuple):
        return ":".join(str(part) for part in who).encode()
    return str(who).encode()


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
        headDirPath (str | None): head of the directory path
        dirPath (str | None): directory of the log files when filed
        rxl (IO | None): rx log file or buffer
        txl (IO | None): tx log file or buffer (the same as rxl when samed)
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
    ):
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
        self.headDirPath = headDirPath
        self.dirPath: str | None = None
        self.rxl: IO | None = None
        self.txl: IO | None = None
        self.opened = False
        self._filer: Filer | None = None
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

        Returns:
            bool: .opened
        """
        self.close(clear=clear)
        # What was closed is no longer this WireLog's: a later clear (say, once it is
        # temporary) must never remove the directory of logs it kept on closing.
        self._filer = None
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
        """Makes the log directory with a Filer and opens the log files in it."""
        filer = Filer(name=self.TailDirPath, temp=self.temp, headDirPath=self.headDirPath, reopen=False)
        filer.TailDirPath = self.prefix  # <head>/<prefix>/wirelogs
        filer.AltTailDirPath = "." + self.prefix
        filer.TempHeadDir, filer.TempPrefix, filer.TempSuffix = self.TempHeadDir, self.TempPrefix, self.TempSuffix
        filer.HeadDirPath, filer.AltHeadDirPath = self.HeadDirPath, self.AltHeadDirPath
        filer.reopen()
        self._filer = filer
        self.dirPath = filer.path
        if self.samed:
            self.rxl = self.txl = ocfn(os.path.join(filer.path, f"{self.name}.log"), mode="a+b", perm=LogPerm)
        else:
            self.rxl = ocfn(os.path.join(filer.path, f"{self.name}.rx.log"), mode="a+b", perm=LogPerm)
            self.txl = ocfn(os.path.join(filer.path, f"{self.name}.tx.log"), mode="a+b", perm=LogPerm)

    def flush(self) -> None:
        """Flushes the log files, if open, from the program's buffers to the operating system."""
        for log in {id(x): x for x in (self.rxl, self.txl) if x is not None}.values():
            if not log.closed:
                log.flush()

    def close(self, clear: bool = False) -> None:
        """Closes the log files; removes the directory when ``clear`` or temporary.

        Memory buffers stay readable after close until the next reopen.

        Parameters:
            clear: True means remove the log directory
        """
        if self.filed:
            for log in {id(x): x for x in (self.rxl, self.txl) if x is not None}.values():
                if not log.closed:
                    log.close()
        self.opened = False
        if clear or self.temp:
            self.clearDirPath()

    def clearDirPath(self) -> None:
        """Removes the log directory at .dirPath, if any, and what its Filer made."""
        if self._filer is not None:
            self._filer.close(clear=True)
            self._filer = None
        self.dirPath = None

    def readRx(self) -> bytes | None:
        """Returns what the rx memory buffer holds, None when logging to files."""
        if self.filed or self.rxl is None:
            return None
        return self.rxl.getvalue()

    def readTx(self) -> bytes | None:
        """Returns what the tx memory buffer holds, None when logging to files."""
        if self.filed or self.txl is None:
            return None
        return self.txl.getvalue()

    def writeRx(self, data: bytes, who: Any = b"") -> None:
        """Logs ``data`` received from source ``who``.

        Parameters:
            data: the bytes received
            who: the source address
        """
        if self.rxed and self.opened:
            self.rxl.write(self.fmt % {b"dx": b"rx", b"who": whoBytes(who), b"data": bytes(data)})

    def writeTx(self, data: bytes, who: Any = b"") -> None:
        """Logs ``data`` transmitted to destination ``who``.

        Parameters:
            data: the bytes transmitted
            who: the destination address
        """
        if self.txed and self.opened:
            self.txl.write(self.fmt % {b"dx": b"tx", b"who": whoBytes(who), b"data": bytes(data)})


class WireLogDoer(Doer):
    """Doer that opens a WireLog on enter and closes it on exit.

    Attributes:
        wl (WireLog): the WireLog it manages
    """

    def __init__(self, wl: WireLog, **kwa: Any):
        """Initializes with the WireLog to manage.

        Parameters:
            wl: the WireLog
        """
        super().__init__(**kwa)
        self.wl = wl

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the WireLog."""
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
    """
    wl = (cls or WireLog)(name=name, temp=temp, reopen=True, **kwa)
    try:
        yield wl
    finally:
        wl.close(clear=wl.temp)
