"""hio.base.waking module

Readiness: which descriptors have something to read (or room to write), in
one module. Everything in hio that asks the operating system about readiness
goes through it:

- ``Poller``, a readiness poller over many descriptors (epoll where there is
  one, else poll, else select), each registered for reading, writing or
  both; ``poll(0)`` tells which are ready now, ``wait(timeout)`` waits. A
  TCP Server keeps one over its listen socket, its connections and its
  pending TLS handshakes, and asks it once a pass.
- ``pollOne``, the same question about one socket, as cheaply as the
  platform allows (a Client's receive, an Acceptor's accept).
- ``Waker``, what lets a real-time Doist sleep without losing latency.
  Between tock boundaries such a Doist has nothing due, so it sleeps; but a
  socket that becomes readable should be serviced now, not at the next
  boundary. A real-time Doist waits on its waker instead of sleeping blindly:
  it wakes at the boundary, or as soon as a watched descriptor is readable,
  whichever comes first, and then runs an extra cycle at the same tyme (see
  Doist.wait). Artificial-tyme Doists never wait, so the waker costs them
  nothing.

Each Doist owns its Waker (``Doist.waker``): there is no process-wide one.
Transports mix in ``Watcher``: they watch the descriptors they read from
when they open and unwatch them when they close, on the waker of the Doist
that runs them. They reach it through that Doist: ``Doist.tymen()`` makes
tymths that carry the Doist's waker (``wakerOf(tymth)``), a transport wound
with such a tymth takes it up, and a ServiceDoer hands it to its servant; an
application may also assign ``transport.waker`` itself. A transport with no
waker yet remembers what it watches and watches it once it gets one.

A real-time Doist run by ``Doist.ado()`` inside an asyncio event loop waits on
that loop instead: while it runs, its waker is *attached* to the loop, which
then watches every watched descriptor too (``loop.add_reader``), including
those watched or unwatched while it runs, and wakes the Doist when one is
readable. The poller path of a plain ``Doist.do()`` is unchanged.
"""

from __future__ import annotations

import select
import selectors
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["READABLE", "WRITABLE", "Poller", "Waker", "Watcher", "pollOne", "wakerOf"]

READABLE = getattr(select, "POLLIN", 1)
"""Event bit: something to read, an end or an error (the same bit for epoll and poll)."""

WRITABLE = getattr(select, "POLLOUT", 4)
"""Event bit: room to write (the same bit for epoll and poll)."""


def _fd(fileobj: Any) -> int:
    """The file descriptor of ``fileobj`` (an int or anything with fileno()), -1 when closed."""
    if isinstance(fileobj, int):
        return fileobj
    try:
        return fileobj.fileno()
    except (OSError, ValueError):
        return -1


