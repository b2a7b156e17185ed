"""hio.help package

Helpers used throughout hio: decking (Deck), hicting (Hict, Mict), helping
(function, generator, iterable and file helpers), ogling (Ogler logging
support) and timing (real-time Timer and MonoTimer).

Package level:
    ogler: the package global Ogler (prefix "hio", console and local syslog,
        and a log file once reopened), at level CRITICAL until reset; no
        directory is made until ``ogler.reopen()``
"""

from .decking import Deck
from .hicting import Hict, Mict
from .ogling import Ogler, initOgler, openOgler
from .timing import MonoTimer, RetroTimerError, Timer, TimerError

__all__ = [
    "Deck",
    "Hict",
    "Mict",
    "MonoTimer",
    "Ogler",
    "RetroTimerError",
    "Timer",
    "TimerError",
    "initOgler",
    "ogler",
    "openOgler",
]

ogler = initOgler(prefix="hio")  # package global Ogler instance
