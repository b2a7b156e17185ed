"""Tests of hio.base.doing.DoDoer: nested scheduling, extend and remove while running, always, replay.

Traces are recorded by the ``trace`` fixture's doers (and recording DoDoers)
into one shared list of (tyme, context, label), so that the order of
contexts across every level of a hierarchy is asserted in one comparison.
"""

import inspect
from collections import deque

import pytest

from hio.base.basing import State
from hio.base.doing import DoDoer, Doer, Doist, ExDoer, ReDoer, TryDoer, doify, doifyExDo, tryDo
from hio.base.tyming import Tymist


def assertNested(log):
    """Asserts that forced exits in ``log`` nest like brackets inside enters.

    A doer closed by its scheduler (close, then exit) must be the latest
    entered of those still open; one that ends by itself (completes, aborts,
    or passes an interrupt on) may exit whenever it ends.
    """
    stack, last = [], {}
    for _, context, label in log:
        if context == "enter":
            stack.append(label)
        elif context == "exit":
            if last.get(label) == "close":
                assert stack and stack[-1] == label, f"forced exit of {label} while {stack} open"
            stack.remove(label)
        last[label] = context
    assert stack == []


def test_dodoer_defaults():
    dodoer = DoDoer()
    assert isinstance(dodoer, Doer)
    assert dodoer.doers == []
    assert type(dodoer.deeds) is deque and len(dodoer.deeds) == 0
    assert dodoer.always is False
    assert dodoer.done is None and dodoer.tock == 0.0 and dodoer.opts == {}


def test_dodoer_init_and_properties():
    doers = [ExDoer(), ExDoer()]
    dodoer = DoDoer(doers=doers, always=1, tock=0.5, opts={"color": "green"})
    assert dodoer.doers == doers and dodoer.doers is not doers
    assert dodoer.always is True
    assert dodoer.tock == 0.5
    assert dodoer.opts == {"color": "green"}
    with pytest.warns(
        UserWarning, match=r"DoDoer\(\) got an unexpected keyword argument 'allways' \(did you mean 'always'\?\)"
    ):
        DoDoer(doers=doers, allways=True)  # a mistaken keyword is not an option either
    dodoer.doers = iter(doers[:1])
    assert dodoer.doers == doers[:1]
    dodoer.always = 0
    assert dodoer.always is False
    dodoer.deeds = deque([1])
    assert dodoer.deeds == deque([1])


def test_nested_trace_with_limit(trace):
    c = trace.dodoer("C", doers=[trace.doer("c1", tock=0.5), trace.doer("c2", stop=2, tock=0.25)], tock=0.25)
    b = trace.dodoer("B", doers=[trace.doer("b1", tock=1.0), c])
    a = trace.dodoer("A", doers=[b, trace.doer("a1", stop=1)])
    doist = Doist(tock=0.25, limit=1.0)
    doist.do([a])
    assert doist.done is False
    assert (a.done, b.done, c.done) == (False, False, False)
    assert trace.log == [
        (0.0, "enter", "A"),
        (0.0, "enter", "B"),
        (0.0, "enter", "b1"),
        (0.0, "enter", "C"),
        (0.0, "enter", "c1"),
        (0.0, "enter", "c2"),
        (0.0, "enter", "a1"),
        (0.0, "recur", "b1"),
        (0.0, "recur", "c1"),
        (0.0, "recur", "c2"),
        (0.0, "recur", "a1"),
        (0.0, "clean", "a1"),
        (0.0, "exit", "a1"),
        (0.25, "recur", "c2"),
        (0.25, "clean", "c2"),
        (0.25, "exit", "c2"),
        (0.5, "recur", "c1"),
        (1.0, "close", "A"),  # the limit closes A, whose exit closes B, whose exit closes C ...
        (1.0, "close", "B"),
        (1.0, "close", "C"),
        (1.0, "close", "c1"),
        (1.0, "exit", "c1"),
        (1.0, "exit", "C"),
        (1.0, "close", "b1"),
        (1.0, "exit", "b1"),
        (1.0, "exit", "B"),
        (1.0, "exit", "A"),
    ]
    assertNested(trace.log)


