"""Tests of hio.base.doing.Doist, the root scheduler.

Traces are recorded by the ``trace`` fixture's doers into one shared list
of (tyme, context, label), so the order of contexts across all doers is
asserted at once. Everything runs on artificial tyme except one short,
bounded real-time run.
"""

import socket
import time
from collections import deque

import pytest

from hio.base.basing import State
from hio.base.doing import DoDoer, Doer, Doist, ExDoer, TryDoer, doize
from hio.base.tyming import Tymist
from hio.help.timing import MonoTimer


def test_doist_defaults():
    doist = Doist()
    assert isinstance(doist, Tymist)
    assert doist.real is False
    assert doist.limit is None
    assert doist.done is None
    assert doist.doers == []
    assert type(doist.deeds) is deque and len(doist.deeds) == 0
    assert isinstance(doist.timer, MonoTimer)
    assert doist.tyme == 0.0
    assert doist.tock == Doist.Tock == 0.03125
    assert doist.name == "doist"
    assert doist.timer.duration == doist.tock


def test_doist_name():
    assert Doist(name="main").name == "main"
    with pytest.raises(TypeError):
        Doist(False, None, None, "main")  # name is keyword only


def test_doist_init():
    doers = [ExDoer(), ExDoer()]
    doist = Doist(real=True, limit=2, doers=doers, tyme=1.0, tock=0.5)
    assert doist.real is True
    assert doist.limit == 2.0
    assert doist.doers == doers and doist.doers is not doers  # its own list
    assert doist.tyme == 1.0 and doist.tock == 0.5
    doist.doers = (d for d in doers)
    assert doist.doers == doers and isinstance(doist.doers, list)


def test_do_runs_to_completion(trace):
    doist = Doist(tock=0.25)
    doist.do([trace.doer("a", stop=2), trace.doer("b", stop=1, tock=0.5)])
    assert doist.done is True
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "recur", "a"),
        (0.0, "recur", "b"),
        (0.0, "clean", "b"),
        (0.0, "exit", "b"),
        (0.25, "recur", "a"),
        (0.25, "clean", "a"),
        (0.25, "exit", "a"),
    ]
    assert doist.tyme == 0.5
    assert len(doist.deeds) == 0


def test_do_with_no_doers():
    doist = Doist(tock=0.25)
    doist.do()
    assert doist.done is True
    assert doist.tyme == 0.25  # one empty cycle


def test_do_parameters(trace):
    first = trace.doer("first")
    doist = Doist(tock=0.5, limit=100.0, doers=[first])
    second = trace.doer("second", tock=1.0)
    doist.do(doers=[second], limit=2.0, tyme=10.0)  # replaces .doers, .limit and the tyme
    assert doist.doers == [second]
    assert doist.limit == 2.0
    assert doist.done is False  # the limit came with second still running
    assert first.done is None  # never run
    assert trace.log == [
        (10.0, "enter", "second"),
        (10.0, "recur", "second"),
        (11.0, "recur", "second"),
        (12.0, "close", "second"),  # the limit counts from the starting tyme
        (12.0, "exit", "second"),
    ]
    assert doist.tyme == 12.0


def test_do_uses_init_doers_and_limit(trace):
    doist = Doist(tock=0.5, limit=1.0, doers=[trace.doer("a")])
    doist.do()
    assert doist.done is False
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "recur", "a"),
        (0.5, "recur", "a"),
        (1.0, "close", "a"),
        (1.0, "exit", "a"),
    ]


def test_limit_closes_in_reverse_order_of_enters(trace):
    doist = Doist(tock=0.25, limit=0.5)
    doist.do([trace.doer("a"), trace.doer("b", stop=1), trace.doer("c"), trace.doer("d", tock=1.0)])
    assert doist.done is False
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "enter", "c"),
        (0.0, "enter", "d"),
        (0.0, "recur", "a"),
        (0.0, "recur", "b"),
        (0.0, "clean", "b"),
        (0.0, "exit", "b"),
        (0.0, "recur", "c"),
        (0.0, "recur", "d"),
        (0.25, "recur", "a"),
        (0.25, "recur", "c"),
        (0.5, "close", "d"),  # the limit: a close then an exit for each still open, last entered first
        (0.5, "exit", "d"),
        (0.5, "close", "c"),
        (0.5, "exit", "c"),
        (0.5, "close", "a"),
        (0.5, "exit", "a"),
    ]


