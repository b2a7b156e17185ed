"""Tests of Doist.ado() and hio.base.adoing: a Doist inside an asyncio event loop.

Every scheduling test runs the same doers under ``do()`` and under ``ado()``
on artificial tyme and compares the whole trace of contexts, tymes and done
values. Real-time tests use a socket pair on the waker, tocks of a whole
second and assert on tymes (which cycle saw what), never on durations.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
import warnings

import pytest

from hio.base import doing
from hio.base.adoing import AwaitDoer, ado, awaiting
from hio.base.doing import DoDoer, Doer, Doist
from hio.base.waking import Waker, wakerOf


class Rec(Doer):
    """Records (tyme, context, label) into log; done after ``stop`` recurs (never when None).

    ``act(doer)`` runs on each recur, ``fail`` raises ``failure`` on the ``failAt``-th recur.
    """

    def __init__(self, label, log, stop=None, act=None, failAt=None, failure=ValueError, **kwa):
        super().__init__(**kwa)
        self.label, self.log, self.stop, self.act = label, log, stop, act
        self.failAt, self.failure = failAt, failure
        self.count = 0

    def enter(self, *, temp=None):
        self.log.append((self.tyme, "enter", self.label))

    def recur(self, tyme):
        self.count += 1
        self.log.append((tyme, "recur", self.label))
        if self.act is not None:
            self.act(self)
        if self.failAt == self.count:
            raise self.failure(self.label)
        return self.stop is not None and self.count >= self.stop

    def clean(self):
        self.log.append((self.tyme, "clean", self.label))

    def close(self):
        self.log.append((self.tyme, "close", self.label))

    def abort(self, ex):
        self.log.append((self.tyme, "abort", self.label))

    def exit(self):
        self.log.append((self.tyme, "exit", self.label))


class RecDo(DoDoer):
    """DoDoer that records its own contexts into the log."""

    def __init__(self, label, log, **kwa):
        super().__init__(**kwa)
        self.label, self.log = label, log

    def enter(self, doers=None, *, temp=None):
        self.log.append((self.tyme, "enter", self.label))
        return super().enter(doers, temp=temp)

    def close(self):
        self.log.append((self.tyme, "close", self.label))

    def exit(self, deeds=None):
        super().exit(deeds)
        self.log.append((self.tyme, "exit", self.label))


def counted(log, label, stop):
    """A doified generator function that records its recurs, done after ``stop``."""

    def count(tymth=None, tock=0.0, **opts):
        try:
            for _ in range(stop):
                tyme = yield tock
                log.append((tyme, "recur", label))
        finally:
            log.append((tymth(), "exit", label))
        return True

    return doing.doify(count, name=label, tock=0.5)


def nested(log):
    """Doers of every kind, nested two deep, some with tocks, some completing early."""
    return [
        Rec("a", log, stop=3),
        RecDo("dd", log, doers=[Rec("b", log, stop=2), Rec("c", log, stop=3, tock=0.5)], tock=0.25),
        counted(log, "g", 2),
        Rec("d", log, stop=6),
    ]


def growing(log):
    """A doer that extends the Doist on its 2nd recur and removes a doer on its 4th."""
    late = Rec("late", log, stop=5)
    doomed = Rec("doomed", log)

    def act(doer):
        if doer.count == 2:
            doer.doist.extend([late])
        elif doer.count == 4:
            doer.doist.remove([doomed])

    grower = Rec("grower", log, stop=6, act=act)
    return [grower, doomed]


def failing(log):
    return [Rec("a", log), RecDo("dd", log, doers=[Rec("b", log), Rec("x", log, failAt=3)]), Rec("c", log)]


def interrupted(log):
    return [Rec("a", log), Rec("x", log, failAt=2, failure=KeyboardInterrupt), Rec("c", log)]


def runBoth(make, limit=None, **doist):
    """Runs make(log)'s doers under do() and under ado(); returns both (log, done, tyme, error) results."""
    results = []
    for how in ("do", "ado"):
        log = []
        d = Doist(**doist)
        doers = make(log)
        for doer in doers:
            doer.doist = d  # for the doers that change the Doist while it runs
        error = None
        try:
            if how == "do":
                d.do(doers=doers, limit=limit)
            else:
                asyncio.run(d.ado(doers=doers, limit=limit))
        except Exception as ex:
            error = repr(ex)
        results.append((log, d.done, d.tyme, error, [getattr(doer, "done", None) for doer in doers]))
    return results


