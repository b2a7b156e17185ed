"""Tests of hio.hioing: Mixin, errors, version and separator constants."""

import pytest

from hio import hioing
from hio.hioing import HioError, Mixin, OglerError, ValidationError, Version, Versionage, VersionError


class Aye(Mixin):
    def __init__(self, a=1, **kwa):
        super().__init__(**kwa)
        self.a = a


class Bee(Mixin):
    def __init__(self, b=2, **kwa):
        super().__init__(**kwa)
        self.b = b


class Cee(Aye, Bee):
    def __init__(self, c=3, **kwa):
        super().__init__(**kwa)
        self.c = c


def test_mixin_cooperative_init_reaches_every_class():
    cee = Cee(a=10, b=20, c=30)
    assert (cee.a, cee.b, cee.c) == (10, 20, 30)
    assert Cee.__mro__ == (Cee, Aye, Bee, Mixin, object)

    cee = Cee()  # defaults all the way up
    assert (cee.a, cee.b, cee.c) == (1, 2, 3)


def test_mixin_swallows_leftover_arguments_and_warns_of_keywords():
    """Leftover arguments stop at Mixin instead of reaching object.__init__; a leftover keyword is a mistake,
    warned of rather than refused: applications pass keywords through cooperative chains and rely on it."""
    with pytest.warns(UserWarning, match=r"Aye\(\) got an unexpected keyword argument 'aa' \(did you mean 'a'\?\)"):
        aye = Aye(a=5, aa=True)  # warned, then ignored
    assert aye.a == 5 and not hasattr(aye, "aa")
    mixin = Mixin(1, 2)  # positional leftovers are swallowed
    assert isinstance(mixin, Mixin)
    with pytest.raises(TypeError):  # object itself would refuse them
        object.__init__(mixin, 1)


def test_mixin_reports_a_mistaken_keyword_of_a_hio_class():
    with pytest.warns(UserWarning, match=r"^hio\.hioing\.Mixin\(\) got an unexpected keyword argument 'x'$") as caught:
        Mixin(x=3)
    assert caught[0].filename == __file__  # the warning points at the code that constructed it
    assert hioing.keywordsOf(Cee) == {"a", "b", "c"}
    message = hioing.unexpectedKeywords(Cee, ["bb", "zzz"])
    assert message.endswith("Cee() got an unexpected keyword arguments 'bb' (did you mean 'b'?), 'zzz'")


def test_error_hierarchy():
    assert issubclass(HioError, Exception)
    assert issubclass(ValidationError, HioError)
    assert issubclass(VersionError, ValidationError)
    assert issubclass(OglerError, HioError)
    with pytest.raises(HioError, match="bad version"):
        raise VersionError("bad version")
    assert str(OglerError("oops")) == "oops"


def test_version_and_separators():
    assert Versionage._fields == ("major", "minor")
    assert isinstance(Version, Versionage)
    assert Version.major == Version[0] and Version.minor == Version[1]
    assert all(isinstance(v, int) for v in Version)
    assert isinstance(hioing.SEPARATOR, str) and "\n" in hioing.SEPARATOR
    assert hioing.SEPARATOR.encode("utf-8") == hioing.SEPARATOR_BYTES
    assert isinstance(hioing.SEPARATOR_BYTES, bytes)


def test_filer_and_size_errors():
    from hio.hioing import FilerError, SizeError

    assert issubclass(FilerError, HioError) and issubclass(SizeError, HioError)
    assert not issubclass(FilerError, SizeError) and not issubclass(SizeError, FilerError)
    with pytest.raises(HioError, match="too long"):
        raise SizeError("path too long")
