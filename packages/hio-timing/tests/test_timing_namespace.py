"""hio.base.tyming imports from its own distribution, with or without the hio meta-package.

hio-timing ships no ``__init__.py`` for ``hio`` or ``hio.base``: they are
PEP 420 namespace packages shared with the other hio distributions. When the
``hio`` meta-package is installed it owns those two ``__init__.py`` files and
adds the package-level conveniences; without it the namespaces are bare.
These tests hold in a venv with only hio-timing and what it declares, and in
one with every distribution installed together.
"""

import importlib
import json
import pathlib
import urllib.parse
import urllib.request
from importlib import metadata


def installed(name):
    """True when the distribution ``name`` is installed."""
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def ownedBy(dist, module):
    """True when ``module``'s file is one the distribution ``dist`` installed (or, editable, its source)."""
    target = pathlib.Path(module.__file__).resolve()
    relative = module.__name__.replace(".", "/") + "/__init__.py"
    distribution = metadata.distribution(dist)
    for file in distribution.files or []:
        if file.as_posix() == relative:
            return pathlib.Path(distribution.locate_file(file)).resolve() == target
    direct = json.loads(distribution.read_text("direct_url.json") or "{}")
    if direct.get("dir_info", {}).get("editable") and direct.get("url", "").startswith("file:"):
        root = pathlib.Path(urllib.request.url2pathname(urllib.parse.urlparse(direct["url"]).path)).resolve()
        return target.is_relative_to(root)
    return False


META = installed("hio")


def test_hio_timing_is_installed():
    assert installed("hio-timing")
    assert installed("hio-help")  # what it declares


def test_from_hio_base_import_tyming():
    from hio.base import tyming

    assert tyming.__name__ == "hio.base.tyming"
    assert pathlib.Path(tyming.__file__).name == "tyming.py"
    tymist = tyming.Tymist(tock=0.5)
    tymer = tyming.Tymer(tymth=tymist.tymen(), duration=1.0)
    tymist.tick()
    tymist.tick()
    assert tymer.expired


def test_tyming_comes_from_hio_timing():
    tyming = importlib.import_module("hio.base.tyming")
    files = [f.as_posix() for f in metadata.distribution("hio-timing").files or []]
    direct = json.loads(metadata.distribution("hio-timing").read_text("direct_url.json") or "{}")
    if not direct.get("dir_info", {}).get("editable"):
        assert "hio/base/tyming.py" in files
        assert "hio/__init__.py" not in files  # a namespace portion, never the owner
        assert "hio/base/__init__.py" not in files
    assert tyming.Tymist.Tock == 0.03125


def test_namespaces():
    import hio
    import hio.base

    if not META:  # bare PEP 420 namespaces, shared by the hio distributions
        for package in (hio, hio.base):
            assert getattr(package, "__file__", None) is None
            assert package.__spec__.origin in (None, "namespace")
            assert type(package.__path__).__name__ == "_NamespacePath"
            assert not isinstance(package.__path__, list)
            assert all(pathlib.Path(entry).name == package.__name__.rsplit(".", 1)[-1] for entry in package.__path__)
        assert not hasattr(hio.base, "Tymist")  # package-level re-exports belong to the meta-package
    else:  # the meta-package owns hio/__init__.py and hio/base/__init__.py
        from hio.base import Tymee, Tymer, Tymist, tyming

        assert Tymist is tyming.Tymist
        assert Tymee is tyming.Tymee
        assert Tymer is tyming.Tymer
        assert hio.base.__file__ is not None
        assert pathlib.Path(hio.base.__file__).name == "__init__.py"
        assert ownedBy("hio", hio.base)
        assert ownedBy("hio", hio)
        assert not ownedBy("hio-timing", hio.base)
