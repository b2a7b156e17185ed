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
"""

from __future__ import annotations

import selectors
import threading
import time
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


class Waker:
    """A set of watched file descriptors, and a wait that returns early when one is readable.

    Attributes:
        selector (selectors.BaseSelector): the operating system's readiness selector
    """

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self._lock = threading.Lock()

    @property
    def watching(self) -> int:
        """How many descriptors are watched."""
        return len(self.selector.get_map())

    def watch(self, fileobj: Any) -> None:
        """Watches ``fileobj`` (a socket, file or descriptor) for readability.

        A descriptor number reused after an unwatched close simply replaces
        the stale entry. Closed objects are ignored.
        """
        fd = _fd(fileobj)
        if fd < 0:
            return
        with self._lock:
            try:
                self.selector.register(fd, selectors.EVENT_READ)
            except KeyError:  # stale entry for a reused descriptor number
                self.selector.unregister(fd)
                self.selector.register(fd, selectors.EVENT_READ)
            except (OSError, ValueError):  # not selectable (a regular file): nothing to wait for
                pass

    def unwatch(self, fileobj: Any) -> None:
        """Stops watching ``fileobj``; harmless when it was not watched."""
        fd = _fd(fileobj)
        if fd < 0:
            return
        with self._lock:
            try:
                self.selector.unregister(fd)
            except (KeyError, ValueError, OSError):
                pass

    def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds; returns True when a watched descriptor became readable first.

        With nothing watched this is a plain sleep.
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
