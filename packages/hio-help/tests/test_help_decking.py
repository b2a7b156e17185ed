"""Tests of hio.help.decking.Deck."""

import copy
from collections import deque

import pytest

from hio.help import Deck, decking


def test_deck_is_package_level_and_a_deque():
    assert Deck is decking.Deck
    deck = Deck()
    assert isinstance(deck, deque)
    assert deck.maxlen is None
    assert not deck and len(deck) == 0


def test_push_ignores_none_and_pull_is_fifo():
    deck = Deck()
    deck.push(None)
    assert len(deck) == 0
    for x in ("a", None, "b", "c", None):
        deck.push(x)
    assert list(deck) == ["a", "b", "c"]
    assert deck.pull() == "a"
    assert deck.pull() == "b"
    deck.push("d")
    assert deck.pull() == "c"
    assert deck.pull() == "d"
    assert not deck


def test_pull_when_empty():
    deck = Deck()
    with pytest.raises(IndexError, match="empty Deck"):
        deck.pull()
    with pytest.raises(IndexError):
        deck.pull(emptive=False)
    assert deck.pull(emptive=True) is None
    assert deck.pull(True) is None
    assert len(deck) == 0  # nothing disturbed


def test_walrus_pull_keeps_falsy_elements():
    deck = Deck()
    deck.extend([False, "", [], 0])  # falsy elements but not None
    stuff = []
    while (x := deck.pull(emptive=True)) is not None:
        stuff.append(x)
    assert stuff == [False, "", [], 0]
    assert not deck


def test_inherited_methods_and_maxlen():
    deck = Deck([1, 2, 3], maxlen=3)
    assert deck.maxlen == 3
    deck.push(4)  # bounded: the oldest falls off the left
    assert list(deck) == [2, 3, 4]
    deck.appendleft(1)
    assert list(deck) == [1, 2, 3]
    assert deck[0] == 1 and deck[-1] == 3
    assert list(reversed(deck)) == [3, 2, 1]
    deck.rotate(1)
    assert list(deck) == [3, 1, 2]
    assert deck.pop() == 2
    deck.remove(3)
    assert list(deck) == [1]
    deck.append(None)  # the inherited append does not refuse None
    assert deck.pull() == 1
    assert deck.pull(emptive=True) is None
    assert len(deck) == 0


def test_repr():
    assert repr(Deck()) == "Deck([])"
    assert repr(Deck([1, "a"])) == "Deck([1, 'a'])"
    assert repr(Deck([1], maxlen=4)) == "Deck([1], maxlen=4)"
    assert eval(repr(Deck(["x", 2], maxlen=5)), {"Deck": Deck}) == Deck(["x", 2])


def test_copies_are_decks():
    deck = Deck([[1], [2]], maxlen=5)
    shallow = copy.copy(deck)
    deep = copy.deepcopy(deck)
    for other in (shallow, deep):
        assert isinstance(other, Deck)
        assert other == deck and other is not deck
        assert other.maxlen == 5
    assert shallow[0] is deck[0]
    assert deep[0] is not deck[0]
