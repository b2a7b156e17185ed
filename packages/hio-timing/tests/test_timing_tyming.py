"""Tests of hio.base.tyming: Tymist, Tymee and Tymer.

Tocks and durations are binary fractions (1/32, 1/4, ...), so every tyme
below is exact in floating point and compared with ``==``.
"""

import math

import pytest

from hio.base import tyming
from hio.base.tyming import Tymee, Tymer, Tymist
from hio.hioing import Mixin


def test_module_exports():
    assert set(tyming.__all__) == {"Tymist", "Tymee", "Tymer"}
    assert issubclass(Tymist, Mixin)
    assert issubclass(Tymee, Mixin)
    assert issubclass(Tymer, Tymee)


def test_tymist_defaults():
    assert Tymist.Tock == 0.03125
    tymist = Tymist()
    assert tymist.tyme == 0.0
    assert tymist.tock == Tymist.Tock == 0.03125
    assert isinstance(tymist.tyme, float)
    assert isinstance(tymist.tock, float)


def test_tymist_init_and_setters():
    tymist = Tymist(tyme=2, tock=1)
    assert tymist.tyme == 2.0 and isinstance(tymist.tyme, float)
    assert tymist.tock == 1.0 and isinstance(tymist.tock, float)
    tymist.tyme = 5
    assert tymist.tyme == 5.0
    tymist.tock = 0.25
    assert tymist.tock == 0.25
    tymist.tock = 0  # zero tock is allowed: tyme stands still
    assert tymist.tock == 0.0
    assert tymist.tick() == 5.0


def test_tymist_tock_class_attribute_is_default():
    class SlowTymist(Tymist):
        Tock = 0.5

    assert SlowTymist().tock == 0.5
    assert SlowTymist(tock=0.25).tock == 0.25
    assert Tymist().tock == 0.03125


def test_tymist_tick_with_and_without_tock():
    tymist = Tymist(tock=0.25)
    assert tymist.tick() == 0.25
    assert tymist.tyme == 0.25
    assert tymist.tick() == 0.5
    assert tymist.tick(tock=1.0) == 1.5  # given tock is used once ...
    assert tymist.tock == 0.25  # ... and does not replace .tock
    assert tymist.tick() == 1.75
    assert tymist.tick(0) == 1.75
    assert tymist.tyme == 1.75


def test_tymist_tick_default_tock_many():
    tymist = Tymist()
    for _ in range(32):
        tymist.tick()
    assert tymist.tyme == 1.0  # 32 ticks of 1/32 second, exactly


def test_tymist_rejects_bad_tock():
    with pytest.raises(ValueError, match="tock"):
        Tymist(tock=-0.5)
    with pytest.raises(ValueError, match="tock"):
        Tymist(tock=math.nan)
    tymist = Tymist(tock=0.5)
    with pytest.raises(ValueError, match="tock"):
        tymist.tock = -1.0
    assert tymist.tock == 0.5  # unchanged by the refused assignment
    with pytest.raises(ValueError, match="tock"):
        tymist.tick(tock=-0.25)
    with pytest.raises(ValueError, match="tock"):
        tymist.tick(tock=math.nan)
    assert tymist.tyme == 0.0  # unchanged by the refused ticks
    with pytest.raises((TypeError, ValueError)):
        Tymist(tock="fast")
    with pytest.raises((TypeError, ValueError)):
        Tymist(tyme="now")


def test_tymen_closure_is_read_only_injection():
    tymist = Tymist(tyme=1.0, tock=0.5)
    tymth = tymist.tymen()
    assert callable(tymth)
    assert tymth() == 1.0
    tymist.tick()
    assert tymth() == 1.5  # follows its Tymist
    tymist.tyme = 10.0
    assert tymth() == 10.0
    with pytest.raises(TypeError):
        tymth(3.0)  # takes nothing: there is no way to set tyme through it
    assert not hasattr(tymth, "tyme")
    assert tymth() == 10.0
    other = tymist.tymen()
    assert other is not tymth  # a fresh closure each time, on the same base
    assert other() == tymth() == 10.0


def test_tymen_closures_of_different_tymists_are_independent():
    a, b = Tymist(tock=1.0), Tymist(tyme=100.0, tock=1.0)
    ta, tb = a.tymen(), b.tymen()
    a.tick()
    assert ta() == 1.0
    assert tb() == 100.0


def test_tymee():
    tymee = Tymee()
    assert tymee.tymth is None
    assert tymee.tyme is None  # not wound to any Tymist yet
    tymist = Tymist(tock=0.125)
    tymee.wind(tymist.tymen())
    assert tymee.tyme == 0.0
    tymist.tick()
    assert tymee.tyme == 0.125
    assert tymee.tymth() == 0.125  # .tymth hands out the closure for related objects
    shared = Tymee(tymth=tymee.tymth)
    tymist.tick()
    assert shared.tyme == tymee.tyme == 0.25


