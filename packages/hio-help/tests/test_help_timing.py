"""Tests of hio.help.timing Timer and MonoTimer.

The timers read the system clock through ``time.time()`` of the timing
module; tests replace that clock with a settable one so that elapsed times,
expiry and retrograded clocks are exact and deterministic.
"""

import types

import pytest

from hio.help import MonoTimer, RetroTimerError, Timer, TimerError, timing
from hio.hioing import HioError, Mixin


class Clock:
    """Settable stand-in for the OS clock."""

    def __init__(self, now=1000.0):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(timing, "time", types.SimpleNamespace(time=clock.time))
    return clock


def test_errors():
    assert issubclass(TimerError, HioError)
    assert issubclass(RetroTimerError, TimerError)
    assert issubclass(Timer, Mixin)
    assert issubclass(MonoTimer, Timer)
    assert timing.Timer is Timer and timing.MonoTimer is MonoTimer


def test_timer_on_real_clock():
    """Sanity on the real clock without timing assertions."""
    assert Timer().expired  # zero duration expires at once
    timer = Timer(duration=1e6)
    assert not timer.expired
    assert timer.remaining > 0.0
    assert timer.elapsed >= 0.0
    mono = MonoTimer(duration=1e6)
    assert not mono.expired
    assert mono.latest >= mono._start


def test_timer(clock):
    timer = Timer(duration=2.0)
    assert timer._start == 1000.0 and timer._stop == 1002.0
    assert timer.duration == 2.0
    assert timer.elapsed == 0.0
    assert timer.remaining == 2.0
    assert not timer.expired

    clock.now = 1001.5
    assert timer.elapsed == 1.5
    assert timer.remaining == 0.5
    assert not timer.expired

    clock.now = 1002.0
    assert timer.expired  # time >= ._stop
    clock.now = 1003.0
    assert timer.expired
    assert timer.remaining == -1.0

    # lossless restart at ._stop, keeping the duration
    assert timer.restart() == 1002.0
    assert (timer._start, timer._stop) == (1002.0, 1004.0)
    assert timer.elapsed == 1.0
    assert not timer.expired

    # restart with a new duration
    assert timer.restart(duration=0.5) == 1004.0
    assert timer.duration == 0.5

    # start at current time, keeping duration
    assert timer.start() == 1003.0
    assert (timer._start, timer._stop) == (1003.0, 1003.5)

    # start at given time with new duration
    assert timer.start(duration=10, start=990.0) == 990.0
    assert timer.duration == 10.0
    assert timer.expired


def test_timer_start_parameter(clock):
    timer = Timer(duration=1.0, start=995.0)
    assert timer._start == 995.0
    assert timer.expired
    assert timer.elapsed == 5.0


@pytest.mark.parametrize("cls", [Timer, MonoTimer])
@pytest.mark.parametrize("bad", [-1.0, "soon", None, float("nan")])
def test_bad_duration(clock, cls, bad):
    if bad is None:  # None at construction is not a number
        with pytest.raises(TimerError):
            cls(duration=bad)
        return
    with pytest.raises(TimerError, match="duration"):
        cls(duration=bad)
    timer = cls(duration=3.0)
    with pytest.raises(TimerError):
        timer.start(duration=bad)
    with pytest.raises(TimerError):
        timer.restart(duration=bad)
    assert (timer._start, timer._stop) == (1000.0, 1003.0)  # nothing disturbed


def test_monotimer_like_timer(clock):
    timer = MonoTimer(duration=2.0)
    assert timer.retro is True
    assert timer.latest == 1000.0
    clock.now = 1001.0
    assert timer.elapsed == 1.0
    assert timer.remaining == 1.0
    assert not timer.expired
    clock.now = 1002.0
    assert timer.expired
    assert timer.restart() == 1002.0
    assert timer._stop == 1004.0


def test_monotimer_retrograde_shifts_start_and_stop(clock):
    timer = MonoTimer(duration=10.0, retro=True)
    clock.now = 1004.0
    assert timer.elapsed == 4.0
    assert timer._last == 1004.0

    clock.now = 900.0  # clock retrograded by 104 seconds
    assert timer.latest == 900.0
    assert (timer._start, timer._stop) == (896.0, 906.0)  # shifted back by 104
    assert timer.elapsed == 4.0  # no time lost nor gained
    assert timer.remaining == 6.0
    assert not timer.expired

    clock.now = 906.0
    assert timer.expired

    clock.now = 905.0  # retrograde again, then lossless restart
    assert timer.restart() == 905.0  # ._stop shifted back by 1 first
    assert (timer._start, timer._stop) == (905.0, 915.0)


def test_monotimer_retrograde_raises_when_not_retro(clock):
    timer = MonoTimer(duration=10.0, retro=False)
    assert timer.retro is False
    clock.now = 1004.0
    assert timer.elapsed == 4.0

    clock.now = 1003.0  # clock retrograded by 1 second
    for prop in ("latest", "elapsed", "remaining", "expired"):
        with pytest.raises(RetroTimerError, match="retrograded"):
            getattr(timer, prop)
    with pytest.raises(RetroTimerError):
        timer.restart()
    assert (timer._start, timer._stop) == (1000.0, 1010.0)  # not shifted

    timer.start()  # a fresh start accepts the new clock
    assert (timer._start, timer._stop) == (1003.0, 1013.0)
    clock.now = 1004.0
    assert timer.elapsed == 1.0


def test_monotimer_prograde_not_detected(clock):
    timer = MonoTimer(duration=10.0, retro=False)
    clock.now = 2000.0  # clock moved forward: indistinguishable from elapsed time
    assert timer.expired
    assert timer.elapsed == 1000.0


def test_monotimer_start_in_the_future_counts_as_retrograde(clock):
    timer = MonoTimer(duration=2.0, start=1000.5)  # half a second ahead of the clock
    assert timer._last == 1000.5
    assert timer.elapsed == 0.0  # the first reading moves start (and stop) back to it
    assert (timer._start, timer._stop) == (1000.0, 1002.0)
    clock.now = 1001.0
    assert timer.remaining == 1.0

    past = MonoTimer(duration=2.0, start=1000.0)  # a start in the past is kept
    assert past.elapsed == 1.0 and past._last == 1001.0

    strict = MonoTimer(duration=2.0, start=1002.0, retro=False)
    with pytest.raises(RetroTimerError):
        strict.elapsed  # noqa: B018 the reading is what raises

    timer.start(duration=2.0, start=1003.0)  # start() as well as the constructor
    assert timer.remaining == 2.0 and timer._start == 1001.0


def test_timer_start_in_the_future_is_kept(clock):
    timer = Timer(duration=2.0, start=1000.5)
    assert timer.elapsed == -0.5 and timer.remaining == 2.5  # the plain Timer keeps it


def test_monotimer_remaining_on_the_reading_that_finds_a_retrograde(clock):
    timer = MonoTimer(duration=10.0)
    clock.now = 1004.0
    assert timer.remaining == 6.0
    clock.now = 904.0  # retrograded by 100: the same reading shifts ._stop
    assert timer.remaining == 6.0
