"""hio.help.hicting module

Multiple valued dictionaries with last in first out access: Hict (case
insensitive keys, for HTTP headers) and Mict, built on the multidict package.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView
from typing import Any, Protocol

from multidict import CIMultiDict, MultiDict

__all__ = ["Hict", "Mict"]

_MISSING = object()


def _default(name: str, pa: tuple[Any, ...], kwa: dict[str, Any]) -> Any:
    """Returns the optional default given as pa[0] or kwa["default"], else _MISSING."""
    if len(pa) + len(kwa) > 1 or (kwa and "default" not in kwa):
        raise TypeError(f"{name}() takes a key and an optional default, got extra {pa!r} {kwa!r}")
    if pa:
        return pa[0]
    return kwa.get("default", _MISSING)


class _Multi(Protocol):
    """What LifoAccess needs from the class mixed with it: multidict's interface and ``_distinctKeys``."""

    def __contains__(self, key: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def items(self) -> ItemsView[str, Any]: ...
    def getone(self, key: str, /) -> Any: ...
    def getall(self, key: str, /) -> list[Any]: ...
    def _distinctKeys(self) -> list[str]: ...


def _last(values: list[Any]) -> Any:
    """Returns the last of a key's values."""
    return values[-1]


def _reversed(values: list[Any]) -> list[Any]:
    """Returns a key's values, last first."""
    return values[::-1]


def _nab(
    d: _Multi,
    name: str,
    key: str,
    pa: tuple[Any, ...],
    kwa: dict[str, Any],
    pick: Callable[[list[Any]], Any],
    missing: Any = _MISSING,
) -> Any:
    """Returns pick of the values at key in d, else the default given in pa or kwa, else missing.

    Raises:
        KeyError: when key is not in d, no default is given and missing is _MISSING
        TypeError: pa and kwa hold more than one optional default
    """
    default = _default(name, pa, kwa)
    if key in d:
        return pick(d.getall(key))
    if default is _MISSING:
        default = missing
    if default is _MISSING:
        raise KeyError(key)
    return default


class LifoAccess:
    """Last in, first out access to the value lists of a multidict: what Hict and Mict add.

    Insertion order of keys is preserved. With each key is associated a value
    list; keys must be str::

        .add(key, value) appends value to the value list at key
        m["key"] = value replaces the value list at key with [value]
        m["key"] returns the first added element of the value list at key

    The multidict methods access values in FIFO order; these access them in
    LIFO order::

        nabone(key [,default]) last value at key, else default or KeyError
        nab(key [,default]) last value at key, else default or None
        naball(key [,default]) all values at key in inverse order, else default or KeyError
        firsts() items with the first inserted value at each key
        lasts() items with the last inserted value at each key

    The class mixed with it provides ``getone``, ``getall`` and ``items``
    (multidict's interface) and ``_distinctKeys``, its distinct keys in
    insertion order.

    Keys, values and items run in parallel: iteration and ``keys()`` give one
    key for each item, so a key with several values appears once per value,
    and ``len(d.keys()) == len(d)``, whatever the multidict release (release 7
    changed its own ``keys()`` to give each distinct key once).
    """

    def __iter__(self: _Multi) -> Iterator[str]:
        """Iterates over the keys, one for each item, in insertion order, duplicates included."""
        for key, _ in self.items():
            yield key

    def keys(self: _Multi) -> KeysView[str]:
        """Returns a view of the keys, one for each item, in insertion order, duplicates included.

        Each key is spelled as it was added, and the view's ``in`` is the
        dict's own (case insensitive for Hict). ``firsts()`` and ``lasts()``
        give the distinct keys.
        """
        return KeysView(self)

    def __repr__(self: _Multi) -> str:
        """Returns a repr that evaluates back to an equal dict of this class, e.g. Hict([('a', 1)])."""
        return f"{self.__class__.__name__}({list(self.items())!r})"

    def nabone(self: _Multi, key: str, *pa: Any, **kwa: Any) -> Any:
        """Returns the last value at key, else the default; usage ``.nabone(key [, default])``.

        Parameters:
            key: the key
            pa: the default, when given, returned when key is not in the dict
            kwa: default= as a keyword, the same as pa

        Raises:
            KeyError: when key is not in the dict and no default is provided
        """
        return _nab(self, "nabone", key, pa, kwa, _last)

    def nab(self: _Multi, key: str, *pa: Any, **kwa: Any) -> Any:
        """Returns the last value at key, else the default or None; usage ``.nab(key [, default])``.

        Parameters:
            key: the key
            pa: the default, when given, returned when key is not in the dict
            kwa: default= as a keyword, the same as pa
        """
        return _nab(self, "nab", key, pa, kwa, _last, missing=None)

    def naball(self: _Multi, key: str, *pa: Any, **kwa: Any) -> Any:
        """Returns the list of values at key in inverse (LIFO) order, else the default.

        Usage ``.naball(key [, default])``; raises KeyError when key is not in
        the dict and no default is provided.

        Parameters:
            key: the key
            pa: the default, when given, returned when key is not in the dict
            kwa: default= as a keyword, the same as pa
        """
        return _nab(self, "naball", key, pa, kwa, _reversed)

    def firsts(self: _Multi) -> list[tuple[str, Any]]:
        """Returns list of (key, value) pairs, value the first value at key, no duplicate keys."""
        return [(key, self.getone(key)) for key in self._distinctKeys()]

    def lasts(self: _Multi) -> list[tuple[str, Any]]:
        """Returns list of (key, value) pairs, value the last value at key, no duplicate keys."""
        return [(key, self.getall(key)[-1]) for key in self._distinctKeys()]


class Hict(LifoAccess, CIMultiDict):
    """Case insensitive keyed, multiple valued dictionary, used for HTTP headers.

    Extends multidict.CIMultiDict with the last in, first out access of
    LifoAccess: nabone, nab, naball, firsts and lasts. ``"Content-Type"``
    and ``"content-type"`` name the same value list; each key keeps the
    spelling it was added with.
    """

    def _distinctKeys(self) -> list[str]:
        """Returns the distinct keys in insertion order, each as first inserted."""
        seen: CIMultiDict[None] = CIMultiDict()
        for key, _ in self.items():
            if key not in seen:
                seen[key] = None
        return list(seen.keys())


class Mict(LifoAccess, MultiDict):
    """Multiple valued dictionary with case sensitive keys.

    Extends multidict.MultiDict with the last in, first out access of
    LifoAccess: nabone, nab, naball, firsts and lasts.
    """

    def _distinctKeys(self) -> list[str]:
        """Returns the distinct keys in insertion order."""
        return list(dict.fromkeys(key for key, _ in self.items()))
