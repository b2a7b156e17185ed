"""hio.help.ogling module

Provides python stdlib logging module support: an Ogler hands out loggers
that log to the console (stderr), to syslog where available and to a timed
rotating log file in a persistent or temporary directory.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from logging import handlers as loghandlers

from ..hioing import OglerError
from .helping import checkComponent

__all__ = ["Ogler", "initOgler", "openOgler"]

# Local syslog sockets in order of preference (Linux, macOS).
SYSLOG_ADDRESSES = ("/dev/log", "/var/run/syslog")

# Name of the attribute that marks a handler as made by an Ogler.
_MARK = "_hioOgled"


class _StderrHandler(logging.StreamHandler):
    """Stream handler that always writes to the current sys.stderr.

    Looking sys.stderr up at emit time keeps console logging working when
    sys.stderr is replaced after the handler is made (redirection, capture).
    """

    def __init__(self, level: int = logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # stream is always the current sys.stderr
        pass


DirPerm = 0o700  # log directories: the owner's alone
FilePerm = 0o600  # log files: the owner's alone


class _OwnerFileHandler(loghandlers.TimedRotatingFileHandler):
    """Timed rotating file handler whose files, rotated ones too, are readable by their owner only."""

    def _open(self):
        return open(
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda path, flags: os.open(path, flags, FilePerm),
        )


def _mark(handler: logging.Handler) -> logging.Handler:
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

    The log file is .path = .dirPath/{name}.log. A persistent .dirPath is
    {headDirPath}/{prefix}/{TailDirPath}, e.g. /usr/local/var/hio/logs; when
    that directory cannot be made or written the Ogler falls back to
    {AltHeadDirPath}/.{prefix}/{TailDirPath}, e.g. ~/.hio/logs. A temporary
    .dirPath is {mkdtemp in TempHeadDir}/{prefix}/{TailDirPath} and is removed
    by close(clear=True).

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
            syslogged: True means log to syslog where a local syslog socket exists
            filed: True means log to a timed rotating file at .path
            when: interval type for the timed rotating file handler ('S', 'M', 'H', 'D', 'midnight', 'W0'-'W6')
            interval: length of interval of type when
            count: backup count, number of rotated files to keep
        """
        self.name = checkComponent(name, "Ogler name", error=OglerError)
        self.level = level
        self.temp = bool(temp)
        self.prefix = checkComponent(prefix if prefix is not None else self.Prefix, "Ogler prefix", error=OglerError)
        self.headDirPath = headDirPath if headDirPath is not None else self.HeadDirPath
        self.dirPath = None
        self.path = None
        self.opened = False
        self.consoled = bool(consoled)
        self.syslogged = bool(syslogged)
        self.filed = bool(filed)
        self.when = when
        self.interval = interval
        self.count = count

        self._tempRoot = None  # mkdtemp directory holding a temporary .dirPath
        self._loggers: dict[str, logging.Logger] = {}  # loggers handed out by .getLogger

        self.baseFormatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        self.syslogFormatter = logging.Formatter(f"{self.prefix}: %(name)s %(levelname)s: %(message)s")
        self.fileFormatter = logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s")

        self.baseConsoleHandler = _mark(_StderrHandler())
        self.baseConsoleHandler.setFormatter(self.baseFormatter)
        self.baseSysLogHandler = None  # made on first need, when a local syslog socket exists
        self.baseFileHandler = None  # made by reopen when filed

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
        """Returns TempHeadDir when it is a writable directory, else the platform temp dir."""
        head = self.TempHeadDir
        if head and os.path.isdir(head) and os.access(head, os.W_OK | os.X_OK):
            return head
        return tempfile.gettempdir()

    def reopen(
        self,
        name: str | None = None,
        temp: bool | None = None,
        headDirPath: str | None = None,
        clear: bool = False,
    ) -> None:
        """Uses or creates the directory .dirPath for the log file .path and opens it.

        First closes .path if already opened. If clear is True then also
        clears the directory before reopening. Loggers handed out earlier log
        to the reopened file.

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
                self._tempRoot = tempfile.mkdtemp(prefix=self.TempPrefix, suffix=self.TempSuffix, dir=self._tempHead())
                self.dirPath = self._makeDirPath(self._tempRoot)
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

        self.path = os.path.join(self.dirPath, f"{self.name}.log")
        if self.filed:
            try:
                handler = _OwnerFileHandler(self.path, when=self.when, interval=self.interval, backupCount=self.count)
            except (OSError, ValueError) as ex:
                raise OglerError(f"Cannot open log file {self.path!r}: {ex}") from ex
            handler.setFormatter(self.fileFormatter)
            self.baseFileHandler = _mark(handler)
            for logger in self._loggers.values():
                logger.addHandler(handler)
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
        """Removes the log file directory at .dirPath, and its temporary root if temp."""
        if self.dirPath and os.path.exists(self.dirPath):
            shutil.rmtree(self.dirPath)
        self._removeTempRoot()

    def _removeTempRoot(self) -> None:
        """Removes the temporary root directory, if any."""
        if self._tempRoot and os.path.exists(self._tempRoot):
            shutil.rmtree(self._tempRoot)
        self._tempRoot = None

    def _sysLogHandler(self) -> logging.Handler | None:
        """Returns the syslog handler, made on first call, or None when there is no local syslog."""
        if self.baseSysLogHandler is None:
            for address in SYSLOG_ADDRESSES:
                if os.path.exists(address):
                    try:
                        handler = loghandlers.SysLogHandler(address=address)
                    except OSError:
                        continue
                    handler.setFormatter(self.syslogFormatter)
                    self.baseSysLogHandler = _mark(handler)
                    break
        return self.baseSysLogHandler

    def resetLevel(self, name: str = __name__, level: int | None = None, globally: bool = False) -> None:
        """Resets the level of preexisting loggers to level.

        Parameters:
            name: name of the logger to reset
            level: new level, None means use .level
            globally: True means also reset every other logger that an Ogler configured
        """
        level = self.level if level is None else level
        logging.getLogger(name).setLevel(level)
        if globally:
            for logger in list(logging.Logger.manager.loggerDict.values()):
                if isinstance(logger, logging.Logger) and any(_ogled(h) for h in logger.handlers):
                    logger.setLevel(level)

    def getLogger(self, name: str = __name__, level: int | None = None) -> logging.Logger:
        """Returns a basic logger configured with this Ogler's handlers.

        Handlers an Ogler attached to this logger earlier are replaced, so
        repeated calls never duplicate output. The logger does not propagate to
        the root logger.

        Parameters:
            name: logger name, default is to name the logger after the module
            level: logging level, None means use .level
        """
        logger = logging.getLogger(name)
        logger.propagate = False
        logger.setLevel(self.level if level is None else level)
        for handler in list(logger.handlers):
            if _ogled(handler):
                logger.removeHandler(handler)
        if self.consoled:
            logger.addHandler(self.baseConsoleHandler)
        if self.syslogged and (handler := self._sysLogHandler()) is not None:
            logger.addHandler(handler)
        if self.filed and self.opened and self.baseFileHandler is not None:
            logger.addHandler(self.baseFileHandler)
        self._loggers[name] = logger
        return logger


def initOgler(level: int = logging.CRITICAL, **kwa) -> Ogler:
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
def openOgler(cls: type[Ogler] | None = None, name: str = "test", temp: bool = True, **kwa) -> Iterator[Ogler]:
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
