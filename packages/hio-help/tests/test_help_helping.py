"""Tests of hio.help.helping."""

import base64
import json
import os
import stat
from collections import OrderedDict, deque
from collections.abc import Generator
from dataclasses import dataclass, field
from fractions import Fraction

import cbor2
import msgpack
import pytest

from hio.help import helping
from hio.help.helping import (
    NonStringIterable,
    NonStringSequence,
    attributize,
    b64ToInt,
    codeB2ToB64,
    codeB64ToB2,
    copyfunc,
    datify,
    dictify,
    dump,
    intToB64,
    intToB64b,
    isign,
    isIterator,
    just,
    load,
    nabSextets,
    nonStringIterable,
    nonStringSequence,
    ocfn,
    repack,
    sceil,
)


def adder(x, y=2, *, z=3):
    """Adds."""
    return x + y + z


def test_copyfunc():
    adder.tag = "original"
    try:
        twin = copyfunc(adder)
        assert twin is not adder
        assert twin(1) == adder(1) == 6
        assert twin(1, 1, z=1) == 3
        assert twin.__name__ == "adder" and twin.__doc__ == "Adds."
        assert twin.__module__ == adder.__module__
        assert twin.tag == "original"
        twin.tag = "copy"  # distinct attribute dict
        assert adder.tag == "original"
        twin.__kwdefaults__["z"] = 100  # distinct keyword defaults
        assert adder(0) == 5 and twin(0) == 102
        assert not hasattr(twin, "__wrapped__")

        named = copyfunc(adder, name="summer")
        assert named.__name__ == "summer"
        assert named.__qualname__ == "summer"
        assert named(1) == 6
        assert adder.__name__ == "adder"
    finally:
        del adder.tag


def test_copyfunc_keeps_closure():
    def outer():
        count = [0]

        def inner():
            count[0] += 1
            return count[0]

        return inner

    inner = outer()
    twin = copyfunc(inner, name="twin")
    assert inner() == 1
    assert twin() == 2  # the same closure cell
    assert twin.__qualname__.endswith(".twin")


def test_attributize_function():
    @attributize
    def bar(me, req=None, rep=None):
        me._status = 400
        me._headers = {"example": "Hi"}
        yield b""
        yield b""
        yield b"Hello There"
        return b"Goodbye"

    assert bar.__name__ == "bar"
    gen = bar()
    assert isinstance(gen, Generator)
    assert isIterator(gen)
    assert not hasattr(gen, "_status")  # body not run until first next
    assert next(gen) == b""
    assert gen._status == 400
    assert gen._headers == {"example": "Hi"}
    assert next(gen) == b""
    assert next(gen) == b"Hello There"
    with pytest.raises(StopIteration) as ex:
        next(gen)
    assert ex.value.value == b"Goodbye"
    assert gen._status == 400  # attributes survive the generator


def test_attributize_method():
    class R:
        def __init__(self):
            self.name = "Peter"

        @attributize
        def bar(self, me, req=None, rep=None):
            me._status = 400
            me.req = req
            yield b""
            yield b"Hello There " + self.name.encode()
            return b"Goodbye"

    r = R()
    gen = r.bar(req="q")
    assert next(gen) == b""
    assert gen._status == 400
    assert gen.req == "q"
    assert next(gen) == b"Hello There Peter"

    with pytest.raises(TypeError, match="self"):
        R.bar()  # no instance to inject before 'me'


def test_attributize_direct_wrapper():
    def gf(me, x):  # convention: injected reference to the attributed wrapper is 'me'
        me.x = 5
        me.y = "a"
        cnt = 0
        while cnt < x:
            yield cnt
            cnt += 1

    agf = attributize(gf)
    ag = agf(3)
    assert not hasattr(ag, "x")
    assert not hasattr(ag, "y")
    assert next(ag) == 0
    assert ag.x == 5 and ag.y == "a"
    assert list(ag) == [1, 2]
    assert list(agf(2)) == [0, 1]


