"""Tests of the leaf doers of hio.base.doing: Doer, ExDoer, TryDoer, ReDoer and doified generator functions.

Every test asserts the exact recorded trace, State(tyme, context, feed,
count) per context, of the doer kind under a Doist on artificial tyme. Tocks
are binary fractions, so tymes compare exactly.
"""

import inspect
from collections import deque

import pytest

from hio.base import basing, doing
from hio.base.basing import State
from hio.base.doing import (
    Deed,
    Doer,
    Doist,
    ExDoer,
    ReDoer,
    TryDoer,
    bareDo,
    doify,
    doifyExDo,
    doize,
    doizeExDo,
    tryDo,
)
from hio.base.tyming import Tymee, Tymist


def S(tyme, context, feed=None, count=0):
    return State(tyme=tyme, context=context, feed=feed, count=count)


def test_module_exports():
    assert set(doing.__all__) >= {
        "Deed",
        "Doist",
        "Doer",
        "ReDoer",
        "DoDoer",
        "ExDoer",
        "TryDoer",
        "doify",
        "doize",
        "bareDo",
        "doifyExDo",
        "doizeExDo",
        "tryDo",
    }
    assert basing.__all__ == ["State"]
    assert issubclass(Doist, Tymist)
    assert issubclass(Doer, Tymee)
    for cls in (ReDoer, ExDoer, TryDoer, doing.DoDoer):
        assert issubclass(cls, Doer)


def test_state():
    state = State(tyme=0.5, context="recur", feed=0.5, count=1)
    assert state._fields == ("tyme", "context", "feed", "count")
    assert state == (0.5, "recur", 0.5, 1)
    assert state.tyme == 0.5 and state.context == "recur" and state.feed == 0.5 and state.count == 1


def test_deed():
    assert Deed._fields == ("dog", "retyme", "doer")
    doer = ExDoer()
    doist = Doist(tock=0.25, doers=[doer])
    deeds = doist.enter()
    assert type(deeds) is deque
    (deed,) = deeds
    assert type(deed) is tuple  # deeds are plain tuples shaped like Deed
    named = Deed(*deed)
    assert inspect.isgenerator(named.dog)
    assert named.retyme == 0.0  # the first recur runs at the tyme of enter
    assert named.doer is doer
    doist.exit()


def test_doer_defaults():
    doer = Doer()
    assert doer.done is None
    assert doer.tock == 0.0
    assert doer.opts == {}
    assert doer.tymth is None and doer.tyme is None
    assert doer.recur(0.0) is False  # the base recur never completes
    for context in (doer.clean, doer.exit, doer.close):
        assert context() is None
    assert doer.enter() is None
    assert doer.enter(temp=True) is None
    assert doer.abort(ValueError()) is None
    with pytest.raises(TypeError):
        doer.enter(True)  # temp is keyword only


def test_doer_init():
    tymist = Tymist(tyme=2.0)
    opts = {"color": "blue"}
    doer = Doer(tymth=tymist.tymen(), tock=0.5, opts=opts)
    assert doer.tyme == 2.0
    assert doer.tock == 0.5
    assert doer.opts is opts  # kept as given: the scheduler passes it back into .do
    doer.tock = 1
    assert doer.tock == 1.0 and isinstance(doer.tock, float)
    with pytest.raises(ValueError, match="tock"):
        Doer(tock=-1.0)
    with pytest.raises(ValueError, match="tock"):
        doer.tock = -0.5
    assert doer.tock == 1.0


def test_doer_mistaken_keywords_are_reported_not_taken_as_options():
    with pytest.warns(UserWarning) as caught:
        doer = Doer(color="blue", tok=0.5)
    assert str(caught[0].message) == (
        "hio.base.doing.Doer() got an unexpected keyword arguments 'color', 'tok' (did you mean 'tock'?)"
    )
    assert caught[0].filename == __file__  # where it was constructed
    assert doer.opts == {} and doer.tock == 0.0 and not hasattr(doer, "color")