def extendedMidCycle(log):
    """A doer in the middle of the Doist's deque extends it, and a nested one extends its DoDoer."""
    late, inner = Rec("late", log, stop=3), Rec("inner", log, stop=2)

    def outerAct(doer):
        if doer.count == 1:
            doer.doist.extend([late])

    def innerAct(doer):
        if doer.count == 2:
            dd.extend([inner])

    dd = RecDo("dd", log, doers=[Rec("b", log, stop=5, act=innerAct), Rec("c", log, stop=5)])
    return [Rec("a", log, stop=4), Rec("ext", log, stop=5, act=outerAct), dd, Rec("z", log, stop=4)]


@pytest.mark.parametrize(
    "make, limit",
    [
        (nested, None),
        (nested, 1.0),
        (nested, 0.0),
        (nested, 0),
        (growing, None),
        (extendedMidCycle, None),
        (failing, None),
        (interrupted, None),
    ],
    ids=[
        "nested-complete",
        "nested-limit",
        "nested-falsy-limit-float",
        "nested-falsy-limit-int",
        "extend-remove",
        "extend-mid-cycle",
        "exception",
        "keyboard-interrupt",
    ],
)
def test_ado_trace_is_identical_to_do(make, limit):
    viaDo, viaAdo = runBoth(make, limit=limit, tock=0.25)
    assert viaAdo == viaDo
    assert len(viaDo[0]) > 10


def test_ado_falsy_limit_means_no_limit():
    viaDo, viaAdo = runBoth(nested, limit=0.0, tock=0.25)
    for _log, done, tyme, error, dones in (viaDo, viaAdo):
        assert done is True and error is None  # every doer completed: the limit did not stop it
        assert tyme == 1.5 and dones == [True, True, True, True]


def test_ado_extend_mid_cycle_runs_new_deeds_before_the_extender():
    viaDo, viaAdo = runBoth(extendedMidCycle, tock=0.25)
    assert viaAdo == viaDo
    assert viaAdo[3] is None  # no error

    def recurs(tyme):
        return [label for at, context, label in viaAdo[0] if context == "recur" and at == tyme]

    # ext extends the Doist in the cycle at 0.0, b extends dd in the one at 0.25; from the next cycle
    # on, each new deed runs just before the deed then running: late before ext, inner before b
    assert recurs(0.0) == ["a", "ext", "b", "c", "z"]
    assert recurs(0.25) == ["a", "late", "ext", "b", "c", "z"]
    assert recurs(0.5) == ["a", "late", "ext", "inner", "b", "c", "z"]


def test_ado_runs_to_completion_and_returns_what_do_returns():
    log = []
    d = Doist(tock=0.5)
    assert asyncio.run(d.ado(doers=[Rec("a", log, stop=2)])) is None
    assert d.done is True and d.tyme == 1.0
    assert log == [
        (0.0, "enter", "a"),
        (0.0, "recur", "a"),
        (0.5, "recur", "a"),
        (0.5, "clean", "a"),
        (0.5, "exit", "a"),
    ]


def test_ado_parameters_and_temp():
    seen = []

    class Temp(Doer):
        def enter(self, *, temp=None):
            seen.append(temp)

        def recur(self, tyme):
            return True

    one = Temp(opts={"other": 1})
    d = Doist(tock=1.0)
    asyncio.run(d.ado(doers=[one], limit=5, tyme=2.0, temp=True))
    assert seen == [True] and d.limit == 5.0 and d.tyme == 3.0
    assert one.opts == {"other": 1}  # the doer's own options are left as they were
    asyncio.run(d.ado())
    assert seen == [True, None]


