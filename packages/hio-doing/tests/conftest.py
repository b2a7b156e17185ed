"""Shared fixtures for the hio.base.doing tests.

``trace`` gives doers that record every context they run into one shared
list, as ``(tyme, context, label)`` triples, so that the order of contexts
across a whole hierarchy (enters, recurs, exits at every level) is asserted
in one comparison.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hio.base.doing import DoDoer, Doer


class Rec(Doer):
    """Doer that records each context into a shared log and is done after ``stop`` recurs (never when None).

    ``fail`` makes it raise ``failure`` in its enter context ('enter') or on its
    ``failAt``-th recur ('recur'); ``act`` is called with the doer on each recur
    before recording, for doers that change the hierarchy while it runs.
    """

    def __init__(self, label, log, stop=None, fail=None, failAt=1, failure=ValueError, act=None, **kwa):
        super().__init__(**kwa)
        self.label = label
        self.log = log
        self.stop = stop
        self.fail = fail
        self.failAt = failAt
        self.failure = failure
        self.act = act
        self.count = 0

    def enter(self, *, temp=None):
        self.log.append((self.tyme, "enter", self.label))
        if self.fail == "enter":
            raise self.failure(self.label)

    def recur(self, tyme):
        self.count += 1
        self.log.append((tyme, "recur", self.label))
        if self.act is not None:
            self.act(self)
        if self.fail == "recur" and self.count == self.failAt:
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
    """DoDoer that records its own contexts into the shared log."""

    def __init__(self, label, log, **kwa):
        super().__init__(**kwa)
        self.label = label
        self.log = log

    def enter(self, doers=None, *, temp=None):
        self.log.append((self.tyme, "enter", self.label))
        return super().enter(doers, temp=temp)

    def clean(self):
        self.log.append((self.tyme, "clean", self.label))

    def close(self):
        self.log.append((self.tyme, "close", self.label))

    def abort(self, ex):
        self.log.append((self.tyme, "abort", self.label))

    def exit(self, deeds=None):
        super().exit(deeds)  # its doers exit first: exits nest inside enters
        self.log.append((self.tyme, "exit", self.label))


@pytest.fixture
def trace():
    """A shared log with factories of recording doers: ``trace.doer(label, ...)``, ``trace.dodoer(label, ...)``."""
    log = []
    return SimpleNamespace(
        log=log,
        doer=lambda label, **kwa: Rec(label, log, **kwa),
        dodoer=lambda label, **kwa: RecDo(label, log, **kwa),
    )
