"""hio.help.decking module

Support for the Deck class, a deque with unambiguous .push and .pull.
"""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["Deck"]


class Deck(deque):
    """Extends deque with the convenience methods .push and .pull.

    They remove confusion about which side of the deque to use: .push adds to
    the right side, .pull removes from the left side, so a Deck is a FIFO.
    .push does not allow a value of None to be added, which enables
    .pull(emptive=True) to return None when empty instead of raising
    IndexError. That allows the walrus operator on a pull to both assign and
    check for empty::

        deck.extend([False, "", []])  # falsy elements but not None
        stuff = []
        while (x := deck.pull(emptive=True)) is not None:
            stuff.append(x)
        assert stuff == [False, "", []]
        assert not deck

    Local methods:
        .push(x) add x if x is not None to the right side (like append)
        .pull(emptive=False) remove and return element from the left side (like popleft)

    Inherited deque methods (append, appendleft, clear, count, extend,
    extendleft, pop, popleft, remove, rotate) and built-ins (len, reversed,
    copy.copy, copy.deepcopy, subscripts) behave as for deque. Note that the
    inherited methods do not refuse None.

    Attributes:
        .maxlen (int | None): maximum size of Deck or None if unbounded
    """

    def __repr__(self) -> str:
        """Custom repr for Deck, e.g. Deck([1, 2]) or Deck([1, 2], maxlen=4)."""
        if self.maxlen is None:
            return f"{self.__class__.__name__}({list(self)!r})"
        return f"{self.__class__.__name__}({list(self)!r}, maxlen={self.maxlen})"

    def push(self, elem: Any) -> None:
        """If not None, adds elem to the right side of the deque, otherwise ignores it.

        Parameters:
            elem: element to be appended to the deck
        """
        if elem is not None:
            self.append(elem)

    def pull(self, emptive: bool = False) -> Any:
        """Removes and returns the element on the left side of the deque.

        Parameters:
            emptive: True means return None instead of raising IndexError when
                empty, False means normal deque behavior

        Raises:
            IndexError: when empty and emptive is False
        """
        try:
            return self.popleft()
        except IndexError:
            if emptive:
                return None
            raise IndexError(f"pull from an empty {self.__class__.__name__}")
