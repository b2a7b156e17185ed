"""The monorepo's own invariants: one version, one build hook, complete metadata.

These run in the all-together session, from the repository root.
"""

from __future__ import annotations

import ast
import pathlib
import re
from importlib import metadata

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = sorted(p for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file())
VERSION = (ROOT / "VERSION").read_text(encoding="utf-8").strip()
NAMESPACE_LEVELS = ("hio", "hio/base", "hio/core")


def pyproject(pkg: pathlib.Path) -> dict:
    return tomllib.loads((pkg / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_distribution_is_present():
    names = {pyproject(p)["project"]["name"] for p in PACKAGES}
    assert names == {
        "hio",
        "hio-help",
        "hio-timing",
        "hio-doing",
        "hio-filing",
        "hio-tcp",
        "hio-udp",
        "hio-uxd",
        "hio-serial",
        "hio-http",
    }


def test_version_sorts_above_every_published_hio_release():
    parts = tuple(int(x) for x in VERSION.split("."))
    assert len(parts) == 3
    assert parts > (0, 7, 999), "the published hio reached 0.7.x; ours must sort above it"


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_version_and_dependencies_come_from_the_one_hook(pkg):
    project = pyproject(pkg)["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert "dependencies" not in project and "dependencies" in project["dynamic"]
    hook = (pkg / "hatch_build.py").read_text(encoding="utf-8")
    assert hook == (PACKAGES[0] / "hatch_build.py").read_text(encoding="utf-8"), "build hooks must stay identical"


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_metadata_is_complete(pkg):
    project = pyproject(pkg)["project"]
    for field in ("name", "description", "readme", "license", "requires-python", "classifiers", "urls"):
        assert project.get(field), f"{pkg.name}: {field} missing"
    assert project["requires-python"] == ">=3.10"
    readme = (pkg / project["readme"]).read_text(encoding="utf-8")
    assert "```" in readme, f"{pkg.name}: README needs a usage example"


@pytest.mark.parametrize("pkg", [p for p in PACKAGES if p.name != "hio"], ids=lambda p: p.name)
def test_pieces_ship_no_namespace_init(pkg):
    for level in NAMESPACE_LEVELS:
        assert not (pkg / "src" / level / "__init__.py").exists(), f"{pkg.name} must not own {level}/__init__.py"


def test_meta_package_owns_the_namespace_inits_and_extends_path():
    for level in NAMESPACE_LEVELS:
        init = ROOT / "packages" / "hio" / "src" / level / "__init__.py"
        body = ast.parse(init.read_text(encoding="utf-8")).body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        first = ast.unparse(body[0])
        assert first == "__path__ = __import__('pkgutil').extend_path(__path__, __name__)", init


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_installed_siblings_are_pinned_to_the_version(pkg):
    name = pyproject(pkg)["project"]["name"]
    assert metadata.version(name) == VERSION
    for req in metadata.requires(name) or []:
        dep = re.split(r"[\s;=<>!~\[]", req, maxsplit=1)[0]
        if dep == "hio" or dep.startswith("hio-"):
            assert req.replace(" ", "") == f"{dep}=={VERSION}", req