class _Selected:
    """A poll-shaped readiness poller on the selectors module, for a platform without epoll or poll."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    @staticmethod
    def _mask(events: int) -> int:
        return (selectors.EVENT_READ if events & READABLE else 0) | (selectors.EVENT_WRITE if events & WRITABLE else 0)

    def register(self, fd: int, events: int) -> None:
        try:
            self._selector.register(fd, self._mask(events))
        except KeyError:
            self._selector.modify(fd, self._mask(events))

    def unregister(self, fd: int) -> None:
        self._selector.unregister(fd)

    def poll(self, timeout: float | None = None) -> list[tuple[int, int]]:
        """Ready (fd, events) duples; timeout in milliseconds, as select.poll takes it."""
        seconds = None if timeout is None or timeout < 0 else timeout / 1000.0
        found = []
        for key, mask in self._selector.select(seconds):
            found.append(
                (
                    key.fd,
                    (READABLE if mask & selectors.EVENT_READ else 0)
                    | (WRITABLE if mask & selectors.EVENT_WRITE else 0),
                )
            )
        return found

    def close(self) -> None:
        self._selector.close()


class Poller:
    """A readiness poller over many descriptors: epoll where the platform has it, else poll, else select.

    Each descriptor is registered for READABLE, WRITABLE or both. ``poll``
    is the platform poller's own, the fast path for a look without waiting:
    ``poll(0)`` returns the (fd, events) duples of the descriptors ready now
    (give it no other timeout: epoll counts in seconds, poll in milliseconds).
    ``wait(timeout)`` waits up to ``timeout`` seconds for one. Level-triggered:
    a descriptor stays ready until what it has is taken.

    Attributes:
        events (dict[int, int]): the events each registered descriptor is registered for
        poll (Callable): poll(0) -> list of (fd, events) duples ready now
    """

    def __init__(self) -> None:
        self._millis = not hasattr(select, "epoll")  # poll (and the fallback) take milliseconds, epoll seconds
        self._impl: Any
        if hasattr(select, "epoll"):
            self._impl = select.epoll()
        elif hasattr(select, "poll"):
            self._impl = select.poll()
        else:
            self._impl = _Selected()
        self.events: dict[int, int] = {}
        self.poll: Callable[..., list[tuple[int, int]]] = self._impl.poll

    def __len__(self) -> int:
        return len(self.events)

    def __contains__(self, fd: object) -> bool:
        return fd in self.events

    def register(self, fd: int, events: int = READABLE) -> None:
        """Registers ``fd`` for ``events``, or changes the events it is registered for.

        A number registered before whose descriptor was closed meanwhile is
        simply registered anew. Raises OSError for a descriptor that cannot
        be polled (a regular file, with epoll) or is closed.

        Parameters:
            fd: the descriptor number
            events: READABLE, WRITABLE or both (or-ed), as select.poll takes them
        """
        impl = self._impl
        try:
            impl.register(fd, events)
        except FileExistsError:  # epoll: registered already
            impl.modify(fd, events)
        self.events[fd] = events

    def unregister(self, fd: int) -> None:
        """Unregisters ``fd``; harmless when it is not registered or already closed.

        Parameters:
            fd: the descriptor number
        """
        self.events.pop(fd, None)
        try:
            self._impl.unregister(fd)
        except (OSError, KeyError, ValueError):
            pass

    def wait(self, timeout: float) -> list[tuple[int, int]]:
        """Waits up to ``timeout`` seconds for a registered descriptor to be ready; returns the ready ones.

        Parameters:
            timeout: most seconds to wait
        """
        return self._impl.poll(timeout * 1000.0 if self._millis else timeout)

    def close(self) -> None:
        """Closes the poller (epoll holds a descriptor); nothing is registered any more."""
        self.events.clear()
        close = getattr(self._impl, "close", None)
        if close is not None:
            close()


def pollOne(fileobj: Any, events: int = READABLE) -> Any:
    """Returns a poller over ``fileobj`` alone, whose ``poll(0)`` tells cheaply whether it is ready now.

    A ``select.poll`` (no descriptor of its own), None on a platform without
    poll: then just try the operation.

    Parameters:
        fileobj: a socket, file or descriptor number
        events: READABLE, WRITABLE or both (or-ed)
    """
    if not hasattr(select, "poll"):
        return None
    one = select.poll()
    one.register(_fd(fileobj), events)
    return one


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

    Each Doist owns one (``Doist.waker``); its Poller is made when the first
    descriptor is watched, and released at the end of a run that leaves
    nothing watched (see release), so a waker with nothing to watch holds no
    descriptor. Where there is no descriptor left to make it, watching does
    nothing and a real-time Doist sleeps to its tock boundaries.

    A wait keeps what it found readable in ``.ready`` for the one cycle that
    follows it, so that a transport serviced in that cycle can take its
    readable descriptors from there instead of polling them again; the
    Doist sets ``.ready`` back to None after every cycle, and None means not
    known: poll.

    Attributes:
        ready (list[tuple[int, int]] | None): (fd, events) duples the last
            wait found readable, while the cycle after it runs; else None
    """

    def __init__(self) -> None:
        self._poller: Poller | None = None
        self._lock = threading.Lock()
        # (fd, events) duples of the watched descriptors the last wait found readable, for the one
        # cycle that follows it (the Doist sets it back to None after each cycle); None when that is not known
        self.ready: list[tuple[int, int]] | None = None
        self._loops: dict[Any, _Looped] = {}  # asyncio event loops attached by Doist.ado()

    @property
    def poller(self) -> Poller:
        """The readiness poller of the watched descriptors."""
        if self._poller is None:
            self._poller = Poller()
        return self._poller

    @property
    def watching(self) -> int:
        """How many descriptors are watched."""
        return len(self._poller) if self._poller is not None else 0

    def __contains__(self, fileobj: object) -> bool:
        """True when ``fileobj`` (a socket, file or descriptor) is watched."""
        return self._poller is not None and _fd(fileobj) in self._poller

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
            try:
                poller = self.poller
            except OSError:  # no descriptor left for the poller: the Doist sleeps to its boundaries meanwhile
                return
            stale = fd in poller  # registered before: a closed descriptor's number reused
            try:
                poller.register(fd, READABLE)
            except (OSError, ValueError):  # not pollable (a regular file): nothing to wait for
                poller.unregister(fd)
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
            if self._poller is None or fd not in self._poller:
                return
            self._poller.unregister(fd)
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
                for fd in list(self._poller.events if self._poller is not None else ()):
                    looped.add(fd)
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
                for fd in list(self._poller.events if self._poller is not None else ()):
                    looped.remove(fd)

    def release(self) -> None:
        """Closes the poller when nothing is watched, so that an idle waker holds no descriptor.

        A Doist calls it when it exits; a later watch makes a new poller.
        """
        with self._lock:
            poller = self._poller
            if poller is not None and not poller.events:
                self._poller = None
                poller.close()

    def wait(self, timeout: float) -> bool:
        """Waits up to ``timeout`` seconds; returns True when a watched descriptor became readable first.

        With nothing watched this is a plain sleep. What the wait found
        readable is kept in .ready for the cycle that follows it (see there).

        Parameters:
            timeout: most seconds to wait
        """
        self.ready = None
        if timeout <= 0.0:
            return False
        poller = self._poller
        if poller is None or not poller.events:
            time.sleep(timeout)
            return False
        try:
            self.ready = ready = poller.wait(timeout)
        except OSError:  # a descriptor closed while waited on: treat as a wake-up
            return True
        return bool(ready)