def test_doer_subclass_of_an_application_is_warned_of_a_mistaken_keyword():
    """An application's own cooperative chain may leave keywords over: warned and ignored, as hio always took them."""

    class Lamp(Doer):
        def __init__(self, color="white", **kwa):
            super().__init__(**kwa)
            self.color = color

    with pytest.warns(
        UserWarning, match=r"Lamp\(\) got an unexpected keyword argument 'colour' \(did you mean 'color'\?\)"
    ):
        lamp = Lamp(colour="blue", tock=0.5)
    assert lamp.color == "white" and lamp.tock == 0.5 and lamp.opts == {}


def test_doer_opts_reach_do_as_keywords():
    seen = []

    class Painter(Doer):
        def do(self, tymth, *, tock=0.0, color=None, **opts):
            seen.append(color)
            return (yield from super().do(tymth, tock=tock, **opts))

    Doist(tock=0.25, limit=0.25).do([Painter(opts={"color": "red"})])
    assert seen == ["red"]


def test_doer_call_returns_unstarted_generator():
    doer = ExDoer()
    assert doer.count is None  # nothing counted before entering
    tymist = Tymist(tock=0.25)
    dog = doer(tymth=tymist.tymen(), tock=0.25)
    assert inspect.isgenerator(dog)
    assert inspect.getgeneratorstate(dog) == inspect.GEN_CREATED
    assert doer.states == []  # enter runs at the first next(), not at the call
    assert next(dog) == 0.25
    assert doer.states == [S(0.0, "enter", 0.0, 0)]
    assert doer.done is False
    tymist.tick()
    assert dog.send(tymist.tyme) == 0.25
    dog.close()
    assert doer.done is False
    assert doer.states == [
        S(0.0, "enter", 0.0, 0),
        S(0.25, "recur", 0.25, 1),
        S(0.25, "close", None, 2),  # close and exit advance the count too
        S(0.25, "exit", None, 3),
    ]
    assert inspect.getgeneratorstate(dog) == inspect.GEN_CLOSED


def test_doer_base_runs_until_closed():
    doer = Doer(tock=0.5)
    doist = Doist(tock=0.25, limit=2.0)
    doist.do([doer])
    assert doist.done is False  # the limit ended the run with a doer still running
    assert doer.done is False  # forced close by the limit
    assert doist.tyme == 2.0


def test_exdoer_trace():
    doer = ExDoer(tock=0.25, stop=3)
    doist = Doist(tock=0.125)
    doist.do([doer])
    assert doist.done is True
    assert doer.done is True
    assert doer.count == 5
    assert doer.states == [  # done on the recur whose count passes stop; no clean record
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.5, "recur", 0.5, 3),
        S(0.75, "recur", 0.75, 4),
        S(0.75, "exit", None, 5),
    ]
    assert doist.tyme == 0.875  # the cycle at 0.75 was the last


def test_exdoer_enter_records_its_tyme():
    tymist = Tymist(tyme=1.5)
    doer = ExDoer(stop=0)
    dog = doer(tymth=tymist.tymen(), tock=0.0)
    next(dog)
    assert doer.states == [S(1.5, "enter", 1.5, 0)]
    dog.close()


def test_exdoer_reentered_counts_afresh():
    doer = ExDoer(tock=0.5, stop=1)
    doist = Doist(tock=0.5)
    doist.do([doer])
    doist.do([doer])
    assert [(s.context, s.count) for s in doer.states] == [("enter", 0), ("recur", 1), ("recur", 2), ("exit", 3)] * 2


def test_trydoer_enter_records_the_temp_option():
    doer = TryDoer(stop=0, opts={"temp": True})
    Doist(tock=0.25).do([doer])
    assert doer.states == [S(0.0, "enter", True, 0), S(0.0, "recur", 0.0, 1), S(0.0, "exit", None, 2)]
    plain = TryDoer(stop=0)
    Doist(tock=0.25).do([plain])
    assert plain.states[0] == S(0.0, "enter", "Default", 0)


def test_exdoer_forced_close_by_limit():
    doer = ExDoer(tock=0.25, stop=10)
    doist = Doist(tock=0.25, limit=0.75)
    doist.do([doer])
    assert doist.done is False  # the limit closed a doer still running ...
    assert doer.done is False  # ... a forced end for the doer
    assert doer.states == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.5, "recur", 0.5, 3),
        S(0.75, "close", None, 4),
        S(0.75, "exit", None, 5),
    ]