def test_exits_reverse_enters_at_every_level(trace):
    c = trace.dodoer("C", doers=[trace.doer("c1"), trace.doer("c2")])
    b = trace.dodoer("B", doers=[c, trace.doer("b1")])
    a = trace.dodoer("A", doers=[trace.doer("a1"), b, trace.doer("a2")])
    Doist(tock=1.0, limit=2.0).do([a, trace.doer("z")])
    enters = [label for _, context, label in trace.log if context == "enter"]
    exits = [label for _, context, label in trace.log if context == "exit"]
    assert enters == ["A", "a1", "B", "C", "c1", "c2", "b1", "a2", "z"]
    assert exits == list(reversed(enters))
    assertNested(trace.log)


def test_dodoer_completes_when_its_doers_do(trace):
    inner = trace.dodoer("D", doers=[trace.doer("x", stop=1), trace.doer("y", stop=2, tock=0.5)])
    doist = Doist(tock=0.25)
    doist.do([inner])
    assert inner.done is True
    assert doist.done is True
    assert trace.log == [
        (0.0, "enter", "D"),
        (0.0, "enter", "x"),
        (0.0, "enter", "y"),
        (0.0, "recur", "x"),
        (0.0, "clean", "x"),
        (0.0, "exit", "x"),
        (0.0, "recur", "y"),
        (0.5, "recur", "y"),
        (0.5, "clean", "y"),
        (0.5, "exit", "y"),
        (0.5, "clean", "D"),
        (0.5, "exit", "D"),
    ]
    assert doist.tyme == 0.75


def test_dodoer_tock_paces_its_doers(trace):
    inner = trace.dodoer("D", doers=[trace.doer("fast")], tock=0.5)
    Doist(tock=0.25, limit=1.5).do([inner])
    assert [tyme for tyme, context, _ in trace.log if context == "recur"] == [0.0, 0.5, 1.0]


def test_dodoer_tyme_is_the_root_doists():
    seen = []

    class Probe(ExDoer):
        def recur(self, tyme):
            seen.append((self.tyme, outer.tyme, inner.tyme, doist.tyme, tyme))
            return super().recur(tyme)

    probe = Probe(stop=1, tock=0.5)
    inner = DoDoer(doers=[probe])
    outer = DoDoer(doers=[inner])
    doist = Doist(tock=0.5, tyme=3.0)
    doist.do([outer])
    assert seen == [(3.0,) * 5, (3.5,) * 5]
    assert inner.tymth is outer.tymth and probe.tymth is outer.tymth  # one closure down the hierarchy
    assert outer.tymth() == doist.tyme


def test_dodoer_with_generator_doers(trace):
    exStates, tryStates = [], []
    re = ReDoer(tock=0.5, stop=2)
    ex = ExDoer(tock=0.25, stop=2)
    tr = TryDoer(stop=3)
    inner = DoDoer(
        doers=[
            re,
            ex,
            tr,
            doify(doifyExDo, tock=0.5, states=exStates),
            doify(tryDo, tock=1.0, states=tryStates),
        ]
    )
    doist = Doist(tock=0.25)
    doist.do([inner])
    assert inner.done is True
    assert [(s.tyme, s.context) for s in re.states] == [  # done on its second recur
        (0.0, "enter"),
        (0.0, "recur"),
        (0.5, "recur"),
        (0.5, "exit"),
    ]
    assert [(s.tyme, s.context) for s in ex.states] == [  # done on the recur whose count passes 2
        (0.0, "enter"),
        (0.0, "recur"),
        (0.25, "recur"),
        (0.5, "recur"),
        (0.5, "exit"),
    ]
    assert tr.states == [
        State(0.0, "enter", "Default", 0),
        State(0.0, "recur", 0.0, 1),
        State(0.25, "recur", 0.25, 2),
        State(0.5, "recur", 0.5, 3),
        State(0.75, "recur", 0.75, 4),
        State(0.75, "exit", None, 5),
    ]
    assert [(s.tyme, s.context) for s in exStates] == [
        (0.0, "enter"),
        (0.0, "recur"),
        (0.5, "recur"),
        (1.0, "recur"),
        (1.5, "recur"),
        (1.5, "exit"),
    ]
    assert [(s.tyme, s.context) for s in tryStates] == [  # tryDo yields its count: 0, 1, 2, 3 later
        (0.0, "enter"),
        (0.0, "recur"),
        (1.0, "recur"),
        (3.0, "recur"),
        (6.0, "recur"),
        (6.0, "exit"),
    ]
    assert doist.tyme == 6.25