def test_artificial_tyme_yields_to_the_loop_once_a_cycle():
    log = []

    async def other():
        for n in range(3):
            log.append(("task", n))
            await asyncio.sleep(0)

    async def main():
        d = Doist(tock=1.0)
        await asyncio.gather(d.ado(doers=[Rec("a", log, stop=3)]), other())

    asyncio.run(main())
    assert [entry for entry in log if entry[1] in ("recur", 0, 1, 2)] == [
        (0.0, "recur", "a"),
        ("task", 0),
        (1.0, "recur", "a"),
        ("task", 1),
        (2.0, "recur", "a"),
        ("task", 2),
    ]


def test_two_doists_share_one_loop_cycle_by_cycle():
    log = []

    async def main():
        one, two = Doist(tock=1.0), Doist(tock=1.0)
        await asyncio.gather(one.ado(doers=[Rec("one", log, stop=2)]), two.ado(doers=[Rec("two", log, stop=2)]))

    asyncio.run(main())
    recurs = [entry for entry in log if entry[1] == "recur"]
    assert recurs == [(0.0, "recur", "one"), (0.0, "recur", "two"), (1.0, "recur", "one"), (1.0, "recur", "two")]


def test_cancelling_closes_every_doer_in_reverse_order_then_cancels():
    log = []
    doers = [Rec("a", log), RecDo("dd", log, doers=[Rec("b", log)]), Rec("c", log)]
    d = Doist(tock=0.5)

    async def main():
        task = asyncio.create_task(d.ado(doers=doers))
        for _ in range(3):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task

    task = asyncio.run(main())
    assert task.cancelled()
    assert d.done is False and all(doer.done is False for doer in doers)
    closing = log[log.index((d.tyme, "close", "c")) :]
    assert closing == [
        (d.tyme, "close", "c"),
        (d.tyme, "exit", "c"),
        (d.tyme, "close", "dd"),  # a DoDoer's close context, then its doers close within its exit
        (d.tyme, "close", "b"),
        (d.tyme, "exit", "b"),
        (d.tyme, "exit", "dd"),
        (d.tyme, "close", "a"),
        (d.tyme, "exit", "a"),
    ]
    assert len(d.deeds) == 0


def test_exception_in_a_doer_closes_the_rest_and_propagates_out_of_the_task():
    log = []
    d = Doist(tock=0.5)

    async def main():
        return await asyncio.gather(d.ado(doers=[Rec("a", log), Rec("x", log, failAt=2), Rec("c", log)]))

    with pytest.raises(ValueError, match="x"):
        asyncio.run(main())
    assert log[-6:] == [
        (0.5, "abort", "x"),
        (0.5, "exit", "x"),
        (0.5, "close", "a"),  # as under .do(): from the right of the deque, where a, already run, sits
        (0.5, "exit", "a"),
        (0.5, "close", "c"),
        (0.5, "exit", "c"),
    ]
    assert d.done is False


def test_keyboard_interrupt_in_a_doer_closes_all_and_returns():
    log = []
    d = Doist(tock=0.5)
    asyncio.run(d.ado(doers=[Rec("a", log), Rec("x", log, failAt=1, failure=KeyboardInterrupt)]))
    assert d.done is False
    assert log[-3:] == [(0.0, "exit", "x"), (0.0, "close", "a"), (0.0, "exit", "a")]


def test_ado_closed_unfinished_with_its_loop_closes_every_doer():
    """A loop closed under a pending ado() leaves a coroutine that is closed later (by the garbage collector)."""
    log = []
    d = Doist(tock=0.5)
    loop = asyncio.new_event_loop()
    coro = d.ado(doers=[Rec("a", log), Rec("b", log)])
    task = loop.create_task(coro)
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    coro.close()  # outside any task, as the collector would
    assert not task.done()
    assert d.done is False
    assert [entry[1:] for entry in log[-4:]] == [("close", "b"), ("exit", "b"), ("close", "a"), ("exit", "a")]
    task._log_destroy_pending = False  # the test means to leave it pending


# awaiting asyncio work from doers


