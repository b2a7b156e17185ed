"""hio.help.helping module

Small general purpose helpers: function copies, generators with attributes,
unpacking helpers, non-string iterable checks, atomic open-or-create of files,
serialization of data to and from files by extension, sign and symmetric
ceiling of numbers, Base64 (URL-safe alphabet) codes of integers and bits, and
conversion of dataclass instances to and from plain dicts.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import inspect
import json
import math
import os
import re
import stat
import types
import typing
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, cast

import cbor2
import msgpack

__all__ = [
    "B64_CHARS",
    "NonStringIterable",
    "NonStringSequence",
    "Reb64",
    "attributize",
    "b64ToInt",
    "checkComponent",
    "codeB2ToB64",
    "codeB64ToB2",
    "copyfunc",
    "datify",
    "dictify",
    "dump",
    "intToB64",
    "intToB64b",
    "isIterator",
    "isign",
    "just",
    "load",
    "nabSextets",
    "nonStringIterable",
    "nonStringSequence",
    "ocfn",
    "repack",
    "sceil",
]

# Types that are iterable sequences of characters or bytes but count as strings:
# the immutable text and byte strings. Mutable buffers (bytearray, memoryview)
# are containers of ints and count as non-strings.
_STRINGS = (str, bytes)

# Serializations selected by file extension.
_EXTENSIONS = (".json", ".mgpk", ".cbor")


def copyfunc(f: types.FunctionType, name: str | None = None) -> types.FunctionType:
    """Copies a function in detail: code, globals, defaults, closure and attributes.

    functools.update_wrapper assigns ('__module__', '__name__', '__qualname__',
    '__doc__', '__annotations__') and updates ('__dict__',) on the copy; the
    keyword-only defaults are copied as well. The copy is a distinct function
    object whose attribute dict is a distinct (shallow) copy.

    Parameters:
        f: function to copy
        name: new name of the copy; None keeps the name of f

    Returns:
        function: the copy
    """
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    functools.update_wrapper(g, f)  # updates g in place
    g.__dict__ = dict(f.__dict__)  # distinct dict, not the one shared via update
    g.__dict__.pop("__wrapped__", None)  # a copy is not a wrapper
    g.__kwdefaults__ = dict(f.__kwdefaults__) if f.__kwdefaults__ is not None else None
    if name is not None:
        qual = g.__qualname__.rsplit(".", 1)
        qual[-1] = name
        g.__name__ = name
        g.__qualname__ = ".".join(qual)
    return g


class AttributiveGenerator(Generator[Any, Any, Any]):
    """Generator like wrapper that supports custom attributes.

    Created by the wrapper that attributize makes. It wraps the generator made
    by the decorated generator function or method, to which it passes itself
    as the injected 'me' argument, so attributes the body sets on 'me' appear
    as attributes of this object. It iterates, sends, throws and closes
    exactly like the wrapped generator, and is a collections.abc.Generator.
    """

    def __init__(
        self,
        genie: Callable[..., Generator[Any, Any, Any]],
        pa: tuple[Any, ...],
        kwa: dict[str, Any],
        method: bool = False,
    ) -> None:
        """Makes the wrapped generator, injecting self as 'me'.

        Parameters:
            genie: generator function or method to call
            pa: positional arguments of the call (pa[0] is the instance for methods)
            kwa: keyword arguments of the call
            method: True means inject self as second positional argument after
                the instance, False means as first positional argument
        """
        if method:
            if not pa:
                raise TypeError(f"{genie.__qualname__}() missing instance argument 'self'.")
            self.__gen = genie(pa[0], self, *pa[1:], **kwa)
        else:
            self.__gen = genie(self, *pa, **kwa)

    def __iter__(self) -> AttributiveGenerator:
        return self

    def __next__(self) -> Any:
        return next(self.__gen)

    def send(self, value: Any) -> Any:
        """Sends value into the wrapped generator, returning its next yield.

        Parameters:
            value: what the current yield of the generator evaluates to
        """
        return self.__gen.send(value)

    def throw(self, *pa: Any) -> Any:
        """Raises an exception inside the wrapped generator at its current yield.

        Parameters:
            pa: the exception (a type or an instance), as for generator.throw
        """
        return self.__gen.throw(*pa)

    def close(self) -> None:
        """Closes the wrapped generator."""
        return self.__gen.close()

    @property
    def gi_running(self) -> bool:
        """True while the wrapped generator is executing."""
        return cast("types.GeneratorType[Any, Any, Any]", self.__gen).gi_running

    @property
    def gi_frame(self) -> types.FrameType | None:
        """Frame of the wrapped generator, None once it is finished."""
        return cast("types.GeneratorType[Any, Any, Any]", self.__gen).gi_frame

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} of {self.__gen!r}>"


def attributize(genie: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., AttributiveGenerator]:
    """Decorator that gives the generators of a generator function or method attributes.

    Python generators do not support adding attributes. This decorator wraps a
    generator function or method so that calling it returns an
    AttributiveGenerator, a generator like object that supports attributes.
    The wrapper reference is injected into the call: as the first positional
    argument for a generator function, or as the second positional argument
    (after 'self') for a generator method, i.e. a function whose first
    parameter is named 'self'. The convention is to name the injected
    parameter 'me'. Attributes set on 'me' are attributes of the returned
    object; as usual for generators the body runs only on the first next().

    A WSGI app may return such a generator and set me._status and me._headers
    while streaming; the hio HTTP server substitutes them for its defaults.

    Example::

        @attributize
        def bar(me, req=None, rep=None):
            me._status = 400
            me._headers = dict(example="Hi")
            yield b""
            yield b"Hello There"
            return b"Goodbye"

        gen = bar()
        msg = next(gen)  # attributes are set after the first next
        assert gen._status == 400

    Parameters:
        genie: generator function, or generator method whose first parameter is 'self'

    Returns:
        function: wrapper that returns an AttributiveGenerator when called
    """
    params = list(inspect.signature(genie).parameters)
    method = bool(params) and params[0] == "self"

    @functools.wraps(genie)
    def wrapper(*pa: Any, **kwa: Any) -> AttributiveGenerator:
        return AttributiveGenerator(genie, pa, kwa, method=method)

    return wrapper


def repack(n: int, seq: Iterable[Any], default: Any = None) -> Iterator[Any]:
    """Repacks seq into a generator of n elements for unpacking into n variables.

    The first n-1 elements of seq are the first n-1 elements of the generator;
    any remaining elements are returned in a tuple as the last element.
    default is substituted for missing elements when len(seq) < n.

    Example:
        tuple(repack(3, (1, 2, 3, 4))) == (1, 2, (3, 4))
        tuple(repack(3, (1,))) == (1, None, ())

    Parameters:
        n: number of elements of the generator, >= 1
        seq: iterable to repack
        default: substitute for missing elements

    Raises:
        ValueError: when n < 1
    """
    if n < 1:
        raise ValueError(f"Invalid repack count n={n}, must be >= 1.")
    return _repack(n, iter(seq), default)


def _repack(n: int, it: Iterator[Any], default: Any) -> Iterator[Any]:
    for _ in range(n - 1):
        yield next(it, default)
    yield tuple(it)


def just(n: int, seq: Iterable[Any], default: Any = None) -> Iterator[Any]:
    """Returns a generator of just the first n elements of seq.

    default is substituted for missing elements, so the generator always has
    exactly n elements, for unpacking into n variables.

    Example:
        tuple(just(3, (1, 2, 3, 4))) == (1, 2, 3)
        tuple(just(3, (1,))) == (1, None, None)

    Parameters:
        n: number of elements of the generator, >= 0
        seq: iterable to take elements from
        default: substitute for missing elements

    Raises:
        ValueError: when n < 0
    """
    if n < 0:
        raise ValueError(f"Invalid just count n={n}, must be >= 0.")
    return _just(n, iter(seq), default)


def _just(n: int, it: Iterator[Any], default: Any) -> Iterator[Any]:
    for _ in range(n):
        yield next(it, default)


class NonStringIterable(abc.ABC):  # noqa: B024 a pure isinstance check, nothing to implement
    """Allows an isinstance check for an iterable that is not a string.

    str and bytes count as strings; bytearray and memoryview do not.

    Usage:
        if isinstance(x, NonStringIterable):
    """

    __slots__ = ()

    @classmethod
    def __subclasshook__(cls, C: type) -> bool:
        if cls is NonStringIterable:
            if issubclass(C, _STRINGS):
                return False
            if issubclass(C, Iterable):
                return True
        return NotImplemented


class NonStringSequence(abc.ABC):  # noqa: B024 a pure isinstance check, nothing to implement
    """Allows an isinstance check for a sequence that is not a string.

    str and bytes count as strings; bytearray and memoryview do not.

    Usage:
        if isinstance(x, NonStringSequence):
    """

    __slots__ = ()

    @classmethod
    def __subclasshook__(cls, C: type) -> bool:
        if cls is NonStringSequence:
            if issubclass(C, _STRINGS):
                return False
            if issubclass(C, Sequence):
                return True
        return NotImplemented


def nonStringIterable(obj: Any) -> bool:
    """Returns True if obj is a non-string iterable, False otherwise.

    Parameters:
        obj: the object to test
    """
    return isinstance(obj, NonStringIterable)


def nonStringSequence(obj: Any) -> bool:
    """Returns True if obj is a non-string sequence, False otherwise.

    Parameters:
        obj: the object to test
    """
    return isinstance(obj, NonStringSequence)


def isIterator(obj: Any) -> bool:
    """Returns True if obj is an iterator object, False otherwise.

    An iterator has an __iter__ method and a __next__ method, both callable,
    and obj.__iter__() returns obj itself.

    Parameters:
        obj: the object to test
    """
    iterf = getattr(obj, "__iter__", None)
    nextf = getattr(obj, "__next__", None)
    if not (callable(iterf) and callable(nextf)):
        return False
    try:
        return iterf() is obj
    except Exception:
        return False


def checkComponent(value: str, what: str, error: type[Exception] = ValueError, empty: bool = False) -> str:
    """Returns ``value`` when it is exactly one safe path component, raising ``error`` otherwise.

    A safe component names one entry inside a directory: no path separator
    (either slash), not ``.`` or ``..``, no NUL byte, not absolute. Paths built
    only from such components can never leave their head directory.

    Parameters:
        value: the candidate component
        what: what it names, for the error message
        error: the exception class to raise
        empty: True allows the empty string (no component at all)
    """
    if not isinstance(value, str):
        raise error(f"{what} must be a str, not {type(value).__name__}")
    if value == "":
        if empty:
            return value
        raise error(f"{what} must not be empty")
    if "/" in value or "\\" in value or value in (".", "..") or "\0" in value or os.path.isabs(value):
        raise error(f"{what} {value!r} is not a single path component")
    return value


def ocfn(path: str | os.PathLike[str], mode: str = "r+", perm: int = stat.S_IRUSR | stat.S_IWUSR) -> IO[Any]:
    """Atomically opens or creates the file at path.

    The file is created with os.open(O_CREAT | O_EXCL), so exactly one of
    several concurrent callers creates it. If the file already exists it is
    opened with mode, keeping its contents and permissions. Otherwise it is
    created with permissions perm (exactly, regardless of the umask) and opened
    in write update mode, "w+" or "w+b" when mode is binary.

    Parameters:
        path: file path
        mode: open mode for an existing file, e.g. "r+", "r+b", "a"
        perm: permission bits of a newly created file, default 0o600

    Returns:
        file object
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, perm)
    except FileExistsError:
        return open(path, mode)
    try:
        os.fchmod(fd, perm)
        return os.fdopen(fd, "w+b" if "b" in mode else "w+")
    except BaseException:
        os.close(fd)
        raise


