"""hio.base.waking module

What lets a real-time Doist sleep without losing latency. Between tock
boundaries a real-time Doist has nothing due, so it sleeps; but a socket that
becomes readable should be serviced now, not at the next boundary. Transports
therefore ``watch`` the file descriptors they read from on the process-wide
``waker`` when they open and ``unwatch`` them when they close. A real-time
Doist waits on the waker instead of sleeping blindly: it wakes at the
boundary, or as soon as a watched descriptor is readable, whichever comes
first, and then runs an extra cycle at the same tyme (see Doist.wait).

Artificial-tyme Doists never wait, so the waker costs them nothing.

A real-time Doist run by ``Doist.ado()`` inside an asyncio event loop waits on
that loop instead: while it runs, the waker is *attached* to the loop, which
then watches every watched descriptor too (``loop.add_reader``), including
those watched or unwatched while it runs, and wakes the Doist when one is
readable. The selector path of a plain ``Doist.do()`` is unchanged.
"""

from __future__ import annotations

import selectors
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Waker", "waker"]


def _fd(fileobj: Any) -> int:
    """The file descriptor of ``fileobj`` (an int or anything with fileno()), -1 when closed."""
    if isinstance(fileobj, int):
        return fileobj
    try:
        return fileobj.fileno()
    except (OSError, ValueError):
        return -1


class _Looped:
    """An asyncio event loop attached to the waker: it watches the waker's descriptors too.

    Attributes:
        loop (asyncio.AbstractEventLoop): the event loop
        thread (int): identity of the thread the loop runs in
        wakes (list[Callable[[], None]]): what to call when a watched descriptor is readable,
            one for each Doist that runs on the loop
    """

    __slots__ = ("loop", "thread", "wakes")

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.thread = threading.get_ident()
        self.wakes: list[Callable[[], None]] = []

    def ready(self) -> None:
        """The loop's reader callback: a watched descriptor is readable."""
        for wake in self.wakes:
            wake()

    def add(self, fd: int, stale: bool = False) -> None:
        """Makes the loop watch ``fd`` (replacing a stale entry of a reused descriptor number)."""
        self._call(self._add, fd, stale)

    def remove(self, fd: int) -> None:
        """Makes the loop stop watching ``fd``."""
        self._call(self._remove, fd)

    def _add(self, fd: int, stale: bool) -> None:
        try:
            if stale:  # the loop's entry is for a closed descriptor of the same number: it must go first
                self.loop.remove_reader(fd)
            self.loop.add_reader(fd, self.ready)
        except (OSError, ValueError, RuntimeError):  # closed meanwhile, or owned by an asyncio transport
            pass

    def _remove(self, fd: int) -> None:
        try:
            self.loop.remove_reader(fd)
        except (OSError, ValueError, RuntimeError):
            pass

    def _call(self, act: Callable, *args: Any) -> None:
        """Runs ``act`` on the loop: at once in the loop's own thread, else soon, thread-safely."""
        if self.loop.is_closed():
            return
        if threading.get_ident() == self.thread:
            act(*args)
        else:
            try:
                self.loop.call_soon_threadsafe(act, *args)
            except RuntimeError:  # closed meanwhile
                pass


class Waker:
    """A set of watched file descriptors, and a wait that returns early when one is readable.

    Attributes:
        selector (selectors.BaseSelector): the operating system's readiness selector
    """

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._loops: dict[Any, _Looped] = {}  # asyncio event loops attached by Doist.ado()

    @property
    def watching(self) -> int:
        """How many descriptors are watched."""
        return len(self.selector.get_map())

    def watch(self, fileobj: Any) -> None:
        """Watches ``fileobj`` (a socket, file or descriptor) for readability.

        A descriptor number reused after an unwatched close simply replaces
        the stale entry. Closed objects are ignored.

        Parameters:
            fileobj: a socket, file or descriptor number to watch
        """
        fd = _fd(fileobj)
        if fd < 0:
            return
        with self._lock:
            stale = False
            try:
                self.selector.register(fd, selectors.EVENT_READ)
            except KeyError:  # stale entry for a reused descriptor number
                stale = True
                self.selector.unregister(fd)
                self.selector.register(fd, selectors.EVENT_READ)
            except (OSError, ValueError):  # not selectable (a regular file): nothing to wait for
                return
            for looped in self._loops.values():
                looped.add(fd, stale)

    def unwatch(self, fileobj: Any) -> None:
        """Stops watching ``fileobj``; harmless when it was not watched.

        Parameters:
            fileobj: the socket, file or descriptor number watched
        """
        fd = _fd(fileobj)
        if fd < 0:
            return
        with self._lock:
            try:
                self.selector.unregister(fd)
            except (KeyError, ValueError, OSError):
                return
            for looped in self._loops.values():
                looped.remove(fd)

    def attach(self, loop: Any, wake: Callable[[], None]) -> None:
        """Makes asyncio event ``loop`` watch every watched descriptor too, and call ``wake`` when one is readable.

        Descriptors watched or unwatched while attached are added to or
        removed from the loop as well. Several Doists may attach to one loop,
        each with its own ``wake``. Call it from the loop's own thread.

        Parameters:
            loop (asyncio.AbstractEventLoop): the running event loop
            wake: called (in the loop's thread) each time the loop finds a
                watched descriptor readable
        """
        with self._lock:
            looped = self._loops.get(loop)
            if looped is None:
                for other in [other for other in self._loops if other.is_closed()]:
                    del self._loops[other]  # a loop closed while attached holds nothing any more
                looped = self._loops[loop] = _Looped(loop)
                for key in self.selector.get_map().values():
                    looped.add(key.fd)
            looped.wakes.append(wake)

    def detach(self, loop: Any, wake: Callable[[], None]) -> None:
        """Undoes one attach: the last detach of a loop removes every descriptor from it.

        Parameters:
            loop (asyncio.AbstractEventLoop): the event loop given to attach
            wake: the wake given to attach
        """
        with self._lock:
            looped = self._loops.get(loop)
            if looped is None:
                return
            try:
                looped.wakes.remove(wake)
            except ValueError:
                pass
            if not looped.wakes:
                del self._loops[loop]
                for key in self.selector.get_map().values():
                    looped.remove(key.fd)

    def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds; returns True when a watched descriptor became readable first.

        With nothing watched this is a plain sleep.

        Parameters:
            timeout: most seconds to wait
        """
        if timeout <= 0.0:
            return False
        if not self.selector.get_map():
            time.sleep(timeout)
            return False
        try:
            return bool(self.selector.select(timeout))
        except OSError:  # a descriptor closed while waited on: treat as a wake-up
            return True


waker = Waker()
"""The process-wide Waker that transports watch their descriptors on."""