def test_doer_awaits_a_queue_fed_by_a_task_while_others_run():
    log = []
    got = []
    queue = asyncio.Queue  # made inside the loop below

    def consumer(tymth=None, tock=0.0, **opts):
        while True:
            item = yield from awaiting(opts["queue"].get())
            got.append((tymth(), item))
            if item is None:
                return True

    async def feed(q):
        for item in ("one", "two", None):
            for _ in range(5):  # a few turns of the loop between items
                await asyncio.sleep(0)
            await q.put(item)

    async def main():
        q = queue()
        fed = asyncio.create_task(feed(q))
        d = Doist(tock=0.125)
        ticker = Rec("ticker", log)
        await d.ado(doers=[doing.doify(consumer, queue=q), ticker], limit=100)
        await fed
        return d, ticker

    d, ticker = asyncio.run(main())
    assert [item for _, item in got] == ["one", "two", None]
    assert d.done is False  # the ticker never completes: the limit closed it
    tymes = [tyme for tyme, _ in got]
    assert tymes == sorted(tymes) and tymes[0] > 0.0  # the consumer waited some cycles
    assert ticker.count > len(got)  # the ticker ran on every cycle meanwhile


def test_awaited_exception_is_raised_in_the_doer():
    seen = []

    async def broken():
        await asyncio.sleep(0)
        raise LookupError("nope")

    def catcher(tymth=None, tock=0.0, **opts):
        try:
            yield from awaiting(broken())
        except LookupError as ex:
            seen.append(str(ex))
        return True

    d = Doist(tock=0.25)
    asyncio.run(d.ado(doers=[doing.doify(catcher)]))
    assert seen == ["nope"] and d.done is True


def test_closing_the_doer_cancels_its_awaitable_and_ado_waits_for_it():
    events = []

    async def slow():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("cancelled")
            await asyncio.sleep(0)  # winding down takes a turn of the loop
            events.append("wound down")
            raise

    def waiter(tymth=None, tock=0.0, **opts):
        try:
            yield from awaiting(slow())
        finally:
            events.append("doer exit")

    async def main():
        d = Doist(tock=0.25)
        await d.ado(doers=[doing.doify(waiter)], limit=1.0)
        events.append("ado returned")
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    left = asyncio.run(main())
    assert events == ["doer exit", "cancelled", "wound down", "ado returned"]
    assert left == []


def test_removing_the_doer_cancels_its_awaitable():
    events = []

    async def slow():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    def waiter(tymth=None, tock=0.0, **opts):
        yield from awaiting(slow())

    w = doing.doify(waiter)

    def act(doer):
        if doer.count == 3:
            doer.doist.remove([w])

    async def main():
        d = Doist(tock=0.25)
        remover = Rec("remover", [], stop=6, act=act)
        remover.doist = d
        await d.ado(doers=[w, remover])
        return d

    d = asyncio.run(main())
    assert events == ["cancelled"] and d.done is True and w.done is False


def test_cancelling_ado_cancels_the_awaitables_too():
    events = []

    async def slow(n):
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append(n)
            raise

    async def main():
        d = Doist(tock=0.25)
        doers = [AwaitDoer(work=lambda n=n: slow(n)) for n in range(3)]
        task = asyncio.create_task(d.ado(doers=doers))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()], doers

    left, doers = asyncio.run(main())
    assert left == [] and sorted(events) == [0, 1, 2]
    assert all(doer.done is False for doer in doers)


def test_await_doer_result_and_subclass():
    class Answer(AwaitDoer):
        async def work(self):
            await asyncio.sleep(0)
            return 42

    async def double(x):
        await asyncio.sleep(0)
        return 2 * x

    answer, doubled = Answer(), AwaitDoer(work=lambda: double(21))
    d = Doist(tock=0.25)
    asyncio.run(d.ado(doers=[answer, doubled]))
    assert answer.result == doubled.result == 42
    assert answer.done is doubled.done is True and d.done is True


def test_await_doer_exception_aborts_it_and_propagates():
    async def broken():
        raise OSError("gone")

    log = []
    d = Doist(tock=0.25)
    with pytest.raises(OSError, match="gone"):
        asyncio.run(d.ado(doers=[Rec("a", log), AwaitDoer(work=broken)]))
    assert [entry[1:] for entry in log[-2:]] == [("close", "a"), ("exit", "a")]
    with pytest.raises(NotImplementedError):
        asyncio.run(Doist().ado(doers=[AwaitDoer()]))


