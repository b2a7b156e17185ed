"""hio.base.doing module

The hierarchical scheduler. A Doist, at the root, runs a deque of deeds, one
per doer; a DoDoer is a doer that runs deeds of its own, so schedulers nest
into a tree; a Doer, or a doified generator function, is a leaf. Each doer's
life passes through contexts in one of four orders::

    enter, recur, clean, exit    (completed)
    enter, recur, close, exit    (forced: closed by its scheduler)
    enter, recur, abort, exit    (an unexpected exception)
    enter, abort, exit           (an exception while entering)

Scheduling is deterministic: each cycle runs every due deed once, in the
order the doers were entered, at the tyme of the root Doist; the same doers,
tocks and start tyme always give the same sequence of contexts and tymes.
Exits go from the right of the deque, at every level of nesting: in reverse
order of enters, except that a doer added by ``extend`` in the middle of a
cycle sits just before the doer then running, and an error in the middle of a
cycle leaves the deeds already run that cycle at the right, to exit first.

A deed is a triple ``(dog, retyme, doer)``: ``dog`` is the generator that
calling ``doer`` made, ``retyme`` the tyme at or after which it runs next.
"""

from __future__ import annotations

import functools
import inspect
import operator
import types
from collections import deque, namedtuple
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import repeat
from typing import Any, TypeAlias, TypeVar

from ..help.timing import MonoTimer
from .basing import State
from .tyming import Tymee, Tymist, checkTock
from .waking import Waker

__all__ = [
    "Deed",
    "DoDoer",
    "Doer",
    "Doist",
    "ExDoer",
    "ReDoer",
    "TryDoer",
    "bareDo",
    "doify",
    "doifyExDo",
    "doize",
    "doizeExDo",
    "tryDo",
]

Deed = namedtuple("Deed", "dog retyme doer")
Deed.__doc__ = """The fields of a deed. Deeds are kept as plain ``(dog, retyme, doer)`` tuples
for speed; ``Deed(*deed)`` gives named access to one.

Fields:
    dog: the doer's running generator
    retyme: the tyme at which the dog runs next
    doer: the doer (a Doer or a doified generator function) that made the dog
"""

Deeds: TypeAlias = deque[tuple[Generator[Any, Any, Any], float, Any]]
"""A deque of deeds, triples ``(dog, retyme, doer)``: a doer is a Doer or a doified function."""


_IDLE: Iterator[Any] = iter(())
"""What a scheduler's ._progress is between cycles: nothing left to run."""


def _setDone(doer: Any, done: Any) -> None:
    """Sets ``doer.done``; a bound method keeps its attributes on its function."""
    try:
        doer.done = done
    except AttributeError:
        doer.__func__.done = done


