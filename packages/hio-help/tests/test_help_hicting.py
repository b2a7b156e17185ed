"""Tests of hio.help.hicting Hict (case insensitive) and Mict."""

import multidict
import pytest

from hio.help import Hict, Mict, hicting


def test_multidict_release():
    assert int(multidict.__version__.split(".")[0]) >= 6
    assert issubclass(Hict, multidict.CIMultiDict)
    assert issubclass(Mict, multidict.MultiDict)
    assert Hict is hicting.Hict and Mict is hicting.Mict


def test_hict_case_insensitive_multivalued():
    hict = Hict([("Content-Type", "text/plain"), ("Accept", "a")])
    hict.add("content-type", "application/json")
    hict.add("ACCEPT", "b")
    assert hict["CONTENT-TYPE"] == "text/plain"  # FIFO access of MultiDict
    assert hict.getall("content-type") == ["text/plain", "application/json"]
    assert len(hict) == 4

    assert hict.nabone("Content-type") == "application/json"  # LIFO access
    assert hict.nab("accept") == "b"
    assert hict.naball("Accept") == ["b", "a"]

    hict["accept"] = "c"  # replaces the value list
    assert hict.naball("accept") == ["c"]


@pytest.mark.parametrize("cls", [Hict, Mict])
def test_nab_defaults_and_missing(cls):
    d = cls(a=1)
    with pytest.raises(KeyError):
        d.nabone("z")
    assert d.nabone("z", 5) == 5
    assert d.nabone("z", default=6) == 6
    assert d.nabone("z", None) is None

    assert d.nab("z") is None
    assert d.nab("z", 7) == 7
    assert d.nab("z", default=8) == 8

    with pytest.raises(KeyError):
        d.naball("z")
    assert d.naball("z", []) == []
    assert d.naball("z", default=()) == ()

    assert d.nabone("a", 5) == 1  # default only when missing


@pytest.mark.parametrize("cls", [Hict, Mict])
def test_nab_rejects_extra_arguments(cls):
    d = cls(a=1)
    for nab in (d.nabone, d.nab, d.naball):
        with pytest.raises(TypeError):
            nab("a", 1, 2)
        with pytest.raises(TypeError):
            nab("a", dflt=1)
        with pytest.raises(TypeError):
            nab("a", 1, default=2)


def test_hict_firsts_lasts_no_duplicate_keys():
    hict = Hict()
    hict.add("a", 1)
    hict.add("B", 2)
    hict.add("A", 3)
    hict.add("b", 4)
    hict.add("c", 5)
    assert hict.firsts() == [("a", 1), ("B", 2), ("c", 5)]
    assert hict.lasts() == [("a", 3), ("B", 4), ("c", 5)]
    assert Hict().firsts() == [] and Hict().lasts() == []


def test_mict_case_sensitive():
    mict = Mict()
    mict.add("a", 1)
    mict.add("A", 2)
    mict.add("a", 3)
    assert mict.nabone("a") == 3
    assert mict.nabone("A") == 2
    assert mict.naball("a") == [3, 1]
    assert mict.nab("b") is None
    assert mict.firsts() == [("a", 1), ("A", 2)]
    assert mict.lasts() == [("a", 3), ("A", 2)]


@pytest.mark.parametrize("cls", [Hict, Mict])
def test_repr_round_trips(cls):
    d = cls([("a", 1), ("b", "x"), ("a", 2)])
    text = repr(d)
    assert text == f"{cls.__name__}([('a', 1), ('b', 'x'), ('a', 2)])"
    again = eval(text, {cls.__name__: cls})
    assert isinstance(again, cls)
    assert list(again.items()) == list(d.items())
    assert repr(cls()) == f"{cls.__name__}([])"


@pytest.mark.parametrize("cls", [Hict, Mict])
def test_keys_must_be_str(cls):
    with pytest.raises(TypeError):
        cls([(1, "one")])


@pytest.mark.parametrize("cls", [Hict, Mict])
def test_keys_and_iteration_give_a_key_per_item(cls):
    d = cls([("a", 1), ("b", 2)])
    d.add("a", 3)
    assert list(d.keys()) == ["a", "b", "a"]  # parallel to values() and items()
    assert list(d) == ["a", "b", "a"]
    assert list(zip(d.keys(), d.values(), strict=True)) == list(d.items())
    keys = d.keys()
    assert len(keys) == len(d) == 3
    assert "a" in keys and "z" not in keys
    assert d.firsts() == [("a", 1), ("b", 2)]  # distinct keys still there
    assert list(cls(d).items()) == list(d.items())  # copies keep every item


def test_hict_keys_keep_each_items_spelling():
    hict = Hict(A=1, b=2)
    hict.add("a", 3)
    hict.add("B", 4)
    assert list(hict.keys()) == ["A", "b", "a", "B"]
    keys = hict.keys()
    assert "a" in keys and "B" in keys and "c" not in keys  # membership is case insensitive
    assert hict.firsts() == [("A", 1), ("b", 2)]
    assert hict.lasts() == [("A", 3), ("b", 4)]
