"""The monorepo's own invariants: one version, static and complete metadata, typed wheels.

These run in the all-together session, from the repository root.
"""

from __future__ import annotations

import ast
import pathlib
import re
import subprocess
import sys
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


def requirement_name(req: str) -> str:
    """The distribution name a requirement string is about (``"hio-tcp==0.8.0"`` -> ``"hio-tcp"``)."""
    return re.split(r"[\s;=<>!~\[]", req, maxsplit=1)[0]


NAMES = frozenset(pyproject(p)["project"]["name"] for p in PACKAGES)


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
def test_metadata_is_static(pkg):
    """Version and dependencies are written in pyproject.toml, readable without running any build hook."""
    data = pyproject(pkg)
    project = data["project"]
    assert "version" in project and "dependencies" in project
    assert not {"version", "dependencies"} & set(project.get("dynamic", []))
    assert "metadata" not in data.get("tool", {}).get("hatch", {}), "no hatch metadata hooks"
    assert not (pkg / "hatch_build.py").exists()


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_version_and_sibling_pins_agree_with_the_one_version(pkg):
    project = pyproject(pkg)["project"]
    assert project["version"] == VERSION, f"{pkg.name} says {project['version']}, VERSION says {VERSION}"
    for req in project["dependencies"]:
        dep = requirement_name(req)
        if dep == "hio" or dep.startswith("hio-"):
            assert dep in NAMES, f"{pkg.name} requires {dep}, which is not in packages/"
            assert req.replace(" ", "") == f"{dep}=={VERSION}", f"{pkg.name}: {req!r} must pin {dep}=={VERSION}"


def test_bump_version_sets_every_version_and_pin(tmp_path):
    """tools/bump_version.py rewrites VERSION, every version and every sibling pin, and nothing else."""
    (tmp_path / "VERSION").write_text(f"{VERSION}\n", encoding="utf-8")
    originals = {}
    for pkg in PACKAGES:
        (tmp_path / "packages" / pkg.name).mkdir(parents=True)
        originals[pkg.name] = (pkg / "pyproject.toml").read_text(encoding="utf-8")
        (tmp_path / "packages" / pkg.name / "pyproject.toml").write_text(originals[pkg.name], encoding="utf-8")
    bump = [sys.executable, str(ROOT / "tools" / "bump_version.py"), "--root", str(tmp_path)]

    refused = subprocess.run([*bump, "v1.x"], capture_output=True, text=True)
    assert refused.returncode != 0 and "not a release version" in refused.stderr
    assert (tmp_path / "VERSION").read_text(encoding="utf-8") == f"{VERSION}\n"

    done = subprocess.run([*bump, "9.1.0rc2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "VERSION").read_text(encoding="utf-8") == "9.1.0rc2\n"
    for pkg in PACKAGES:
        text = (tmp_path / "packages" / pkg.name / "pyproject.toml").read_text(encoding="utf-8")
        project = tomllib.loads(text)["project"]
        assert project["version"] == "9.1.0rc2"
        for req in project["dependencies"]:
            dep = requirement_name(req)
            if dep in NAMES:
                assert req == f"{dep}==9.1.0rc2"
        assert text.replace("9.1.0rc2", VERSION) == originals[pkg.name], f"{pkg.name}: only versions may change"


def test_uv_workspace_holds_every_distribution():
    """The root pyproject.toml makes packages/* one uv workspace whose hio requirements resolve to its members."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "project" not in root, "a virtual workspace root: it builds nothing"
    members = {p for pattern in root["tool"]["uv"]["workspace"]["members"] for p in ROOT.glob(pattern)}
    assert members == set(PACKAGES)
    assert root["tool"]["uv"]["sources"] == {name: {"workspace": True} for name in NAMES}


def shipped(pkg: pathlib.Path) -> set[str]:
    """The paths, relative to site-packages, that ``pkg``'s wheel installs (its src tree, less caches)."""
    src = pkg / "src"
    return {
        p.relative_to(src).as_posix()
        for p in src.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    }


def test_no_two_distributions_ship_the_same_path():
    owner: dict[str, str] = {}
    for pkg in PACKAGES:
        for path in shipped(pkg):
            assert path not in owner, f"{path} is shipped by both {owner[path]} and {pkg.name}"
            owner[path] = pkg.name


def hio_closure(name: str) -> set[str]:
    """``name`` and every hio distribution it requires, directly or not, read from the pyproject files."""
    by_name = {pyproject(p)["project"]["name"]: pyproject(p)["project"] for p in PACKAGES}
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(dep for dep in map(requirement_name, by_name[current]["dependencies"]) if dep in NAMES)
    return seen


@pytest.mark.parametrize("pkg", PACKAGES, ids=lambda p: p.name)
def test_every_module_is_typed_wherever_its_distribution_is_installed(pkg):
    """PEP 561: every module has a py.typed marker, shipped by its distribution or one it requires.

    The marker sits in the module's own directory or in a package above it,
    but not in a shared namespace directory above it (PEP 561 wants markers
    in the namespace's subpackages). A namespace directory that holds modules
    itself (hio/hioing.py, hio/base/doing.py, hio/core/coring.py) gets one
    marker, shipped by the lowest distribution that puts modules there and
    that every other one putting modules there requires.
    """
    files = {pyproject(p)["project"]["name"]: shipped(p) for p in PACKAGES}
    reachable = {path for dep in hio_closure(pyproject(pkg)["project"]["name"]) for path in files[dep]}
    for module in (path for path in shipped(pkg) if path.endswith(".py")):
        here = pathlib.PurePosixPath(module).parent
        places = [here, *(p for p in here.parents if p.parts and str(p) not in NAMESPACE_LEVELS)]
        assert any(f"{place}/py.typed" in reachable for place in places), (
            f"{pkg.name}: no py.typed for {module} in {', '.join(map(str, places))}"
        )


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
        dep = requirement_name(req)
        if dep == "hio" or dep.startswith("hio-"):
            assert req.replace(" ", "") == f"{dep}=={VERSION}", req
