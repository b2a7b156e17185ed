"""hio.base.filing module

A Filer owns one directory, or one file in a directory, at a predictable path
built from a head directory, a tail, an optional base and a name::

    <head>/<tail>/<base>/<name>[.<fext>]

Persistent Filers use ``HeadDirPath`` (``/usr/local/var``) and fall back to
the alternate head under the user's home (``~/.hio``) when the head cannot be
written. Temporary Filers live under a fresh directory made in
``TempHeadDir`` and remove it on close. Names and bases are single path
components, so a Filer's path never leaves its head directory; directories
and files get exactly the Filer's permissions, whatever the process umask.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from ..help import helping
from ..help.helping import ocfn
from ..hioing import FilerError, Mixin, SizeError
from .doing import Doer

__all__ = ["Filer", "FilerDoer", "FilerError", "SizeError", "openFiler"]

logger = logging.getLogger(__name__)


def checkComponent(value: str, what: str, empty: bool = False) -> str:
    """Returns ``value`` when it is one safe path component, raising FilerError otherwise.

    Parameters:
        value: the candidate component
        what: what it is, for the error message
        empty: True allows the empty string (no component)
    """
    return helping.checkComponent(value, f"Filer {what}", error=FilerError, empty=empty)


def _within(path: str, head: str) -> bool:
    """True when ``path``, with links resolved, lies inside ``head``."""
    real, top = os.path.realpath(path), os.path.realpath(head)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _makeable(head: str, parts: list[str]) -> bool:
    """True when the directories ``head``/``parts`` exist or this process may make them.

    Answers, without making anything, whether a Filer could use ``head``:
    the head itself (or its nearest existing ancestor, when it is missing)
    must be a directory this process may write and search, each missing
    directory below it must have a writable parent, and each existing one
    with more below it must be a directory.
    """
    probe = head
    while not os.path.lexists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            return False
        probe = parent
    if not os.path.isdir(probe) or not os.access(probe, os.W_OK | os.X_OK):
        return False
    if probe != head:  # everything from head down would be made by this process
        return True
    current = head
    for index, part in enumerate(parts):
        below = os.path.join(current, part)
        if not os.path.lexists(below):
            return os.access(current, os.W_OK | os.X_OK)
        if index < len(parts) - 1 and not os.path.isdir(below):
            return False  # something below it would have to be made
        current = below
    return True


class Filer(Mixin):
    """Manages a directory, or a file in a directory, at a safe, predictable path.

    Attributes:
        name (str): unique path component used in the directory or file name;
            empty means none: the path is the base (or tail) directory itself,
            or, when filed, a file named only by its extension (``.text``)
        base (str): another path component inserted before name, may be empty
        temp (bool): True means a temporary directory, removed on close
        headDirPath (str): head directory asked for, default .HeadDirPath; a
            temporary path lives elsewhere and an unusable head falls back
            to .AltHeadDirPath, so .path tells where things really are
        perm (int): permissions of the directories and file made
        filed (bool): True means .path is a file, False a directory
        mode (str): file open mode when filed
        fext (str): file extension when filed
        extensioned (bool): True means .path ends with .fext also when not filed
        file (IO | None): the file when filed: open while .opened, closed after
            close(), None after close(clear=True) (its path is gone)
        path (str | None): full path of the directory or file
        opened (bool): True when the directory exists (and the file is open)
    """

    HeadDirPath = "/usr/local/var"  # default in /usr/local/var
    TailDirPath = "hio"
    CleanTailDirPath = "hio/clean"
    AltHeadDirPath = "~"  # put in ~ as fallback when desired not permitted
    AltTailDirPath = ".hio"
    AltCleanTailDirPath = ".hio/clean"
    TempHeadDir = "/tmp"
    TempPrefix = "hio_"
    TempSuffix = "_test"
    Perm = stat.S_ISVTX | stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR  # 0o1700
    Mode = "r+"
    Fext = "text"

    def __init__(
        self,
        name: str = "main",
        base: str = "",
        temp: bool = False,
        headDirPath: str | None = None,
        perm: int | None = None,
        reopen: bool = True,
        clear: bool = False,
        reuse: bool = False,
        clean: bool = False,
        filed: bool = False,
        mode: str | None = None,
        fext: str | None = None,
        extensioned: bool = False,
        **kwa: Any,
    ) -> None:
        """Initializes the Filer and, unless ``reopen`` is False, makes and opens its path.

        Parameters:
            name: unique path component for the directory or file name; may be
                empty (see .name)
            base: optional path component inserted before name
            temp: True means use a temporary directory, removed on close
            headDirPath: head directory, default .HeadDirPath
            perm: permissions for what it makes, default .Perm
            reopen: True means make and open the path now
            clear: True means remove the path on close
            reuse: True means reuse the existing path, if any
            clean: True means use the clean tail and start from an empty path
            filed: True means the path is a file
            mode: file open mode, default .Mode
            fext: file extension, default .Fext
            extensioned: True means the path ends with .fext also when not filed
            kwa: parameters of the base classes (see Bases), passed on
        """
        super().__init__(**kwa)
        self.name = checkComponent(name, "name", empty=True)
        self.base = checkComponent(base, "base", empty=True)
        self.temp = bool(temp)
        self.headDirPath = headDirPath if headDirPath is not None else self.HeadDirPath
        self.perm = perm if perm is not None else self.Perm
        self.filed = bool(filed)
        self.mode = mode if mode is not None else self.Mode
        self.fext = fext if fext is not None else self.Fext
        self.extensioned = bool(extensioned)
        self.file: IO | None = None
        self.path: str | None = None
        self.opened = False
        self._made: list[str] = []  # directories this Filer made, outermost first
        self._tempHead: str | None = None  # the temporary head directory this Filer made
        if reopen:
            self.reopen(clear=clear, reuse=reuse, clean=clean)

    def reopen(
        self,
        temp: bool | None = None,
        headDirPath: str | None = None,
        perm: int | None = None,
        clear: bool = False,
        reuse: bool = False,
        clean: bool = False,
        mode: str | None = None,
        fext: str | None = None,
        **kwa: Any,
    ) -> bool:
        """Opens if closed, closes and reopens if opened, making the path when needed.

        Parameters:
            temp: replaces .temp when given
            headDirPath: replaces .headDirPath when given
            perm: replaces .perm when given
            clear: True means remove the path when closing first
            reuse: True means keep the existing .path if it is still there
            clean: True means use the clean tail and start from an empty path
            mode: replaces .mode when given
            fext: replaces .fext when given
            kwa: ignored, for the parameters of subclasses' reopen

        Returns:
            bool: .opened
        """
        if self.opened:
            self.close(clear=clear)
        if temp is not None:
            self.temp = bool(temp)
        if headDirPath is not None:
            self.headDirPath = headDirPath
        if perm is not None:
            self.perm = perm
        if mode is not None:
            self.mode = mode
        if fext is not None:
            self.fext = fext
        if reuse and self.path and os.path.exists(self.path):
            if self.filed:
                self.file = ocfn(self.path, mode=self.mode, perm=self.perm)
        else:
            self.path, self.file = self._remakeOwn(clean=clean)
        self.opened = os.path.exists(self.path) and (not self.filed or (self.file is not None and not self.file.closed))
        return self.opened

    def remake(
        self,
        *,
        name: str = "",
        base: str = "",
        temp: bool | None = None,
        headDirPath: str | None = None,
        perm: int | None = None,
        clean: bool = False,
        filed: bool = False,
        mode: str | None = None,
        fext: str | None = None,
        extensioned: bool | None = None,
        **kwa: Any,
    ) -> tuple[str, IO | None]:
        """Makes the directory (and opens or creates the file) at the path for these parts.

        Parameters:
            name: unique path component
            base: optional path component before name
            temp: True means under a new temporary directory
            headDirPath: head directory, default .HeadDirPath
            perm: permissions for what it makes
            clean: True means use the clean tail and remove what was at the path
            filed: True means the path is a file
            mode: file open mode when filed
            fext: file extension when filed
            extensioned: True means the path ends with fext also when not
                filed; None means .extensioned
            kwa: ignored, for the parameters of subclasses' remake

        Returns:
            tuple: (path, file), file None unless filed

        Raises:
            FilerError: a name or base that is not one path component, or a
                path that would resolve outside its head directory
        """
        name = checkComponent(name or self.name, "name", empty=True)
        base = checkComponent(base, "base", empty=True)
        perm = self.perm if perm is None else perm
        mode = self.mode if mode is None else mode
        fext = self.fext if fext is None else fext
        leaf = self._leaf(name, fext, filed, self.extensioned if extensioned is None else extensioned)
        leafDir = self._leafIsDir(filed)
        if temp if temp is not None else self.temp:
            tempDir = self.TempHeadDir if os.path.isdir(self.TempHeadDir) else None
            if self._tempHead:  # one temporary directory at a time: the previous one is out of reach now
                shutil.rmtree(self._tempHead, ignore_errors=True)
                self._tempHead = None
            head = tempfile.mkdtemp(prefix=self.TempPrefix, suffix=self.TempSuffix, dir=tempDir)
            try:
                os.chmod(head, perm)
                tail = self.CleanTailDirPath if clean else self.TailDirPath
                path = self._make(head, tail, base, leaf, perm, clean, leafDir)
            except BaseException:  # nothing is left made
                shutil.rmtree(head, ignore_errors=True)
                raise
            self._tempHead = head
        else:
            (head, tail), (alt, altTail) = self._heads(headDirPath, clean)
            try:
                path = self._make(head, tail, base, leaf, perm, clean, leafDir)
            except OSError as ex:  # not permitted or not a directory: the alternate head
                logger.info("%s: %s not usable (%s), falling back to %s", type(self).__name__, head, ex, alt)
                path = self._make(alt, altTail, base, leaf, perm, clean, leafDir)
        return path, self._openLeaf(path, filed, mode, perm)

    def _remakeOwn(self, clean: bool = False) -> tuple[str, IO | None]:
        """Remakes the path from this Filer's own parts (.name, .base, .temp, ...); see .remake."""
        return self.remake(
            name=self.name,
            base=self.base,
            temp=self.temp,
            headDirPath=self.headDirPath,
            perm=self.perm,
            clean=clean,
            filed=self.filed,
            mode=self.mode,
            fext=self.fext,
        )

    def _leafIsDir(self, filed: bool) -> bool:
        """True when the last component of the path is a directory this Filer makes: unless filed."""
        return not filed

    def _openLeaf(self, path: str, filed: bool, mode: str, perm: int) -> IO | None:
        """Opens, creating it when missing, the file at ``path`` with exactly ``perm`` when filed; None otherwise."""
        if not filed:
            return None
        file = ocfn(path, mode=mode, perm=perm)
        os.chmod(path, perm)
        return file

    @staticmethod
    def _leaf(name: str, fext: str, filed: bool, extensioned: bool) -> str:
        """Returns the last path component: ``name``, with ``.fext`` when filed or extensioned.

        A filed name always gets the extension; an extensioned directory name
        gets it unless it already ends with it.
        """
        if not fext or not (filed or extensioned):
            return name
        if not filed and name.endswith(f".{fext}"):
            return name
        return f"{name}.{fext}"

    def _heads(self, headDirPath: str | None, clean: bool) -> tuple[tuple[str, str], tuple[str, str]]:
        """Returns ((head, tail), (alternate head, alternate tail)) of a persistent path.

        Parameters:
            headDirPath: head directory, None or empty means .HeadDirPath
            clean: True means the clean tails
        """
        head = os.path.abspath(os.path.expanduser(headDirPath or self.HeadDirPath))
        alt = os.path.abspath(os.path.expanduser(self.AltHeadDirPath))
        if clean:
            return (head, self.CleanTailDirPath), (alt, self.AltCleanTailDirPath)
        return (head, self.TailDirPath), (alt, self.AltTailDirPath)

    def exists(
        self,
        name: str = "",
        base: str = "",
        headDirPath: str | None = None,
        clean: bool = False,
        filed: bool = False,
        extensioned: bool = False,
        fext: str | None = None,
    ) -> bool:
        """Tells whether the persistent directory or file a Filer with these parts would use exists.

        Makes nothing. The path is the one .reopen would use: under
        ``headDirPath`` when this process may use that head, otherwise under
        the alternate head (``~/.hio/...``). Temporary paths are always made
        fresh, so they are not asked about here.

        Parameters:
            name: unique path component, default .name
            base: optional path component before name
            headDirPath: head directory, None means .headDirPath (the one this
                Filer was given, else .HeadDirPath)
            clean: True means the clean tail
            filed: True means the path is a file ending in .fext
            extensioned: True means a directory path ending in .fext
            fext: file extension, default .fext

        Returns:
            bool: True when something is at that path

        Raises:
            FilerError: a name or base that is not one path component, or a
                path that would resolve outside its head directory
        """
        name = checkComponent(name or self.name, "name", empty=True)
        base = checkComponent(base, "base", empty=True)
        leaf = self._leaf(name, self.fext if fext is None else fext, filed, extensioned)
        headDirPath = headDirPath if headDirPath is not None else self.headDirPath
        for head, tail in self._heads(headDirPath, clean):
            parts = [p for p in tail.split("/") if p] + ([base] if base else [])
            if _makeable(head, parts if filed or not leaf else [*parts, leaf]):
                break
        path = os.path.join(head, *parts, *([leaf] if leaf else []))
        if not _within(path, head):
            raise FilerError(f"Filer path {path} resolves outside its head directory {head}")
        return os.path.exists(path)

    def _make(self, head: str, tail: str, base: str, leaf: str, perm: int, clean: bool, leafDir: bool) -> str:
        """Makes every missing directory from head to the path with ``perm``; returns the path.

        The path itself is made too when ``leafDir``. A failure leaves
        nothing made.
        """
        parts = [p for p in tail.split("/") if p] + ([base] if base else [])
        if not leaf:  # no name: the path is the base (or tail) directory itself, shared with others
            path = self._checkPath(os.path.join(head, *parts))
            leafDir, clean = False, False  # made like the directories above it; never emptied by clean
        else:
            path = self._checkPath(os.path.join(head, *parts, leaf))
        if leafDir:
            parts.append(leaf)
        os.makedirs(head, exist_ok=True)
        if not os.access(head, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, f"head directory {head} is not writable")
        if not _within(path, head):  # checked before making anything: nothing is made outside
            raise FilerError(f"{type(self).__name__} path {path} resolves outside its head directory {head}")
        made, current = [], head
        try:
            for part in parts:
                current = os.path.join(current, part)
                if not os.path.lexists(current):
                    os.mkdir(current, perm)
                    os.chmod(current, perm)  # exactly perm, whatever the umask
                    made.append(current)
            if clean and os.path.lexists(path):
                self._remove(path)
                if leafDir:
                    os.mkdir(path, perm)
                    os.chmod(path, perm)
        except BaseException:
            for directory in reversed(made):
                with contextlib.suppress(OSError):
                    os.rmdir(directory)  # only when empty
            raise
        self._made = made + [d for d in self._made if d not in made]
        return path

    def _checkPath(self, path: str) -> str:
        """Returns ``path`` when this Filer can use it; a subclass with limits raises otherwise."""
        return path

    @staticmethod
    def _remove(path: str) -> None:
        """Removes the file or directory tree at ``path``."""
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)

    def close(self, clear: bool = False) -> None:
        """Closes .file if any and, when ``clear``, removes what this Filer made.

        Without clear, .file stays the closed file and .path stays in place.
        With clear, .file becomes None since what it named is removed; .path
        still names where it was.

        Parameters:
            clear: True means remove the directory or file at .path
        """
        if self.file is not None and not self.file.closed:
            self.file.close()
        self.opened = False
        if clear:
            self._clearPath()
            self.file = None

    def _clearPath(self) -> None:
        """Removes the directory or file at .path, then the directories this Filer made, if empty.

        A nameless directory path is a directory others may share: it goes
        only as one this Filer made, and only when empty.
        """
        if self.path and (self.name or self.filed):
            self._remove(self.path)
        for made in reversed(self._made):
            with contextlib.suppress(OSError):
                os.rmdir(made)  # only when empty: never what others put there
        self._made = []
        if self._tempHead:
            shutil.rmtree(self._tempHead, ignore_errors=True)
            self._tempHead = None


