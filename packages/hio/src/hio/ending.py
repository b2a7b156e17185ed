"""hio.ending module

Doers that end a run cleanly: :class:`UntilDoer` runs its doers until a
condition holds and :class:`SignalDoer` until the process receives SIGINT or
SIGTERM. Either way every doer still running is closed through its close and
exit contexts, last entered first, so the Doist that runs them returns
normally.

They serve the demo web server (:mod:`hio.demo.web.demo_web`), the quick-start
demo and the ``hiod`` daemon (:mod:`hio.daemon`, which offers them under its
own name too).
"""

from __future__ import annotations

import logging
import signal
import types
from collections.abc import Callable, Iterable
from typing import Any

from hio.base import doing

__all__ = ["SignalDoer", "UntilDoer", "logger"]

logger = logging.getLogger(__name__)


class UntilDoer(doing.DoDoer):
    """DoDoer that runs its doers until a condition holds, then completes.

    Each cycle it first runs its doers, then asks ``.until()``. When that is
    true it is done: its exit context closes the doers still running, last
    entered first, each through its close and exit contexts. It also
    completes, as any DoDoer, when all its doers have completed.

    Attributes:
        until (Callable[[], bool]): the condition that ends the run
    """

    def __init__(self, until: Callable[[], bool] | None = None, **kwa: Any) -> None:
        """
        Parameters:
            until: condition checked once a cycle, None means never
            kwa: DoDoer parameters (doers, always, tock, ...)
        """
        super().__init__(**kwa)
        self.until = until if until is not None else (lambda: False)

    def recur(self, tyme: float, deeds: doing.Deeds | None = None) -> bool:
        """Runs the doers once, then returns True when done or .until() holds.

        Parameters:
            tyme: the root Doist's tyme
            deeds: the deeds to run, default .deeds
        """
        if super().recur(tyme, deeds):
            return True
        return bool(self.until())


class SignalDoer(UntilDoer):
    """UntilDoer that runs its doers until the process receives one of .signums.

    Its enter context installs a handler for each signal (only a flag is set
    there, so no exception ever interrupts a doer halfway); its exit context
    closes the doers still running and then restores the previous handlers.
    Signal handlers belong to the main thread, so a Doist running a
    SignalDoer must run there.

    Attributes:
        signums (tuple[int, ...]): the signals that end the run
        signaled (int | None): the signal received, None while none
    """

    Signums = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, signums: Iterable[int] | None = None, **kwa: Any) -> None:
        """
        Parameters:
            signums: signals that end the run, default SIGINT and SIGTERM
            kwa: DoDoer parameters (doers, tock, ...)
        """
        super().__init__(until=self.received, **kwa)
        self.signums = tuple(signums) if signums is not None else self.Signums
        self.signaled: int | None = None
        self._prior: dict[int, Any] = {}  # previous handler of each signal while installed

    def received(self) -> bool:
        """True once one of the signals was received."""
        return self.signaled is not None

    def handle(self, signum: int, frame: types.FrameType | None) -> None:
        """Signal handler: records the signal; the next cycle ends the run.

        Parameters:
            signum: the signal received
            frame: the frame it interrupted
        """
        self.signaled = signum

    def enter(self, doers: Iterable[Any] | None = None, *, temp: bool | None = None) -> doing.Deeds:
        """Installs the signal handlers, then enters the doers.

        Parameters:
            doers: the doers to enter, default .doers
            temp: True means the doers use temporary resources
        """
        self.signaled = None
        for signum in self.signums:
            self._prior[signum] = signal.signal(signum, self.handle)
        return super().enter(doers, temp=temp)

    def exit(self, deeds: doing.Deeds | None = None) -> None:
        """Closes the doers still running, then restores the previous signal handlers.

        Parameters:
            deeds: the deeds to close, default those of this doer
        """
        if self.signaled is not None:
            logger.info("%s received: closing", signal.Signals(self.signaled).name)
        try:
            super().exit(deeds)
        finally:
            while self._prior:
                signum, prior = self._prior.popitem()
                signal.signal(signum, prior if prior is not None else signal.SIG_DFL)