class _Scheduler:
    """What the Doist and the DoDoer share: running a deque of deeds.

    Doers may extend or remove doers while a cycle is running. The deeds of
    an extension join the deque at once, behind the deeds already run this
    cycle: from the next cycle on they run just before the doer that was
    running when they were added (in a nested tree, the ancestor of the
    extender that this scheduler runs), and exits, which go from the right
    of the deque, close them just after it. Removals are closed at once and
    dropped at the end of the cycle.
    """

    _doers: list[Any]
    _deeds: Deeds
    _progress: Iterator[Any]
    _dropped: set[int]
    _opened: bool

    @property
    def doers(self) -> list[Any]:
        """The doers this scheduler runs."""
        return self._doers

    @doers.setter
    def doers(self, doers: Iterable[Any]) -> None:
        self._doers = list(doers)

    @property  # plain accessors, like Tymist's tyme and DoDoer's always: alike in shape, not one mechanism
    def deeds(self) -> Deeds:
        """The deque of deeds, triples (dog, retyme, doer)."""
        return self._deeds

    @deeds.setter
    def deeds(self, deeds: Deeds) -> None:
        self._deeds = deeds

    def _initDeeds(self) -> None:
        self._deeds = deque()
        self._progress = _IDLE  # what is left of the running cycle; _IDLE between cycles
        self._dropped = set()  # ids of doers removed during a cycle
        self._opened = False  # True from enter until exit: extensions are entered at once

    def _enter(self, doers: Iterable[Any], tymth: Callable[[], float], tyme: float) -> Deeds:
        """Makes a dog of each doer, runs its enter context, and returns the deeds."""
        deeds: Deeds = deque()
        try:
            for doer in doers:
                _checkDoer(doer)
                _setDone(doer, False)
                opts = doer.opts
                temp = getattr(doer, "temp", None)  # a doified function's temp option
                if temp is not None and "temp" not in opts:
                    opts = {**opts, "temp": temp}
                dog = doer(tymth=tymth, tock=doer.tock, **opts)
                try:
                    next(dog)  # enter context
                except StopIteration as ex:  # done while entering
                    _setDone(doer, ex.value)
                    continue
                deeds.append((dog, tyme, doer))  # first recur at this same tyme
        except BaseException:  # those already entered exit now, last first, before the error goes on
            try:
                self._exit(deeds)
            except Exception:
                pass  # the error that stopped the enter is the one to report
            raise
        return deeds

    @property
    def _cycling(self) -> bool:
        """True while a cycle runs through the deeds."""
        return self._progress is not _IDLE

    def _cycle(self, deeds: Deeds, tyme: float) -> None:
        """Runs each deed due at ``tyme`` once, in order. This is the scheduler's hot path."""
        append = deeds.append
        # what is left of the cycle: its length hint tells remove how many deeds have not run yet
        self._progress = progress = repeat(deeds, len(deeds))
        try:
            for deed in map(type(deeds).popleft, progress):  # each deed taken off the left, in one step
                dog, retyme, doer = deed
                if retyme <= tyme:
                    try:
                        tock = dog.send(tyme)
                    except StopIteration as ex:
                        if id(doer) not in self._dropped:
                            _setDone(doer, ex.value)
                        continue
                    try:
                        append((dog, tyme + tock, doer))
                    except TypeError:  # an empty yield (None, b"") means run again as soon as possible
                        append((dog, tyme, doer))  # kept, so that it is closed with the others
                        if tock:
                            raise TypeError(f"doer {doer!r} yielded {tock!r}, not a tock in seconds") from None
                else:
                    append(deed)
        finally:
            # After an error the deque stays as the error found it, those not yet run at the left and
            # those already run at the right, so exits go from the last run back, as published.
            self._progress = _IDLE  # not cycling any more
            if self._dropped:
                self._settle(deeds)

    def _settle(self, deeds: Deeds) -> None:
        """Drops deeds removed (and closed) during the cycle."""
        dropped, self._dropped = self._dropped, set()
        kept = [deed for deed in deeds if id(deed[2]) not in dropped]
        deeds.clear()
        deeds.extend(kept)

    def _exit(self, deeds: Deeds) -> None:
        """Closes every still-open dog, from the right of the deque to the left."""
        error = None
        while deeds:
            dog, _, doer = deeds.pop()
            try:
                dog.close()  # close context, then exit context
            except Exception as ex:  # one failing exit must not keep the others open
                error = error or ex
            _setDone(doer, False)
        if error is not None:
            raise error

    def exit(self, deeds: Deeds | None = None) -> None:
        """Force-closes every still-open deed, in reverse order of entering.

        Parameters:
            deeds: the deeds to close, default .deeds
        """
        self._exit(self._deeds if deeds is None else deeds)

    def _runningTymth(self) -> Callable[[], float] | None:
        """The tymth to enter extensions with while this scheduler runs, None while it does not."""
        raise NotImplementedError

    def extend(self, doers: Iterable[Any]) -> None:
        """Adds doers; while running, enters them and adds their deeds to the deque at once.

        Between cycles the new deeds go after all the others. In the middle
        of a cycle they go behind the deeds already run, so that from the
        next cycle on they run just before the deed that was running when
        they were added: new, extender, the rest.

        Parameters:
            doers: the doers to add
        """
        doers = list(doers)
        self._doers.extend(doers)
        tymth = self._runningTymth()
        if tymth is None:  # not running yet: their deeds are made on enter
            return
        # the running deed is off the deque until it yields, so the new ones land just before it
        self._deeds.extend(self._enter(doers, tymth, tymth()))

    def remove(self, doers: Iterable[Any]) -> None:
        """Removes doers from .doers and force-closes their deeds, last entered first.

        Doers match by equality, so a doized bound method matches a fresh
        reference to the same method. A deed that is running at this moment
        (the doer removed itself, or one of its ancestors) cannot be closed:
        it keeps its deed and runs on until it completes by itself.

        Parameters:
            doers: the doers to remove
        """
        doers = list(doers)
        self._doers[:] = [doer for doer in self._doers if doer not in doers]
        deeds = list(self._deeds)
        if self._cycling:  # not yet run at the left, already run at the right: back to the order of enters
            unrun = operator.length_hint(self._progress)
            deeds = deeds[unrun:] + deeds[:unrun]
        dropped: set[int] = set()
        error = None
        for dog, _, doer in reversed(deeds):  # from the right of the deque, as exits go
            if doer in doers and not getattr(dog, "gi_running", False):
                dropped.add(id(doer))
                try:
                    dog.close()
                except Exception as ex:  # one failing exit must not keep the others open
                    error = error or ex
                _setDone(doer, False)
        if dropped:
            if self._cycling:  # dropped at the end of the cycle, so that it runs on undisturbed
                self._dropped |= dropped
            else:
                kept = [deed for deed in self._deeds if id(deed[2]) not in dropped]
                self._deeds.clear()
                self._deeds.extend(kept)
        if error is not None:
            raise error