def test_awaiting_under_do_is_a_clear_error():
    async def never():
        return 1

    def user(tymth=None, tock=0.0, **opts):
        return (yield from awaiting(never()))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match=r"ado\(\)"):
            Doist(tock=0.25).do(doers=[doing.doify(user)])
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]


# real time: the loop watches the waker's descriptors


@pytest.fixture
def pair():
    """A connected socket pair, closed at teardown."""
    a, b = socket.socketpair()
    a.setblocking(False)
    yield a, b
    a.close()
    b.close()


class Reader(Doer):
    """Watches a socket on the waker while entered; records (tyme, bytes) of each read."""

    def __init__(self, sock, log, **kwa):
        super().__init__(**kwa)
        self.sock, self.log = sock, log

    def enter(self, *, temp=None):
        wakerOf(self.tymth).watch(self.sock)  # the waker of the Doist that runs it

    def recur(self, tyme):
        try:
            data = self.sock.recv(100)
        except BlockingIOError:
            return False
        self.log.append((tyme, data))
        return data == b"stop"

    def exit(self):
        wakerOf(self.tymth).unwatch(self.sock)


def test_readable_socket_wakes_a_real_time_ado_at_once(pair):
    """With one-second tocks, bytes sent between boundaries are read in an extra cycle at the same tyme."""
    a, b = pair
    log, slow = [], []

    async def send():
        await asyncio.sleep(0.05)
        b.send(b"hello")
        await asyncio.sleep(0.05)
        b.send(b"stop")

    async def main():
        d = Doist(tock=1.0, real=True, limit=10.0)
        sender = asyncio.create_task(send())
        await d.ado(doers=[Reader(a, log), Rec("slow", slow, stop=2, tock=1.0)])
        await sender
        return d

    d = asyncio.run(main())
    assert log == [(0.0, b"hello"), (0.0, b"stop")]  # both before the first boundary
    assert d.done is True and d.tyme == 2.0
    # the slow doer (tock 1.0) ran only at its own tymes, never in the extra cycles
    assert [entry[:2] for entry in slow] == [
        (0.0, "enter"),
        (0.0, "recur"),
        (1.0, "recur"),
        (1.0, "clean"),
        (1.0, "exit"),
    ]


def test_idle_real_time_ado_runs_only_its_regular_cycles(pair):
    a, _ = pair
    log, ticks = [], []

    async def main():
        d = Doist(tock=0.25, real=True, limit=0.75)
        await d.ado(doers=[Reader(a, log), Rec("tick", ticks)])
        return d

    d = asyncio.run(main())
    assert d.done is False and log == []
    assert [t for t, context, _ in ticks if context == "recur"] == [0.0, 0.25, 0.5]  # no extra cycles


def test_descriptors_watched_while_running_are_added_to_and_removed_from_the_loop(pair):
    a, _ = pair
    c, e = socket.socketpair()
    c.setblocking(False)
    log, seen = [], {}

    def check(doer):
        loop = asyncio.get_running_loop()
        if doer.count == 1:
            seen["before"] = c.fileno() in loop._selector.get_map()
            wakerOf(doer.tymth).watch(c)
            seen["watched"] = c.fileno() in loop._selector.get_map()
            seen["a"] = a.fileno() in loop._selector.get_map()
        elif doer.count == 2:
            wakerOf(doer.tymth).unwatch(c)
            seen["unwatched"] = c.fileno() in loop._selector.get_map()

    async def main():
        loop = asyncio.get_running_loop()
        d = Doist(tock=0.5, real=True, limit=1.0)
        await d.ado(doers=[Reader(a, log), Rec("check", [], act=check)])
        return a.fileno() in loop._selector.get_map(), d

    try:
        after, d = asyncio.run(main())
    finally:
        c.close()
        e.close()
    assert seen == {"before": False, "watched": True, "a": True, "unwatched": False}
    assert after is False  # detached when ado() returned
    assert d.waker.watching == 0