def test_dodoer_do_parameters_by_hand():
    x = ExDoer(stop=0)
    dodoer = DoDoer(doers=[ExDoer()], always=False)
    tymist = Tymist(tock=0.5)
    dog = dodoer(tymth=tymist.tymen(), tock=0.5, doers=[x], always=True)
    assert inspect.isgenerator(dog)
    assert next(dog) == 0.5
    assert dodoer.doers == [x] and dodoer.always is True
    assert dodoer.tock == 0.5
    assert [deed[2] for deed in dodoer.deeds] == [x]
    dog.send(tymist.tyme)
    assert x.done is True
    assert len(dodoer.deeds) == 0
    assert dodoer.done is True  # every deed is done ...
    assert dog.send(tymist.tick()) == 0.5  # ... yet always keeps it running with nothing to do
    dog.close()
    assert dodoer.done is False


def test_dodoer_enter_recur_exit_by_hand(trace):
    a, b = trace.doer("a", stop=2), trace.doer("b")
    tymist = Tymist(tock=0.5)
    dodoer = DoDoer(doers=[a, b], tymth=tymist.tymen())
    deeds = dodoer.enter()
    assert deeds is dodoer.deeds
    assert dodoer.recur(tymist.tyme) is False
    tymist.tick()
    assert dodoer.recur(tymist.tyme) is False
    assert [deed[2] for deed in dodoer.deeds] == [b]
    extra = dodoer.enter([trace.doer("extra")])
    assert extra is not dodoer.deeds
    assert dodoer.recur(tymist.tyme, extra) is False
    dodoer.exit(extra)
    dodoer.exit()
    assert len(dodoer.deeds) == 0 and len(extra) == 0
    assert trace.log == [
        (0.0, "enter", "a"),
        (0.0, "enter", "b"),
        (0.0, "recur", "a"),
        (0.0, "recur", "b"),
        (0.5, "recur", "a"),
        (0.5, "clean", "a"),
        (0.5, "exit", "a"),
        (0.5, "recur", "b"),
        (0.5, "enter", "extra"),
        (0.5, "recur", "extra"),
        (0.5, "close", "extra"),
        (0.5, "exit", "extra"),
        (0.5, "close", "b"),
        (0.5, "exit", "b"),
    ]


def test_dodoer_recur_done_when_empty_even_when_always():
    tymist = Tymist()
    dodoer = DoDoer(tymth=tymist.tymen())
    dodoer.enter()
    assert dodoer.recur(0.0) is True
    dodoer.always = True
    assert dodoer.recur(0.0) is True  # recur reports the deeds; .always only keeps .do running


def test_always_dodoer_reads_done_while_idle_then_not_once_extended():
    dodoer = DoDoer(doers=[TryDoer(stop=0)], always=True)
    doist = Doist(tock=1.0, doers=[dodoer])
    doist.enter()
    doist.recur()
    assert dodoer.done is True and len(doist.deeds) == 1  # all its doers done, but it runs on
    late = TryDoer(stop=1)
    dodoer.extend([late])
    doist.recur()
    assert dodoer.done is False  # running a doer again
    doist.recur()
    assert late.done is True and dodoer.done is True
    doist.exit()
    assert dodoer.done is False  # only a close ends an always DoDoer