def test_tymee_wind_changes_base():
    first, second = Tymist(tyme=1.0), Tymist(tyme=50.0)
    tymee = Tymee(tymth=first.tymen())
    assert tymee.tyme == 1.0
    tymth = second.tymen()
    tymee.wind(tymth)
    assert tymee.tymth is tymth
    assert tymee.tyme == 50.0
    first.tick()
    assert tymee.tyme == 50.0  # no longer on the first base


def test_tymee_tyme_is_read_only():
    tymee = Tymee(tymth=Tymist().tymen())
    with pytest.raises(AttributeError):
        tymee.tyme = 3.0  # tyme belongs to the Tymist: read it, never set it here


def test_tymee_tymth_assignment_winds():
    first, second = Tymist(tyme=1.0, tock=0.5), Tymist(tyme=20.0, tock=0.25)
    tymee = Tymee(tymth=first.tymen())
    tymth = second.tymen()
    tymee.tymth = tymth  # the same as tymee.wind(tymth)
    assert tymee.tymth is tymth
    assert tymee.tyme == 20.0
    first.tick()
    second.tick()
    assert tymee.tyme == 20.25
    tymee.tymth = None  # unwound again
    assert tymee.tymth is None
    assert tymee.tyme is None


def test_tymee_tymth_assignment_goes_through_wind():
    class Follower(Tymee):
        """Tymee that keeps a dependent on its own tyme base."""

        def __init__(self, **kwa):
            self.dependent = Tymee()
            super().__init__(**kwa)

        def wind(self, tymth):
            super().wind(tymth)
            self.dependent.wind(tymth)

    tymist = Tymist(tyme=3.0)
    follower = Follower()
    follower.tymth = tymist.tymen()
    assert follower.dependent.tyme == follower.tyme == 3.0


def test_tymee_cooperative_kwa():
    class Named(Mixin):
        def __init__(self, label="x", **kwa):
            super().__init__(**kwa)
            self.label = label

    class NamedTymee(Tymee, Named):
        pass

    tymist = Tymist(tyme=3.0)
    tymee = NamedTymee(tymth=tymist.tymen(), label="y")
    assert tymee.label == "y"
    assert tymee.tyme == 3.0


def test_tymer_default_duration():
    assert Tymer.Duration == 0.0
    tymist = Tymist(tock=0.25)
    tymer = Tymer(tymth=tymist.tymen())
    assert tymer.duration == 0.0
    assert tymer.elapsed == 0.0
    assert tymer.remaining == 0.0
    assert tymer.expired  # zero duration expires at once


def test_tymer_duration_class_attribute_is_default():
    class LongTymer(Tymer):
        Duration = 2.0

    tymist = Tymist(tock=0.5)
    assert LongTymer(tymth=tymist.tymen()).duration == 2.0
    assert LongTymer(duration=1.0, tymth=tymist.tymen()).duration == 1.0
    assert LongTymer().duration == 2.0  # unwound


def test_tymer_elapsed_remaining_expired():
    tymist = Tymist(tock=0.25)
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0)
    assert tymer.duration == 1.0
    assert (tymer.elapsed, tymer.remaining, tymer.expired) == (0.0, 1.0, False)
    tymist.tick()
    assert (tymer.elapsed, tymer.remaining, tymer.expired) == (0.25, 0.75, False)
    tymist.tick()
    tymist.tick()
    assert (tymer.elapsed, tymer.remaining, tymer.expired) == (0.75, 0.25, False)
    tymist.tick()
    assert (tymer.elapsed, tymer.remaining, tymer.expired) == (1.0, 0.0, True)  # expires at stop
    tymist.tick()
    assert (tymer.elapsed, tymer.remaining, tymer.expired) == (1.25, -0.25, True)
    assert tymer.duration == 1.0  # duration does not change with tyme


def test_tymer_starts_at_current_tyme():
    tymist = Tymist(tyme=2.0, tock=0.5)
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0)
    assert tymer.elapsed == 0.0
    assert tymer.remaining == 1.0
    tymist.tick()
    tymist.tick()
    assert tymer.expired
    assert tymer.tyme == 3.0


def test_tymer_given_start():
    tymist = Tymist(tyme=2.0, tock=0.5)
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0, start=1.5)
    assert tymer.elapsed == 0.5
    assert tymer.remaining == 0.5
    assert not tymer.expired
    tymist.tick()
    assert tymer.expired
    future = Tymer(tymth=tymist.tymen(), duration=1.0, start=10.0)
    assert future.elapsed == -7.5  # not yet started
    assert future.remaining == 8.5
    assert not future.expired