class Doist(_Scheduler, Tymist):
    """The root scheduler: runs its doers' deeds once per cycle, advancing tyme by one tock.

    Tyme is artificial (cycles run as fast as possible) unless ``real`` is
    True, in which case each cycle starts on a real-time tock boundary.

    Attributes:
        name (str): what the Doist is called, default 'doist'
        real (bool): True means run in real time, otherwise as fast as possible
        limit (float | None): maximum run tyme, after which every dog is closed;
            None or 0 means no limit
        done (bool | None): None until .do() runs; True when .do() ended because
            every doer completed; False when it ended with doers still running
            (the limit closed them, or a KeyboardInterrupt or an exception did)
        doers (list): Doer instances, doified generator functions or methods
        deeds (deque): triples (dog, retyme, doer)
        timer (MonoTimer): paces cycles in real time
        waker (Waker): what a real-time wait waits on, this Doist's own; the
            tymths it makes carry it (see tymen), so that the transports it
            runs watch their descriptors on it
    """

    def __init__(
        self,
        real: bool = False,
        limit: float | None = None,
        doers: Iterable[Any] | None = None,
        *,
        name: str = "doist",
        tyme: float = 0.0,
        tock: float | None = None,
        **kwa: Any,
    ) -> None:
        """Initializes the Doist.

        Parameters:
            real: True means keep cycles on real-time tock boundaries
            limit: maximum run tyme in seconds; None or 0 (any falsy value) means no limit
            doers: doers to run, may also be given to .do()
            name: what the Doist is called, in logs and reports
            tyme: starting tyme in seconds
            tock: tyme increment per cycle in seconds, None means Tymist.Tock (1/32)
            kwa: left for cooperative base classes; a keyword none of them
                takes is warned of (see hio.hioing.Mixin)
        """
        super().__init__(tyme=tyme, tock=tock, **kwa)
        self._initDeeds()
        self.name = name
        self.real = bool(real)
        self.limit = abs(float(limit)) if limit is not None else None
        self.done: bool | None = None
        self._doers = list(doers) if doers is not None else []
        self.timer = MonoTimer(duration=self.tock)
        self.waker = Waker()  # what a real-time wait waits on, this Doist's own
        self._prior = self._tyme  # tyme of the last cycle run

    def tymen(self) -> Callable[[], float]:
        """Returns the closure ``tymth`` that reads this Doist's .tyme, carrying its .waker as ``tymth.waker``.

        Whatever is wound with it (a doer, a transport) reaches the Doist's
        waker that way (see hio.base.waking.wakerOf).
        """
        tymth = super().tymen()
        tymth.waker = self.waker  # type: ignore[attr-defined]  # a function attribute
        return tymth

    def do(self, doers: Iterable[Any] | None = None, limit: float | None = None, tyme: float | None = None) -> None:
        """Enters every doer, then runs cycles until all are done or the limit is reached.

        .done ends True when every doer completed. Reaching the limit first
        forces the doers still running through their close and exit contexts
        at the limit's tyme, and .done ends False. A KeyboardInterrupt does the
        same and returns; any other exception does the same and is then
        re-raised. Each cycle advances .tyme by one tock, so a run that ends
        after the cycle at tyme t leaves .tyme at t + tock.

        Parameters:
            doers: replaces .doers when given
            limit: replaces .limit when given
            tyme: resets .tyme when given
        """
        self._prepare(doers, limit, tyme)
        self.done = False
        try:
            self.deeds = self.enter()
            self._drive(self._runs(self.timer, turns=False))  # on artificial tyme it never waits
        except KeyboardInterrupt:  # forced exit
            self.done = False
        except BaseException:
            self.done = False
            raise
        finally:
            self.exit()

    def _runs(self, timer: Any, turns: bool) -> Generator[float, bool, None]:
        """The loop of a run, written once for .do() and .ado(): runs cycles until every deed
        is done (.done True) or the limit is reached, the doers entered already.

        The driver waits. On real time, between cycles, this yields the
        seconds left until the next tock boundary on ``timer`` (a MonoTimer,
        or anything with its start, restart and remaining), and is sent back
        True when a watched descriptor (or, under .ado(), a finished task)
        woke the driver before it, False at the boundary (see _waits). On
        artificial tyme it yields 0.0 after each cycle when ``turns`` (.ado()
        gives its event loop a turn then), and nothing at all otherwise.

        Parameters:
            timer: paces real-time cycles
            turns: True means yield between cycles even when there is nothing to wait for
        """
        stop = self._tyme + self.limit if self.limit else None  # a falsy limit, 0 or 0.0, means none
        timer.start(duration=self._tock)
        real = self.real
        waker = self.waker
        # .recur runs each cycle; when it is this class's own, the cycle is run here directly
        cycle = self._cycle if getattr(self.recur, "__func__", None) is Doist.recur else None
        while True:
            if cycle is None:
                self.recur()
            else:
                self._prior = tyme = self._tyme
                cycle(self._deeds, tyme)
                waker.ready = None  # as recur does: stale once this cycle ran
                self._tyme = tyme + self._tock
            if not self._deeds:
                self.done = True
                return
            if stop is not None and self._tyme >= stop:
                return  # the limit: those still running are closed, so not done
            if real:
                yield from self._waits(timer, turns)
            elif turns:
                yield 0.0

    def _waits(self, timer: Any, turns: bool = False) -> Generator[float, bool, None]:
        """Waits for the next real-time tock boundary on ``timer``: the rules of .wait, for any driver.

        Yields the seconds left until the boundary and is sent back whether
        the driver was woken before it; each early wake runs an extra cycle
        at the tyme of the cycle just run (see _recycle). When behind it yields
        0.0 first if ``turns``, so that an event loop still gets its turn.
        """
        tock = self._tock
        remaining = timer.remaining
        if remaining <= 0.0 and turns:
            yield 0.0  # behind: no wait, but the driver's loop gets its turn
        while remaining > 0.0:
            if not (yield remaining):
                break  # the boundary
            if not self._recycle():
                return  # no deed left: the next cycle ends the run
            remaining = timer.remaining
        if remaining < -tock:  # fell behind by more than a whole tock: count afresh
            timer.start(duration=tock)
        else:  # made up by starting the next cycle at once, if it overran
            timer.restart(duration=tock)

    def _prepare(self, doers: Iterable[Any] | None, limit: float | None, tyme: float | None) -> None:
        """Takes what .do() and .ado() were given: new doers, a new limit, a new starting tyme."""
        if doers is not None:
            self.doers = doers
        if limit is not None:
            self.limit = abs(float(limit))
        if tyme is not None:
            self.tyme = tyme

    async def ado(
        self,
        doers: Iterable[Any] | None = None,
        limit: float | None = None,
        tyme: float | None = None,
        *,
        temp: bool | None = None,
    ) -> None:
        """Runs like .do(), as a coroutine on the running asyncio event loop.

        ``asyncio.run(doist.ado())``, or a task among others. The same
        contexts run in the same order at the same tymes as under .do();
        artificial tyme yields to the loop once a cycle; real time follows the
        loop's clock and wakes for readable transports. Cancelling it closes
        every open doer before CancelledError goes on. See
        :func:`hio.base.adoing.ado`.

        Parameters:
            doers: replaces .doers when given
            limit: replaces .limit when given
            tyme: resets .tyme when given
            temp: True means the doers use temporary resources, None means leave it to each
        """
        from .adoing import ado  # asyncio is imported only by those who use it

        await ado(self, doers=doers, limit=limit, tyme=tyme, temp=temp)

    def enter(self, doers: Iterable[Any] | None = None) -> Deeds:
        """Makes each doer's dog, injecting this Doist's tymth, and runs its enter context.

        Entering its own .doers (no ``doers`` given) also makes the result
        its .deeds, so that ``enter(); recur(); exit()`` steps a Doist by hand.

        Parameters:
            doers: the doers to enter, default .doers

        Returns:
            deque: the deeds, triples (dog, retyme, doer)
        """
        deeds = self._enter(self.doers if doers is None else doers, self.tymen(), self._tyme)
        if doers is None:
            self.deeds = deeds
        return deeds

    def recur(self, deeds: Deeds | None = None) -> None:
        """Runs each due deed once, in order, then advances tyme by one tock.

        Parameters:
            deeds: the deeds to run, default .deeds
        """
        self._prior = tyme = self._tyme
        try:
            self._cycle(self._deeds if deeds is None else deeds, tyme)
        finally:
            self.waker.ready = None  # what the last wait found is stale once this cycle ran
        self._tyme = tyme + self._tock

    def _recycle(self) -> bool:
        """Runs an extra cycle at the tyme of the cycle just run, for I/O that became ready; True while deeds remain.

        Only the deeds due then, those that run as soon as possible, run
        again; .tyme reads that tyme meanwhile and is restored after.
        """
        now, self._tyme = self._tyme, self._prior
        try:
            self._cycle(self._deeds, self._prior)
        finally:
            self._tyme = now
            self.waker.ready = None
        return bool(self._deeds)

    def wait(self) -> None:
        """Waits for the next real-time tock boundary, servicing ready I/O meanwhile.

        Instead of sleeping blindly it waits on the waker: when a descriptor
        that a transport watches becomes readable before the boundary, it
        runs an extra cycle at the tyme of the cycle just finished, so only
        the deeds due then (those that run as soon as possible, tock 0) run
        again, in their usual order, and tyme never runs ahead of real time.
        An idle Doist sleeps until the boundary; a busy one answers at once.

        A cycle that overran its tock is made up by starting the next at
        once; one that fell behind by more than a whole tock starts the
        count afresh rather than rushing through the missed cycles.
        """
        self._drive(self._waits(self.timer))

    def _drive(self, steps: Generator[float, bool, Any]) -> None:
        """Runs steps to its end: each pause it yields is waited out on the waker, told whether a
        watched descriptor woke it first."""
        wait = self.waker.wait
        try:
            pause = next(steps)
            while True:
                pause = steps.send(wait(pause))
        except StopIteration:
            pass

    def exit(self, deeds: Deeds | None = None) -> None:
        """Force-closes every still-open deed, in reverse order of entering, then releases
        the waker's poller when nothing is watched any more (see Waker.release).

        Parameters:
            deeds: the deeds to close, default .deeds
        """
        try:
            super().exit(deeds)
        finally:
            self.waker.release()  # the transports closed: no descriptor held for nothing

    def _runningTymth(self) -> Callable[[], float] | None:
        running = bool(self._deeds or self._cycling)  # entered, by .do() or by hand
        return self.tymen() if running else None