def test_attributize_send_throw_close():
    @attributize
    def echo(me):
        me.seen = []
        try:
            while True:
                got = yield len(me.seen)
                me.seen.append(got)
        except ValueError:
            yield "caught"
        finally:
            me.closed = True

    gen = echo()
    assert gen.send(None) == 0
    assert gen.send("a") == 1
    assert gen.send("b") == 2
    assert gen.seen == ["a", "b"]
    assert gen.gi_running is False
    assert gen.gi_frame is not None
    assert gen.throw(ValueError("x")) == "caught"
    gen.close()
    assert gen.closed is True
    assert gen.gi_frame is None
    with pytest.raises(StopIteration):
        next(gen)

    def delegator():
        result = yield from gen2
        yield result

    @attributize
    def inner(me):
        yield 1
        return "done"

    gen2 = inner()
    assert list(delegator()) == [1, "done"]
    assert "AttributiveGenerator" in repr(gen2)


@pytest.mark.parametrize(
    "seq, expected",
    [
        ((1, 2, 3, 4), (1, 2, (3, 4))),
        ((1, 2, 3), (1, 2, (3,))),
        ((1, 2), (1, 2, ())),
        ((1,), (1, None, ())),
        ((), (None, None, ())),
    ],
)
def test_repack(seq, expected):
    assert tuple(repack(3, seq)) == expected
    a, b, c = repack(3, iter(seq))  # any iterable
    assert (a, b, c) == expected


def test_repack_default_and_bad_count():
    assert tuple(repack(3, (1,), default=0)) == (1, 0, ())
    assert tuple(repack(1, (1, 2))) == ((1, 2),)
    with pytest.raises(ValueError, match="n=0"):
        repack(0, (1, 2))


@pytest.mark.parametrize(
    "seq, expected",
    [
        ((1, 2, 3, 4), (1, 2, 3)),
        ((1, 2, 3), (1, 2, 3)),
        ((1, 2), (1, 2, None)),
        ((1,), (1, None, None)),
        ((), (None, None, None)),
    ],
)
def test_just(seq, expected):
    assert tuple(just(3, seq)) == expected


def test_just_default_and_bad_count():
    assert tuple(just(2, "a", default="-")) == ("a", "-")
    assert tuple(just(0, (1, 2))) == ()
    with pytest.raises(ValueError, match="n=-1"):
        just(-1, (1,))


@pytest.mark.parametrize(
    "obj, iterable, sequence",
    [
        ([1], True, True),
        ((1,), True, True),
        (range(3), True, True),
        (deque([1]), True, True),
        ({"a": 1}, True, False),
        ({1}, True, False),
        (OrderedDict(), True, False),
        ((x for x in ()), True, False),
        (iter([1]), True, False),
        ("abc", False, False),
        (b"abc", False, False),
        (bytearray(b"abc"), True, True),  # a mutable buffer of ints, not a string
        (memoryview(b"abc"), True, True),
        (5, False, False),
        (None, False, False),
        (object(), False, False),
    ],
)
def test_non_string_checks(obj, iterable, sequence):
    assert nonStringIterable(obj) is iterable
    assert isinstance(obj, NonStringIterable) is iterable
    assert nonStringSequence(obj) is sequence
    assert isinstance(obj, NonStringSequence) is sequence


def test_is_iterator():
    assert isIterator(iter([1]))
    assert isIterator(x for x in ())
    assert isIterator(iter({}))
    assert not isIterator([1])
    assert not isIterator("abc")
    assert not isIterator(5)

    class Liar:  # has both methods but __iter__ does not return self
        def __iter__(self):
            return iter([])

        def __next__(self):
            raise StopIteration

    class Broken:
        def __iter__(self):
            raise RuntimeError("broken")

        def __next__(self):
            raise StopIteration

    assert not isIterator(Liar())
    assert not isIterator(Broken())


def test_ocfn_creates_with_permissions(tmp_path):
    path = tmp_path / "new.txt"
    old = os.umask(0o077)
    try:
        with ocfn(path, perm=0o640) as f:  # perm is exact despite the umask
            assert f.mode == "w+"
            f.write("hello")
            f.seek(0)
            assert f.read() == "hello"
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640

    path = tmp_path / "default.bin"
    with ocfn(path, mode="r+b") as f:
        assert f.mode in ("wb+", "rb+")  # binary write update
        f.write(b"\x00\x01")
    assert stat.S_IMODE(os.stat(path).st_mode) == stat.S_IRUSR | stat.S_IWUSR == 0o600
    assert path.read_bytes() == b"\x00\x01"


