"""Every code block of every page under docs/ runs as a reader would copy it (and the README's Python).

Each block is taken from the page as the site shows it: a ``code-block`` or
fenced block as written, a ``literalinclude`` cut by its ``start-at``,
``start-after``, ``end-before`` and ``end-at`` options. Then:

- a Python block runs as a program of its own, in a fresh interpreter and an
  empty directory. When the page says what it prints (a literal block right
  after it, introduced by "Its output" or "It prints"), what it printed must
  match, line for line; a line of ``...`` there stands for any lines, and
  ``...`` within a line for any text (a port, a path). A block that serves
  "until Ctrl-C" (it says so in a comment) is interrupted once it has printed
  what the page shows (and answered a GET of the URL it printed, if any), and
  must then end cleanly. A block that uses the
  controlling terminal (``Console()``) runs on a pseudo-terminal.
- a shell block: each ``hio`` or ``python -m`` command runs the same way (a
  fixed ``--port`` becomes 0, any free port, so that the run does not depend
  on the machine); each ``pip install`` names distributions of this
  repository, paths of it, or the extra packages the page names; each
  ``nox -s`` names a session of the noxfile.
- ``text`` blocks are synopses and outputs, not programs.

The pages and their blocks are found on disk, so a new page or block is
checked without editing this test.
"""

from __future__ import annotations

import fcntl
import os
import pathlib
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import termios
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*") if p.suffix in (".rst", ".md") and "_build" not in p.parts)
PAGES = [p for p in PAGES if p.parent.name != "bench"]  # the benchmark snapshot is generated text
DISTRIBUTIONS = {p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").is_file()}
EXTRAS = {"aiohttp", "falcon", "trustme"}  # third-party packages the examples say they need
RUN_TIMEOUT = 60.0  # seconds a block may take
SERVE_WAIT = 20.0  # seconds a serving block may take to print what the page shows


@dataclass
class Block:
    """One code block of a page."""

    page: pathlib.Path
    line: int
    language: str
    code: str
    expected: str | None = None  # what the page says it prints
    options: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(DOCS if DOCS in self.page.parents else ROOT)}:{self.line}"


def dedent(lines: list[str]) -> str:
    """The lines without their common indentation, trailing blank lines dropped."""
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines) + "\n"


def included(page: pathlib.Path, target: str, options: dict[str, str]) -> str:
    """The text a literalinclude shows: the file cut by its start and end options."""
    text = (page.parent / target).read_text(encoding="utf-8")
    if "start-at" in options:
        text = text[text.index(options["start-at"].strip('"')) :]
    if "start-after" in options:
        marker = options["start-after"].strip('"')
        text = text[text.index(marker) + len(marker) :]
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if "end-before" in options:
        text = text[: text.index(options["end-before"].strip('"'))]
    if "end-at" in options:
        marker = options["end-at"].strip('"')
        text = text[: text.index(marker) + len(marker)] + "\n"
    return text


OUTPUT_INTRO = re.compile(r"\s*(Its output|It prints)")


def paragraphOf(lines: list[str], end: int) -> str:
    """The paragraph that ends at line ``end``, joined into one line."""
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    return " ".join(line.strip() for line in lines[start : end + 1])