class FailingExDoer(ExDoer):
    """ExDoer that raises in enter or on its second recur."""

    def __init__(self, where="recur", **kwa):
        super().__init__(**kwa)
        self.where = where

    def enter(self, *, temp=None):
        super().enter(temp=temp)
        if self.where == "enter":
            raise ValueError("enter failed")

    def recur(self, tyme):
        done = super().recur(tyme)
        if self.where == "recur" and self.count == 2:
            raise ValueError("recur failed")
        return done


def test_exdoer_raise_in_recur_aborts_then_exits():
    doer = FailingExDoer(tock=0.25, stop=10)
    doist = Doist(tock=0.25, limit=5.0)
    with pytest.raises(ValueError, match="recur failed") as info:
        doist.do([doer])
    assert doist.done is False
    assert doer.done is False
    assert doer.states == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.25, "abort", info.value, 3),
        S(0.25, "exit", None, 4),
    ]


def test_exdoer_raise_in_enter_aborts_then_exits():
    doer = FailingExDoer(where="enter", tock=0.25)
    doist = Doist(tock=0.25, limit=5.0)
    with pytest.raises(ValueError, match="enter failed") as info:
        doist.do([doer])
    assert doist.done is False
    assert doer.done is False
    assert doer.states == [S(0.0, "enter", 0.0, 0), S(0.0, "abort", info.value, 1), S(0.0, "exit", None, 2)]
    assert len(doist.deeds) == 0


def test_trydoer_trace():
    doer = TryDoer(tock=0.5, stop=3)
    assert doer.count is None and doer.stop == 3 and doer.states == []
    doist = Doist(tock=0.25)
    doist.do([doer])
    assert doer.done is True
    assert doer.states == [  # enter counts 0; every later context advances the count
        S(0.0, "enter", "Default", 0),
        S(0.0, "recur", 0.0, 1),
        S(0.5, "recur", 0.5, 2),
        S(1.0, "recur", 1.0, 3),
        S(1.5, "recur", 1.5, 4),  # the count passes stop: done
        S(1.5, "exit", None, 5),
    ]
    assert doist.tyme == 1.75


def test_trydoer_stop_one_completes_on_its_second_recur():
    doer = TryDoer(stop=1)
    doist = Doist(tock=1.0)
    doist.do([doer])
    assert [(s.tyme, s.context) for s in doer.states] == [(0.0, "enter"), (0.0, "recur"), (1.0, "recur"), (1.0, "exit")]
    assert doist.tyme == 2.0


def test_trydoer_forced_close():
    doer = TryDoer(tock=0.25, stop=10)
    Doist(tock=0.25, limit=0.5).do([doer])
    assert doer.done is False
    assert doer.states == [
        S(0.0, "enter", "Default", 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.5, "close", None, 3),
        S(0.5, "exit", None, 4),
    ]


def test_trydoer_abort_by_hand():
    doer = TryDoer(stop=10)
    tymist = Tymist(tock=0.25)
    dog = doer(tymth=tymist.tymen(), tock=0.0)
    next(dog)
    with pytest.raises(RuntimeError, match="boom"):
        dog.throw(RuntimeError("boom"))
    assert doer.done is False
    assert doer.states == [  # an abort records the exception's message
        S(0.0, "enter", "Default", 0),
        S(0.0, "abort", "boom", 1),
        S(0.0, "exit", None, 2),
    ]


def test_redoer_generator_method_recur():
    doer = ReDoer(tock=0.5, stop=3)
    assert inspect.isgeneratorfunction(doer.recur)
    doist = Doist(tock=0.25)
    doist.do([doer])
    assert doer.done is True
    assert doer.states == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.5, "recur", 0.5, 2),
        S(1.0, "recur", 1.0, 3),
        S(1.0, "exit", None, 4),
    ]


def test_redoer_runs_afresh_after_a_completed_run():
    doer = ReDoer(stop=2)
    tymist = Tymist(tock=0.5)
    for _ in range(2):  # each new dog starts counting from its enter
        dog = doer(tymth=tymist.tymen(), tock=0.0)
        assert next(dog) == 0.0
        assert dog.send(tymist.tick()) == 0.0
        with pytest.raises(StopIteration) as info:
            dog.send(tymist.tick())
        assert info.value.value is True
    assert [s.context for s in doer.states] == ["enter", "recur", "recur", "exit"] * 2