class Doer(Tymee):
    """Base class of hierarchical structured async coroutines: calling one returns its ``.do`` generator.

    Subclasses override the context methods: enter, recur, clean, exit,
    close and abort. ``recur`` may be a plain method, run once per run of
    the doer until it returns True, or a generator method, run with
    ``yield from`` until it returns.

    Attributes:
        done (bool | None): True when completed, otherwise incomplete (running, closed or aborted)
        opts (dict): options the scheduler injects into .do as keyword arguments

    Properties:
        tock (float): desired tyme in seconds between runs, 0.0 means as soon as possible
    """

    def __init__(
        self,
        *,
        tymth: Callable[[], float] | None = None,
        tock: float = 0.0,
        opts: dict[str, Any] | None = None,
        **kwa: Any,
    ) -> None:
        """Initializes the Doer.

        Parameters:
            tymth: closure returned by Tymist.tymen(); the scheduler injects one
            tock: desired tyme between runs in seconds
            opts: options the scheduler passes back into .do as keyword
                arguments, kept as given; None means none
            kwa: left for cooperative base classes, not options
        """
        super().__init__(tymth=tymth, **kwa)
        self.done: bool | None = None
        self.tock = tock
        self.opts = opts if opts is not None else {}

    @property
    def tock(self) -> float:
        """Desired tyme in seconds between runs, or until the next run."""
        return self._tock

    @tock.setter
    def tock(self, tock: float) -> None:
        self._tock = checkTock(tock)

    def __call__(self, **kwa: Any) -> Generator[float, float, bool | None]:
        """Returns the .do generator, not yet started: its first next() runs the enter context."""
        return self.do(**kwa)

    def do(self, tymth: Callable[[], float], *, tock: float = 0.0, **opts: Any) -> Generator[float, float, bool | None]:
        """Runs this doer's contexts as a generator; yields tocks, is sent tymes, returns .done.

        Parameters:
            tymth: closure of the scheduler's Tymist
            tock: initial tock
            opts: injected options; ``temp`` is passed on to .enter()
        """
        try:
            self.wind(tymth)
            self.tock = tock
            self.done = False
            if "temp" in opts:
                self.enter(temp=opts["temp"])
            else:
                self.enter()
            recur: Callable[..., Any] = self.recur  # a plain method, or a generator method
            if inspect.isgeneratorfunction(recur):
                self.done = yield from recur()
            else:
                while True:  # the recur context, once a run, until it reports done
                    tyme = yield self._tock
                    if recur(tyme):
                        break
                self.done = True
        except GeneratorExit:  # forced close
            self.close()
            self.done = False
        except Exception as ex:  # unexpected
            self.abort(ex)
            self.done = False
            raise
        else:
            self.clean()
        finally:
            self.exit()
        return self.done

    def enter(self, *, temp: bool | None = None) -> object:
        """Enter context: set up resources. Not a generator method. What it returns is ignored.

        Parameters:
            temp: True means use temporary resources, when the doer has any
        """

    def recur(self, tyme: float) -> bool:
        """Recur context: one run of repeated work. Returns True when done.

        Parameters:
            tyme: the scheduler's tyme, fed in by send
        """
        return False

    def clean(self) -> None:
        """Clean context: clean-up that only a normal completion needs."""

    def exit(self) -> None:
        """Exit context: release resources. Runs after completion, close or abort."""

    def close(self) -> None:
        """Close context: the scheduler forced this doer to stop (GeneratorExit)."""

    def abort(self, ex: Exception) -> None:
        """Abort context: an unexpected exception is ending this doer.

        Parameters:
            ex: the exception
        """


