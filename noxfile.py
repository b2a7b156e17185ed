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


@nox.session(tags=["ci"])
def upgrade(session: nox.Session) -> None:
    """The published hio 0.6.19 upgraded in place with pip to the fresh wheels; every documented module imports."""
    wheelhouse = build_wheelhouse(session)
    session.run("python", str(ROOT / "tools" / "upgrade_check.py"), str(wheelhouse), VERSION)


# The published release our benchmarks race against, the Python it needs, and an older release
# that runs on older interpreters (the fallback when no interpreter can run the current one).
PUBLISHED_HIO = ("0.6.19", (3, 12, 6))
OLDER_HIO = "0.6.10"


def python_version(python: str) -> tuple[int, ...] | None:
    """The version of the interpreter ``python`` as a tuple, or None when it does not run."""
    import subprocess

    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:3])"], capture_output=True, text=True, timeout=30
        )
    except OSError:
        return None
    return tuple(int(x) for x in out.stdout.split()) if out.returncode == 0 else None


def _version_key(path: pathlib.Path) -> tuple[int, ...]:
    """A pyenv version directory's name as numbers, for sorting (3.13.0 after 3.9.18)."""
    return tuple(int(x) if x.isdigit() else -1 for x in path.name.split("."))


def bench_python() -> tuple[str, tuple[int, ...], bool]:
    """The interpreter for the benchmarks: the first that can run the published release, else the running one.

    Returns the interpreter, its version and whether it can run PUBLISHED_HIO.
    Candidates: the interpreter running nox, ``python3.N`` on PATH (newest
    first), then pyenv's installed versions (newest first).
    """
    need = PUBLISHED_HIO[1]
    candidates = [sys.executable] + [shutil.which(f"python3.{minor}") for minor in range(20, need[1] - 1, -1)]
    pyenv = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv")) / "versions"
    candidates += [str(p / "bin" / "python3") for p in sorted(pyenv.glob("3.*"), key=_version_key, reverse=True)]
    for python in filter(None, candidates):
        version = python_version(python)
        if version and version >= need:
            return python, version, True
    return sys.executable, tuple(sys.version_info[:3]), False


def bench_venv(session: nox.Session, python: str, name: str, *requirements: str) -> str:
    """A venv made with ``python`` under .nox, holding requirements; returns its interpreter."""
    venv = ROOT / ".nox" / name
    shutil.rmtree(venv, ignore_errors=True)
    session.run(python, "-m", "venv", str(venv), external=True, silent=True)
    bin_python = str(venv / "bin" / "python")
    if shutil.which("uv"):
        session.run("uv", "pip", "install", "-q", "--python", bin_python, *requirements, external=True)
    else:
        session.run(bin_python, "-m", "pip", "install", "-q", *requirements, external=True)
    return bin_python


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against asyncio, trio, waitress, wsgiref and the published hio; tables, plots, summary;
    then ``hio serve`` with 1 and 2 workers against gunicorn and waitress (tools/bench/deploy.py).

    Ours and the published release run on one interpreter (a ratio is only fair
    on one): the first found that the published release supports. Without one,
    the older release on the running interpreter stands in, and the run says so.
    """
    python, version, current = bench_python()
    dotted = ".".join(map(str, version))
    published = PUBLISHED_HIO[0] if current else OLDER_HIO
    if current:
        session.log(f"bench: ours and hio {published} both on Python {dotted} ({python})")
    else:
        need = ".".join(map(str, PUBLISHED_HIO[1]))
        session.warn(
            f"bench: no Python >= {need} found, which hio {PUBLISHED_HIO[0]} needs; "
            f"falling back to hio {OLDER_HIO} on Python {dotted} ({python})"
        )
    wheelhouse = build_wheelhouse(session)
    tools = ["falcon>=3", "trio>=0.25", "waitress>=3", "matplotlib>=3.7"]
    ours = bench_venv(
        session, python, "bench-ours", "--find-links", str(wheelhouse), f"hio=={VERSION}", *tools, "gunicorn>=23"
    )
    # The published releases have our meta-package's name, so each gets a venv of its own.
    args = ["--published", bench_venv(session, python, f"bench-hio-{published}", f"hio=={published}", *tools)]
    args += ["--published-version", published]
    if current:  # the older release as a second column, on the same interpreter
        args += ["--older", bench_venv(session, python, f"bench-hio-{OLDER_HIO}", f"hio=={OLDER_HIO}", *tools)]
        args += ["--older-version", OLDER_HIO]
    else:
        args += ["--note", f"no Python >= {'.'.join(map(str, PUBLISHED_HIO[1]))} found: hio {OLDER_HIO} stands in"]
    if not shutil.which("wrk") and shutil.which("apt-get") and os.geteuid() == 0:
        # wrk (a Debian package) is the preferred HTTP load generator; without it a Python one stands in.
        session.run("apt-get", "update", "-qq", external=True, success_codes=[0, 100])
        session.run("apt-get", "install", "-y", "-qq", "wrk", external=True, success_codes=[0, 100])
    session.run(
        ours,
        str(ROOT / "tools" / "bench" / "run.py"),
        *args,
        "--out",
        str(ROOT / "bench-results"),
        *session.posargs,
        external=True,
    )
    # hio serve with workers against gunicorn and waitress, on one falcon app (about 4 minutes)
    deploy = ["--quick"] if "--quick" in session.posargs else []
    session.run(
        ours, str(ROOT / "tools" / "bench" / "deploy.py"), "--out", str(ROOT / "bench-results"), *deploy, external=True
    )


DOCS = ROOT / "docs"


@nox.session(tags=["ci"])
def docs(session: nox.Session) -> None:
    """The Sphinx site (guide and API reference) into docs/_build/html, warnings as errors.

    Then the built reference is checked: every parameter of every documented
    public callable is described (tools/check_reference.py). The code blocks
    of the pages run in tests_all (tools/tests/test_docs_examples.py).
    """
    install_pinned(session, "hio", extra=nox.project.load_toml(ROOT / "pyproject.toml")["dependency-groups"]["docs"])
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", str(DOCS), str(DOCS / "_build" / "html"))
    session.run("python", str(ROOT / "tools" / "check_reference.py"), str(DOCS / "_build" / "html" / "api"))


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


@nox.session(tags=["ci"])
def soak(session: nox.Session) -> None:
    """The servers under a steady mixed load on loopback; fails on an error or on rising memory or descriptors.

    ``nox -s soak -- --duration 1800`` is the run for real use; with no arguments it runs 60 s under CI
    (the CI variable set) and 30 minutes otherwise. Plot, summary and samples go to soak-results/.
    """
    install_pinned(session, "hio", extra=["falcon>=3.1", "matplotlib>=3.7"])
    args = session.posargs or ["--duration", "60" if os.environ.get("CI") else "1800"]
    session.run("python", str(ROOT / "tools" / "soak" / "run.py"), "--out", str(ROOT / "soak-results"), *args)


def main() -> None:  # pragma: no cover - convenience for ``python noxfile.py``
    sys.exit(nox.main())


if __name__ == "__main__":  # pragma: no cover
    main()
