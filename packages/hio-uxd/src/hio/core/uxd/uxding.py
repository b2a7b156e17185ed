"""hio.core.uxd.uxding module

Nonblocking Unix domain datagram (UXD) transport. A Peer is a Filer whose
``.path`` is the socket file it binds: the Filer machinery picks the path
(persistent under a head directory, or temporary), makes the directories to
it with the Filer's permissions, and removes what it made when cleared.

Unix domain datagram sockets are reliable and keep order on one machine: a
datagram is either delivered whole or not sent at all. When the receiver's
queue is full, ``send`` sends nothing and returns 0; the datagrams queued in
``.txgs`` then wait, in order, for the next ``serviceTxGrams``, so a sender
that outruns its receiver backs off instead of dropping. A PeerDoer services
both directions every time it runs.

A datagram is never cut: ``send`` refuses one larger than MaxGramSize with a
GramSizeError and ``receive`` raises GramSizeError for a received datagram
that did not fit (only a foreign sender can make one). A uxd path longer than
a Unix domain socket address holds (MaxUxdPathSize) raises SizeError before
anything is made.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import sys
from collections.abc import Iterator
from typing import Any

from hio import help
from hio.base.filing import Filer, SizeError
from hio.core import coring
from hio.core.gramming import GramDoer, GramQueue, GramSizeError

__all__ = ["GramSizeError", "Peer", "PeerDoer", "openPeer"]

logger = help.ogler.getLogger()

EXHAUSTED = coring.EXHAUSTED
"""Error numbers of a socket that could not be made for lack of descriptors or memory."""


def _maxUxdPathSize() -> int:
    """Returns the most bytes in a Unix domain socket path on this platform, less the final NUL."""
    if sys.platform.startswith("linux"):
        return 107  # sun_path holds 108 bytes
    return 103  # BSD and macOS: sun_path holds 104 bytes


class Peer(GramQueue, Filer):
    """Nonblocking Unix domain datagram socket bound to the socket file at .path.

    Because Unix domain sockets are reliable there is no retry tymer: a
    datagram that finds no room is simply sent again later. For the same
    reason a full .rxgs (.maxRxgs datagrams) is not dropped from: nothing more
    is read until the application takes some, and meanwhile the datagrams
    wait in the socket and their senders find no room (see GramQueue).

    See filing.Filer for the inherited class attributes (HeadDirPath,
    TailDirPath, TempHeadDir, Perm, Fext, ...) and attributes (name, base,
    temp, headDirPath, path, perm, filed, mode, fext, file, opened).

    Class Attributes:
        Umask (int): default umask for the uxd file, octal 0o022
        MaxUxdPathSize (int): most bytes in a uxd file path on this platform
        BufSize (int): default size of the socket send and receive buffers
        MaxGramSize (int): most bytes in one datagram of this transport

    Attributes:
        umask (int): permission mask for the uxd file: it gets 0o777 & ~umask
        bc (int | None): count of transport buffers of MaxGramSize
        bs (int): size of the socket send and receive buffers; .bc * .MaxGramSize
            when .bc is given, otherwise the value given or .BufSize
        wl (WireLog | None): logs every rx and tx with the peer path when given
        extensioned (bool): True means .path ends with .fext even when not filed
        ls (socket.socket | None): local socket of this Peer when open
        opened (bool): True when the directories, the uxd file and the socket
            are made and open
        rxgs (deque): received (data, source path) duples, oldest first, at most .maxRxgs
        maxRxgs (int): most received datagrams that wait in .rxgs, default .MaxRxgs (256)
        dropped (int): always 0: a full .rxgs leaves datagrams in the socket (see above)
        txgs (deque): (data, destination path) duples waiting to be sent, in order
        undelivered (deque): (destination path, OSError) duples, one for each
            queued datagram that could not be delivered, at most .UndeliveredSize

    Properties:
        eha (str | None): the address senders send to, the uxd file path once
            open (as a TCP Server's or UDP Peer's .eha)
    """

    HeadDirPath = "/usr/local/var"
    TailDirPath = "hio/uxd"
    CleanTailDirPath = "hio/clean/uxd"
    AltHeadDirPath = "~"
    AltTailDirPath = ".hio/uxd"
    AltCleanTailDirPath = ".hio/clean/uxd"
    TempHeadDir = "/tmp"  # short, so that uxd paths fit MaxUxdPathSize
    TempPrefix = "hio_uxd_"
    TempSuffix = "_test"
    Fext = "uxd"
    Kind = "UXD"
    DropOldest = False  # reliable: a full .rxgs leaves datagrams in the socket, senders wait
    Umask = 0o022
    MaxUxdPathSize = _maxUxdPathSize()
    MaxGramSize = 65535
    BufSize = 4 * MaxGramSize

    def __init__(
        self,
        *,
        umask: int | None = None,
        bc: int | None = None,
        bs: int | None = None,
        wl: Any = None,
        reopen: bool = False,
        clear: bool = True,
        filed: bool = False,
        extensioned: bool = True,
        **kwa: Any,
    ):
        """Initializes the Peer and, when ``reopen``, makes its path and opens its socket.

        Parameters:
            umask: permission mask for the uxd file, default .Umask
            bc: count of MaxGramSize buffers; gives .bs = bc * MaxGramSize
            bs: socket buffer size when bc is not given, default .BufSize
            wl: WireLog instance to record rx and tx, if any
            reopen: True means make the path and open the socket now
            clear: True means remove the uxd file and the directories made
                when closing first on reopen
            filed: True means .path is a file path ending in .fext (a uxd path
                always names the socket file; see README)
            extensioned: True means .path ends with .fext also when not filed
            kwa: Filer parameters: name, base, temp, headDirPath, perm, clean, ...
        """
        self.umask = umask if umask is not None else self.Umask
        if bc is not None:
            bc = int(bc)
            if bc < 1:
                raise ValueError(f"Invalid buffer count bc={bc}: must be at least 1.")
            bs = bc * self.MaxGramSize
        self.bc = bc
        self.bs = int(bs) if bs is not None else self.BufSize
        self.wl = wl
        self._bound: tuple[int, int] | None = None  # (device, inode) of the uxd file this Peer bound
        self._rxbuf = bytearray(self.MaxGramSize)
        self._rxview = memoryview(self._rxbuf)
        clean = kwa.pop("clean", False)
        kwa.pop("reuse", None)  # a uxd file is never reused: each socket binds a fresh one
        super().__init__(reopen=False, filed=filed, extensioned=extensioned, **kwa)
        if reopen:
            self.reopen(clear=clear, clean=clean)

    # --- path ---------------------------------------------------------------

    def remake(self, **kwa: Any) -> tuple[str, None]:
        """Makes the directories to the uxd file path for these parts; returns (path, None).

        The path is <head>/<tail>/<base>/<name>[.<fext>]. Its directories are
        made with exactly ``perm``; the uxd file itself is made by binding the
        socket (see .open). A persistent head that cannot be used falls back
        to the alternate head, as for any Filer.

        Parameters:
            kwa: the parts, as for Filer.remake: name, base, temp, headDirPath,
                perm, clean (True also removes a stale uxd file), filed, fext;
                mode is unused: a uxd file is never opened as a file

        Returns:
            tuple: (path, None)

        Raises:
            FilerError: a name or base that is not one path component, or a
                path that would resolve outside its head directory
            SizeError: a path longer than .MaxUxdPathSize bytes
            (either way nothing is left made)
        """
        path, _ = super().remake(**kwa)
        return path, None

    def _leafIsDir(self, filed: bool) -> bool:
        """False: the last component of a uxd path is the uxd file."""
        return False

    def _openLeaf(self, path: str, filed: bool, mode: str, perm: int) -> None:
        """None: the uxd file is made by binding the socket (see .open), never opened as a file."""
        return None

    @property
    def eha(self) -> str | None:
        """The address other sockets send to this Peer at: its uxd file path (.path),
        None before the path is made (by open or reopen)."""
        return self.path

    def checkPathSize(self, path: str) -> str:
        """Returns ``path`` when it fits a Unix domain socket address, raising SizeError otherwise.

        Parameters:
            path: the uxd file path to check
        """
        size = len(os.fsencode(path))
        if size > self.MaxUxdPathSize:
            raise SizeError(
                f"UXD path {path!r} is {size} bytes, longer than the {self.MaxUxdPathSize} bytes "
                f"a Unix domain socket address holds (MaxUxdPathSize)."
            )
        return path

    def _checkPath(self, path: str) -> str:
        """Returns ``path`` when it fits a Unix domain socket address, raising SizeError otherwise."""
        return self.checkPathSize(path)

    @staticmethod
    def _remove(path: str) -> None:
        """Removes a stale uxd file at ``path``: a socket file, nothing else."""
        if _isSocket(path):
            os.remove(path)

    def _clearPath(self) -> None:
        """Removes the uxd file this Peer bound and the directories it made, when empty.

        Nothing else is removed: not a file someone else put at .path (nor a
        socket another Peer has bound there since), nor a directory that holds
        anything this Peer did not make.
        """
        if (
            self.ls is None
            and self.path
            and self._bound
            and _fileId(self.path) == self._bound
            and not _isLive(self.path)
        ):
            with contextlib.suppress(OSError):
                os.remove(self.path)
        self._bound = None
        for directory in reversed(self._made):
            _rmdirEmpty(directory)
        self._made = []
        if self._tempHead:
            _rmdirEmpty(self._tempHead)
            self._tempHead = None

    # --- socket -------------------------------------------------------------

    def open(self) -> bool:
        """Opens the socket in non blocking mode, bound to the uxd file at .path.

        Makes the path first when there is none yet. The uxd file gets the
        permissions 0o777 & ~.umask, whatever the process umask (which is
        restored at once). A stale uxd file at .path, one that no socket
        listens on, is replaced; a live one is not.

        Returns:
            bool: True when opened

        Raises:
            SizeError: .path is longer than .MaxUxdPathSize (no socket is made)
            OSError: (EADDRINUSE) another socket is bound at .path, or
                (EEXIST) something that is not a socket is at .path
        """
        self._closeSocket()
        if not self.path:
            self.path, self.file = self._remakeOwn()
        path = self.checkPathSize(self.path)
        if os.path.lexists(path):
            if not _isSocket(path):
                raise FileExistsError(errno.EEXIST, f"UXD path {path} exists and is not a socket")
            if _isLive(path):
                raise OSError(errno.EADDRINUSE, f"UXD path {path} is in use by another socket")
            os.remove(path)  # stale: left by a socket closed without clearing
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._sizeBuffers(ls, max(self.bs, 2 * self.MaxGramSize))  # room for the largest datagram, whatever bs
            ls.setblocking(False)
            oldUmask = os.umask(self.umask)
            try:
                ls.bind(path)
            finally:
                os.umask(oldUmask)
        except OSError as ex:
            self._failed(ls, ex)
            raise coring.placedError(ex, path) from ex
        self._bound = _fileId(path)
        return self._opened(ls)

    def reopen(self, clear: bool = True, **kwa: Any) -> bool:  # type: ignore[override]  # clear comes first, as published
        """Idempotently opens the socket, closing it first when open, making the path as needed.

        A temporary Peer gets a new temporary path each time it is reopened.

        Parameters:
            clear: True means remove the uxd file and the directories made when closing first
            kwa: replacements for temp, headDirPath, perm, mode, fext, umask;
                clean True means use the clean tail and replace a stale uxd file

        Returns:
            bool: True when opened
        """
        if self.opened or self.ls is not None:
            self.close(clear=clear or self.temp)
        elif self.temp and self._tempHead:  # left by a close without clear: a temp Peer moves on
            self._clearPath()
        for attr in ("headDirPath", "perm", "mode", "fext", "umask"):
            if kwa.get(attr) is not None:
                setattr(self, attr, kwa[attr])
        if kwa.get("temp") is not None:
            self.temp = bool(kwa["temp"])
        self.path, self.file = self._remakeOwn(clean=bool(kwa.get("clean", False)))
        try:
            return self.open()
        except BaseException:
            self._clearPath()
            raise

    def close(self, clear: bool = True) -> None:
        """Closes the socket and, when ``clear``, removes the uxd file and the directories made.

        Datagrams queued in .txgs stay queued.

        Parameters:
            clear: True means remove the uxd file and the directories this Peer
                made (when empty); False means leave them
        """
        self._closeSocket()
        super().close(clear=False)
        if clear:
            self._clearPath()

    def receive(self, **kwa: Any) -> tuple[bytes, str | None]:
        """Performs a non blocking receive of one datagram.

        Parameters:
            kwa: ignored, for callers of the published signature

        Returns:
            tuple: (data, src): the datagram and the uxd path of its source
                (None for a sender with no path); (b'', None) when nothing is
                waiting. Always a duple.

        Raises:
            GramSizeError: the datagram received was larger than .MaxGramSize;
                it is discarded, never returned cut
        """
        ls = self._socket()
        try:
            count, _, flags, src = ls.recvmsg_into([self._rxbuf])
        except (BlockingIOError, InterruptedError):
            return (b"", None)
        if isinstance(src, bytes):  # abstract or undecodable source address
            src = os.fsdecode(src) if src else None
        src = src or None
        if flags & getattr(socket, "MSG_TRUNC", 0):
            logger.error(
                "UXD Peer at %s: discarded a datagram from %s larger than %d bytes", self.path, src, self.MaxGramSize
            )
            raise GramSizeError(
                f"UXD datagram from {src} is larger than the {self.MaxGramSize} bytes of MaxGramSize; discarded."
            )
        data = bytes(self._rxview[:count])
        if self.wl:
            self.wl.writeRx(data, who=src or b"")
        return (data, src)

    def send(self, data: bytes, dst: str, **kwa: Any) -> int:
        """Performs a non blocking send of one datagram.

        Parameters:
            data: the whole datagram payload
            dst: uxd destination path
            kwa: ignored, for callers of the published signature

        Returns:
            int: bytes sent, len(data); 0 when the destination has no room now
                (nothing was sent: send it again later)

        Raises:
            GramSizeError: data is larger than .MaxGramSize; nothing is sent
            FileNotFoundError: nothing is at dst
            ConnectionRefusedError: no socket is bound at dst (its socket is gone)
            PermissionError: dst may not be written by this process
        """
        return self._sendGram(data, dst)

    def _where(self) -> str | None:
        """Returns where this Peer is, for messages: .path"""
        return self.path


def _isSocket(path: str) -> bool:
    """True when ``path`` is a socket file (not followed if a link)."""
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def _fileId(path: str) -> tuple[int, int] | None:
    """(device, inode) of the socket file at ``path``, None when there is none."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISSOCK(info.st_mode) else None