class _Recorder(Doer):
    """Example doer base: records each context as a State in .states.

    .count is None until entered; entering resets it to 0 and every later
    context (recur, close, abort, exit) advances it by one, so the count of
    a State tells its place in the run. There is no clean record: a
    completed run reads enter, recur..., exit.
    """

    def __init__(self, stop: int = 3, **kwa: Any) -> None:
        """Initializes the recorder, with no State recorded yet.

        Parameters:
            stop: how many recur runs until the doer is done
            kwa: parameters of the base classes (see Bases), passed on; a keyword
                none of them takes is warned of (see hio.hioing.Mixin)
        """
        super().__init__(**kwa)
        self.states: list[State] = []
        self.count: int | None = None
        self.stop = stop

    def _counted(self) -> int:
        """Returns .count, which entering sets."""
        if self.count is None:
            raise TypeError(f"{type(self).__name__} records contexts only once entered")
        return self.count

    def _record(self, context: str, feed: Any = None) -> int:
        """Records a context and returns the count it advanced to."""
        self.count = count = self._counted() + 1
        self.states.append(State(tyme=self.tyme, context=context, feed=feed, count=count))
        return count

    def _entered(self, feed: Any) -> None:
        self.count = 0
        self.states.append(State(tyme=self.tyme, context="enter", feed=feed, count=0))

    def exit(self) -> None:
        self._record("exit")

    def close(self) -> None:
        self._record("close")

    def abort(self, ex: Exception) -> None:
        self._record("abort", ex)