def test_keyboard_interrupt_closes_every_dog_and_returns(trace):
    a, b = trace.doer("a"), trace.doer("b", fail="recur", failAt=2, failure=KeyboardInterrupt)
    c = trace.doer("c")
    doist = Doist(tock=0.5, limit=10.0)
    doist.do([a, b, c])  # returns: Ctrl-C is a way to stop, not an error
    assert doist.done is False
    assert (a.done, b.done, c.done) == (False, False, False)
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "enter", "c"),
        (0.0, "recur", "a"),
        (0.0, "recur", "b"),
        (0.0, "recur", "c"),
        (0.5, "recur", "a"),
        (0.5, "recur", "b"),
        (0.5, "exit", "b"),  # the interrupt passes through b: no abort (not an Exception), exit
        (0.5, "close", "a"),  # then from the right of the deque: a already ran this cycle, c not yet
        (0.5, "exit", "a"),
        (0.5, "close", "c"),
        (0.5, "exit", "c"),
    ]
    assert len(doist.deeds) == 0


def test_exception_closes_every_dog_then_reraises(trace):
    a, b, c = trace.doer("a"), trace.doer("b", fail="recur", failAt=2), trace.doer("c")
    doist = Doist(tock=0.5, limit=10.0)
    with pytest.raises(ValueError, match="b"):
        doist.do([a, b, c])
    assert doist.done is False
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "enter", "c"),
        (0.0, "recur", "a"),
        (0.0, "recur", "b"),
        (0.0, "recur", "c"),
        (0.5, "recur", "a"),
        (0.5, "recur", "b"),
        (0.5, "abort", "b"),
        (0.5, "exit", "b"),
        (0.5, "close", "a"),  # the deque as the error left it: a, run this cycle, at the right
        (0.5, "exit", "a"),
        (0.5, "close", "c"),
        (0.5, "exit", "c"),
    ]
    assert len(doist.deeds) == 0


def test_exception_while_entering(trace):
    a, b, c = trace.doer("a"), trace.doer("b", fail="enter", failure=RuntimeError), trace.doer("c")
    doist = Doist(tock=0.5, limit=10.0)
    try:
        doist.do([a, b, c])
    except RuntimeError as ex:
        assert str(ex) == "b"
        seen = list(trace.log)  # what had happened by the time the error reached the caller
    else:
        raise AssertionError("RuntimeError not raised")
    assert doist.done is False
    assert seen == trace.log
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "abort", "b"),  # enter, abort, exit
        (0.0, "exit", "b"),
        (0.0, "close", "a"),  # the one already entered is closed at once
        (0.0, "exit", "a"),
    ]
    assert c.done is None  # never entered


def test_keyboard_interrupt_while_entering(trace):
    a, b = trace.doer("a"), trace.doer("b", fail="enter", failure=KeyboardInterrupt)
    doist = Doist(tock=0.5, limit=10.0)
    doist.do([a, b])
    assert doist.done is False
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "exit", "b"),
        (0.0, "close", "a"),
        (0.0, "exit", "a"),
    ]


def test_exception_in_exit_does_not_keep_others_open(trace):
    class BadExit(ExDoer):
        def exit(self):
            super().exit()
            raise OSError("exit failed")

    bad = BadExit(tock=0.5, stop=100)
    doist = Doist(tock=0.5, limit=0.5)
    with pytest.raises(OSError, match="exit failed"):
        doist.do([trace.doer("a"), bad, trace.doer("c")])
    assert doist.done is False  # the limit closed doers still running; the exit failure is then reported
    assert trace.log[-4:] == [(0.5, "close", "c"), (0.5, "exit", "c"), (0.5, "close", "a"), (0.5, "exit", "a")]
    assert [s.context for s in bad.states][-2:] == ["close", "exit"]
    assert len(doist.deeds) == 0