def wakerOf(tymth: Any) -> Waker | None:
    """The waker that ``tymth`` carries: that of the Doist whose tymen() made it, None for any other.

    Parameters:
        tymth: a tyme closure, as a Doist's tymen() makes
    """
    return getattr(tymth, "waker", None)


class Watcher:
    """Mixin for a transport: watches the descriptors it reads from on the waker of the Doist that runs it.

    The transport calls ``_watch`` on a descriptor when it opens it and
    ``_unwatch`` before it closes it. They are watched on ``.waker``; until
    the transport has one they are only remembered, and assigning ``.waker``
    moves every one of them to the new waker (and gives it to the transport's
    followers, such as a server's connections). A ServiceDoer gives its
    servant the waker of the Doist that runs it; a transport that is wound
    (a Tymee) takes the waker its tymth carries (see wakerOf); an application
    may assign one itself.
    """

    _waker: Waker | None = None
    _watches: list[int] | None = None  # descriptor numbers watched, on .waker once it has one

    @property
    def waker(self) -> Waker | None:
        """The Waker its descriptors are watched on, None while it has none."""
        return self._waker

    @waker.setter
    def waker(self, waker: Waker | None) -> None:
        old = self._waker
        if waker is not old:
            self._waker = waker
            for fd in self._watches or ():
                if old is not None:
                    old.unwatch(fd)
                if waker is not None:
                    waker.watch(fd)
        for follower in self._followers():
            if follower.waker is not waker:
                follower.waker = waker

    def _followers(self) -> Iterable[Watcher]:
        """The watchers that keep this one's waker (a server's connections); none by default."""
        return ()

    def _wakeWith(self, tymth: Any) -> None:
        """Takes up the waker that ``tymth`` carries, if any (see wakerOf)."""
        waker = wakerOf(tymth)
        if waker is not None and waker is not self._waker:
            self.waker = waker

    def _watch(self, fileobj: Any) -> None:
        """Watches ``fileobj`` on .waker (once it has one), so that a real-time Doist wakes when it is readable."""
        fd = _fd(fileobj)
        if fd < 0:
            return
        watches = self._watches
        if watches is None:
            self._watches = watches = []
        if fd not in watches:
            watches.append(fd)
        if self._waker is not None:
            self._waker.watch(fd)

    def _unwatch(self, fileobj: Any) -> None:
        """Stops watching ``fileobj``; call it before closing it. Harmless when not watched."""
        fd = _fd(fileobj)
        if fd < 0:
            return
        watches = self._watches
        if watches and fd in watches:
            watches.remove(fd)
        if self._waker is not None:
            self._waker.unwatch(fd)