class ReDoer(_Recorder):
    """Example Doer whose .recur is a generator method, run by .do with ``yield from``.

    Its first yield answers the enter (the scheduler's first next()), so it
    is done on its .stop-th recur.

    Attributes:
        states (list[State]): what happened, for tests and demonstration
        count (int | None): recurs so far, None until entered
        stop (int): recurs after which it is done
    """

    def enter(self, *, temp: bool | None = None) -> None:
        self._entered(self.tyme)

    def recur(self) -> Generator[float, float, bool]:  # type: ignore[override]  # Doer.do runs a generator recur with yield from
        """Yields the tock, is sent the tyme, and returns True after .stop runs."""
        while self._counted() < self.stop:
            tyme = yield self.tock
            self._record("recur", tyme)
        return True


class DoDoer(_Scheduler, Doer):
    """A doer that schedules doers of its own, like a Doist, on the tyme of its root Doist.

    Scheduling hierarchy: Doist -> DoDoer -> ... -> DoDoer -> Doers. Its tyme
    is the root Doist's, through the tymth each parent injects.

    Properties:
        doers (list): the doers it runs
        deeds (deque): triples (dog, retyme, doer)
        always (bool): True means keep running when all deeds are done, so
            doers may be added later with .extend(); .done then reads True
            while no deed is left, and only a close (False) ends the run
    """

    def __init__(self, doers: Iterable[Any] | None = None, always: bool = False, **kwa: Any) -> None:
        """Initializes the DoDoer.

        Parameters:
            doers: the doers to run
            always: keep running even when every deed is done
            tymth, tock, opts: as for Doer
            kwa: parameters of the base classes (see Bases), passed on; a keyword
                none of them takes is warned of (see hio.hioing.Mixin)
        """
        super().__init__(**kwa)
        self._initDeeds()
        self._doers = list(doers) if doers is not None else []
        self._always = bool(always)

    # shaped like the tock properties of Doer and Tymist, not one mechanism: each checks its own kind of value
    @property
    def always(self) -> bool:
        """True means keep running even when every deed is done."""
        return self._always

    @always.setter
    def always(self, always: bool) -> None:
        self._always = bool(always)

    def do(
        self,
        tymth: Callable[[], float],
        *,
        tock: float = 0.0,
        doers: Iterable[Any] | None = None,
        always: bool | None = None,
        **opts: Any,
    ) -> Generator[float, float, bool | None]:
        """Runs the nested doers as this doer's generator, like Doist.do.

        Parameters:
            tymth: closure of the root Doist's Tymist
            tock: initial tock
            doers: replaces .doers when given
            always: replaces .always when given
            opts: injected options
        """
        try:
            self.wind(tymth)
            self.tock = tock
            if doers is not None:
                self.doers = doers
            if always is not None:
                self.always = always
            self.done = False
            self.deeds = self.enter()
            self._opened = True
            # .recur runs each cycle; when it is this class's own, the cycle is run here directly
            cycle = self._cycle if getattr(self.recur, "__func__", None) is DoDoer.recur else None
            while True:  # .done is True whenever every deed is done; .always keeps it running even so
                tyme = yield self._tock
                if cycle is None:
                    self.done = done = self.recur(tyme)
                else:
                    cycle(deeds := self._deeds, tyme)
                    self.done = done = not deeds
                if done and not self._always:
                    break
        except GeneratorExit:
            self.close()
            self.done = False
        except Exception as ex:
            self.abort(ex)
            self.done = False
            raise
        else:
            self.clean()
        finally:
            self._opened = False  # no more extensions: they would never be run or closed
            self.exit()
        return self.done

    def enter(self, doers: Iterable[Any] | None = None, *, temp: bool | None = None) -> Deeds:
        """Makes each doer's dog, injecting this DoDoer's tymth, and runs its enter context.

        Parameters:
            doers: the doers to enter, default .doers
            temp: True means the doers use temporary resources; passed on to each doer's enter as its temp option

        Returns:
            deque: the deeds, triples (dog, retyme, doer)

        Raises:
            TypeError: when no tymth has been wound in
        """
        tymth = self._tymth
        if tymth is None:
            raise TypeError("DoDoer has no tymth: wind it to a Tymist before entering it.")
        deeds = self._enter(self.doers if doers is None else doers, tymth, tymth())
        if doers is None:
            self.deeds = deeds
        return deeds

    def recur(self, tyme: float, deeds: Deeds | None = None) -> bool:
        """Runs each due deed once, in order. Returns True when every deed is done.

        An .always DoDoer keeps running even then, with .done True until a
        doer added by .extend() is running again.

        Parameters:
            tyme: the root Doist's tyme, fed down the hierarchy
            deeds: the deeds to run, default .deeds
        """
        deeds = self._deeds if deeds is None else deeds
        self._cycle(deeds, tyme)
        return not deeds

    def _runningTymth(self) -> Callable[[], float] | None:
        return self._tymth if self._opened else None