def test_enter_recur_exit_by_hand(trace):
    a, b = trace.doer("a", tock=0.5), trace.doer("b", stop=2)
    doist = Doist(tock=0.25, doers=[a, b])
    deeds = doist.enter()
    assert deeds is doist.deeds  # entering its own doers stores the deeds
    assert [deed[2] for deed in deeds] == [a, b]
    assert [deed[1] for deed in deeds] == [0.0, 0.0]
    assert doist.tyme == 0.0
    doist.recur()
    assert doist.tyme == 0.25
    assert [(deed[1], deed[2]) for deed in doist.deeds] == [(0.5, a), (0.0, b)]  # retyme: tyme + tock
    doist.recur()
    assert [deed[2] for deed in doist.deeds] == [a]  # b completed
    assert b.done is True
    doist.recur()
    doist.exit()
    assert len(doist.deeds) == 0
    assert a.done is False
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "recur", "a"),
        (0.0, "recur", "b"),
        (0.25, "recur", "b"),
        (0.25, "clean", "b"),
        (0.25, "exit", "b"),
        (0.5, "recur", "a"),
        (0.75, "close", "a"),
        (0.75, "exit", "a"),
    ]
    assert doist.done is None  # .done belongs to .do()


def test_enter_recur_exit_given_deeds(trace):
    own, extra = trace.doer("own"), trace.doer("extra")
    doist = Doist(tock=0.5, doers=[own])
    deeds = doist.enter([extra])
    assert deeds is not doist.deeds  # other doers' deeds are only returned
    assert len(doist.deeds) == 0
    assert [deed[2] for deed in deeds] == [extra]
    doist.recur(deeds)
    assert doist.tyme == 0.5
    doist.exit(deeds)
    assert len(deeds) == 0
    assert own.done is None
    assert trace.log == [
        (0.0, "enter", "extra"),
        (0.0, "recur", "extra"),
        (0.5, "close", "extra"),
        (0.5, "exit", "extra"),
    ]


def test_extend_and_remove_between_cycles(trace):
    a, b = trace.doer("a"), trace.doer("b")
    doist = Doist(tock=0.5, doers=[a])
    c = trace.doer("c")
    doist.extend([c])  # not running yet: only added to .doers
    assert doist.doers == [a, c]
    assert trace.log == []
    doist.enter()
    doist.recur()
    doist.extend([b])  # running: entered at once, at the current tyme
    assert doist.doers == [a, c, b]
    assert [deed[2] for deed in doist.deeds] == [a, c, b]
    doist.recur()
    doist.remove([c])  # closed at once
    assert doist.doers == [a, b]
    assert [deed[2] for deed in doist.deeds] == [a, b]
    assert c.done is False
    doist.recur()
    doist.exit()
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "c"),
        (0.0, "recur", "a"),
        (0.0, "recur", "c"),
        (0.5, "enter", "b"),
        (0.5, "recur", "a"),
        (0.5, "recur", "c"),
        (0.5, "recur", "b"),
        (1.0, "close", "c"),
        (1.0, "exit", "c"),
        (1.0, "recur", "a"),
        (1.0, "recur", "b"),
        (1.5, "close", "b"),  # exits stay in reverse order of enters
        (1.5, "exit", "b"),
        (1.5, "close", "a"),
        (1.5, "exit", "a"),
    ]


def test_extend_and_remove_from_inside_a_cycle(trace):
    doist = Doist(tock=0.5, limit=2.0)
    late = trace.doer("late", stop=2)

    def manage(me):
        if me.count == 2:
            doist.extend([late])
            doist.remove([gone])

    gone = trace.doer("gone")
    doist.do([trace.doer("a"), trace.doer("manager", act=manage), gone])
    assert doist.done is False  # a and manager were still running at the limit
    assert late.done is True and gone.done is False
    assert [doer.label for doer in doist.doers] == ["a", "manager", "late"]
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "manager"),
        (0.0, "enter", "gone"),
        (0.0, "recur", "a"),
        (0.0, "recur", "manager"),
        (0.0, "recur", "gone"),
        (0.5, "recur", "a"),
        (0.5, "recur", "manager"),
        (0.5, "enter", "late"),  # entered at once ...
        (0.5, "close", "gone"),  # ... and the removed one closed at once, before its turn
        (0.5, "exit", "gone"),
        (1.0, "recur", "a"),
        (1.0, "recur", "late"),  # ... and first run at the next cycle, just before its extender
        (1.0, "recur", "manager"),
        (1.5, "recur", "a"),
        (1.5, "recur", "late"),
        (1.5, "clean", "late"),
        (1.5, "exit", "late"),
        (1.5, "recur", "manager"),
        (2.0, "close", "manager"),
        (2.0, "exit", "manager"),
        (2.0, "close", "a"),
        (2.0, "exit", "a"),
    ]


