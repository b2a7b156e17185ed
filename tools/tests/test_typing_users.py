"""What a user's type checker sees: one distribution installed alone, a small program checked against it.

The distribution and the hio distributions it requires are built into wheels
with hatchling and installed, without their third-party requirements, into a
fresh venv that holds nothing else. mypy (strict) then checks two small
programs with that venv's site-packages: one that uses the API correctly must
pass, one with mistakes a user could make must be flagged exactly where the
mistakes are. So an annotation that is wrong, missing or hidden from users
(a lost py.typed marker) fails here.

These run in the all-together session, from the repository root.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap
import venv

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ROOT / "packages"
VERSION = (ROOT / "VERSION").read_text(encoding="utf-8").strip()


def project(dist: str) -> dict:
    return tomllib.loads((PACKAGES / dist / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def hio_closure(dist: str) -> list[str]:
    """``dist`` and every hio distribution it requires, directly or not."""
    seen: list[str] = []
    todo = [dist]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        for req in project(current)["dependencies"]:
            name = re.split(r"[\s;=<>!~\[]", req, maxsplit=1)[0]
            if name == "hio" or name.startswith("hio-"):
                todo.append(name)
    return seen


@pytest.fixture(scope="module")
def tcpAlone(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Python of a venv holding hio-tcp and the hio distributions it requires, nothing else."""
    tmp = tmp_path_factory.mktemp("typing-users")
    wheels = tmp / "wheels"
    dists = hio_closure("hio-tcp")
    for dist in dists:
        subprocess.run(
            [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(wheels)],
            cwd=PACKAGES / dist,
            check=True,
            capture_output=True,
        )
    env = tmp / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--find-links", str(wheels)]
        + [f"{dist}=={VERSION}" for dist in dists],
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
    ).stdout
    installed = {line.split("==")[0] for line in listed.splitlines() if line.startswith("hio")}
    assert installed == set(dists), installed  # hio-tcp alone, with what it requires
    return python


GOOD = """
from hio.base import doing
from hio.core.tcp import Client, ClientDoer, Server, ServerDoer

doist = doing.Doist(real=False, tock=0.03125, limit=0.25)
tymth = doist.tymen()
server = Server(host="127.0.0.1", port=0, tymth=tymth)
opened: bool = server.reopen()
host, port = server.eha
client = Client(ha=(host, port), tymth=tymth, reconnectable=True)
client.tx(b"hello")
sent: int = client.send(bytearray(b"there"))
rx: bytes | None = client.receive()
buffered: bytearray = client.rxbs
connected: bool = client.connected
doers: list[doing.Doer] = [ServerDoer(server=server), ClientDoer(client=client)]
doist.do(doers=doers)
done: bool | None = doist.done
client.close()
server.close()
"""

# Each mistake ends with the error code mypy must report on that line.
BAD = """
from hio.base import doing
from hio.core.tcp import Client, Server

doist = doing.Doist(real=False, tock=0.03125)
server = Server(host="127.0.0.1", port="8080", tymth=doist.tymen())  # arg-type
client = Client(tymth="not a tymth")  # arg-type
client.tx("text, not bytes")  # arg-type
name: str = client.reopen()  # assignment
count: int = client.receive()  # assignment
client.sendall(b"no such method")  # attr-defined
"""


def check(python: pathlib.Path, tmp: pathlib.Path, source: str) -> list[tuple[int, str]]:
    """Runs strict mypy on ``source`` against the venv of ``python``; returns (line, code) of each error."""
    program = tmp / "program.py"
    program.write_text(textwrap.dedent(source), encoding="utf-8")
    config = tmp / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\npython_version = 3.10\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--python-executable",
            str(python),
            "--cache-dir",
            str(python.parents[2] / ".mypy_cache"),  # shared: the installed modules are checked once
            "--no-error-summary",
            "--show-error-codes",
            str(program),
        ],
        cwd=tmp,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": ""},
    )
    assert done.returncode in (0, 1), done.stderr + done.stdout
    errors = re.findall(r"^program\.py:(\d+): error: .*\[([a-z-]+)\]$", done.stdout, re.M)
    assert (done.returncode == 0) == (not errors), done.stdout
    return [(int(line), code) for line, code in errors]


def expected(source: str) -> list[tuple[int, str]]:
    """(line, code) of each line of ``source`` that ends with ``# <error code>``."""
    lines = textwrap.dedent(source).splitlines()
    return [(n, m.group(1)) for n, line in enumerate(lines, 1) if (m := re.search(r"#\s*([a-z-]+)$", line))]


def test_a_correct_program_using_hio_tcp_alone_passes_strict_mypy(tcpAlone, tmp_path):
    assert check(tcpAlone, tmp_path, GOOD) == []


def test_mistakes_against_hio_tcp_alone_are_flagged_where_they_are(tcpAlone, tmp_path):
    found = check(tcpAlone, tmp_path, BAD)
    assert sorted(set(found)) == sorted(expected(BAD)), found
