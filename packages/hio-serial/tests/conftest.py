"""Shared fixtures of the hio-serial tests: real pseudo-terminal pairs.

The code under test opens the slave side of a pseudo-terminal by its device
path, as it would a serial port; the test plays the far end on the master.
"""

from __future__ import annotations

import os
import select
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

Deadline = 10.0  # seconds a test waits at most for bytes to cross a pty


@dataclass
class Pty:
    """One pseudo-terminal pair: master fd (the far end), slave fd and slave path."""

    master: int
    slave: int
    path: str

    def type(self, data: bytes) -> None:
        """Writes all of data into the master, as if typed on the far end."""
        view = memoryview(data)
        deadline = time.monotonic() + Deadline
        while view:
            assert time.monotonic() < deadline, "pty master would not accept input"
            select.select([], [self.master], [], 0.05)
            try:
                count = os.write(self.master, view)
            except BlockingIOError:
                continue
            view = view[count:]

    def available(self) -> bytes:
        """Returns what the master has to read now, empty bytes when nothing."""
        try:
            return os.read(self.master, 65536)
        except BlockingIOError:
            return b""

    def read(self, count: int) -> bytes:
        """Reads exactly count bytes from the master, waiting a bounded time."""
        data = bytearray()
        deadline = time.monotonic() + Deadline
        while len(data) < count:
            assert time.monotonic() < deadline, f"got {len(data)} of {count} bytes"
            select.select([self.master], [], [], 0.05)
            data.extend(self.available())
        return bytes(data)

    def lflag(self) -> int:
        """Returns the local mode flags of the pty."""
        return termios.tcgetattr(self.slave)[3]

    def setLocal(self, on: int = 0, off: int = 0) -> None:
        """Sets then clears local mode flags of the pty, e.g. off=termios.ECHO."""
        attrs = termios.tcgetattr(self.slave)
        attrs[3] = (attrs[3] | on) & ~off
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)


def waitFor(probe: Callable[[], object], timeout: float = Deadline) -> object:
    """Calls probe until it returns something truthy, which is returned.

    Bytes written into a pty reach the other side a moment later, so tests
    poll for them within a bounded time instead of sleeping.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)


@pytest.fixture
def pty():
    """A fresh pseudo-terminal pair with a non-blocking master, closed after the test."""
    try:
        master, slave = os.openpty()
    except OSError as ex:  # pragma: no cover - depends on the host
        pytest.skip(f"pseudo-terminals unavailable: {ex}")
    os.set_blocking(master, False)
    pair = Pty(master=master, slave=slave, path=os.ttyname(slave))
    yield pair
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


@pytest.fixture
def wait():
    """The waitFor function: poll a probe until truthy, within a bounded time."""
    return waitFor