def test_redoer_forced_close_and_abort():
    doer = ReDoer(tock=0.25, stop=10)
    Doist(tock=0.25, limit=0.5).do([doer])
    assert doer.done is False
    assert doer.states == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.5, "close", None, 3),
        S(0.5, "exit", None, 4),
    ]

    doer = ReDoer(stop=10)
    tymist = Tymist(tock=0.25)
    dog = doer(tymth=tymist.tymen(), tock=0.0)
    next(dog)
    dog.send(0.0)
    error = KeyError("gone")
    with pytest.raises(KeyError):
        dog.throw(error)  # thrown into the yield of the generator method recur
    assert doer.states[-2:] == [S(0.0, "abort", error, 2), S(0.0, "exit", None, 3)]


def test_redoer_tock_follows_changes():
    class Slower(ReDoer):
        def recur(self):
            while self.count < self.stop:
                tyme = yield self.tock
                self.count += 1
                self.states.append(S(self.tyme, "recur", tyme, self.count))
                self.tock = self.tock * 2  # read again at the next yield
            return True

    doer = Slower(tock=0.25, stop=4)
    Doist(tock=0.25).do([doer])
    assert [s.tyme for s in doer.states if s.context == "recur"] == [0.0, 0.5, 1.5, 3.5]


def test_doer_tock_change_takes_effect_next_run():
    class Changer(ExDoer):
        def recur(self, tyme):
            self.tock = 0.5 if self.count else 0.25
            return super().recur(tyme)

    doer = Changer(tock=0.0, stop=3)
    Doist(tock=0.25).do([doer])
    assert [s.tyme for s in doer.states if s.context == "recur"] == [0.0, 0.25, 0.75, 1.25]


def test_recur_done_at_once():
    doer = ExDoer(tock=1.0, stop=0)
    doist = Doist(tock=0.25)
    doist.do([doer])
    assert doer.states == [S(0.0, "enter", 0.0, 0), S(0.0, "recur", 0.0, 1), S(0.0, "exit", None, 2)]
    assert doist.tyme == 0.25


def test_doify_exdo_copies():
    first, second = [], []
    f = doify(doifyExDo, name="f", tock=0.25, states=first)
    g = doify(doifyExDo, name="g", tock=0.5, states=second)
    assert f is not g and f is not doifyExDo
    assert f.__name__ == "f" and g.__name__ == "g"
    assert (f.tock, f.done, f.temp, f.opts) == (0.25, None, None, {"states": first})
    assert (g.tock, g.done, g.temp, g.opts) == (0.5, None, None, {"states": second})
    assert f.opts is not g.opts
    assert f.__doc__ == doifyExDo.__doc__
    assert not hasattr(doifyExDo, "tock")  # the original is left alone
    assert not hasattr(doifyExDo, "opts")
    doist = Doist(tock=0.25)
    doist.do([f, g])
    assert f.done is True and g.done is True
    assert first == [  # the same trace as ExDoer: done on the fourth recur
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.5, "recur", 0.5, 3),
        S(0.75, "recur", 0.75, 4),
        S(0.75, "exit", None, 5),
    ]
    assert second == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.5, "recur", 0.5, 2),
        S(1.0, "recur", 1.0, 3),
        S(1.5, "recur", 1.5, 4),
        S(1.5, "exit", None, 5),
    ]


def test_doify_default_name_and_independent_attributes():
    f = doify(doifyExDo)
    g = doify(doifyExDo)
    assert f.__name__ == g.__name__ == "doifyExDo"
    assert (f.tock, f.done, f.temp, f.opts) == (0.0, None, None, {})
    f.tock = 1.0
    f.temp = True
    f.opts["x"] = 1
    assert g.tock == 0.0 and g.temp is None and g.opts == {}
    assert inspect.isgeneratorfunction(f)


def test_doified_temp_is_passed_as_the_temp_option():
    seen = []

    def gen(tymth=None, tock=0.0, temp=None, **opts):
        seen.append(temp)
        yield tock

    plain, temporary, overridden = doify(gen), doify(gen, temp=True), doify(gen, temp=True)
    assert (plain.temp, temporary.temp) == (None, True)
    assert plain.opts == temporary.opts == {}  # temp is an attribute of its own, not one of the opts
    overridden.opts["temp"] = False  # an explicit option wins
    Doist(tock=0.25).do([plain, temporary, overridden])
    assert seen == [None, True, False]