def test_artificial_ado_leaves_the_loop_alone(pair):
    a, _ = pair
    seen = []

    def look(doer):
        seen.append(a.fileno() in asyncio.get_running_loop()._selector.get_map())

    asyncio.run(Doist(tock=0.5).ado(doers=[Reader(a, []), Rec("look", [], stop=2, act=look)], limit=2))
    assert seen == [False, False]


def test_finished_task_wakes_a_real_time_doist():
    got = []

    def waiter(tymth=None, tock=0.0, **opts):
        got.append((tymth(), (yield from awaiting(asyncio.sleep(0.05, result="late")))))
        return True

    d = Doist(tock=1.0, real=True, limit=10.0)
    asyncio.run(d.ado(doers=[doing.doify(waiter), Rec("slow", [], stop=2, tock=1.0)]))
    assert got == [(0.0, "late")]  # resumed in an extra cycle before the first boundary


# the waker's side


def test_waker_attach_watch_unwatch_detach(pair):
    a, b = pair
    w = Waker()
    woken = []

    async def main():
        loop = asyncio.get_running_loop()
        keys = loop._selector.get_map
        w.watch(a)
        w.attach(loop, lambda: woken.append("one"))
        w.attach(loop, lambda: woken.append("two"))
        assert a.fileno() in keys()
        b.send(b"x")
        await asyncio.sleep(0.01)
        assert woken[:2] == ["one", "two"]
        w.unwatch(a)
        assert a.fileno() not in keys()
        w.watch(a)
        assert a.fileno() in keys()
        wakes = list(w._loops[loop].wakes)
        w.detach(loop, wakes[0])
        assert a.fileno() in keys()  # one Doist still attached
        w.detach(loop, wakes[1])
        assert a.fileno() not in keys()
        w.detach(loop, wakes[1])  # harmless
        w.unwatch(a)

    asyncio.run(main())


def test_waker_replaces_a_stale_descriptor_on_the_loop():
    """A descriptor closed without unwatch, its number reused: the loop watches the new one."""
    w = Waker()
    woken = []

    async def main():
        loop = asyncio.get_running_loop()
        w.attach(loop, lambda: woken.append(True))
        first, other = socket.socketpair()
        fd = first.fileno()
        w.watch(first)
        first.close()  # no unwatch: a stale entry
        other.close()
        again, peer = socket.socketpair()
        try:
            if again.fileno() != fd:
                again, peer = peer, again
            assert again.fileno() == fd  # the lowest free number is reused
            w.watch(again)
            peer.send(b"x")
            await asyncio.sleep(0.01)
            assert woken
        finally:
            w.unwatch(again)
            w.detach(loop, w._loops[loop].wakes[0])
            again.close()
            peer.close()

    asyncio.run(main())


def test_ado_needs_a_running_loop():
    with pytest.raises(RuntimeError):
        ado(Doist()).send(None)


def test_do_and_ado_run_one_loop_in_real_time_too():
    """The loop of a run is written once (Doist._runs): in real time, do() waking on the waker
    and ado() waking on the event loop give the same trace of contexts, tymes and extra cycles."""

    traces = []
    for mode in ("do", "ado"):
        a, b = socket.socketpair()
        a.setblocking(False)
        log, slow = [], []

        def send(b=b):
            time.sleep(0.05)
            b.send(b"hello")
            time.sleep(0.05)
            b.send(b"stop")

        sender = threading.Thread(target=send)
        d = Doist(tock=1.0, real=True, limit=10.0)
        doers = [Reader(a, log), Rec("slow", slow, stop=2, tock=1.0)]
        sender.start()
        try:
            if mode == "do":
                d.do(doers=doers)
            else:
                asyncio.run(d.ado(doers=doers))
        finally:
            sender.join()
            a.close()
            b.close()
        traces.append((log, slow, d.done, d.tyme, d.waker.watching))
    assert traces[0] == traces[1]
    assert traces[0][0] == [(0.0, b"hello"), (0.0, b"stop")]  # both in extra cycles before the first boundary