def _extension(path: str | os.PathLike[str]) -> str:
    """Returns the lower case extension of path, raising IOError if unsupported."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in _EXTENSIONS:
        raise OSError(
            f"Unsupported file extension {ext!r} of {os.fspath(path)!r}: expected one of {', '.join(_EXTENSIONS)}."
        )
    return ext


def dump(data: Any, path: str | os.PathLike[str]) -> None:
    """Serializes data and writes it to the file at path, replacing its contents.

    The serialization is given by the extension of path: JSON for .json,
    MessagePack for .mgpk, CBOR for .cbor. A new file is created with
    permissions 0o600 (see ocfn).

    Parameters:
        data: dict (or other serializable data)
        path: file path with extension .json, .mgpk or .cbor

    Raises:
        OSError (IOError): when the extension is not supported; no file is written
    """
    ext = _extension(path)
    if ext == ".json":
        raw = json.dumps(data, indent=2).encode("utf-8")
    elif ext == ".mgpk":
        raw = msgpack.packb(data)
    else:
        raw = cbor2.dumps(data)
    with ocfn(path, "r+b") as f:
        f.seek(0)
        f.truncate()
        f.write(raw)
        f.flush()
        os.fsync(f.fileno())


def load(path: str | os.PathLike[str]) -> Any:
    """Returns the data read from the file at path, usually a dict.

    The serialization is given by the extension of path: JSON for .json,
    MessagePack for .mgpk, CBOR for .cbor.

    Parameters:
        path: file path with extension .json, .mgpk or .cbor

    Raises:
        OSError (IOError): when the extension is not supported
    """
    ext = _extension(path)
    with open(path, "rb") as f:
        raw = f.read()
    if ext == ".json":
        return json.loads(raw.decode("utf-8"))
    if ext == ".mgpk":
        return msgpack.unpackb(raw)
    return cbor2.loads(raw)


def isign(i: float) -> int:
    """Returns the sign of the number i as an int: 1 when positive, -1 when negative, 0 when zero.

    Parameters:
        i: int, float, Fraction or any other real number
    """
    return (i > 0) - (i < 0)


def sceil(r: float) -> int:
    """Returns the symmetric ceiling of the number r as an int: rounded away from zero.

    Positive numbers round up and negative numbers round down to the next
    whole number, so sceil(-r) == -sceil(r): sceil(1.1) == 2, sceil(-1.1) == -2,
    sceil(2) == 2 and sceil(0.0) == 0.

    Parameters:
        r: int, float, Fraction or any other real number
    """
    return isign(r) * math.ceil(abs(r))


B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
"""The 64 characters of the URL-safe Base64 alphabet (RFC 4648), the digit of value n at index n."""

_B64_VALUES: dict[str | int, int] = {char: value for value, char in enumerate(B64_CHARS)}
_B64_VALUES.update({ord(char): value for value, char in enumerate(B64_CHARS)})  # bytes iterate as ints

Reb64 = re.compile(rb"^[A-Za-z0-9\-_]*\Z")
"""Compiled regular expression that matches bytes made only of URL-safe Base64 characters (or empty)."""


def intToB64(i: int | None, l: int = 1) -> str:  # noqa: E741 l is the published keyword
    """Returns the non-negative int i as a Base64 (URL-safe alphabet) string of at least l characters.

    Each character is one base 64 digit, most significant first; the string is
    left padded with "A" (the zero digit) to l characters. None counts as 0,
    and 0 with l=0 is the empty string.

    Parameters:
        i: the int to encode, >= 0, or None for 0
        l: the minimum number of characters

    Raises:
        ValueError: when i is negative
    """
    i = 0 if i is None else int(i)
    if i < 0:
        raise ValueError(f"Invalid int {i} for Base64 code: must be >= 0.")
    digits = []
    while i:
        i, digit = divmod(i, 64)
        digits.append(B64_CHARS[digit])
    return "".join(reversed(digits)).rjust(l, "A")


def intToB64b(i: int | None, l: int = 1) -> bytes:  # noqa: E741 l is the published keyword
    """Returns the non-negative int i as Base64 (URL-safe alphabet) bytes of at least l characters.

    The bytes version of intToB64.

    Parameters:
        i: the int to convert, None means 0
        l: least number of characters, padded with A (zero) on the left
    """
    return intToB64(i, l=l).encode("ascii")


def b64ToInt(s: str | bytes) -> int:
    """Returns the int whose Base64 (URL-safe alphabet) code is s, most significant digit first.

    Parameters:
        s: str or bytes of Base64 characters, at least one

    Raises:
        ValueError: when s is empty or holds a character outside the alphabet
    """
    if not s:
        raise ValueError("Empty Base64 code: no int to decode.")
    i = 0
    try:
        for char in s:
            i = (i << 6) | _B64_VALUES[char]
    except KeyError:
        raise ValueError(f"Invalid Base64 code {s!r}: character outside the URL-safe alphabet.")
    return i


def _sextetBytes(l: int) -> int:  # noqa: E741 l counts sextets, as in the callers
    """Returns how many whole bytes hold l sextets (6-bit groups)."""
    return (l * 3 + 3) // 4


def codeB64ToB2(s: str | bytes) -> bytes:
    """Returns the bits of the Base64 (URL-safe alphabet) code s as bytes, left aligned.

    Each character is 6 bits (a sextet); when they do not fill whole bytes the
    last byte is padded on the right with zero bits. For example "-BAC" is the
    24 bits b'\\xf8\\x10\\x02' and "-BA" is b'\\xf8\\x10\\x00'.

    Parameters:
        s: str or bytes of Base64 characters

    Raises:
        ValueError: when s is empty or holds a character outside the alphabet
    """
    size = len(s)
    return (b64ToInt(s) << (2 * (size % 4))).to_bytes(_sextetBytes(size), "big")


def codeB2ToB64(b: bytes | str, l: int) -> str:  # noqa: E741 l is the published parameter name
    """Returns the first l sextets (6-bit groups) of the bits b as a Base64 (URL-safe alphabet) string.

    The inverse of codeB64ToB2: codeB2ToB64(codeB64ToB2(s), len(s)) == s.

    Parameters:
        b: bytes (a str is taken as its UTF-8 encoding) holding at least l sextets
        l: number of sextets, so characters, to convert

    Raises:
        ValueError: when b is too short to hold l sextets
    """
    return intToB64(_leadSextets(b, l), l=l)


def nabSextets(b: bytes | str, l: int) -> bytes:  # noqa: E741 l is the published parameter name
    """Returns the first l sextets (6-bit groups) of the bits b as bytes, left aligned.

    The bytes hold exactly the l sextets followed by zero bits up to the next
    byte boundary, so any bits of b past the sextets are cleared.

    Parameters:
        b: bytes (a str is taken as its UTF-8 encoding) holding at least l sextets
        l: number of sextets to take

    Raises:
        ValueError: when b is too short to hold l sextets
    """
    size = _sextetBytes(l)
    return (_leadSextets(b, l) << (2 * (l % 4))).to_bytes(size, "big")


def _leadSextets(b: bytes | str, l: int) -> int:  # noqa: E741 l counts sextets, as in the callers
    """Returns the int value of the first l sextets of b, right aligned."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    if l < 0:
        raise ValueError(f"Invalid sextet count {l}: must be >= 0.")
    size = _sextetBytes(l)
    if len(b) < size:
        raise ValueError(f"Need {size} bytes to hold {l} sextets, got {len(b)}.")
    return int.from_bytes(b[:size], "big") >> (2 * (l % 4))