def test_ocfn_on_existing_file(tmp_path):
    path = tmp_path / "existing.txt"
    path.write_text("keep me")
    os.chmod(path, 0o644)
    with ocfn(path, perm=0o600) as f:  # default mode r+: contents kept
        assert f.read() == "keep me"
        f.seek(0, os.SEEK_END)
        f.write(" and more")
    assert path.read_text() == "keep me and more"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644  # permissions untouched

    with ocfn(path, mode="rb") as f:
        assert f.read() == b"keep me and more"

    with ocfn(path, mode="w") as f:  # an explicit truncating mode is honored
        f.write("new")
    assert path.read_text() == "new"


def test_ocfn_bad_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        ocfn(tmp_path / "missing" / "file.txt")


DATA = {"name": "hio", "n": 3, "list": [1, 2, "three"], "nested": {"ok": True, "none": None}}


@pytest.mark.parametrize(
    "ext, decode", [(".json", lambda b: json.loads(b)), (".mgpk", msgpack.unpackb), (".cbor", cbor2.loads)]
)
def test_dump_load_round_trip(tmp_path, ext, decode):
    path = tmp_path / f"data{ext}"
    dump(DATA, path)
    assert load(path) == DATA
    assert decode(path.read_bytes()) == DATA  # really that serialization
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    dump({"a": 1}, str(path))  # shorter data replaces the longer contents
    assert load(str(path)) == {"a": 1}


def test_dump_load_extension_case(tmp_path):
    path = tmp_path / "DATA.JSON"
    dump(DATA, path)
    assert json.loads(path.read_text()) == DATA
    assert load(path) == DATA


@pytest.mark.parametrize("name", ["data.txt", "data.yaml", "data", "data.json.bak", "json"])
def test_dump_load_unknown_extension(tmp_path, name):
    path = tmp_path / name
    with pytest.raises(OSError, match="Unsupported file extension") as ex:
        dump(DATA, path)
    ext = os.path.splitext(name)[1]
    assert repr(ext) in str(ex.value)
    assert not path.exists()  # nothing written

    path.write_bytes(b'{"a": 1}')
    with pytest.raises(IOError, match=f"Unsupported file extension {ext!r}"):
        load(path)


def test_load_missing_and_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError):
        load(bad)


def test_module_names():
    for name in helping.__all__:
        assert hasattr(helping, name)


@pytest.mark.parametrize(
    "number, sign, ceiling",
    [
        (0, 0, 0),
        (0.0, 0, 0),
        (-0.0, 0, 0),
        (3, 1, 3),
        (-3, -1, -3),
        (0.25, 1, 1),
        (-0.25, -1, -1),
        (2.01, 1, 3),
        (-2.01, -1, -3),
        (Fraction(7, 3), 1, 3),
        (Fraction(-7, 3), -1, -3),
        (Fraction(0), 0, 0),
    ],
)
def test_isign_and_sceil(number, sign, ceiling):
    assert isign(number) == sign and type(isign(number)) is int
    assert sceil(number) == ceiling and type(sceil(number)) is int
    assert sceil(-number) == -ceiling  # symmetric about zero


def test_int_base64_codes():
    assert intToB64(0) == "A" and intToB64b(0) == b"A"
    assert intToB64(0, l=0) == "" and intToB64(None, l=0) == ""
    assert intToB64(None) == "A"
    assert intToB64(63) == "_" and intToB64(64) == "BA"
    assert intToB64(5, l=3) == "AAF" and intToB64b(5, l=3) == b"AAF"  # padded with the zero digit
    assert intToB64(64**3 - 1, l=2) == "___"  # l is a minimum, never a cut
    with pytest.raises(ValueError):
        intToB64(-1)

    for number in (0, 1, 62, 63, 64, 4095, 4096, 123456789, 2**100):
        for code in (intToB64(number), intToB64b(number), intToB64(number, l=30)):
            assert b64ToInt(code) == number
    for bad in ("", b"", "A=", "A+", "A/", "Ä"):
        with pytest.raises(ValueError):
            b64ToInt(bad)