def test_always_keeps_running_then_extend_adds(trace):
    holder = trace.dodoer("H", always=True)
    added = trace.doer("added", stop=2)

    def feed(me):
        if me.count == 3:
            holder.extend([added])  # from outside the holder, between its cycles

    doist = Doist(tock=0.5, limit=3.0)
    doist.do([holder, trace.doer("feeder", stop=3, act=feed)])
    assert doist.done is False  # the holder was still running at the limit
    assert holder.done is False  # never done by itself: closed by the limit
    assert added.done is True
    assert holder.doers == [added]
    assert trace.log == [
        (0.0, "enter", "H"),  # nothing to run yet, but it keeps running
        (0.0, "enter", "feeder"),
        (0.0, "recur", "feeder"),
        (0.5, "recur", "feeder"),
        (1.0, "recur", "feeder"),
        (1.0, "enter", "added"),  # entered at once
        (1.0, "clean", "feeder"),
        (1.0, "exit", "feeder"),
        (1.5, "recur", "added"),  # first run at the holder's next cycle
        (2.0, "recur", "added"),
        (2.0, "clean", "added"),
        (2.0, "exit", "added"),
        (3.0, "close", "H"),  # still running with no deeds, until the limit
        (3.0, "exit", "H"),
    ]


def test_always_false_completes_without_doers(trace):
    empty = trace.dodoer("E")
    doist = Doist(tock=0.5)
    doist.do([empty])
    assert empty.done is True
    assert trace.log == [(0.0, "enter", "E"), (0.0, "clean", "E"), (0.0, "exit", "E")]


def test_extend_from_inside_during_cycle(trace):
    new = trace.doer("new", stop=2)

    def grow(me):
        if me.count == 2:
            dodoer.extend([new])

    dodoer = trace.dodoer("D", doers=[trace.doer("x", stop=4, act=grow), trace.doer("y", stop=4)])
    Doist(tock=1.0, limit=10.0).do([dodoer])
    assert dodoer.done is True
    assert dodoer.doers[-1] is new
    assert trace.log == [
        (0.0, "enter", "D"),
        (0.0, "enter", "x"),
        (0.0, "enter", "y"),
        (0.0, "recur", "x"),
        (0.0, "recur", "y"),
        (1.0, "recur", "x"),
        (1.0, "enter", "new"),  # entered at once, during x's run
        (1.0, "recur", "y"),  # the cycle goes on in order, new not yet
        (2.0, "recur", "new"),  # from the next cycle on, just before its extender
        (2.0, "recur", "x"),
        (2.0, "recur", "y"),
        (3.0, "recur", "new"),
        (3.0, "clean", "new"),
        (3.0, "exit", "new"),
        (3.0, "recur", "x"),
        (3.0, "clean", "x"),
        (3.0, "exit", "x"),
        (3.0, "recur", "y"),
        (3.0, "clean", "y"),
        (3.0, "exit", "y"),
        (3.0, "clean", "D"),
        (3.0, "exit", "D"),
    ]