def test_doer_removes_itself(trace):
    doist = Doist(tock=0.5, limit=5.0)

    def quit(me):
        if me.count == 2:
            doist.remove([me])

    quitter = trace.doer("quitter", stop=3, act=quit)
    doist.do([trace.doer("a", stop=4), quitter, trace.doer("c", stop=4)])
    assert doist.done is True
    assert [doer.label for doer in doist.doers] == ["a", "c"]  # gone from .doers at once ...
    assert quitter.done is True  # ... but a running deed cannot be closed: it runs on until it completes
    assert trace.log[6:] == [
        (0.5, "recur", "a"),
        (0.5, "recur", "quitter"),
        (0.5, "recur", "c"),
        (1.0, "recur", "a"),
        (1.0, "recur", "quitter"),
        (1.0, "clean", "quitter"),
        (1.0, "exit", "quitter"),
        (1.0, "recur", "c"),
        (1.5, "recur", "a"),
        (1.5, "clean", "a"),
        (1.5, "exit", "a"),
        (1.5, "recur", "c"),
        (1.5, "clean", "c"),
        (1.5, "exit", "c"),
    ]


def test_doer_removing_itself_still_closed_by_the_limit(trace):
    doist = Doist(tock=0.5, limit=1.0)

    def quit(me):
        doist.remove([me])

    loner = trace.doer("loner", act=quit)
    doist.do([loner])
    assert doist.doers == []
    assert doist.done is False and loner.done is False
    assert trace.log == [
        (0.0, "enter", "loner"),
        (0.0, "recur", "loner"),
        (0.5, "recur", "loner"),
        (1.0, "close", "loner"),
        (1.0, "exit", "loner"),
    ]


def test_remove_matches_doers_by_equality():
    class Owner:
        def __init__(self):
            self.runs = []

        @doize(tock=1.0)
        def work(self, tymth=None, tock=0.0, **opts):
            while True:
                self.runs.append((yield tock))

    owner = Owner()
    doist = Doist(tock=1.0, doers=[owner.work])
    doist.enter()
    doist.recur()
    assert owner.work is not doist.doers[0] and owner.work == doist.doers[0]  # a fresh bound method each time
    doist.remove([owner.work])
    assert doist.doers == [] and len(doist.deeds) == 0
    assert owner.work.done is False
    doist.recur()
    assert owner.runs == [0.0]


def test_remove_closes_the_others_when_one_exit_fails(trace):
    class BadExit(ExDoer):
        def exit(self):
            super().exit()
            raise OSError("exit failed")

    a, bad, c = trace.doer("a"), BadExit(), trace.doer("c")
    doist = Doist(tock=0.5, doers=[a, bad, c])
    doist.enter()
    doist.recur()
    with pytest.raises(OSError, match="exit failed"):
        doist.remove([a, bad, c])
    assert doist.doers == [] and len(doist.deeds) == 0
    assert (a.done, bad.done, c.done) == (False, False, False)
    assert trace.log[-4:] == [(0.5, "close", "c"), (0.5, "exit", "c"), (0.5, "close", "a"), (0.5, "exit", "a")]


def test_removed_doers_keep_a_clean_done():
    early, late = TryDoer(stop=0), TryDoer(stop=5)
    doist = Doist(tock=1.0, doers=[early, late])
    doist.enter()
    doist.recur()
    assert early.done is True
    doist.remove([early, late])
    assert early.done is True  # already completed: its deed was gone, so nothing to force
    assert late.done is False  # forced close
    assert [s.context for s in late.states][-2:] == ["close", "exit"]