class ExDoer(_Recorder):
    """Example Doer for testing and demonstration: records each context in .states.

    Done on the recur whose count passes .stop: with the default 3, its
    fourth. Entering records the tyme it entered at as its feed.

    Attributes:
        states (list[State]): (tyme, context, feed, count) of each context run
        count (int | None): context count since entering, None until entered
        stop (int): the count that the recur that completes it passes
    """

    def enter(self, *, temp: bool | None = None) -> None:
        self._entered(self.tyme)

    def recur(self, tyme: float) -> bool:
        return self._record("recur", tyme) > self.stop


class TryDoer(_Recorder):
    """Test helper Doer: records every context in .states and completes after .stop recurs.

    Done on the recur whose count passes .stop: TryDoer(stop=1) completes
    on its second recur. Entering records the temp option as its feed when
    the scheduler gave one, else 'Default'; an abort records the
    exception's message.

    Attributes:
        states (list[State]): (tyme, context, feed, count) of each context run
        count (int | None): context count since entering, None until entered
        stop (int): the count that the recur that completes it passes
    """

    def enter(self, *, temp: bool | None = None) -> None:
        self._entered(temp if temp is not None else "Default")

    def recur(self, tyme: float) -> bool:
        return self._record("recur", tyme) > self.stop

    def abort(self, ex: Exception) -> None:
        self._record("abort", ex.args[0] if ex.args else None)


