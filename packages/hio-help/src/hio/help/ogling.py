"""hio.help.ogling module

Provides python stdlib logging module support: an Ogler hands out loggers
that log to the console (stderr), to the local syslog where there is one and
to a timed rotating log file in a persistent or temporary directory.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from logging import handlers as loghandlers
from typing import Any, TextIO, TypeVar

from ..hioing import OglerError
from .helping import checkComponent

__all__ = ["Ogler", "initOgler", "openOgler"]

# Local syslog sockets in order of preference (Linux, macOS).
SYSLOG_ADDRESSES = ("/dev/log", "/var/run/syslog")

# The TempHeadDir that stands for the platform's temporary directory.
SYSTEM_TEMP_DIR = "/tmp"

# Windows has no syslog: there an Ogler logs to the console and the file only.
_SYSLOG_PLATFORM = not sys.platform.startswith("win")

# Name of the attribute that marks a handler as made by an Ogler.
_MARK = "_hioOgled"


class _StderrHandler(logging.StreamHandler):
    """Stream handler that always writes to the current sys.stderr.

    Looking sys.stderr up at emit time keeps console logging working when
    sys.stderr is replaced after the handler is made (redirection, capture).
    """

    def __init__(self, level: int = logging.NOTSET) -> None:
        logging.Handler.__init__(self, level)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # stream is always the current sys.stderr
        pass


DirPerm = 0o700  # log directories: the owner's alone
FilePerm = 0o600  # log files: the owner's alone
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # never open a log file through a symlink


class _OwnerFileHandler(loghandlers.TimedRotatingFileHandler):
    """Timed rotating file handler whose files, rotated ones too, are readable by their owner only."""

    def _open(self) -> io.TextIOWrapper:
        return open(  # type: ignore[return-value]  # a text mode, as the base class opens
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda path, flags: os.open(path, flags, FilePerm),
        )


class _LocalSysLogHandler(loghandlers.SysLogHandler):
    """Syslog handler for the local syslog socket, connected when a record is first emitted.

    It looks for the first socket of SYSLOG_ADDRESSES that accepts a
    connection (datagram, else stream). While there is none, records are
    dropped silently, and the next record looks again; records never go over
    the network. When the syslog daemon goes away (restarted), the handler
    reconnects once per record and otherwise drops the record.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)
        self.address: str | None = None  # type: ignore[assignment]  # the socket path connected to, None until connected
        self.facility = self.LOG_USER
        self.socktype: socket.SocketKind | None = None  # type: ignore[assignment]  # None until connected
        self.unixsocket = True
        self.socket: socket.socket | None = None  # None until connected

    def _connect(self) -> bool:
        """Connects to the first local syslog socket that accepts; returns True when connected."""
        for address in SYSLOG_ADDRESSES:
            if not os.path.exists(address):
                continue
            for socktype in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                sock = socket.socket(socket.AF_UNIX, socktype)
                try:
                    sock.connect(address)
                except OSError:
                    sock.close()
                    continue
                self.socket, self.socktype, self.address = sock, socktype, address
                return True
        return False

    def _disconnect(self) -> None:
        """Closes the socket, if any, so that the next record connects anew."""
        sock, self.socket = self.socket, None
        if sock is not None:
            sock.close()

    def emit(self, record: logging.LogRecord) -> None:
        """Sends the formatted record, with its syslog priority, to the local syslog, if there is one."""
        try:
            msg = self.format(record)
            if self.ident:
                msg = self.ident + msg
            if self.append_nul:
                msg += "\0"
            priority = self.encodePriority(self.facility, self.mapPriority(record.levelname))
            data = f"<{priority}>".encode() + msg.encode("utf-8")
        except Exception:
            self.handleError(record)
            return
        for _ in range(2):  # a second try reconnects after the daemon went away
            if self.socket is None and not self._connect():
                return  # no local syslog: the record is dropped
            sock = self.socket
            assert sock is not None  # connected above
            try:
                if self.socktype == socket.SOCK_STREAM:
                    sock.sendall(data)
                else:
                    sock.send(data)
                return
            except OSError:
                self._disconnect()

    def close(self) -> None:
        """Closes the socket, if connected, and the handler."""
        self.acquire()
        try:
            self._disconnect()
            logging.Handler.close(self)
        finally:
            self.release()


