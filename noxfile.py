"""Every workflow of the hio monorepo.

Run ``python3 -m nox -l`` for the list. Each distribution's tests run in a
venv holding only that distribution, what it declares and the test tools,
installed non-editable from a wheelhouse built fresh from ``packages/``.
Every install from the wheelhouse pins the one version in ``VERSION``, so a
release of the same name on the package index can never stand in for ours.
For day-to-day work, ``uv sync`` at the root gives one editable venv instead.
"""

from __future__ import annotations

import atexit
import os
import pathlib
import shutil
import sys
import tarfile
import tempfile
import zipfile

import nox

ROOT = pathlib.Path(__file__).resolve().parent
PACKAGES = ROOT / "packages"
VERSION = (ROOT / "VERSION").read_text(encoding="utf-8").strip()
# One wheelhouse per nox run, so that concurrent runs never share or clobber one.
WHEELHOUSE = ROOT / ".nox" / "wheelhouse" / str(os.getpid())
atexit.register(shutil.rmtree, WHEELHOUSE, True)

# Lowest first: a distribution comes after everything it depends on.
DISTRIBUTIONS = [
    "hio-help",
    "hio-timing",
    "hio-doing",
    "hio-filing",
    "hio-tcp",
    "hio-udp",
    "hio-uxd",
    "hio-serial",
    "hio-http",
    "hio",
]

# What each distribution's tests need beyond the distribution itself.
TEST_TOOLS = ["pytest>=8", "pytest-timeout>=2.2"]
MYPY = "mypy==2.4.1"  # pinned: a new mypy release may find new errors
TEST_NEEDS = {
    "hio-help": [],
    "hio-timing": [],
    "hio-doing": [],
    "hio-filing": [],
    "hio-tcp": ["trustme>=1.1"],
    "hio-udp": [],
    "hio-uxd": [],
    "hio-serial": [],
    "hio-http": ["trustme>=1.1", "bottle>=0.12", "hypothesis>=6"],
    "hio": ["trustme>=1.1", "bottle>=0.12", "hypothesis>=6", "aiohttp>=3.9"],
}

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["tests", "tests_all", "lint"]

_built = False


def build_wheelhouse(session: nox.Session) -> pathlib.Path:
    """Builds one wheel per distribution into the wheelhouse, once per nox run."""
    global _built
    if not _built:
        shutil.rmtree(WHEELHOUSE, ignore_errors=True)
        WHEELHOUSE.mkdir(parents=True)
        session.install("hatchling>=1.21")
        for dist in DISTRIBUTIONS:
            with session.chdir(PACKAGES / dist):
                session.run("python", "-m", "hatchling", "build", "-t", "wheel", "-d", str(WHEELHOUSE), silent=True)
        _built = True
    return WHEELHOUSE


def install_pinned(session: nox.Session, *dists: str, extra: list[str] | tuple[str, ...] = ()) -> None:
    """Installs hio distributions from the wheelhouse at exactly VERSION, with ``extra`` from the index."""
    wheelhouse = build_wheelhouse(session)
    session.install("--find-links", str(wheelhouse), *(f"{d}=={VERSION}" for d in dists), *extra)


def pytest_args(session: nox.Session, *paths: pathlib.Path) -> list[str]:
    """pytest invocation over ``paths`` that imports hio only from the venv, never from ``src``."""
    return ["pytest", *(str(p) for p in paths), *session.posargs]


@nox.session(tags=["ci"])
@nox.parametrize("package", DISTRIBUTIONS)
def tests(session: nox.Session, package: str) -> None:
    """One distribution's tests, in a venv with only it, what it declares and the test tools."""
    install_pinned(session, package, extra=TEST_TOOLS + TEST_NEEDS[package])
    session.run("python", str(ROOT / "tools" / "check_isolation.py"), package)
    session.run(*pytest_args(session, PACKAGES / package / "tests"))