def rstBlocks(page: pathlib.Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = re.match(r"\.\. (code-block|literalinclude)::\s*(\S*)", line)
        if directive:
            kind, argument = directive.groups()
            start = i + 1
            i += 1
            options: dict[str, str] = {}
            while i < len(lines) and re.match(r"\s+:([\w-]+):\s*(.*)$", lines[i]):
                key, value = re.match(r"\s+:([\w-]+):\s*(.*)$", lines[i]).groups()  # type: ignore[union-attr]
                options[key] = value
                i += 1
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            if kind == "literalinclude":
                blocks.append(Block(page, start, options.get("language", "text"), included(page, argument, options)))
            else:
                blocks.append(Block(page, start, argument or "text", dedent(body), options=options))
            continue
        if line.rstrip().endswith("::") and blocks and OUTPUT_INTRO.match(paragraphOf(lines, i)):
            i += 1
            body = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            blocks[-1].expected = dedent(body)
            continue
        i += 1
    return blocks


def mdBlocks(page: pathlib.Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    outputNext = False
    while i < len(lines):
        fence = re.match(r"```(\{[\w-]+\})?\s*(\S*)\s*$", lines[i])
        if not fence:
            if lines[i].strip():
                outputNext = bool(OUTPUT_INTRO.match(lines[i]))
            i += 1
            continue
        directive, argument = fence.groups()
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        options = {}
        while body and re.match(r":([\w-]+):\s*(.*)$", body[0]):
            key, value = re.match(r":([\w-]+):\s*(.*)$", body.pop(0)).groups()  # type: ignore[union-attr]
            options[key] = value
        if outputNext and blocks and (directive is None and argument in ("text", "")):
            blocks[-1].expected = dedent(body)
        elif directive == "{literalinclude}":
            blocks.append(Block(page, start, options.get("language", "text"), included(page, argument, options)))
        elif directive is None:
            blocks.append(Block(page, start, argument or "text", dedent(body)))
        outputNext = False
    return blocks


def pageBlocks(page: pathlib.Path) -> list[Block]:
    return rstBlocks(page) if page.suffix == ".rst" else mdBlocks(page)


BLOCKS = [block for page in PAGES for block in pageBlocks(page)]
# the READMEs too (the repository's and each distribution's, shown on the package index): their Python
READMES = [ROOT / "README.md", *sorted((ROOT / "packages").glob("*/README.md"))]
PROGRAMS = [b for b in BLOCKS + [b for readme in READMES for b in mdBlocks(readme)] if b.language == "python"]
SHELLS = [b for b in BLOCKS if b.language in ("sh", "bash", "console", "shell")]


def matches(expected: str, got: str) -> bool:
    """True when ``got`` has the lines of ``expected``; ``...`` stands for any lines, or any text within one."""
    pattern = []
    for line in expected.rstrip("\n").split("\n"):
        if line.strip() == "...":
            pattern.append(r"(?:.*\n)*?")
        else:
            pattern.append(".*".join(re.escape(part) for part in line.rstrip().split("...")) + r"[ \t]*\n")
    return re.fullmatch("".join(pattern), got.rstrip("\n") + "\n") is not None


def onTerminal(argv: list[str], cwd: pathlib.Path, timeout: float) -> tuple[int, str]:
    """Runs argv with a new pseudo-terminal as its controlling terminal and stdio; returns (status, output)."""
    primary, secondary = pty.openpty()

    def control() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        argv, cwd=cwd, stdin=secondary, stdout=secondary, stderr=secondary, preexec_fn=control, close_fds=True
    )
    os.close(secondary)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(primary, 4096)
                except OSError:  # the terminal closed: the program ended
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        status = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(primary)
    return status, out.decode(errors="replace").replace("\r\n", "\n")


def runProgram(argv: list[str], cwd: pathlib.Path, serves: bool, expected: str | None) -> tuple[int, str, str]:
    """Runs argv; a serving program is interrupted (SIGINT) once it printed what is expected."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not serves:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env)
        return done.returncode, done.stdout, done.stderr
    want = 1  # its first line says it serves
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    out = []
    deadline = time.monotonic() + SERVE_WAIT
    os.set_blocking(proc.stdout.fileno(), False)
    while len(out) < want and time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        if line:
            out.append(line)
        else:
            time.sleep(0.05)
    time.sleep(0.3)  # serving: a few cycles more
    served = ""
    url = re.search(r"https?://[^\s]+", "".join(out))
    if url and proc.poll() is None:  # it says where it serves: it must answer there
        try:
            with urllib.request.urlopen(url.group(0), timeout=5) as reply:
                reply.read()
        except urllib.error.HTTPError as ex:
            if ex.code >= 500:
                served = f"\n(GET {url.group(0)} answered {ex.code})"
        except OSError as ex:
            served = f"\n(GET {url.group(0)} failed: {ex})"
    serving = proc.poll() is None
    proc.send_signal(signal.SIGINT)
    try:
        rest, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, err = proc.communicate()
        return -1, "".join(out) + rest, err + "\n(did not end on SIGINT)"
    if not serving:
        return proc.returncode or -2, "".join(out) + rest, err + "\n(ended before it was interrupted)"
    if served:
        return -3, "".join(out) + rest, err + served
    return proc.returncode, "".join(out) + rest, err


def test_the_pages_have_code_blocks():
    """The extraction finds the blocks (a change of markup that hid them would empty this test)."""
    assert len(PROGRAMS) >= 15
    assert any(b.expected for b in PROGRAMS)
    assert SHELLS


@pytest.mark.parametrize("block", PROGRAMS, ids=[b.name for b in PROGRAMS])
def test_python_block_runs_and_prints_what_the_page_says(block: Block, tmp_path: pathlib.Path):
    program = tmp_path / "example.py"
    program.write_text(block.code, encoding="utf-8")
    argv = [sys.executable, str(program)]
    if "Console()" in block.code:
        status, out = onTerminal(argv, tmp_path, RUN_TIMEOUT)
        err = ""
    else:
        status, out, err = runProgram(argv, tmp_path, "Ctrl-C" in block.code, block.expected)
    assert status == 0, f"{block.name} failed ({status}):\n{out}\n{err}"
    assert "Traceback" not in err, f"{block.name}:\n{err}"
    if block.expected is not None:  # on stdout, or (a log) on stderr
        assert matches(block.expected, out) or matches(block.expected, err), (
            f"{block.name} printed:\n{out}\n{err}\nthe page says:\n{block.expected}"
        )


def shellCommands(block: Block) -> list[list[str]]:
    commands = []
    for line in block.code.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        for part in line.split("&&"):
            commands.append(shlex.split(part))
    return commands


NOX_SESSIONS = set(re.findall(r"^def (\w+)\(session", (ROOT / "noxfile.py").read_text(encoding="utf-8"), re.M))


def checkInstall(block: Block, words: list[str]) -> None:
    """``pip install`` names distributions of this repository, its paths, or extras the page names."""
    for word in words[words.index("install") + 1 :]:
        if word.startswith("-"):
            continue
        name = re.split(r"[\[<>=!~ ]", word, maxsplit=1)[0].strip("'\"")
        if name.startswith("./"):
            assert (ROOT / name).is_dir(), f"{block.name}: {name} is not a path of the repository"
        else:
            assert name in DISTRIBUTIONS | EXTRAS, f"{block.name}: pip install {name}: not a distribution of hio"


@pytest.mark.parametrize("block", SHELLS, ids=[b.name for b in SHELLS])
def test_shell_block_commands_run(block: Block, tmp_path: pathlib.Path):
    for words in shellCommands(block):
        if "pip" in words and "install" in words:
            checkInstall(block, words)
            continue
        if words[:2] in (["python3", "-m"], ["python", "-m"]) and words[2] == "nox":
            session = words[words.index("-s") + 1] if "-s" in words else None
            assert session is None or session in NOX_SESSIONS, f"{block.name}: no nox session {session}"
            continue
        if words[0] in ("python", "python3"):
            argv = [sys.executable, *words[1:]]
        elif words[0] in ("hio", "hiod"):
            argv = [sys.executable, "-m", "hio" if words[0] == "hio" else "hio.daemon", *words[1:]]
        else:
            pytest.fail(f"{block.name}: a command this test does not know how to check: {' '.join(words)}")
        if "--port" in argv:
            argv[argv.index("--port") + 1] = "0"
        serves = "serve" in argv or argv[2] == "hio.daemon"
        status, out, err = runProgram(argv, tmp_path, serves, None)
        assert status == 0, f"{block.name}: {' '.join(words)} failed ({status}):\n{out}\n{err}"
        assert "Traceback" not in err, f"{block.name}: {' '.join(words)}:\n{err}"
