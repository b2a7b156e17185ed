"""One import namespace, many distributions.

The nine pieces ship no ``__init__.py`` at ``hio``, ``hio/base`` and
``hio/core``: without the meta-package those are namespace packages and every
module still imports at its documented path. The meta-package owns the three
``__init__.py`` files, extends their ``__path__`` over every portion and adds
the package-level conveniences.
"""

from __future__ import annotations

import importlib
import os
import site
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path, PurePosixPath

import hio
import hio.base
import hio.core

PORTIONS = [
    "hio-help",
    "hio-timing",
    "hio-doing",
    "hio-filing",
    "hio-tcp",
    "hio-udp",
    "hio-uxd",
    "hio-serial",
    "hio-http",
]

META_OWNED = {
    PurePosixPath("hio/__init__.py"),
    PurePosixPath("hio/base/__init__.py"),
    PurePosixPath("hio/core/__init__.py"),
}


def portionFiles() -> dict[PurePosixPath, Path]:
    """The Python files the nine pieces install under hio/, keyed by their path relative to the site directory.

    Read from the installed distributions' file lists; for editable installs
    (whose lists hold no sources), from the directories of ``hio.__path__``
    other than the meta-package's own.
    """
    found = {}
    for dist in PORTIONS:
        for file in metadata.distribution(dist).files or []:
            rel = PurePosixPath(*file.parts)
            if rel.parts[0] == "hio" and rel.suffix == ".py":
                found[rel] = Path(file.locate())
    if found:
        return found
    meta = Path(hio.__file__).resolve().parent
    for entry in hio.__path__:
        root = Path(entry).resolve()
        if root == meta or not root.is_dir():
            continue
        for path in root.rglob("*.py"):
            found[PurePosixPath("hio", *path.relative_to(root).parts)] = path
    return found


def moduleName(rel: PurePosixPath) -> str:
    """Dotted module name of a file path like hio/core/tcp/clienting.py."""
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_meta_package_gives_the_conveniences():
    assert hio.__version__ == metadata.version("hio")
    from hio import HioError, Mixin, ValidationError, VersionError
    from hio.base import DoDoer, Doer, Doist, Filer, Tymist, doify
    from hio.core import WireLog

    assert issubclass(ValidationError, HioError) and issubclass(VersionError, HioError)
    from hio.base import doing, filing, tyming
    from hio.core import wiring

    assert Doist is doing.Doist and DoDoer is doing.DoDoer and Doer is doing.Doer and doify is doing.doify
    assert Tymist is tyming.Tymist and Filer is filing.Filer and WireLog is wiring.WireLog
    assert Mixin.__module__ == "hio.hioing"


def test_namespace_paths_span_every_portion():
    files = portionFiles()
    assert not META_OWNED & set(files), "a piece ships a namespace __init__.py"
    names = sorted(moduleName(rel) for rel in files)
    assert {
        "hio.hioing",
        "hio.base.tyming",
        "hio.base.doing",
        "hio.base.filing",
        "hio.core.wiring",
        "hio.core.coring",
        "hio.core.tcp",
        "hio.core.http",
        "hio.help",
    } <= set(names)
    for level in (hio, hio.base, hio.core):
        paths = {Path(entry).resolve() for entry in level.__path__}
        for rel in files:
            if len(rel.parts) == len(level.__name__.split(".")) + 1 and rel.parts[:-1] == tuple(
                level.__name__.split(".")
            ):
                module = importlib.import_module(moduleName(rel))
                assert Path(module.__file__).resolve().parent in paths, module.__name__


def test_pieces_import_without_the_meta_package(tmp_path):
    """Lay out only the nine pieces' files (no meta-package) and import every module they ship."""
    lib = tmp_path / "lib"
    for rel, path in portionFiles().items():
        target = lib.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
    assert not (lib / "hio" / "__init__.py").exists()
    # third-party dependencies (falcon, multidict, pyserial, ...) from the site directories, hio left out
    sitedirs = {Path(p) for p in [*site.getsitepackages(), sysconfig.get_paths()["purelib"]] if Path(p).is_dir()}
    for sitedir in sitedirs:
        for entry in sitedir.iterdir():
            if entry.name in ("hio", "__pycache__") or entry.suffix == ".pth" or (lib / entry.name).exists():
                continue
            (lib / entry.name).symlink_to(entry)
    names = sorted(moduleName(rel) for rel in portionFiles())
    code = f"""
import importlib, sys
import hio
assert hio.__file__ is None, hio.__file__            # a namespace package: no meta-package here
assert not hasattr(hio, "__version__")
for name in {names!r}:
    importlib.import_module(name)
from hio.base import doing
from hio.core.tcp import clienting
from hio.core.http import serving
from hio.help import ogling
try:
    from hio.base import Doist
except ImportError:
    pass
else:
    raise AssertionError("hio.base conveniences without the meta-package")
print(len({names!r}), "modules")
"""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(lib)
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{len(names)} modules"