def test_remove_from_inside_during_cycle(trace):
    def prune(me):
        if me.count == 2:
            dodoer.remove([z, me])  # a later sibling and itself

    x, y, z, w = trace.doer("x"), trace.doer("y", stop=3, act=prune), trace.doer("z"), trace.doer("w")
    dodoer = trace.dodoer("D", doers=[x, y, z, w])
    Doist(tock=1.0, limit=4.0).do([dodoer])
    assert dodoer.doers == [x, w]  # both gone from .doers at once
    assert (y.done, z.done) == (True, False)
    assert trace.log == [
        (0.0, "enter", "D"),
        (0.0, "enter", "x"),
        (0.0, "enter", "y"),
        (0.0, "enter", "z"),
        (0.0, "enter", "w"),
        (0.0, "recur", "x"),
        (0.0, "recur", "y"),
        (0.0, "recur", "z"),
        (0.0, "recur", "w"),
        (1.0, "recur", "x"),
        (1.0, "recur", "y"),
        (1.0, "close", "z"),  # closed at once
        (1.0, "exit", "z"),
        (1.0, "recur", "w"),
        (2.0, "recur", "x"),
        (2.0, "recur", "y"),  # itself: running when it asked, so it runs on until it completes
        (2.0, "clean", "y"),
        (2.0, "exit", "y"),
        (2.0, "recur", "w"),
        (3.0, "recur", "x"),
        (3.0, "recur", "w"),
        (4.0, "close", "D"),
        (4.0, "close", "w"),
        (4.0, "exit", "w"),
        (4.0, "close", "x"),
        (4.0, "exit", "x"),
        (4.0, "exit", "D"),
    ]


def test_doer_removing_every_doer_of_its_dodoer_runs_on_then_completes_it(trace):
    def clear(me):
        if me.count == 1:
            dodoer.remove(list(dodoer.doers))  # itself included

    a, b = trace.doer("a"), trace.doer("b")
    clearer = trace.doer("clearer", stop=3, act=clear)
    dodoer = trace.dodoer("D", doers=[a, clearer, b])
    doist = Doist(tock=1.0, limit=10.0)
    doist.do([dodoer])
    assert dodoer.doers == []
    assert dodoer.done is True and doist.done is True  # the clearer completed, and with it the DoDoer
    assert (a.done, clearer.done, b.done) == (False, True, False)
    assert doist.tyme == 3.0
    assert trace.log[4:] == [
        (0.0, "recur", "a"),
        (0.0, "recur", "clearer"),
        (0.0, "close", "b"),  # the others close at once, last entered first
        (0.0, "exit", "b"),
        (0.0, "close", "a"),
        (0.0, "exit", "a"),
        (1.0, "recur", "clearer"),
        (2.0, "recur", "clearer"),
        (2.0, "clean", "clearer"),
        (2.0, "exit", "clearer"),
        (2.0, "clean", "D"),
        (2.0, "exit", "D"),
    ]


def test_doer_removing_its_own_dodoer_runs_on(trace):
    doist = Doist(tock=1.0, limit=10.0)

    def cut(me):
        if me.count == 1:
            doist.remove([outer])  # the DoDoer running this very doer

    inner = trace.doer("inner", stop=2, act=cut)
    outer = trace.dodoer("O", doers=[inner])
    doist.do([outer, trace.doer("z", stop=3)])
    assert [doer.label for doer in doist.doers] == ["z"]
    assert outer.done is True and inner.done is True  # running when removed: ran on to completion
    assert trace.log[3:] == [
        (0.0, "recur", "inner"),
        (0.0, "recur", "z"),
        (1.0, "recur", "inner"),
        (1.0, "clean", "inner"),
        (1.0, "exit", "inner"),
        (1.0, "clean", "O"),
        (1.0, "exit", "O"),
        (1.0, "recur", "z"),
        (2.0, "recur", "z"),
        (2.0, "clean", "z"),
        (2.0, "exit", "z"),
    ]