def _checkDoer(doer: Any) -> None:
    """Raises a TypeError that says what to write instead when ``doer`` cannot run as a doer.

    A doer is a Doer instance or a generator function made into one with
    doify or doize. A Doer whose recur is a generator method runs it once with
    ``yield from self.recur()``: it takes no tyme (it reads ``self.tyme``).
    """
    if isinstance(doer, Doer):
        recur = doer.recur
        if inspect.isgeneratorfunction(recur):
            required = [
                p.name
                for p in inspect.signature(recur).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            if required:
                name = f"{type(doer).__qualname__}.recur"
                raise TypeError(
                    f"{name} is a generator method, run once with 'yield from self.recur()', so it takes no "
                    f"{', '.join(required)}: write 'def recur(self):' and read self.tyme, or make it a plain method "
                    f"'def recur(self, tyme):' (no yield) that returns True when done"
                )
        return
    if callable(doer) and hasattr(doer, "opts") and hasattr(doer, "tock"):
        return  # a doified generator function or method
    name = getattr(doer, "__qualname__", None) or repr(doer)
    if inspect.isgeneratorfunction(doer):
        raise TypeError(
            f"{name} is a generator function, not a doer: give doing.doify({getattr(doer, '__name__', name)}) "
            f"or decorate it with @doing.doize()"
        )
    raise TypeError(f"{name} is not a doer: give a Doer instance or a generator function made one with doing.doify")


def doify(
    f: Callable[..., Generator[Any, Any, Any]],
    *,
    name: str | None = None,
    tock: float = 0.0,
    temp: bool | None = None,
    **opts: Any,
) -> Callable[..., Generator[Any, Any, Any]]:
    """Returns a Doist-compatible copy of generator function (or method) ``f``.

    Each call makes a unique copy with its own ``tock``, ``done``, ``temp``
    and ``opts`` attributes, so one generator function can serve many doers.

    Usage:
        g = doify(f, name="g", tock=0.5, states=states)

    Parameters:
        f: a generator function or bound generator method
        name: the copy's name, default f's
        tock: the copy's default tock
        temp: the copy's temp option; when not None the scheduler passes it
            as the ``temp`` keyword argument (True: use temporary resources)
        opts: options passed back as keyword arguments when the copy is called
    """
    func: types.FunctionType = f.__func__ if inspect.ismethod(f) else f  # type: ignore[assignment]  # a generator function
    g = types.FunctionType(func.__code__, func.__globals__, name or func.__name__, func.__defaults__, func.__closure__)
    functools.update_wrapper(g, func)  # updates g in place
    g.__kwdefaults__ = dict(func.__kwdefaults__) if func.__kwdefaults__ else None
    g.__name__ = g.__qualname__ = name or func.__name__
    del g.__dict__["__wrapped__"]  # a copy, not a wrapper
    _imbue(g, tock, temp, opts)
    return types.MethodType(g, f.__self__) if inspect.ismethod(f) else g


_F = TypeVar("_F", bound=Callable[..., Any])


def doize(*, tock: float = 0.0, temp: bool | None = None, **opts: Any) -> Callable[[_F], _F]:
    """Returns a decorator that makes a generator function Doist compatible in place.

    Unlike doify, the decorated function itself carries the attributes, so
    it is one doer: use doify for several.

    Usage::

        @doize(tock=0.5)
        def f(tymth=None, tock=0.0, **opts): ...

    Parameters:
        tock: default tock
        temp: the temp option; when not None the scheduler passes it as the
            ``temp`` keyword argument
        opts: options passed back as keyword arguments when it is called
    """

    def decorator(f: _F) -> _F:
        _imbue(f, tock, temp, opts)
        return f

    return decorator


def _imbue(f: Any, tock: float, temp: bool | None, opts: dict[str, Any]) -> None:
    """Gives function ``f`` the attributes a scheduler reads from a doer."""
    f.tock = tock
    f.done = None
    f.temp = temp
    f.opts = dict(opts)


def bareDo(tymth: Callable[[], float] | None = None, tock: float = 0.0, **opts: Any) -> Generator[float, float, bool]:
    """Template generator function for doify or doize: copy, rename, and fill in the contexts.

    Parameters:
        tymth: closure of the scheduler's Tymist
        tock: initial tock
        opts: injected options
    """
    try:
        # enter context
        tyme = yield tock  # first recur
        # recur context: one run here; loop for more
    except GeneratorExit:
        # close context (forced)
        raise
    except Exception:
        # abort context (unexpected)
        raise
    else:
        # clean context
        pass
    finally:
        # exit context
        pass
    return tyme is not None


def doifyExDo(
    tymth: Callable[[], float], tock: float = 0.0, states: list[State] | None = None, **opts: Any
) -> Generator[float, float, bool]:
    """Example generator function for doify: records each context in ``states``, done on its fourth recur.

    The same trace as ExDoer: enter (fed the tyme it entered at, count 0),
    one recur per run, done on the recur whose count passes 3; close, abort
    and exit advance the count too. It returns True however it ends
    without an error, a close included.

    Parameters:
        tymth: closure of the scheduler's Tymist
        tock: initial tock
        states: list that receives a State per context
        opts: injected options
    """
    states = states if states is not None else []
    count = 0
    try:
        states.append(State(tyme=tymth(), context="enter", feed=tymth(), count=count))
        while count <= 3:
            tyme = yield tock
            count += 1
            states.append(State(tyme=tymth(), context="recur", feed=tyme, count=count))
    except GeneratorExit:
        count += 1
        states.append(State(tyme=tymth(), context="close", feed=None, count=count))
    except Exception as ex:
        count += 1
        states.append(State(tyme=tymth(), context="abort", feed=ex, count=count))
        raise
    finally:
        count += 1
        states.append(State(tyme=tymth(), context="exit", feed=None, count=count))
    return True


doizeExDo = doize(states=None)(doify(doifyExDo, name="doizeExDo"))
doizeExDo.__doc__ = """Example generator function already doized: a copy of doifyExDo, with the same trace.

Its ``.opts`` holds ``states`` (None until a list is put there), passed
back to it as a keyword argument when a scheduler calls it.

Parameters:
    tymth: closure of the scheduler's Tymist
    tock: initial tock
    states: list that receives a State per context
    opts: injected options
"""


@doize()
def tryDo(states: list[State], tymth: Callable[[], float], tock: float = 0.0, **opts: Any) -> Generator[Any, Any, bool]:
    """Test example generator function: records each context in ``states``, done on its fourth recur.

    It yields its count, not a tock: 0 on entering, then the count of the
    recur just run, so a scheduler runs it again ever later. Every State
    carries the last value sent in as its feed ('Default' before any), so a
    close or abort shows what it was last fed. It returns True however it
    ends without an error, a close included.

    Parameters:
        states: list that receives a State per context
        tymth: closure of the scheduler's Tymist
        tock: initial tock (unused: it yields its count)
        opts: injected options
    """
    feed: Any = "Default"
    count = 0
    try:
        states.append(State(tyme=tymth(), context="enter", feed=feed, count=count))
        while count <= 3:
            feed = yield count
            count += 1
            states.append(State(tyme=tymth(), context="recur", feed=feed, count=count))
    except GeneratorExit:
        count += 1
        states.append(State(tyme=tymth(), context="close", feed=feed, count=count))
    except Exception:
        count += 1
        states.append(State(tyme=tymth(), context="abort", feed=feed, count=count))
        raise
    finally:
        count += 1
        states.append(State(tyme=tymth(), context="exit", feed=feed, count=count))
    return True
