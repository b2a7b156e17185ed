"""Shared helpers of the hio meta-package tests.

The command line and the daemon are tested as processes: ``sys.executable -m
hio ...`` (or ``-m hio.daemon``) with bounded timeouts. Servers listen on
127.0.0.1 port 0; a process prints the URL it serves on its first line of
stdout, which is how a test learns the port.

The browser tests under ``browser/`` need Chromium and chromedriver; they are
collected only when HIO_BROWSER_TESTS=1 (the ``browser`` nox session sets it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request

import pytest

collect_ignore_glob = [] if os.environ.get("HIO_BROWSER_TESTS") == "1" else ["browser/*"]

LIMIT = 20.0
"""Seconds any one process under test may take."""


def runModule(*args: str, limit: float = LIMIT) -> subprocess.CompletedProcess:
    """Runs ``python -m <args>`` to completion; returns the completed process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        timeout=limit,
        stdin=subprocess.DEVNULL,
    )


class Served:
    """A serving process (``hio serve`` or ``hiod``) started with ``--port 0``.

    Attributes:
        proc (subprocess.Popen): the process, stdout and stderr piped as text
        url (str): the URL it printed on its first line of stdout
    """

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.proc.kill()
            out, err = self.proc.communicate(timeout=LIMIT)
            raise AssertionError(f"no URL on the first line: {self.url!r}\nstdout: {out}\nstderr: {err}")

    def get(self, path: str, headers: dict | None = None, limit: float = 10.0):
        """GETs path from the server with urllib; returns (status, headers, body)."""
        request = urllib.request.Request(self.url + path.lstrip("/"), headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=limit) as rep:
                return rep.status, rep.headers, rep.read()
        except urllib.error.HTTPError as ex:
            return ex.code, ex.headers, ex.read()

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Sends signum and waits for the process; returns (exit status, rest of stdout, stderr)."""
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=LIMIT)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        """Kills the process if it still runs (test teardown)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=LIMIT)


@pytest.fixture
def run():
    """run(*args, limit=...) runs ``python -m <args>`` to completion and returns the CompletedProcess."""
    return runModule


@pytest.fixture
def served():
    """Factory: served(*args) starts ``python -m <args>`` and returns its Served; killed at teardown."""
    started = []

    def start(*args: str) -> Served:
        one = Served(*args)
        started.append(one)
        return one

    yield start
    for one in started:
        one.kill()