@nox.session(tags=["ci"])
def tests_all(session: nox.Session) -> None:
    """Every distribution installed together (through the meta-package), every test."""
    extra = sorted({need for needs in TEST_NEEDS.values() for need in needs})
    install_pinned(
        session, "hio", extra=[*TEST_TOOLS, *extra, MYPY, "hatchling>=1.21", "tomli; python_version < '3.11'"]
    )
    session.run("python", str(ROOT / "tools" / "check_isolation.py"), "hio")
    session.run(*pytest_args(session, *(PACKAGES / d / "tests" for d in DISTRIBUTIONS), ROOT / "tools" / "tests"))


def third_party_requirements() -> list[str]:
    """What the distributions require from outside the repository, read from their pyproject files."""
    reqs = set()
    for dist in DISTRIBUTIONS:
        for req in nox.project.load_toml(PACKAGES / dist / "pyproject.toml")["project"]["dependencies"]:
            if not req.startswith("hio"):
                reqs.add(req)
    return sorted(reqs)


@nox.session(tags=["ci"])
def types(session: nox.Session) -> None:
    """mypy over the sources of all ten distributions, as configured in pyproject.toml; any error fails."""
    session.install(MYPY, "types-pyserial==3.5.0.20261104", *third_party_requirements())
    session.chdir(ROOT)
    session.run("mypy", *(str(PACKAGES / dist / "src") for dist in DISTRIBUTIONS))


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check; the CI workflows and the Read the Docs config against their schemas."""
    # Pinned: formatting and the schemas bundled with check-jsonschema must not drift between runs.
    session.install("ruff==0.17.6", "check-jsonschema==0.38.2")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # The schemas ship inside check-jsonschema: nothing is fetched at run time.
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *(str(p) for p in WORKFLOWS))
    session.run("check-jsonschema", "--builtin-schema", "vendor.readthedocs", str(ROOT / ".readthedocs.yaml"))


@nox.session
def build(session: nox.Session) -> None:
    """A wheel and an sdist for every distribution into ``dist/``, each checked.

    twine checks the metadata; no two wheels may ship the same file; and each
    sdist, unpacked alone outside the repository, must build the same wheel.
    """
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build[uv]>=1.2", "twine>=5")
    for name in DISTRIBUTIONS:
        session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(dist), str(PACKAGES / name))
    session.run("twine", "check", "--strict", *(str(p) for p in sorted(dist.iterdir())))
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != len(DISTRIBUTIONS) or len(sdists) != len(DISTRIBUTIONS):
        session.error(f"expected {len(DISTRIBUTIONS)} wheels and sdists, got {len(wheels)} and {len(sdists)}")
    check_disjoint_wheels(session, wheels)
    for sdist in sdists:
        build_from_lone_sdist(session, sdist, dist)


def wheel_files(wheel: pathlib.Path) -> set[str]:
    """The paths ``wheel`` installs into site-packages, its own ``.dist-info`` left out."""
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def check_disjoint_wheels(session: nox.Session, wheels: list[pathlib.Path]) -> None:
    """Fails when two wheels ship the same path (installing one would clobber, removing it would break, the other)."""
    owner: dict[str, str] = {}
    for wheel in wheels:
        for path in wheel_files(wheel):
            if path in owner:
                session.error(f"{path} is shipped by both {owner[path]} and {wheel.name}")
            owner[path] = wheel.name
    session.log(f"{len(wheels)} wheels ship {len(owner)} distinct paths, none twice")


def build_from_lone_sdist(session: nox.Session, sdist: pathlib.Path, dist: pathlib.Path) -> None:
    """Unpacks ``sdist`` alone, outside the repository, builds a wheel from it and compares it with ``dist``'s."""
    with tempfile.TemporaryDirectory(prefix="hio-sdist-") as tmp:
        with tarfile.open(sdist) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(tmp, filter="data")
            else:  # pragma: no cover - Python releases without extraction filters
                archive.extractall(tmp)
        (source,) = pathlib.Path(tmp).iterdir()
        out = pathlib.Path(tmp) / "out"
        session.run(
            "python", "-m", "build", "--installer", "uv", "--wheel", "--outdir", str(out), str(source), silent=True
        )
        (rebuilt,) = out.glob("*.whl")
        if not (dist / rebuilt.name).is_file():
            session.error(f"{sdist.name} alone builds {rebuilt.name}, which is not in dist/")
        if wheel_files(rebuilt) != wheel_files(dist / rebuilt.name):
            session.error(f"{sdist.name} alone builds a wheel with other files than {rebuilt.name} in dist/")
        session.log(f"{sdist.name} alone builds {rebuilt.name}")