def test_remove_several_closes_last_entered_first(trace):
    a, b, c = trace.doer("a"), trace.doer("b"), trace.doer("c")
    dodoer = trace.dodoer("D", doers=[a, b, c])

    def prune(me):
        if me.count == 2:
            dodoer.remove([a, b, c])

    Doist(tock=1.0, limit=3.0).do([dodoer, trace.doer("pruner", act=prune)])
    assert dodoer.doers == []
    assert trace.log[9:] == [
        (1.0, "recur", "a"),
        (1.0, "recur", "b"),
        (1.0, "recur", "c"),
        (1.0, "recur", "pruner"),
        (1.0, "close", "c"),  # several removed at once close last entered first
        (1.0, "exit", "c"),
        (1.0, "close", "b"),
        (1.0, "exit", "b"),
        (1.0, "close", "a"),
        (1.0, "exit", "a"),
        (2.0, "clean", "D"),  # nothing left and not always: done at its next cycle
        (2.0, "exit", "D"),
        (2.0, "recur", "pruner"),
        (3.0, "close", "pruner"),
        (3.0, "exit", "pruner"),
    ]


def test_remove_and_extend_from_outside_between_cycles(trace):
    keep, drop, late = trace.doer("keep"), trace.doer("drop"), trace.doer("late", stop=1)
    dodoer = trace.dodoer("D", doers=[keep, drop], tock=1.0)

    def manage(me):
        if me.count == 2:  # at tyme 0.5, between the DoDoer's cycles at 0.0 and 1.0
            dodoer.remove([drop])
            dodoer.extend([late])

    Doist(tock=0.5, limit=2.0).do([dodoer, trace.doer("manager", act=manage)])
    assert dodoer.doers == [keep, late]
    assert trace.log == [
        (0.0, "enter", "D"),
        (0.0, "enter", "keep"),
        (0.0, "enter", "drop"),
        (0.0, "enter", "manager"),
        (0.0, "recur", "keep"),
        (0.0, "recur", "drop"),
        (0.0, "recur", "manager"),
        (0.5, "recur", "manager"),
        (0.5, "close", "drop"),
        (0.5, "exit", "drop"),
        (0.5, "enter", "late"),
        (1.0, "recur", "keep"),
        (1.0, "recur", "late"),  # added directly to the deeds: runs at the DoDoer's next cycle
        (1.0, "clean", "late"),
        (1.0, "exit", "late"),
        (1.0, "recur", "manager"),
        (1.5, "recur", "manager"),
        (2.0, "close", "manager"),
        (2.0, "exit", "manager"),
        (2.0, "close", "D"),
        (2.0, "close", "keep"),
        (2.0, "exit", "keep"),
        (2.0, "exit", "D"),
    ]


def test_remove_whole_dodoer_closes_its_subtree(trace):
    inner = trace.dodoer("I", doers=[trace.doer("i1"), trace.doer("i2")])
    doist = Doist(tock=1.0, limit=5.0)

    def cut(me):
        if me.count == 2:
            doist.remove([inner])

    doist.do([inner, trace.doer("cutter", stop=3, act=cut)])
    assert inner.done is False
    assert trace.log[7:] == [
        (1.0, "recur", "i1"),
        (1.0, "recur", "i2"),
        (1.0, "recur", "cutter"),
        (1.0, "close", "I"),  # closed at the end of the cycle, its doers last entered first
        (1.0, "close", "i2"),
        (1.0, "exit", "i2"),
        (1.0, "close", "i1"),
        (1.0, "exit", "i1"),
        (1.0, "exit", "I"),
        (2.0, "recur", "cutter"),
        (2.0, "clean", "cutter"),
        (2.0, "exit", "cutter"),
    ]
    assert doist.doers == [doist.doers[0]] and doist.doers[0].label == "cutter"


def test_extend_after_close_does_not_enter(trace):
    dodoer = trace.dodoer("D", doers=[trace.doer("a")], always=True)
    Doist(tock=1.0, limit=1.0).do([dodoer])
    late = trace.doer("late")
    before = list(trace.log)
    dodoer.extend([late])  # closed: added to .doers for a later run, not entered now
    assert dodoer.doers[-1] is late
    assert trace.log == before
    assert late.done is None
    assert len(dodoer.deeds) == 0