class FilerDoer(Doer):
    """Doer that opens a Filer on enter and closes it on exit (clearing a temporary one).

    Attributes:
        filer (Filer): the Filer it manages
    """

    def __init__(self, filer: Filer, **kwa: Any) -> None:
        """Initializes with the Filer to manage.

        Parameters:
            filer: the Filer
            kwa: parameters of the base classes (see Bases), passed on
        """
        super().__init__(**kwa)
        self.filer = filer

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the Filer if it is not open.

        Parameters:
            temp: True means open the Filer in a temporary directory, None keeps its .temp
        """
        if not self.filer.opened:
            self.filer.reopen(temp=temp)

    def exit(self) -> None:
        """Closes the Filer, clearing it when temporary."""
        self.filer.close(clear=self.filer.temp)


@contextlib.contextmanager
def openFiler(
    cls: type[Filer] | None = None,
    name: str = "test",
    temp: bool = True,
    reopen: bool = True,
    clear: bool = False,
    **kwa: Any,
) -> Iterator[Filer]:
    """Context manager for a Filer, temporary by default; closes it (clearing when temp or clear) on exit.

    Usage:
        with openFiler(name="bob") as filer:
            ...

    Parameters:
        cls: the Filer class or subclass
        name: the Filer's name
        temp: True means a temporary directory
        reopen: True means open on creation
        clear: True means remove the path on close
        kwa: more parameters of cls (see Filer)
    """
    filer = (cls or Filer)(name=name, temp=temp, reopen=reopen, clear=clear, **kwa)
    try:
        yield filer
    finally:
        filer.close(clear=filer.temp or clear)