def test_code_bits_round_trip_agrees_with_base64():
    raw = bytes(range(200, 230))  # 30 bytes: 40 sextets, whole
    code = base64.urlsafe_b64encode(raw).decode()
    assert codeB64ToB2(code) == raw
    assert codeB2ToB64(raw, len(code)) == code

    for size in range(1, 9):  # every remainder of sextets to bytes
        part = code[:size]
        bits = codeB64ToB2(part)
        assert len(bits) == (size * 6 + 7) // 8
        assert codeB2ToB64(bits, size) == part
        assert codeB2ToB64(raw, size) == part  # later bits are ignored
        assert nabSextets(raw, size) == bits  # the same sextets, zero padded
    assert codeB64ToB2(b"-A") == b"\xf8\x00"  # bytes codes too
    assert codeB2ToB64("ok", 2) == codeB2ToB64(b"ok", 2)  # a str is taken as its UTF-8 bytes
    assert nabSextets(b"\xff\xff", 1) == b"\xfc"  # two trailing bits cleared

    with pytest.raises(ValueError):
        codeB2ToB64(b"\x00", 2)  # two sextets need two bytes
    with pytest.raises(ValueError):
        nabSextets(b"", 1)


def test_reb64_matches_only_base64_characters():
    assert helping.Reb64.match(b"AZaz09-_")
    assert helping.Reb64.match(b"")
    for bad in (b"A=", b"A+", b"A/", b"A B", b"A\n"):
        assert helping.Reb64.match(bad) is None


@dataclass
class Spot:
    x: int
    y: int


@dataclass
class Route:
    start: Spot
    end: Spot
    name: str = "route"
    tags: list = field(default_factory=list)


@dataclass
class Temperature:
    celsius: float

    def _ser(self):
        return {"fahrenheit": self.celsius * 9 / 5 + 32}

    @classmethod
    def _der(cls, d):
        return cls(celsius=(d["fahrenheit"] - 32) * 5 / 9)


@dataclass
class Reading:
    place: Spot
    temperature: Temperature


def test_dictify_turns_dataclasses_into_dicts():
    route = Route(Spot(1, 2), Spot(3, 4), tags=[Spot(5, 6), "x"])
    assert dictify(route) == {
        "start": {"x": 1, "y": 2},
        "end": {"x": 3, "y": 4},
        "name": "route",
        "tags": [{"x": 5, "y": 6}, "x"],
    }
    assert dictify(Temperature(100.0)) == {"fahrenheit": 212.0}  # the class's own form
    assert dictify(Reading(Spot(0, 0), Temperature(0.0))) == {
        "place": {"x": 0, "y": 0},
        "temperature": {"fahrenheit": 32.0},
    }
    assert dictify({"k": (Spot(1, 1),)}) == {"k": ({"x": 1, "y": 1},)}
    assert dictify(7) == 7 and dictify("text") == "text"
    assert dictify(Spot) is Spot  # a class is not an instance


def test_datify_makes_dataclasses_from_dicts():
    route = Route(Spot(1, 2), Spot(3, 4), name="home")
    assert datify(Route, dictify(route)) == route
    assert datify(Spot, {"x": 3, "y": 4}) == Spot(3, 4)
    assert datify(Temperature, {"fahrenheit": 212.0}) == Temperature(100.0)  # the class's own maker
    reading = datify(Reading, {"place": {"x": 1, "y": 1}, "temperature": {"fahrenheit": 32.0}})
    assert reading == Reading(Spot(1, 1), Temperature(0.0))
    assert datify(Spot, Spot(1, 1)) == Spot(1, 1)  # already made
    assert datify(int, 5) == 5  # not a dataclass: as it is

    @dataclass
    class Local:  # a class local to a function
        spot: Spot
        later: "Spot"  # a string annotation, resolved in the class's module

    assert datify(Local, {"spot": {"x": 1, "y": 2}, "later": {"x": 0, "y": 0}}) == Local(Spot(1, 2), Spot(0, 0))
    with pytest.raises(TypeError):
        datify(Spot, [1, 2])
    with pytest.raises(TypeError):
        datify(Spot, {"x": 1, "y": 2, "z": 3})