def test_extend_before_run_enters_with_the_others(trace):
    dodoer = trace.dodoer("D", doers=[trace.doer("a", stop=1)])
    dodoer.extend([trace.doer("b", stop=1)])
    assert trace.log == []
    Doist(tock=1.0).do([dodoer])
    assert [(context, label) for _, context, label in trace.log[:3]] == [("enter", "D"), ("enter", "a"), ("enter", "b")]


def test_nested_exception_aborts_every_level(trace):
    inner = trace.dodoer("B", doers=[trace.doer("b1"), trace.doer("b2", fail="recur", failAt=2), trace.doer("b3")])
    outer = trace.dodoer("A", doers=[trace.doer("a1"), inner, trace.doer("a2")])
    doist = Doist(tock=0.5, limit=10.0)
    with pytest.raises(ValueError, match="b2"):
        doist.do([trace.doer("z"), outer])
    assert doist.done is False
    assert (outer.done, inner.done) == (False, False)
    assert trace.log[14:] == [
        (0.5, "recur", "z"),
        (0.5, "recur", "a1"),
        (0.5, "recur", "b1"),
        (0.5, "recur", "b2"),
        (0.5, "abort", "b2"),
        (0.5, "exit", "b2"),
        (0.5, "abort", "B"),  # the exception goes up through B ...
        (0.5, "close", "b1"),  # ... whose exit closes the rest from the right of its deque,
        (0.5, "exit", "b1"),  # where b1, already run this cycle, sits
        (0.5, "close", "b3"),
        (0.5, "exit", "b3"),
        (0.5, "exit", "B"),
        (0.5, "abort", "A"),
        (0.5, "close", "a1"),
        (0.5, "exit", "a1"),
        (0.5, "close", "a2"),
        (0.5, "exit", "a2"),
        (0.5, "exit", "A"),
        (0.5, "close", "z"),  # then the Doist closes what is left before re-raising
        (0.5, "exit", "z"),
    ]


def test_nested_keyboard_interrupt_closes_everything(trace):
    inner = trace.dodoer(
        "B", doers=[trace.doer("b1"), trace.doer("b2", fail="recur", failAt=2, failure=KeyboardInterrupt)]
    )
    outer = trace.dodoer("A", doers=[inner, trace.doer("a1")])
    doist = Doist(tock=0.5, limit=10.0)
    doist.do([outer, trace.doer("z")])
    assert doist.done is False
    assert trace.log[10:] == [
        (0.5, "recur", "b1"),
        (0.5, "recur", "b2"),
        (0.5, "exit", "b2"),
        (0.5, "close", "b1"),
        (0.5, "exit", "b1"),
        (0.5, "exit", "B"),
        (0.5, "close", "a1"),
        (0.5, "exit", "a1"),
        (0.5, "exit", "A"),
        (0.5, "close", "z"),
        (0.5, "exit", "z"),
    ]


def test_nested_exception_while_entering(trace):
    inner = trace.dodoer("B", doers=[trace.doer("b1"), trace.doer("b2", fail="enter"), trace.doer("b3")])
    outer = trace.dodoer("A", doers=[trace.doer("a1"), inner, trace.doer("a2")])
    with pytest.raises(ValueError, match="b2"):
        Doist(tock=0.5).do([outer])
    assert trace.log == [
        (0.0, "enter", "A"),
        (0.0, "enter", "a1"),
        (0.0, "enter", "B"),
        (0.0, "enter", "b1"),
        (0.0, "enter", "b2"),
        (0.0, "abort", "b2"),
        (0.0, "exit", "b2"),
        (0.0, "close", "b1"),
        (0.0, "exit", "b1"),
        (0.0, "abort", "B"),
        (0.0, "exit", "B"),
        (0.0, "close", "a1"),
        (0.0, "exit", "a1"),
        (0.0, "abort", "A"),
        (0.0, "exit", "A"),
    ]
    assertNested(trace.log)


