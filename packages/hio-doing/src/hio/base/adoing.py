"""hio.base.adoing module

hio and asyncio together, in both directions:

- A Doist runs inside an asyncio event loop: ``await doist.ado()`` (see
  :func:`ado`) runs the doers exactly as ``doist.do()`` would, with the same
  contexts in the same order at the same tymes, as one task among the loop's
  others. On artificial tyme it yields to the loop once a cycle; on real time
  it waits for the next tock boundary on the loop's clock, and the loop
  watches the transports' descriptors (see :mod:`hio.base.waking`), so a
  readable socket wakes the Doist at once, as the waker does for ``do()``.
- Doers await asyncio work without blocking one another: ``result = yield
  from awaiting(aw)`` inside a doer's generator (see :func:`awaiting`), or an
  :class:`AwaitDoer`, starts an awaitable as a task on the loop and resumes
  the doer with its result, or raises its exception there, once it finishes;
  every other doer keeps running meanwhile. A doer closed before its
  awaitable finishes cancels it, and ``ado()`` returns only once every task
  its doers started is finished: nothing is left running.

Usage::

    import asyncio
    from hio.base import doing
    from hio.base.adoing import awaiting

    def fetch(tymth=None, tock=0.0, **opts):
        reply = yield from awaiting(asyncio.sleep(0.01, result="hello"))
        print(reply)
        return True

    doist = doing.Doist(tock=0.03125, real=True)
    asyncio.run(doist.ado(doers=[doing.doify(fetch)]))
"""

from __future__ import annotations

import asyncio
import inspect
import types
from collections.abc import Awaitable, Callable, Generator, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

from .doing import Doer, Doist

__all__ = ["AwaitDoer", "ado", "awaiting"]

T = TypeVar("T")


