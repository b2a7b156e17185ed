"""hio.help.timing module

Real-time timers measured with the system clock ``time.time()``, in contrast
to ``hio.base.tyming`` whose Tymers measure the artificial or real tyme of a
Tymist.
"""

from __future__ import annotations

import time
from typing import Any

from ..hioing import HioError, Mixin

__all__ = ["MonoTimer", "RetroTimerError", "Timer", "TimerError"]


class TimerError(HioError):
    """Generic Timer errors.

    Usage:
        raise TimerError("error message")
    """


class RetroTimerError(TimerError):
    """Error due to real time being retrograded before the start time of a timer.

    Usage:
        raise RetroTimerError("error message")
    """


class Timer(Mixin):
    """Class to manage real elapsed time using the time module.

    Attributes:
        ._start (float): start time in seconds
        ._stop (float): stop time in seconds

    Properties:
        .duration (float): time duration in seconds of timer from ._start to ._stop
        .elapsed (float): time elapsed in seconds since ._start
        .remaining (float): time remaining in seconds until ._stop
        .expired (bool): True if expired, False otherwise, i.e. time >= ._stop

    Methods:
        .start() start timer at current time
        .restart() restart timer at last ._stop so no time is lost
    """

    def __init__(self, duration: float = 0.0, start: float | None = None, **kwa: Any) -> None:
        """Initializes and starts the timer.

        Parameters:
            duration: duration of the timer in seconds, >= 0.0
            start: start time in seconds, defaults to the current time.time()
            kwa: passed on to the cooperative super class
        """
        super().__init__(**kwa)
        self._start = 0.0
        self._stop = 0.0
        self.start(duration=self._checkDuration(duration), start=start)

    @staticmethod
    def _checkDuration(duration: float) -> float:
        """Returns duration as float, raising TimerError when it is negative or not a number."""
        try:
            duration = float(duration)
        except (TypeError, ValueError):
            raise TimerError(f"Invalid timer duration {duration!r}: not a number.")
        if not duration >= 0.0:  # also rejects nan
            raise TimerError(f"Invalid timer duration {duration!r}: must be >= 0.0.")
        return duration

    @property
    def duration(self) -> float:
        """Duration in seconds of the timer, ._stop - ._start."""
        return self._stop - self._start

    @property
    def elapsed(self) -> float:
        """Elapsed time in seconds (fractional) since ._start."""
        return time.time() - self._start

    @property
    def remaining(self) -> float:
        """Remaining time in seconds (fractional) before ._stop, negative once expired."""
        return self._stop - time.time()

    @property
    def expired(self) -> bool:
        """True if the timer has expired, False otherwise; time.time() >= ._stop."""
        return time.time() >= self._stop

    def start(self, duration: float | None = None, start: float | None = None) -> float:
        """Starts the timer for duration seconds at start time start in seconds.

        Parameters:
            duration: new duration in seconds; None keeps the current duration
            start: start time in seconds; None means the current time.time()

        Returns:
            float: the start time

        Raises:
            TimerError: when duration is negative or not a number
        """
        duration = self._checkDuration(self.duration if duration is None else duration)
        self._start = float(start) if start is not None else time.time()
        self._stop = self._start + duration
        return self._start

    def restart(self, duration: float | None = None) -> float:
        """Lossless restart of the timer at start = ._stop so no time is lost.

        Useful to extend a timer or to run it periodically without drift.

        Parameters:
            duration: new duration in seconds; None keeps the current duration

        Returns:
            float: the new start time, the former ._stop
        """
        return self.start(duration=duration, start=self._stop)


class MonoTimer(Timer):
    """Timer with a monotonically increasing time guarantee in spite of the
    system clock being retrograded (moved back in time).

    If the system clock is retrograded while the timer is running, time.time()
    could move to before the start time. MonoTimer detects any backward step of
    the clock since its last measurement, and any reading before the start
    time. If .retro is True it retrogrades
    ._start and ._stop by the same step, so elapsed and remaining continue as
    if no step happened. Otherwise it raises RetroTimerError. A prograded clock
    (moved forward in time) cannot be detected.

    Attributes:
        ._start (float): start time in seconds
        ._stop (float): stop time in seconds
        ._last (float): last measured time in seconds with retrograde handling
        .retro (bool): True means retrograde ._start and ._stop when the clock
            is retrograded, False means raise RetroTimerError

    Properties:
        .duration, .elapsed, .remaining, .expired: as for Timer
        .latest (float): latest measured time in seconds with retrograde handling
    """

    def __init__(self, duration: float = 0.0, start: float | None = None, retro: bool = True, **kwa: Any) -> None:
        """Initializes and starts the timer.

        Parameters:
            duration: duration of the timer in seconds, >= 0.0
            start: start time in seconds, defaults to the current time.time()
            retro: True means shift ._start and ._stop back when the clock is
                retrograded, False means raise RetroTimerError instead
            kwa: passed on to the cooperative super class
        """
        self.retro = bool(retro)
        self._last = time.time()
        super().__init__(duration=duration, start=start, **kwa)

    @property
    def latest(self) -> float:
        """Latest measured time in seconds adjusted for a retrograded system clock.

        Raises:
            RetroTimerError: when the clock went back and .retro is False
        """
        current = time.time()
        if current < self._last:  # system clock was retrograded
            delta = current - self._last  # negative
            if not self.retro:
                raise RetroTimerError(f"System time retrograded by {-delta} seconds while timer was running.")
            self._start += delta
            self._stop += delta
        self._last = current
        return current

    @property
    def elapsed(self) -> float:
        """Elapsed time in seconds (fractional) since ._start."""
        return self.latest - self._start

    @property
    def remaining(self) -> float:
        """Remaining time in seconds (fractional) before ._stop, negative once expired."""
        latest = self.latest  # first: reading it may move ._stop back
        return self._stop - latest

    @property
    def expired(self) -> bool:
        """True if the timer has expired, False otherwise; .latest >= ._stop."""
        return self.latest >= self._stop

    def start(self, duration: float | None = None, start: float | None = None) -> float:
        """Starts the timer for duration seconds at start time start in seconds.

        Resets retrograde detection to the later of the current time and
        start: a clock reading before the start time counts as retrograded.
        So a start time in the future is, at the first reading, moved back to
        that reading (with ._stop moved by the same step) when .retro is True,
        and raises RetroTimerError when .retro is False.

        Parameters:
            duration: new duration in seconds; None keeps the current duration
            start: start time in seconds; None means the current time.time()

        Returns:
            float: the start time
        """
        now = time.time()
        start = super().start(duration=duration, start=start if start is not None else now)
        self._last = max(now, start)
        return start

    def restart(self, duration: float | None = None) -> float:
        """Lossless restart at start = ._stop, after accounting for any retrograde.

        Parameters:
            duration: new duration in seconds; None keeps the current duration

        Returns:
            float: the new start time, the former (retrograde adjusted) ._stop

        Raises:
            RetroTimerError: when the clock went back and .retro is False
        """
        self.latest  # noqa: B018 applies any pending retrograde to ._start and ._stop
        stop = self._stop
        duration = self._checkDuration(self.duration if duration is None else duration)
        self._start = stop
        self._stop = stop + duration
        return self._start