def _owned(path: str) -> bool:
    """Returns True if path is a real directory (no symlink) of this user that no one else may write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    geteuid = getattr(os, "geteuid", None)
    return (
        stat.S_ISDIR(st.st_mode)
        and (geteuid is None or st.st_uid == geteuid())
        and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


_H = TypeVar("_H", bound=logging.Handler)


def _mark(handler: _H) -> _H:
    """Marks handler as made by an Ogler and returns it."""
    setattr(handler, _MARK, True)
    return handler


def _ogled(handler: logging.Handler) -> bool:
    """Returns True if handler was made by an Ogler."""
    return getattr(handler, _MARK, False)


class Ogler:
    """Ogler instances provide loggers as global logging facility.

    Only one Ogler is needed per application. Uses the python stdlib logging
    module: multiple calls to .getLogger() with the same name always return a
    reference to the same Logger object, reconfigured with this Ogler's
    handlers.

    Each logger handed out has up to three handlers, in this order: the
    console (stderr) when .consoled, the local syslog when .syslogged (not on
    Windows), and the log file when .filed and opened. Log file lines are
    "{prefix}: {message}".

    The log file is .path = .dirPath/{name}.log. A persistent .dirPath is
    {headDirPath}/{prefix}/{TailDirPath}, e.g. /usr/local/var/hio/logs; when
    that directory cannot be made or written the Ogler falls back to
    {AltHeadDirPath}/.{prefix}/{TailDirPath}, e.g. ~/.hio/logs. A temporary
    .dirPath is a fresh {TempPrefix}...{TempSuffix} directory made in
    {temp head}/{prefix}/{TailDirPath}, e.g. hio/logs/test_1a2b3c_temp there,
    and is removed by close(clear=True). The temp head is the platform's
    temporary directory (tempfile.gettempdir(), /tmp on macOS) while
    TempHeadDir is "/tmp", else TempHeadDir.

    Log directories that an Ogler makes are its owner's alone (0o700) and log
    files are 0o600. The shared {temp head}/{prefix}/{TailDirPath} is used
    only while it, and {temp head}/{prefix}, are real directories of this
    user that no one else may write; otherwise the temporary .dirPath is made
    in a private mkdtemp directory of the temp head instead.

    Attributes:
        name (str): usage specific component used in file name
        level (int): logging severity level
        temp (bool): True means use a temporary directory
        prefix (str): application specific path prefix and formatting
        headDirPath (str): head of path
        dirPath (str | None): full directory path
        path (str | None): full file path
        opened (bool): True means file is opened, False not opened
        consoled (bool): True means log to console (stderr), False do not
        syslogged (bool): True means log to syslog, False do not
        filed (bool): True means log to rotating file at .path, False do not
        when (str): interval type for timed rotating file handler
        interval (int): length of interval of type when
        count (int): backup count, number of backups to keep
    """

    Prefix = "hio"
    HeadDirPath = "/usr/local/var"  # default in /usr/local/var
    TailDirPath = "logs"
    AltHeadDirPath = "~"  # put in ~ as fallback when desired dir not permitted
    TempHeadDir = "/tmp"
    TempPrefix = "test_"
    TempSuffix = "_temp"

    def __init__(
        self,
        name: str = "main",
        level: int = logging.ERROR,
        temp: bool = False,
        prefix: str | None = None,
        headDirPath: str | None = None,
        reopen: bool = False,
        clear: bool = False,
        consoled: bool = True,
        syslogged: bool = True,
        filed: bool = True,
        when: str = "H",
        interval: int = 1,
        count: int = 48,
    ):
        """Initializes the Ogler; directories are made only by reopen.

        Parameters:
            name: usage specific component used in file name
            level: default logging severity level of loggers
            temp: True means log file in a temporary directory
            prefix: application specific path prefix, default .Prefix
            headDirPath: head of persistent directory path, default .HeadDirPath
            reopen: True means open the log file now
            clear: True means clear the log directory first when reopening
            consoled: True means log to console (stderr)
            syslogged: True means log to the local syslog (records are dropped
                while there is none)
            filed: True means log to a timed rotating file at .path
            when: interval type for the timed rotating file handler ('S', 'M', 'H', 'D', 'midnight', 'W0'-'W6')
            interval: length of interval of type when
            count: backup count, number of rotated files to keep

        Raises:
            OglerError: when consoled, syslogged and filed are all False, or
                name or prefix is not a single path component
        """
        if not (consoled or syslogged or filed):
            raise OglerError("An Ogler needs at least one of consoled, syslogged or filed.")
        self.name = checkComponent(name, "Ogler name", error=OglerError)
        self.level = level
        self.temp = bool(temp)
        self.prefix = checkComponent(prefix if prefix is not None else self.Prefix, "Ogler prefix", error=OglerError)
        self.headDirPath = headDirPath if headDirPath is not None else self.HeadDirPath
        self.dirPath: str | None = None
        self.path: str | None = None
        self.opened = False
        self.consoled = bool(consoled)
        self.syslogged = bool(syslogged)
        self.filed = bool(filed)
        self.when = when
        self.interval = interval
        self.count = count

        self._tempRoot: str | None = None  # directory whose removal clears a temporary .dirPath
        self._loggers: dict[str, logging.Logger] = {}  # loggers handed out by .getLogger

        # one line format for console, syslog and file, as published: "<prefix>: <message>"
        self.baseFormatter = logging.Formatter(f"{self.prefix}: %(message)s")

        self.baseConsoleHandler = _mark(_StderrHandler())
        self.baseConsoleHandler.setFormatter(self.baseFormatter)
        self.baseSysLogHandler: logging.Handler | None = None  # no syslog on Windows
        if _SYSLOG_PLATFORM:  # connects to the local syslog only when a record is first emitted
            self.baseSysLogHandler = _mark(_LocalSysLogHandler())
            self.baseSysLogHandler.setFormatter(self.baseFormatter)
        self.baseFileHandler: logging.Handler | None = None  # made by reopen when filed

        if reopen:
            self.reopen(headDirPath=self.headDirPath, clear=clear)

    def _makeDirPath(self, head: str, hidden: bool = False) -> str:
        """Makes and returns the writable directory {head}/{prefix}/{TailDirPath}.

        Parameters:
            head: head directory path, ~ is expanded
            hidden: True means use .{prefix}, a hidden directory, for prefix

        Raises:
            OSError: when the directory cannot be made or is not writable
        """
        prefix = f".{self.prefix}" if hidden else self.prefix
        head = os.path.abspath(os.path.expanduser(head))
        dirPath = os.path.join(head, prefix, self.TailDirPath)
        os.makedirs(head, exist_ok=True)
        current = head
        for part in (prefix, self.TailDirPath):  # what we make is the owner's alone, whatever the umask
            current = os.path.join(current, part)
            if not os.path.lexists(current):
                os.mkdir(current, DirPerm)
                os.chmod(current, DirPerm)
        real, top = os.path.realpath(dirPath), os.path.realpath(head)
        if not real.startswith(top.rstrip(os.sep) + os.sep):
            raise PermissionError(f"Log directory {dirPath!r} resolves outside {head!r}.")
        if not os.access(dirPath, os.W_OK | os.X_OK):
            raise PermissionError(f"Log directory {dirPath!r} is not writable.")
        return dirPath

    def _tempHead(self) -> str:
        """Returns the head of temporary log directories.

        That is the platform's temporary directory (tempfile.gettempdir(), so
        TMPDIR counts; /tmp itself on macOS) while TempHeadDir is "/tmp", else
        TempHeadDir, or the platform's temporary directory when TempHeadDir is
        not a writable directory.
        """
        head = self.TempHeadDir
        if head == SYSTEM_TEMP_DIR and sys.platform != "darwin":
            return tempfile.gettempdir()
        if head and os.path.isdir(head) and os.access(head, os.W_OK | os.X_OK):
            return head
        return tempfile.gettempdir()

    def _sharedTempDir(self, head: str) -> str | None:
        """Returns {head}/{prefix}/{TailDirPath}, made when missing, if it is safe to share, else None.

        Safe means it and {head}/{prefix} are real directories of this user
        that no one else may write, so no one else can swap what lies in them.
        """
        current = head
        for part in (self.prefix, self.TailDirPath):
            current = os.path.join(current, part)
            try:
                os.mkdir(current, DirPerm)
            except FileExistsError:
                pass
            except OSError:
                return None
            else:
                os.chmod(current, DirPerm)  # the owner's alone, whatever the umask
            if not _owned(current):
                return None
        return current

    def _makeTempDirPath(self) -> str:
        """Makes a fresh temporary log directory and returns its path; sets ._tempRoot to what clears it."""
        head = self._tempHead()
        parent = self._sharedTempDir(head)
        if parent is None:  # not ours to share: a private tree instead
            self._tempRoot = tempfile.mkdtemp(prefix=self.TempPrefix, suffix=self.TempSuffix, dir=head)
            parent = self._makeDirPath(self._tempRoot)
            return tempfile.mkdtemp(prefix=self.TempPrefix, suffix=self.TempSuffix, dir=parent)
        self._tempRoot = tempfile.mkdtemp(prefix=self.TempPrefix, suffix=self.TempSuffix, dir=parent)
        return self._tempRoot

    def reopen(
        self,
        name: str | None = None,
        temp: bool | None = None,
        headDirPath: str | None = None,
        clear: bool = False,
    ) -> None:
        """Uses or creates the directory .dirPath for the log file .path and opens it.

        First closes .path if already opened. If clear is True then also
        clears the directory before reopening. The file .path is created
        (empty, 0o600) when missing, also when not .filed. Loggers handed out
        earlier log to the reopened file.

        Parameters:
            name: if None or unchanged then ignore, otherwise recreate path with it
            temp: if None ignore, otherwise assign to .temp; True means open in a
                temporary directory, False in the persistent directory
            headDirPath: if None or unchanged then ignore, otherwise recreate
                path with it
            clear: True means clear the directory before reopening

        Raises:
            OglerError: when neither the head nor the alternate head directory
                can be used
        """
        if self.opened:
            self.close(clear=clear)
        elif clear:
            self.clearDirPath()

        renew = self.dirPath is None or not os.path.isdir(self.dirPath)
        if name is not None and name != self.name:
            self.name = checkComponent(name, "Ogler name", error=OglerError)
        if temp is not None and bool(temp) != self.temp:
            self.temp = bool(temp)
            renew = True
        if headDirPath is not None and headDirPath != self.headDirPath:
            self.headDirPath = headDirPath
            renew = not self.temp or renew

        if renew:
            self._removeTempRoot()
            if self.temp:
                try:
                    self.dirPath = self._makeTempDirPath()
                except OSError as ex:
                    raise OglerError(f"Cannot make temporary log directory: {ex}") from ex
            else:
                try:
                    self.dirPath = self._makeDirPath(self.headDirPath)
                except OSError as ex:
                    try:
                        self.dirPath = self._makeDirPath(self.AltHeadDirPath, hidden=True)
                    except OSError as alt:
                        raise OglerError(
                            f"Cannot make log directory under {self.headDirPath!r} ({ex}) "
                            f"nor under {self.AltHeadDirPath!r} ({alt})."
                        ) from alt

        assert self.dirPath is not None  # made above unless it already was a directory
        self.path = os.path.join(self.dirPath, f"{self.name}.log")
        if self.filed:
            try:
                handler = _OwnerFileHandler(self.path, when=self.when, interval=self.interval, backupCount=self.count)
            except (OSError, ValueError) as ex:
                raise OglerError(f"Cannot open log file {self.path!r}: {ex}") from ex
            handler.setFormatter(self.baseFormatter)
            self.baseFileHandler = _mark(handler)
            for logger in self._loggers.values():
                logger.addHandler(handler)
        else:  # the file exists all the same, empty
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW, FilePerm))
            except OSError as ex:
                raise OglerError(f"Cannot make log file {self.path!r}: {ex}") from ex
        self.opened = True

    def close(self, clear: bool = False) -> None:
        """Sets .opened to False, closes the log file and optionally clears its directory.

        Loggers handed out stop logging to the file but keep their other
        handlers.

        Parameters:
            clear: True means remove the directory at .dirPath
        """
        if self.baseFileHandler is not None:
            for logger in self._loggers.values():
                logger.removeHandler(self.baseFileHandler)
            self.baseFileHandler.close()
            self.baseFileHandler = None
        self.opened = False
        if clear:
            self.clearDirPath()

    def clearDirPath(self) -> None:
        """Removes the log file directory at .dirPath, and the private directory holding it if temp."""
        if self.dirPath and os.path.exists(self.dirPath):
            shutil.rmtree(self.dirPath)
        self._removeTempRoot()

    def _removeTempRoot(self) -> None:
        """Removes the temporary root directory, if any."""
        if self._tempRoot and os.path.exists(self._tempRoot):
            shutil.rmtree(self._tempRoot)
        self._tempRoot = None

    def resetLevel(self, name: str = __name__, level: int | None = None, globally: bool = False) -> None:
        """Resets the level of preexisting loggers to level.

        Parameters:
            name: name of the logger to reset
            level: new level, None means use .level
            globally: True means level also becomes this Ogler's .level, the
                level of loggers it hands out from now on, and every other
                logger that an Ogler configured is reset too
        """
        level = self.level if level is None else level
        logging.getLogger(name).setLevel(level)
        if globally:
            self.level = level
            for logger in list(logging.Logger.manager.loggerDict.values()):
                if isinstance(logger, logging.Logger) and any(_ogled(h) for h in logger.handlers):
                    logger.setLevel(level)

    def getLogger(self, name: str = __name__, level: int | None = None) -> logging.Logger:
        """Returns a basic logger configured with this Ogler's handlers.

        Every handler the logger had is replaced by this Ogler's, so
        repeated calls never duplicate output and the logger writes exactly
        where the Ogler says. The logger does not propagate: its records go
        only to those handlers (and any the application adds afterwards),
        never also to the root logger's, so no record is written twice or
        through a formatter that expects other records. To see hio's
        messages, set the Ogler's level (``resetLevel``) rather than
        configuring the root logger.

        Parameters:
            name: logger name, default is to name the logger after the module,
                "hio.help.ogling"
            level: logging level, None means use .level
        """
        logger = logging.getLogger(name)
        logger.setLevel(self.level if level is None else level)
        logger.propagate = False
        for handler in list(logger.handlers):  # whoever added it: the logger has the Ogler's handlers only
            logger.removeHandler(handler)
        if self.consoled:
            logger.addHandler(self.baseConsoleHandler)
        if self.syslogged and self.baseSysLogHandler is not None:
            logger.addHandler(self.baseSysLogHandler)
        if self.filed and self.opened and self.baseFileHandler is not None:
            logger.addHandler(self.baseFileHandler)
        self._loggers[name] = logger
        return logger


def initOgler(level: int = logging.CRITICAL, **kwa: Any) -> Ogler:
    """Initializes and returns an Ogler to serve as a package global instance.

    Usage, at top level of a module in a project::

        ogler = hio.help.ogling.initOgler(prefix="mypackage")

    so that the ogler is available at mypackage.help.ogler when the module is
    mypackage.help. Users may then reset the level and reopen the log file
    before calling ogler.getLogger(). No directory is made until reopen.

    Parameters:
        level: default logging level; CRITICAL, the most severe, restricts
            logging by default
        kwa: passed on to Ogler; a 'force' keyword is accepted and ignored, as
            every call makes a fresh Ogler

    Returns:
        Ogler: the new instance
    """
    kwa.pop("force", None)
    return Ogler(level=level, **kwa)


@contextmanager
def openOgler(cls: type[Ogler] | None = None, name: str = "test", temp: bool = True, **kwa: Any) -> Iterator[Ogler]:
    """Context manager wrapper of Ogler instances, defaulting to temporary log files.

    The instance is reopened on entry and closed on exit of the 'with' block,
    clearing its directory when temp.

    Usage:
        with openOgler(name="bob") as ogler:
            logger = ogler.getLogger()

        with openOgler(name="eve", cls=SubclassedOgler) as ogler:
            ...

    Parameters:
        cls: Ogler or subclass to instantiate, None means Ogler
        name: name of the ogler instance for the file name, so several oglers
            can use different log files
        temp: True means open in a temporary directory and clear it on close,
            False means open in the persistent directory and keep it
        kwa: passed on to cls
    """
    ogler = None
    try:
        cls = cls if cls is not None else Ogler
        kwa.pop("reopen", None)
        ogler = cls(name=name, temp=temp, reopen=True, **kwa)
        yield ogler
    finally:
        if ogler is not None:
            ogler.close(clear=ogler.temp)