def test_doify_forced_close():
    states = []
    f = doify(doifyExDo, tock=0.25, states=states)
    Doist(tock=0.25, limit=0.25).do([f])
    assert f.done is False
    assert states == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "close", None, 2),
        S(0.25, "exit", None, 3),
    ]


def test_exdo_by_hand_returns_true_even_when_closed():
    states = []
    dog = doifyExDo(tymth=Tymist().tymen(), tock=0.5, states=states)
    assert next(dog) == 0.5
    assert dog.send("first") == 0.5
    with pytest.raises(StopIteration) as info:
        dog.throw(GeneratorExit)  # what close() does, but showing the value it returns
    assert info.value.value is True
    assert [(s.context, s.feed, s.count) for s in states] == [
        ("enter", 0.0, 0),
        ("recur", "first", 1),
        ("close", None, 2),
        ("exit", None, 3),
    ]


def test_doify_bound_method():
    class Worker:
        def __init__(self):
            self.runs = []

        def run(self, tymth=None, tock=0.0, label="", **opts):
            try:
                while True:
                    tyme = yield tock
                    self.runs.append((label, tyme))
                    if len(self.runs) >= 4:
                        return "finished"
            finally:
                self.runs.append((label, "exit"))

    worker = Worker()
    a = doify(worker.run, name="a", tock=0.5, label="a")
    b = doify(worker.run, name="b", tock=1.0, label="b")
    assert inspect.ismethod(a) and inspect.ismethod(b)
    assert a.__self__ is worker and b.__self__ is worker
    assert a.__func__ is not b.__func__ is not Worker.run
    assert (a.tock, a.temp, a.opts, a.__name__) == (0.5, None, {"label": "a"}, "a")
    assert (b.tock, b.temp, b.opts, b.__name__) == (1.0, None, {"label": "b"}, "b")
    assert not hasattr(Worker.run, "tock")  # the class's method is left alone
    doist = Doist(tock=0.5, limit=10.0)
    doist.do([a, b])
    assert worker.runs == [
        ("a", 0.0),
        ("b", 0.0),
        ("a", 0.5),
        ("a", 1.0),
        ("a", "exit"),  # a returned on the fourth run
        ("b", 1.0),
        ("b", "exit"),
    ]
    assert a.done == "finished"  # the return value, kept on the copy's function
    assert b.done == "finished"  # b's run also saw four entries in the shared list
    assert a.__func__.done == "finished"


def test_doize_in_place():
    def gen(tymth=None, tock=0.0, **opts):
        yield tock

    decorated = doize(tock=0.5, temp=False, color="red")(gen)
    assert decorated is gen  # in place: the function itself carries the attributes
    assert (gen.tock, gen.done, gen.temp, gen.opts) == (0.5, None, False, {"color": "red"})
    again = doize()(gen)
    assert again is gen and gen.tock == 0.0 and gen.temp is None and gen.opts == {}


def test_doize_bound_method_attributes_read_through():
    class Worker:
        @doize(tock=0.25)
        def run(self, tymth=None, tock=0.0, **opts):
            yield tock

    worker = Worker()
    assert (worker.run.tock, worker.run.done, worker.run.temp, worker.run.opts) == (0.25, None, None, {})
    with pytest.raises(AttributeError):
        worker.run.tock = 0.5  # a bound method's attributes live on its function
    worker.run.__func__.tock = 0.5
    assert worker.run.tock == 0.5


def test_doize_exdo(monkeypatch):
    assert (doizeExDo.tock, doizeExDo.done, doizeExDo.temp) == (0.0, None, None)
    assert doizeExDo.opts == {"states": None}  # a place for the list that receives its States
    states = []
    monkeypatch.setattr(doizeExDo, "tock", 0.25)
    monkeypatch.setattr(doizeExDo, "done", None)
    monkeypatch.setitem(doizeExDo.opts, "states", states)
    Doist(tock=0.25).do([doizeExDo])
    assert doizeExDo.done is True
    assert states == [
        S(0.0, "enter", 0.0, 0),
        S(0.0, "recur", 0.0, 1),
        S(0.25, "recur", 0.25, 2),
        S(0.5, "recur", 0.5, 3),
        S(0.75, "recur", 0.75, 4),
        S(0.75, "exit", None, 5),
    ]