class _Run:
    """One run of ``Doist.ado()``: its loop, its wait for the next tock boundary, the tasks its doers started.

    Attributes:
        loop (asyncio.AbstractEventLoop): the running event loop
        tasks (set[asyncio.Task]): tasks started by ``awaiting`` that are not finished yet
    """

    __slots__ = ("_expired", "_future", "_handle", "_when", "_woken", "loop", "tasks")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.tasks: set[asyncio.Task] = set()
        self._future: asyncio.Future | None = None  # set while waiting for a tock boundary
        self._woken = False  # a task finished while not waiting: the next wait returns at once
        self._when: float | None = None  # the boundary the timer is set for
        self._handle: asyncio.TimerHandle | None = None  # the timer, kept across the early wakes of one tock
        self._expired = False  # the timer has fired for ._when

    def ready(self) -> None:
        """A watched descriptor is readable: ends a wait in progress (readiness lasts, so none is kept)."""
        future = self._future
        if future is not None and not future.done():
            future.set_result(True)

    def wake(self, task: asyncio.Task | None = None) -> None:
        """A task finished: ends a wait in progress, or the next one, so the doer awaiting it resumes soon."""
        if task is not None:
            self.tasks.discard(task)
            if not task.cancelled():
                task.exception()  # retrieved: the doer that awaits it takes it; a closed one no longer cares
        future = self._future
        if future is not None and not future.done():
            future.set_result(True)
        else:
            self._woken = True

    def expire(self) -> None:
        """The timer's callback: the boundary has come, ending a wait in progress or the next one."""
        self._expired = True
        future = self._future
        if future is not None and not future.done():
            future.set_result(False)

    async def wait(self, when: float) -> bool:
        """Waits until loop time ``when``; returns True when woken earlier (a readable descriptor, a finished task).

        One timer serves every wait for the same boundary, however often the
        Doist is woken before it.
        """
        if self._woken:
            self._woken = False
            return True
        if when != self._when:
            if self._handle is not None:
                self._handle.cancel()
            self._when = when
            self._expired = False
            self._handle = self.loop.call_at(when, self.expire)
        elif self._expired:
            return False
        future = self._future = self.loop.create_future()
        try:
            return await future
        finally:
            self._future = None

    def close(self) -> None:
        """Cancels the timer, if set."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self._when = None

    def start(self, aw: Awaitable[Any]) -> asyncio.Task[Any]:
        """Starts awaitable ``aw`` as a task of this run."""
        task = asyncio.ensure_future(aw, loop=self.loop)
        self.tasks.add(task)
        task.add_done_callback(self.wake)
        return task

    def abandon(self) -> None:
        """Cancels every task still running, without waiting: what is left when the run cannot wait any more."""
        for task in list(self.tasks):
            task.cancel()

    async def settle(self) -> None:
        """Cancels every task still running and waits until all have finished."""
        while self.tasks:
            tasks = list(self.tasks)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            for task in tasks:
                self.tasks.discard(task)  # their done callbacks may not have run yet
                if not task.cancelled():
                    task.exception()


class _LoopTimer:
    """Paces a real-time Doist under ado() on the event loop's clock, as a MonoTimer paces it under do().

    Attributes:
        loop (asyncio.AbstractEventLoop): the running event loop
        stop (float): loop time of the next tock boundary
    """

    __slots__ = ("loop", "stop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.stop = loop.time()

    def start(self, duration: float) -> None:
        """The next boundary is ``duration`` seconds from now."""
        self.stop = self.loop.time() + duration

    def restart(self, duration: float) -> None:
        """The next boundary is ``duration`` seconds after the last, so that cycles do not drift."""
        self.stop += duration

    @property
    def remaining(self) -> float:
        """Seconds until the next boundary, negative once past."""
        return self.stop - self.loop.time()


@types.coroutine
def _turn() -> Generator[None, None, None]:
    """Gives the loop one turn, as ``asyncio.sleep(0)`` does, without making a coroutine for it."""
    yield


_run: ContextVar[_Run | None] = ContextVar("hio.base.adoing.run", default=None)
"""The ado() run of the doers running now, None outside any."""


async def ado(
    doist: Doist,
    doers: Iterable[Any] | None = None,
    limit: float | None = None,
    tyme: float | None = None,
    *,
    temp: bool | None = None,
) -> None:
    """Runs ``doist`` like ``doist.do()``, as a coroutine on the running asyncio event loop.

    What ``Doist.ado`` runs. It enters every doer, then runs cycles until all
    are done or the limit is reached, through the Doist's own enter, recur
    and exit, so the contexts run in the same order at the same tymes as
    under ``do()``. On artificial tyme it yields to the loop once a cycle, so
    other tasks run in between. On real time it waits for each tock boundary
    on the loop's clock (``loop.time()``); meanwhile the loop watches every
    descriptor of the Doist's waker, and one becoming readable, or a task
    started by :func:`awaiting` finishing, runs an extra cycle at the tyme of
    the cycle just run (only the deeds due then, those of tock 0, run; tyme
    never runs ahead of real time), as ``Doist.wait`` does for ``do()``.

    Cancelling the task that runs it closes every open doer (close context,
    then exit context, last entered first) before ``CancelledError`` goes
    on; an exception in a doer closes the rest and propagates; a
    KeyboardInterrupt raised in a doer closes every doer and returns, as in
    ``do()``. In every case ``.done`` is set as ``do()`` sets it, and the
    tasks the doers started are cancelled and finished before it returns.

    Parameters:
        doist: the Doist to run
        doers: replaces .doers when given
        limit: replaces .limit when given
        tyme: resets .tyme when given
        temp: True means the doers use temporary resources (passed to their
            enter contexts as ``temp``), None means leave it to each doer
    """
    loop = asyncio.get_running_loop()
    doist._prepare(doers, limit, tyme)
    run = _Run(loop)
    token = _run.set(run)
    real = doist.real
    waker = doist.waker
    doist.done = False
    closing = False  # the coroutine itself is being closed, not run by its task: nothing more to await
    try:
        if real:
            waker.attach(loop, run.ready)
        try:
            doist.deeds = _enter(doist, temp)
            timer = _LoopTimer(loop)
            runs = doist._runs(timer, turns=True)  # the loop of do(), written once
            try:
                pause = next(runs)
                while True:
                    if pause > 0.0:  # real time: until the boundary, or a readable descriptor or finished task
                        woken = await run.wait(timer.stop)
                    else:  # a turn for the loop's other tasks
                        await _turn()
                        woken = False
                    pause = runs.send(woken)
            except StopIteration:
                pass
        except KeyboardInterrupt:  # forced exit, as in do()
            doist.done = False
        except GeneratorExit:  # closed unfinished, as when its loop is closed under it
            doist.done = False
            closing = True
            raise
        except BaseException:  # CancelledError included: every doer closes, then it goes on
            doist.done = False
            raise
        finally:
            try:
                doist.exit()
            finally:
                if real:
                    waker.detach(loop, run.ready)
                    run.close()
                if closing:
                    run.abandon()
                else:
                    await run.settle()
    finally:
        try:
            _run.reset(token)
        except ValueError:  # closed from outside the task that set it
            pass


def _enter(doist: Doist, temp: bool | None) -> Any:
    """Enters the Doist's doers as ``do()`` does; a given ``temp`` reaches each doer's enter context.

    A Doist whose enter takes ``temp`` gets it; otherwise ``temp`` joins each
    doer's injected options while it is entered (a Doer hands it to its
    enter context), and their options are left as they were.
    """
    if temp is None:
        return doist.enter()
    enter: Callable[..., Any] = doist.enter  # a subclass's enter may take temp
    if "temp" in inspect.signature(enter).parameters:
        return enter(temp=temp)
    saved = []
    try:
        for doer in doist.doers:
            opts = getattr(doer, "opts", None)
            if isinstance(opts, dict):
                saved.append((opts, "temp" in opts, opts.get("temp")))
                opts["temp"] = temp
        return doist.enter()
    finally:
        for opts, had, value in saved:
            if had:
                opts["temp"] = value
            else:
                opts.pop("temp", None)


def awaiting(aw: Awaitable[T], *, tock: float = 0.0) -> Generator[float, float, T]:
    """Runs awaitable ``aw`` as an asyncio task while the doer keeps yielding; returns its result.

    For a doer's generator, under ``Doist.ado()``::

        reply = yield from awaiting(session.get(url))

    It starts ``aw`` on the running loop at once and yields ``tock`` each
    run until the task finishes, so every other doer keeps running; then it
    returns the task's result, or raises its exception in the doer. A task
    cancelled by someone else raises ``asyncio.CancelledError``. When the
    doer is closed first (forced close, or the Doist exiting), the task is
    cancelled, and ``ado()`` waits for it to finish before it returns. A
    task finishing wakes a real-time Doist, so a tock-0 doer resumes at
    once rather than at the next tock boundary.

    Parameters:
        aw: a coroutine, task or future
        tock: tyme between runs while waiting, 0.0 means every cycle

    Raises:
        RuntimeError: when no ``Doist.ado()`` runs the doer (for example under
            ``Doist.do()``, which runs no event loop)
    """
    run = _run.get()
    if run is None:
        if inspect.iscoroutine(aw):
            aw.close()  # never to be awaited: no warning about it
        raise RuntimeError(
            "awaiting() needs an asyncio event loop: run the Doist with "
            "'await doist.ado()' (or 'asyncio.run(doist.ado())') instead of 'doist.do()'"
        )
    task = run.start(aw)
    try:
        while not task.done():
            yield tock
    except BaseException:  # closed (GeneratorExit), or an exception thrown in: the task goes too
        task.cancel()
        raise
    return task.result()


class AwaitDoer(Doer):
    """Doer that awaits one awaitable under ``Doist.ado()`` and is done when it finishes.

    Give ``work``, a callable that returns a fresh awaitable each time the
    doer is entered (a coroutine function, or a lambda around a call), or
    override :meth:`work` in a subclass. Its result lands in ``.result`` and
    the doer completes; its exception aborts the doer and propagates, as any
    doer's does; closing the doer first cancels it.

    Usage::

        fetcher = AwaitDoer(work=lambda: session.get(url))
        await doist.ado(doers=[fetcher, serverDoer])

    Attributes:
        result (Any): the result of the last awaitable that finished, None before
    """

    def __init__(self, work: Callable[[], Awaitable[Any]] | None = None, **kwa: Any) -> None:
        """Initializes the AwaitDoer.

        Parameters:
            work: returns the awaitable to await, None means the :meth:`work` method
            kwa: Doer parameters (tymth, tock, opts)
        """
        super().__init__(**kwa)
        if work is not None:
            self.work = work  # type: ignore[method-assign]  # the given callable stands in for the method
        self.result: Any = None

    def work(self) -> Awaitable[Any]:
        """Returns the awaitable to await. Override, or give ``work`` to the constructor."""
        raise NotImplementedError("give AwaitDoer a work callable or override its work method")

    def recur(self) -> Generator[float, float, bool]:  # type: ignore[override]  # Doer.do runs a generator recur with yield from
        """Starts the awaitable and yields until it finishes; keeps its result and returns True."""
        self.result = yield from awaiting(self.work(), tock=self.tock)
        return True