def runHierarchy():
    """Builds a fresh hierarchy of every doer kind, runs it, and returns everything it recorded."""
    log = []

    class Rec(ExDoer):
        """ExDoer that also logs every context, with its label, into the shared log."""

        def __init__(self, label, **kwa):
            super().__init__(**kwa)
            self.label = label
            self.states = _Logged(self, log)

        def recur(self, tyme):
            if self.label == "grower" and self.count == 2:
                mid.extend([Rec("grown", tock=0.375, stop=3)])
            if self.label == "pruner" and self.count == 3:
                leaf.remove([victim])
            return super().recur(tyme)

    exStates, tryStates = [], []
    victim = TryDoer(stop=100, tock=0.25)
    redoer = ReDoer(tock=0.5, stop=3)
    leaf = DoDoer(doers=[Rec("l1", tock=0.125, stop=7), redoer, victim], tock=0.125)
    mid = DoDoer(doers=[Rec("grower", tock=0.25, stop=6), leaf, doify(doifyExDo, tock=0.75, states=exStates)])
    top = DoDoer(doers=[mid, Rec("pruner", tock=0.5, stop=9), doify(tryDo, tock=1.0, states=tryStates)], always=True)
    doist = Doist(tock=0.125, limit=5.0)
    doist.do([top, Rec("solo", tock=1.5, stop=100)])
    return {
        "log": log,
        "victim": victim.states,
        "redoer": redoer.states,
        "ex": exStates,
        "try": tryStates,
        "done": (doist.done, top.done, mid.done, leaf.done, victim.done, redoer.done),
        "tyme": doist.tyme,
    }


class _Logged(list):
    """A list of States that also appends (label, State) to a shared log."""

    def __init__(self, doer, log):
        super().__init__()
        self.doer = doer
        self.log = log

    def append(self, state):
        super().append(state)
        self.log.append((self.doer.label, state))


def test_deterministic_replay():
    first = runHierarchy()
    second = runHierarchy()
    assert first == second  # same doers, tocks and start tyme: the same contexts at the same tymes
    log = first["log"]
    assert len(log) == 44
    assert log[:4] == [
        ("grower", State(0.0, "enter", 0.0, 0)),
        ("l1", State(0.0, "enter", 0.0, 0)),
        ("pruner", State(0.0, "enter", 0.0, 0)),
        ("solo", State(0.0, "enter", 0.0, 0)),
    ]
    assert log[12:14] == [  # entered by grower's third run, at once, before grower records it
        ("grown", State(0.5, "enter", 0.5, 0)),
        ("grower", State(0.5, "recur", 0.5, 3)),
    ]
    assert [(s.tyme, s.context) for s in first["victim"][-3:]] == [(1.5, "recur"), (1.5, "close"), (1.5, "exit")]
    assert [(s.tyme, s.context) for s in first["redoer"]] == [
        (0.0, "enter"),
        (0.0, "recur"),
        (0.5, "recur"),
        (1.0, "recur"),
        (1.0, "exit"),
    ]
    assert [(s.tyme, s.context) for s in first["try"]] == [  # tryDo's count is its tock: runs at 0, 1, 3
        (0.0, "enter"),
        (0.0, "recur"),
        (1.0, "recur"),
        (3.0, "recur"),
        (5.0, "close"),
        (5.0, "exit"),
    ]
    assert log[-5:] == [
        ("pruner", State(4.5, "recur", 4.5, 10)),  # its count passes stop 9: done
        ("pruner", State(4.5, "exit", None, 11)),
        ("solo", State(4.5, "recur", 4.5, 4)),
        ("solo", State(5.0, "close", None, 5)),  # the limit closes what is left
        ("solo", State(5.0, "exit", None, 6)),
    ]
    assert first["tyme"] == 5.0
    # doist (solo still running at the limit), top (always), mid, leaf, victim (removed), redoer
    assert first["done"] == (False, False, True, True, False, True)