def test_exception_after_extend_in_same_cycle_closes_the_new_one(trace):
    doist = Doist(tock=0.5, limit=5.0)
    late = trace.doer("late")

    def extendThenFail(me):
        doist.extend([late])
        raise ValueError("after extend")

    with pytest.raises(ValueError, match="after extend"):
        doist.do([trace.doer("a"), trace.doer("bad", act=extendThenFail), trace.doer("c")])
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "bad"),
        (0.0, "enter", "c"),
        (0.0, "recur", "a"),
        (0.0, "recur", "bad"),
        (0.0, "enter", "late"),
        (0.0, "abort", "bad"),
        (0.0, "exit", "bad"),
        (0.0, "close", "late"),  # from the right: late joined behind a, which already ran
        (0.0, "exit", "late"),
        (0.0, "close", "a"),
        (0.0, "exit", "a"),
        (0.0, "close", "c"),
        (0.0, "exit", "c"),
    ]


def test_rerun_enters_fresh_dogs():
    doer = ExDoer(tock=0.5, stop=2)
    doist = Doist(tock=0.5)
    doist.do([doer])
    doist.do([doer], tyme=0.0)
    assert doist.done is True and doer.done is True
    assert [s.context for s in doer.states] == ["enter", "recur", "recur", "recur", "exit"] * 2


def test_limit_reached_as_the_last_doer_completes_is_done():
    doer = ExDoer(tock=0.5, stop=1)  # recurs at 0.0 and 0.5, done at 0.5
    doist = Doist(tock=0.5, limit=1.0)
    doist.do([doer])
    assert doist.done is True and doer.done is True
    assert doist.tyme == 1.0


def test_limit_counts_from_the_starting_tyme_of_each_run():
    doer = ExDoer(stop=100)
    doist = Doist(tock=1.0, limit=2.0)
    doist.do([doer])
    assert doist.tyme == 2.0
    doist.do([doer])  # goes on from where the last run left the tyme
    assert doist.tyme == 4.0
    assert doist.done is False


def test_real_time_short_run():
    doer = ExDoer(tock=0.01, stop=1000)
    doist = Doist(real=True, tock=0.01, limit=0.05)
    start = time.monotonic()
    doist.do([doer])
    wall = time.monotonic() - start
    assert doist.done is False
    assert doer.done is False  # closed by the limit
    tymes, tyme = [], 0.0
    while tyme < 0.05:  # tyme advances by tock per cycle, exactly as the Doist adds it
        tymes.append(tyme)
        tyme = tyme + 0.01
    assert [s.tyme for s in doer.states] == [0.0, *tymes, tyme, tyme]
    assert [s.context for s in doer.states] == ["enter"] + ["recur"] * len(tymes) + ["close", "exit"]
    assert [s.feed for s in doer.states if s.context == "recur"] == tymes
    assert doist.tyme == tyme
    assert wall < 5.0  # generous bound: real time is kept, not raced through nor stalled


def test_state_records_are_states():
    doer = ExDoer(stop=1)
    Doist().do([doer])
    assert all(isinstance(s, State) for s in doer.states)


def test_interrupt_before_the_first_deed_runs_keeps_the_deeds(trace):
    """A signal that lands as a cycle begins is the error that goes on, and every deed is still closed."""

    class Interrupted(deque):
        """Deeds whose first popleft is interrupted, as by a signal arriving there."""

        armed = False

        def popleft(self):
            if self.armed:
                self.armed = False
                raise KeyboardInterrupt
            return super().popleft()

    a, b = trace.doer("a"), trace.doer("b")
    doist = Doist(tock=0.5, limit=10.0)
    doist.doers = [a, b]
    doist.enter()
    doist.recur()
    doist.deeds = Interrupted(doist.deeds)
    doist.deeds.armed = True
    with pytest.raises(KeyboardInterrupt):
        doist.recur()
    assert {doer for _, _, doer in doist.deeds} == {a, b}  # nothing lost
    doist.exit()
    assert sorted(trace.log[-4:]) == [(0.5, "close", "a"), (0.5, "close", "b"), (0.5, "exit", "a"), (0.5, "exit", "b")]
    assert len(doist.deeds) == 0