def _isLive(path: str) -> bool:
    """True when a socket is bound at the socket file ``path``."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:  # a socket file with no socket behind it
        return False
    except OSError:  # not ours to judge, such as another user's socket: treat as live
        return True
    finally:
        probe.close()
    return True


def _rmdirEmpty(path: str) -> None:
    """Removes the directory ``path`` only when it is empty; never raises."""
    with contextlib.suppress(OSError):
        os.rmdir(path)


@contextlib.contextmanager
def openPeer(
    cls: type[Peer] | None = None,
    name: str = "test",
    temp: bool = True,
    reopen: bool = True,
    clear: bool = True,
    filed: bool = False,
    extensioned: bool = True,
    **kwa: Any,
) -> Iterator[Peer]:
    """Wrapper to create and open UXD Peer instances; closes the Peer on exit of the with block.

    Usage:
        with openPeer() as peer0:
            peer0.receive()

        with openPeer(cls=PeerBig) as peer0:
            peer0.receive()

    Parameters:
        cls: Peer class or subclass to instantiate, default Peer
        name: unique path component of the Peer, so many Peers can each have their own path
        temp: True means open in a temporary directory and clear on close;
            False means open in the persistent directory and do not clear on close
        reopen: True means (re)open on creation
        clear: True means remove the uxd file and directories when closing on reopen
        filed: True means .path always ends with .fext
        extensioned: True means .path ends with .fext also when not filed
        kwa: other Peer and Filer parameters
    """
    peer = (cls or Peer)(name=name, temp=temp, reopen=reopen, clear=clear, filed=filed, extensioned=extensioned, **kwa)
    try:
        yield peer
    finally:
        peer.close(clear=peer.temp)


class PeerDoer(GramDoer):
    """Basic UXD Peer Doer: opens the Peer on enter, services it every run, closes it on exit.

    Each run receives every waiting datagram into peer.rxgs and sends the
    datagrams queued in peer.txgs until the destination has no room.
    Because Unix domain sockets are reliable there is no retry tymer.
    Override .recur in a subclass to also consume peer.rxgs. On exit the
    Peer's uxd file and the directories it made are removed. While the Peer
    cannot be opened for lack of descriptors or memory (EXHAUSTED) the doer
    is starved and backs off (see GramDoer); any other failure to open is
    raised.

    Attributes:
        peer (Peer): the UXD Peer it services
        starved (bool): True while the Peer cannot be opened for lack of resources
    """

    def _reopen(self) -> None:
        """Opens the Peer with the temp given to enter (None keeps peer.temp)."""
        self.peer.reopen(temp=self._temp)