def test_trydo():
    assert (tryDo.tock, tryDo.temp, tryDo.opts) == (0.0, None, {})  # doized in place
    states = []
    t = doify(tryDo, name="t", tock=0.5, states=states)
    doist = Doist(tock=0.5)
    doist.do([t])
    assert t.done is True
    assert states == [  # it yields its count, so each run comes later than the last
        S(0.0, "enter", "Default", 0),
        S(0.0, "recur", 0.0, 1),
        S(1.0, "recur", 1.0, 2),
        S(3.0, "recur", 3.0, 3),
        S(6.0, "recur", 6.0, 4),
        S(6.0, "exit", 6.0, 5),  # the last feed goes on in every record
    ]
    assert doist.tyme == 6.5


def test_trydo_abort_by_hand():
    states = []
    tymist = Tymist(tock=0.5)
    dog = tryDo(states, tymth=tymist.tymen(), tock=0.5)
    assert next(dog) == 0  # its count, not its tock
    tymist.tick()
    assert dog.send(tymist.tyme) == 1
    error = ValueError("bad")
    with pytest.raises(ValueError, match="bad"):
        dog.throw(error)
    assert states == [
        S(0.0, "enter", "Default", 0),
        S(0.5, "recur", 0.5, 1),
        S(0.5, "abort", 0.5, 2),  # what it was last fed, not the exception
        S(0.5, "exit", 0.5, 3),
    ]


def test_trydo_close_by_hand_returns_true():
    states = []
    dog = tryDo(states, tymth=Tymist().tymen())
    next(dog)
    dog.send("Hello")
    with pytest.raises(StopIteration) as info:
        dog.throw(GeneratorExit)
    assert info.value.value is True
    assert states[-2:] == [S(0.0, "close", "Hello", 2), S(0.0, "exit", "Hello", 3)]


def test_baredo():
    tymist = Tymist(tock=0.5)
    dog = bareDo(tymth=tymist.tymen(), tock=0.5)
    assert next(dog) == 0.5
    with pytest.raises(StopIteration) as info:
        dog.send(0.5)
    assert info.value.value is True
    bare = doify(bareDo, name="bare", tock=0.5)
    doist = Doist(tock=0.25)
    doist.do([bare])
    assert bare.done is True
    assert doist.tyme == 0.25  # one recur, at the tyme of enter


def test_generator_done_while_entering():
    def quick(tymth=None, tock=0.0, **opts):
        return "at once"
        yield  # a generator function all the same

    q = doify(quick)
    doist = Doist(tock=0.25)
    doist.do([q])
    assert q.done == "at once"
    assert doist.done is True
    assert doist.tyme == 0.25


def test_empty_yield_runs_again_asap():
    runs = []

    def eager(tymth=None, tock=0.0, **opts):
        while len(runs) < 3:
            runs.append((yield))  # a bare yield: run again as soon as possible

    e = doify(eager)
    Doist(tock=0.25).do([e])
    assert runs == [0.0, 0.25, 0.5]
    assert e.done is None  # the generator returned None


def test_bad_yield_raises_and_closes(trace):
    def bad(tymth=None, tock=0.0, **opts):
        try:
            trace.log.append((tymth(), "enter", "bad"))
            yield 0.0
            yield "soon"  # not a tock
        finally:
            trace.log.append((tymth(), "exit", "bad"))

    b = doify(bad)
    doist = Doist(tock=0.25, limit=5.0)
    with pytest.raises(TypeError, match="soon"):
        doist.do([trace.doer("first"), b, trace.doer("last")])
    assert doist.done is False
    assert doist.tyme == 0.0  # the cycle did not complete
    assert trace.log == [  # the offending doer is closed first, then the others from the right of the deque
        (0.0, "enter", "first"),
        (0.0, "enter", "bad"),
        (0.0, "enter", "last"),
        (0.0, "recur", "first"),
        (0.0, "exit", "bad"),
        (0.0, "close", "first"),
        (0.0, "exit", "first"),
        (0.0, "close", "last"),
        (0.0, "exit", "last"),
    ]