def test_tymer_start():
    tymist = Tymist(tock=0.25)
    tymer = Tymer(tymth=tymist.tymen(), duration=0.5)
    tymist.tick()
    tymist.tick()
    assert tymer.expired
    tymer.start()  # same duration, from now
    assert (tymer.duration, tymer.elapsed, tymer.remaining, tymer.expired) == (0.5, 0.0, 0.5, False)
    tymer.start(duration=2.0)
    assert (tymer.duration, tymer.remaining) == (2.0, 2.0)
    tymer.start(duration=1.0, start=0.0)
    assert (tymer.duration, tymer.elapsed, tymer.remaining) == (1.0, 0.5, 0.5)
    tymer.start(start=0.25)  # keeps duration 1.0
    assert (tymer.duration, tymer.elapsed, tymer.remaining) == (1.0, 0.25, 0.75)


def test_tymer_restart_is_lossless():
    tymist = Tymist(tock=0.375)
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0)
    tymist.tick()
    tymist.tick()
    tymist.tick()  # tyme 1.125, past stop 1.0 by 0.125
    assert tymer.expired
    tymer.restart()  # from the old stop, not from now: the 0.125 is not lost
    assert tymer.duration == 1.0
    assert tymer.elapsed == 0.125
    assert tymer.remaining == 0.875
    assert not tymer.expired
    tymer.restart(duration=0.5)  # from stop 2.0 for 0.5
    assert tymer.duration == 0.5
    assert tymer.elapsed == -0.875
    assert tymer.remaining == 1.375
    tymist.tick()
    tymist.tick()
    tymist.tick()
    tymist.tick()  # tyme 2.625
    assert tymer.expired
    assert tymer.remaining == -0.125


def test_tymer_restart_keeps_cadence():
    """Restarting on every expiry keeps the stops on a fixed grid, however late each is noticed."""
    tymist = Tymist(tock=0.375)
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0)
    stops = []
    for _ in range(16):
        tymist.tick()
        if tymer.expired:
            tymer.restart()
            stops.append(tymist.tyme - tymer.elapsed)  # the restart's start: the previous stop
    assert stops == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def test_tymer_wind_restarts_on_new_base():
    early, late = Tymist(tock=0.25), Tymist(tyme=100.0, tock=0.25)
    tymer = Tymer(tymth=early.tymen(), duration=1.0)
    early.tick()
    early.tick()
    assert tymer.elapsed == 0.5
    tymer.wind(late.tymen())
    assert tymer.tyme == 100.0
    assert tymer.duration == 1.0  # same duration ...
    assert tymer.elapsed == 0.0  # ... started over at the new base's tyme
    assert tymer.remaining == 1.0
    early.tick()
    assert tymer.elapsed == 0.0  # the old base no longer matters
    late.tick()
    assert tymer.elapsed == 0.25


def test_tymer_unwound():
    tymer = Tymer(duration=2.0)
    assert tymer.tymth is None
    assert tymer.tyme is None
    assert tymer.duration == 2.0
    with pytest.raises(ValueError, match="tymth"):
        tymer.start()  # no tyme to start from
    tymer.start(start=1.0)  # an explicit start needs no tymth
    assert tymer.duration == 2.0
    tymist = Tymist(tyme=5.0)
    tymer.wind(tymist.tymen())  # winding starts it on the new base
    assert (tymer.elapsed, tymer.remaining, tymer.expired) == (0.0, 2.0, False)


def test_tymer_tymth_assignment_restarts_on_new_base():
    early, late = Tymist(tock=0.25), Tymist(tyme=8.0, tock=0.25)
    tymer = Tymer(tymth=early.tymen(), duration=1.0)
    early.tick()
    assert tymer.elapsed == 0.25
    tymer.tymth = late.tymen()  # as wind: started over at the new base's tyme
    assert (tymer.tyme, tymer.elapsed, tymer.remaining) == (8.0, 0.0, 1.0)


def test_tymer_unwinding_keeps_start_and_stop():
    tymist = Tymist(tyme=2.0, tock=0.5)
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0)
    tymer.wind(None)
    assert tymer.tymth is None and tymer.tyme is None
    assert tymer.duration == 1.0
    tymer.tymth = tymist.tymen()
    assert (tymer.elapsed, tymer.remaining) == (0.0, 1.0)


def test_tymer_bad_input():
    tymist = Tymist()
    with pytest.raises((TypeError, ValueError)):
        Tymer(tymth=tymist.tymen(), duration="long")
    tymer = Tymer(tymth=tymist.tymen(), duration=1.0)
    with pytest.raises((TypeError, ValueError)):
        tymer.start(duration="long")
    assert tymer.duration == 1.0  # unchanged
