"""hio.deploying.balancing module

How many connections each worker holds, in memory the supervisor shares with
the workers it forks, so that a worker takes a waiting connection only while
no other holds fewer: a burst of connections (a load balancer or a client
opening its pool) is spread evenly over the workers instead of going mostly
to the first one awake.

The supervisor gives each worker a slot before it forks it and frees the slot
when the worker has exited; each worker writes only its own slot; any may
read them all. A read that races a write sees the old count or the new one,
either of which is a fair guess.
"""

from __future__ import annotations

import mmap

__all__ = ["FREE", "Loads"]

FREE = -1
"""Count of a slot no worker has."""


class Loads:
    """The connections each worker holds, one signed 64-bit count a slot, in shared memory.

    Attributes:
        slots (int): how many slots there are
        counts (memoryview): [0] is one more than the highest slot ever given,
            then one count a slot
    """

    Slots = 256

    def __init__(self, slots: int = Slots) -> None:
        """
        Parameters:
            slots: most workers at once
        """
        self.slots = slots
        self._memory = mmap.mmap(-1, 8 * (slots + 1))  # anonymous and shared: forked workers see the same
        self.counts = memoryview(self._memory).cast("q")
        self.counts[0] = 0
        for slot in range(slots):
            self.counts[slot + 1] = FREE

    def take(self) -> int:
        """Gives the first free slot (count 0); -1 when all are taken (that worker is not balanced)."""
        for slot in range(self.slots):
            if self.counts[slot + 1] == FREE:
                self.counts[slot + 1] = 0
                self.counts[0] = max(self.counts[0], slot + 1)
                return slot
        return -1

    def free(self, slot: int) -> None:
        """Frees slot (its worker exited).

        Parameters:
            slot: a slot given by take
        """
        if 0 <= slot < self.slots:
            self.counts[slot + 1] = FREE

    def hold(self, slot: int, count: int) -> None:
        """Writes the count of connections the worker of slot holds.

        Parameters:
            slot: the worker's slot
            count: connections it holds
        """
        if 0 <= slot < self.slots:
            self.counts[slot + 1] = count

    def least(self) -> int:
        """The fewest connections any worker holds; FREE when no slot is taken."""
        counts = self.counts
        fewest = FREE
        for slot in range(1, counts[0] + 1):
            count = counts[slot]
            if count != FREE and (fewest == FREE or count < fewest):
                fewest = count
        return fewest
