"""hio.base.tyming module

Tyme is the relative cycle time, in seconds, that a hierarchy of hio
coroutines shares. A Tymist keeps it and advances it by one tock per tick; a
Tymee reads it through an injected ``tymth`` closure; a Tymer measures
durations on it. Tyme may be artificial (advanced as fast as the code runs,
for simulation and deterministic replay) or kept in step with real time by
whoever ticks the Tymist (a real-time Doist).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hioing import Mixin

__all__ = ["Tymee", "Tymer", "Tymist"]


def checkTock(tock: float) -> float:
    """Returns ``tock`` as a float: a tyme increment in seconds, never negative.

    Parameters:
        tock: the tock to check, in seconds

    Raises:
        ValueError: when ``tock`` is negative or nan
    """
    tock = float(tock)
    if not tock >= 0.0:  # also refuses nan
        raise ValueError(f"Invalid tock {tock!r}: must be >= 0.0.")
    return tock


class Tymist(Mixin):
    """Keeps artificial, simulated or cycle time, called tyme.

    Provides relative cycle time, tyme, in seconds with the .tyme property, in
    increments of .tock seconds. .tick() advances .tyme by one .tock. .tymen()
    hands out read-only access to .tyme for injection into Tymees.

    Class Attributes:
        Tock (float): default .tock

    Properties:
        tyme (float): relative cycle time in seconds
        tock (float): tyme increment of .tick() in seconds, non negative
    """

    Tock = 0.03125  # 1/32 second, exact in binary floating point

    def __init__(self, tyme: float = 0.0, tock: float | None = None, **kwa: Any) -> None:
        """Initializes tyme and tock.

        Parameters:
            tyme: initial relative cycle time in seconds
            tock: tyme increment of .tick() in seconds; None means .Tock
            kwa: parameters of the base classes (see Bases); a keyword none of them takes is warned of (see hio.hioing.Mixin)
        """
        super().__init__(**kwa)
        self.tyme = float(tyme)
        self.tock = float(tock) if tock is not None else self.Tock

    @property
    def tyme(self) -> float:
        """Relative cycle time in seconds."""
        return self._tyme

    @tyme.setter
    def tyme(self, tyme: float) -> None:
        self._tyme = float(tyme)

    @property
    def tock(self) -> float:
        """Tyme increment of .tick() in seconds."""
        return self._tock

    @tock.setter
    def tock(self, tock: float) -> None:
        self._tock = checkTock(tock)

    def tick(self, tock: float | None = None) -> float:
        """Advances .tyme by ``tock`` seconds, or by .tock when not given; returns the new .tyme.

        Parameters:
            tock: tyme to advance by in seconds, None means .tock

        Raises:
            ValueError: when ``tock`` is negative (tyme never runs backwards) or nan
        """
        self._tyme += self._tock if tock is None else checkTock(tock)
        return self._tyme

    def tymen(self) -> Callable[[], float]:
        """Returns the closure ``tymth``: calling it returns this Tymist's current .tyme.

        This is read-only injection of tyme: whoever holds tymth can read the
        tyme base but cannot change it.
        """

        def tymth() -> float:
            return self._tyme

        return tymth


class Tymee(Mixin):
    """Reads the tyme of a Tymist through an injected tymth closure.

    Properties:
        tyme (float | None): the associated Tymist's .tyme, None when no tymth is wound in
        tymth (Callable | None): the injected closure, for passing on to related objects;
            assigning it winds the Tymee, as .wind() does
    """

    def __init__(self, tymth: Callable[[], float] | None = None, **kwa: Any) -> None:
        """Initializes with an optional tymth.

        Parameters:
            tymth: closure returned by Tymist.tymen(); may be wound in later with .wind()
            kwa: parameters of the base classes (see Bases); a keyword none of them takes is warned of (see hio.hioing.Mixin)
        """
        super().__init__(**kwa)
        self._tymth = tymth

    @property
    def tyme(self) -> float | None:
        """Relative cycle time of the associated Tymist, None when not wound to one."""
        return self._tymth() if self._tymth is not None else None

    @property
    def tymth(self) -> Callable[[], float] | None:
        """The injected tymth closure, for injection into objects that share this tyme base.

        Assigning it is the same as calling .wind(), so subclasses that keep
        dependents on the same tyme base update them either way.
        """
        return self._tymth

    @tymth.setter
    def tymth(self, tymth: Callable[[], float] | None) -> None:
        self.wind(tymth)

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Injects a new tymth, changing the tyme base; None unwinds it. Subclasses update their dependents too.

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        self._tymth = tymth


class Tymer(Tymee):
    """Measures durations on the tyme of a Tymist.

    Properties:
        duration (float): tyme from start to stop in seconds
        elapsed (float): tyme since start in seconds
        remaining (float): tyme until stop in seconds (negative once past)
        expired (bool): True once .tyme >= stop

    Class Attributes:
        Duration (float): default duration
    """

    Duration = 0.0

    def __init__(self, duration: float | None = None, start: float | None = None, **kwa: Any) -> None:
        """Initializes and, when a tymth is given, starts the Tymer.

        Parameters:
            duration: tyme in seconds from start to stop; None means .Duration
            start: tyme at which to start; None means the current .tyme
            tymth: (in kwa) closure from Tymist.tymen()
            kwa: parameters of the base classes (see Bases), passed on
        """
        super().__init__(**kwa)
        self._start = 0.0
        self._stop = self._start + (float(duration) if duration is not None else self.Duration)
        if self._tymth is not None:
            self.start(duration=duration, start=start)

    @property
    def duration(self) -> float:
        """Tyme duration in seconds from start to stop."""
        return self._stop - self._start

    def _now(self) -> float:
        """The current tyme of the wound-in Tymist.

        Raises:
            TypeError: when no tymth has been wound in
        """
        tymth = self._tymth
        if tymth is None:
            raise TypeError("Tymer has no tymth: wind it to a Tymist first.")
        return tymth()

    @property
    def elapsed(self) -> float:
        """Tyme elapsed in seconds since start.

        Raises:
            TypeError: when no tymth has been wound in
        """
        return self._now() - self._start

    @property
    def remaining(self) -> float:
        """Tyme remaining in seconds until stop.

        Raises:
            TypeError: when no tymth has been wound in
        """
        return self._stop - self._now()

    @property
    def expired(self) -> bool:
        """True when .tyme >= stop.

        Raises:
            TypeError: when no tymth has been wound in
        """
        return self._now() >= self._stop

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Injects a new tymth and starts over, with the same duration, at the new base's tyme.

        None unwinds it: it keeps its start and stop until wound again.

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        if tymth is not None:
            self.start()

    def start(self, duration: float | None = None, start: float | None = None) -> None:
        """Starts the Tymer for ``duration`` (else the current duration) at ``start`` (else now).

        Parameters:
            duration: seconds of tyme until expiry, None means keep .duration
            start: tyme at which it starts, None means now

        Raises:
            ValueError: when no tymth has been wound in yet and no start is given
        """
        duration = float(duration) if duration is not None else self._stop - self._start
        if start is None:
            tymth = self._tymth
            if tymth is None:
                raise ValueError("Tymer has no tymth: wind it to a Tymist before starting it.")
            start = tymth()
        self._start = start = float(start)
        self._stop = start + duration

    def restart(self, duration: float | None = None) -> None:
        """Restarts at the previous stop, so no tyme is lost, for ``duration`` (else the current one).

        Parameters:
            duration: seconds of tyme until expiry, None means keep .duration
        """
        duration = float(duration) if duration is not None else self.duration
        self._start = self._stop
        self._stop = self._start + duration
