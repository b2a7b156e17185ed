"""hio.base.basing module

Records shared by the example doers: what happened, when, with what.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["State"]


class State(NamedTuple):
    """One recorded step of a doer's life, used by ExDoer, TryDoer and the example generators.

    Fields:
        tyme: the tyme at which the step happened
        context: which context ran: 'enter', 'recur', 'clean', 'close', 'abort' or 'exit'
        feed: what was fed in: the tyme sent by the scheduler (recur), the temp
            option (enter), the exception (abort), None where nothing was
        count: the doer's running count of steps when it was recorded
    """

    tyme: float | None
    context: str
    feed: Any
    count: int  # type: ignore[assignment]  # the published field name; it shadows tuple.count