def test_a_generator_function_given_as_a_doer_says_to_doify_it():
    def ticker(tymth=None, tock=0.0, **opts):
        yield tock

    with pytest.raises(TypeError, match=r"ticker is a generator function, not a doer: give doing.doify\(ticker\)"):
        Doist(limit=1.0).do(doers=[ticker])
    with pytest.raises(TypeError, match="generator function, not a doer"):  # inside a DoDoer too
        Doist(limit=1.0).do(doers=[DoDoer(doers=[ticker])])
    with pytest.raises(TypeError, match=r"42 is not a doer"):
        Doist(limit=1.0).do(doers=[42])


def test_a_generator_recur_that_takes_tyme_says_which_signature_to_write():
    class Waiter(Doer):
        def recur(self, tyme):
            yield self.tock

    doist = Doist(limit=1.0)
    with pytest.raises(TypeError) as info:
        doist.do(doers=[Waiter()])
    message = str(info.value)
    assert "Waiter.recur is a generator method, run once with 'yield from self.recur()'" in message
    assert "write 'def recur(self):' and read self.tyme" in message and "'def recur(self, tyme):' (no yield)" in message


@pytest.mark.parametrize("limit", [0, 0.0, False])
def test_falsy_limit_means_no_limit(trace, limit):
    """A long-running command passes 0.0 for 'no expiry': the Doist must not stop after one cycle."""
    doist = Doist(tock=0.5, limit=limit)
    assert doist.limit == 0.0
    a = trace.doer("a", stop=6)
    doist.do([a])
    assert doist.done is True and a.done is True
    assert doist.tyme == 3.0  # six recurs, every one of them run
    doist = Doist(tock=0.5, limit=1.0)
    doist.do([trace.doer("b", stop=6)], limit=limit)  # given to .do() it replaces the limit, and means none
    assert doist.limit == 0.0 and doist.done is True and doist.tyme == 3.0


def test_doist_dropped_without_exit_frees_its_doers_at_once():
    """Deeds entered and run by hand, never exited: dropping the Doist frees them without the collector."""
    import gc
    import weakref

    class Held:
        """Stands for a server a doer holds: freed when its doer is."""

    class Holder(Doer):
        def __init__(self, **kwa):
            super().__init__(**kwa)
            self.held = Held()

    doer = Holder(tock=0.0)
    held = weakref.ref(doer.held)
    doist = Doist(tock=0.25)
    deeds = doist.enter(doers=[doer])
    doist.recur(deeds)
    doist.recur(deeds)
    assert doist.tyme == 0.5
    enabled = gc.isenabled()
    gc.disable()  # only reference counting may free it
    try:
        del doer, deeds, doist
        assert held() is None
    finally:
        if enabled:
            gc.enable()


def test_a_real_time_wait_tells_the_cycle_after_it_what_it_found_readable():
    """Waker.ready holds what the wait before a cycle found readable, for that cycle only:
    None for a cycle no wait came before, [] after a wait that timed out, the readable
    descriptor after one that woke early; None again once the run is over."""
    a, b = socket.socketpair()
    a.setblocking(False)
    seen: list = []

    class Looker(Doer):
        def enter(self, *, temp=None):
            doist.waker.watch(a)

        def recur(self, tyme):
            seen.append(doist.waker.ready)
            if len(seen) == 2:
                b.send(b"x")  # readable for the next wait
            elif len(seen) == 3:
                a.recv(1)
            return len(seen) >= 5

        def exit(self):
            doist.waker.unwatch(a)

    doist = Doist(real=True, tock=0.05, limit=2.0, doers=[Looker()])  # a tock no cycle here overruns
    fd = a.fileno()
    try:
        doist.do()
    finally:
        a.close()
        b.close()
    assert seen[0] is None  # the first cycle: no wait before it
    assert seen[1] == []  # a wait to the tock boundary, nothing readable
    assert [found for found, _ in seen[2]] == [fd]  # woke early: the cycle reads it
    assert seen[3] == [] and seen[4] == []  # waits to the boundary again
    assert doist.waker.ready is None