@nox.session(venv_backend="none")
def bump(session: nox.Session) -> None:
    """Sets the one version everywhere: ``nox -s bump -- 0.8.1`` (VERSION, every pyproject and sibling pin)."""
    if len(session.posargs) != 1:
        session.error("usage: nox -s bump -- NEW_VERSION")
    session.run(sys.executable, str(ROOT / "tools" / "bump_version.py"), *session.posargs, external=True)


@nox.session
def demo(session: nox.Session) -> None:
    """The quick-start demo: what hio does, on artificial tyme, in a few seconds."""
    install_pinned(session, "hio")
    session.run("python", "-m", "hio", "demo", *session.posargs)


PUBLISHED_HIO = "hio==0.6.10"  # the published release our benchmarks race against


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against asyncio, trio, waitress, wsgiref and the published hio; tables, plots, summary."""
    install_pinned(session, "hio", extra=["trio>=0.25", "waitress>=3", "matplotlib>=3.7"])
    # The published release has our meta-package's name, so it gets a venv of its own.
    published = ROOT / ".nox" / "bench-published"
    if not (published / "bin" / "python").exists():
        session.run("python", "-m", "venv", str(published))
        session.run(
            str(published / "bin" / "python"), "-m", "pip", "install", "-q", PUBLISHED_HIO, "trio", external=True
        )
    if not shutil.which("wrk") and shutil.which("apt-get") and os.geteuid() == 0:
        # wrk (a Debian package) is the preferred HTTP load generator; without it a Python one stands in.
        session.run("apt-get", "update", "-qq", external=True, success_codes=[0, 100])
        session.run("apt-get", "install", "-y", "-qq", "wrk", external=True, success_codes=[0, 100])
    session.run(
        "python",
        str(ROOT / "tools" / "bench" / "run.py"),
        "--published",
        str(published / "bin" / "python"),
        "--out",
        str(ROOT / "bench-results"),
        *session.posargs,
    )


DOCS = ROOT / "docs"


@nox.session
def docs(session: nox.Session) -> None:
    """The Sphinx site (guide and API reference) into docs/_build/html, warnings as errors."""
    install_pinned(session, "hio", extra=nox.project.load_toml(ROOT / "pyproject.toml")["dependency-groups"]["docs"])
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", str(DOCS), str(DOCS / "_build" / "html"))


@nox.session(tags=["ci"])
def browser(session: nox.Session) -> None:
    """The demo page in headless Chromium (Debian's chromium and chromedriver, driven by selenium)."""
    chromium, chromedriver = pathlib.Path("/usr/bin/chromium"), pathlib.Path("/usr/bin/chromedriver")
    if not (chromium.exists() and chromedriver.exists()):
        if not shutil.which("apt-get") or os.geteuid() != 0:
            session.error("needs Debian's chromium and chromium-driver, or root and apt-get to install them")
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        session.run("apt-get", "update", "-qq", external=True, env=env)
        session.run("apt-get", "install", "-y", "-qq", "chromium", "chromium-driver", external=True, env=env)
    install_pinned(session, "hio", extra=[*TEST_TOOLS, "selenium>=4.10"])
    session.run(*pytest_args(session, PACKAGES / "hio" / "tests" / "browser"), env={"HIO_BROWSER_TESTS": "1"})


@nox.session(tags=["ci"])
def stress(session: nox.Session) -> None:
    """Load, slow clients, faults, TLS and file safety on loopback, bounded; prints the figures."""
    install_pinned(session, "hio", extra=[*TEST_TOOLS, "hypothesis>=6", "trustme>=1.1", "falcon>=3.1"])
    session.run(*pytest_args(session, ROOT / "tools" / "stress"), "-v", "-s")


def main() -> None:  # pragma: no cover - convenience for ``python noxfile.py``
    sys.exit(nox.main())


if __name__ == "__main__":  # pragma: no cover
    main()