def dictify(val: Any) -> Any:
    """Returns val with every dataclass instance in it turned into a dict, recursively.

    A dataclass instance becomes a dict of its fields, each value dictified in
    turn, unless its class defines a ``_ser()`` method: then what ``_ser()``
    returns is used instead, so a class chooses its own serialized form.
    Lists, tuples and dicts are dictified element by element; anything else is
    returned as it is. The inverse is datify.

    Parameters:
        val: dataclass instance, or data that may hold them
    """
    if dataclasses.is_dataclass(val) and not isinstance(val, type):
        ser = getattr(val, "_ser", None)
        if callable(ser):
            return ser()
        return {field.name: dictify(getattr(val, field.name)) for field in dataclasses.fields(val)}
    if type(val) is list:
        return [dictify(item) for item in val]
    if type(val) is tuple:
        return tuple(dictify(item) for item in val)
    if type(val) is dict:
        return {key: dictify(item) for key, item in val.items()}
    return val


def _fieldTypes(cls: type) -> dict[str, Any]:
    """Returns the types of the fields of the dataclass cls, resolving string annotations where possible."""
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # e.g. a class local to a function, with string annotations
        hints = {}
    return {field.name: hints.get(field.name, field.type) for field in dataclasses.fields(cls)}


def datify(cls: object, d: Any) -> Any:
    """Returns an instance of the dataclass cls made from the dict d, recursively.

    Every value in d whose field is itself typed as a dataclass is datified
    into that class in turn. When cls defines a ``_der(d)`` static or class
    method, what it returns is used instead, so a class chooses how it is
    made from its serialized form. The inverse of dictify: for plain
    dataclasses datify(cls, dictify(obj)) == obj.

    Parameters:
        cls: the dataclass to make; anything that is not a dataclass returns d unchanged
        d: dict (mapping) of field names to values

    Raises:
        TypeError: when d is not a mapping, or names fields that cls does not take
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or isinstance(d, cls):
        return d
    der = getattr(cls, "_der", None)
    if callable(der):
        return der(d)
    if not isinstance(d, Mapping):
        raise TypeError(f"Cannot datify {type(d).__name__} into {cls.__name__}: need a mapping.")
    kinds = _fieldTypes(cls)
    return cls(**{name: datify(kinds.get(name), value) for name, value in d.items()})
