"""Shared parts of the stress tests (``nox -s stress``): raw non-blocking clients, a stepped Doist, figures.

The stress tests run the hio server under test and hundreds or thousands of
raw socket clients in one thread: each pass of a ``Loop`` runs one cycle of
the server's Doist (artificial tyme, ``real=False``) and then services every
client socket that ``selectors`` reports ready. Tyme therefore advances one
tock per pass, so tymeouts are deterministic, while the sockets are real
loopback sockets on port 0.

Figures (requests per second, errors, latencies, descriptors, memory) are
printed as each test runs (``pytest -s``) and again in the terminal summary.
"""

from __future__ import annotations

import errno
import gc
import os
import random
import selectors
import socket
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterable
from types import SimpleNamespace

import pytest

LOOPBACK = "127.0.0.1"
RESET_LINGER = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 seconds: close() sends a reset
READ = selectors.EVENT_READ
WRITE = selectors.EVENT_WRITE

_FIGURES: list[str] = []


def report(title: str, **figures) -> str:
    """Prints one line of figures now and keeps it for the terminal summary.

    Parameters:
        title: what was measured
        figures: name=value pairs, floats shown with three significant decimals
    """
    parts = []
    for name, value in figures.items():
        if isinstance(value, float):
            value = f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
        parts.append(f"{name}={value}")
    line = f"{title}: " + ", ".join(parts)
    _FIGURES.append(line)
    print(f"\n[stress] {line}", flush=True)
    return line


def pytest_terminal_summary(terminalreporter):
    """Repeats every figure the stress tests printed, together, after the run."""
    if _FIGURES:
        terminalreporter.section("stress figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


def fdCount() -> int:
    """Number of file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


class Loop:
    """Steps the server side and services ready client sockets, in one thread, pass after pass.

    Attributes:
        sel (selectors.BaseSelector): readiness selector over the client sockets
        steps (list): callables run once at the start of every pass, e.g. doist.recur
        passes (int): passes run so far
    """

    def __init__(self, *steps: Callable[[], object]):
        self.sel = selectors.DefaultSelector()
        self.steps = list(steps)
        self.passes = 0

    def once(self) -> None:
        """Runs one pass: every step, then every ready client."""
        for step in self.steps:
            step()
        for key, events in self.sel.select(0):
            key.data.handle(events)
        self.passes += 1

    def run(self, until: Callable[[], bool], limit: float = 50.0, what: str = "condition") -> int:
        """Runs passes until until() is true; fails after limit seconds of real time.

        Returns:
            int: the number of passes run
        """
        start = self.passes
        end = time.monotonic() + limit
        while not until():
            self.once()
            if time.monotonic() > end:
                raise AssertionError(f"{what} not reached within {limit} s ({self.passes - start} passes)")
        return self.passes - start

    def spin(self, count: int) -> None:
        """Runs exactly count passes."""
        for _ in range(count):
            self.once()

    def close(self) -> None:
        """Closes the selector (not the sockets still registered)."""
        self.sel.close()


class RawClient:
    """One non-blocking loopback client socket serviced by a Loop.

    Subclasses override onConnect, onData and onEnd. Bytes appended to .txbs
    are sent as the socket takes them; received bytes are appended to .rxbs.

    Attributes:
        loop (Loop): the loop servicing it
        sock (socket.socket | None): the socket, None once closed
        connected (bool): True once the connection is established
        txbs (bytearray): bytes waiting to be sent
        rxbs (bytearray): bytes received and not yet consumed
        ended (bool): True when the peer closed (or reset) the connection
        reset (bool): True when the peer reset the connection
        error (int): errno of a failed connection attempt, 0 otherwise
    """

    def __init__(self, loop: Loop, ha: tuple[str, int]):
        self.loop = loop
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connected = False
        self.txbs = bytearray()
        self.rxbs = bytearray()
        self.ended = False
        self.reset = False
        self.error = 0
        self._mask = WRITE
        code = self.sock.connect_ex(ha)
        if code not in (0, errno.EINPROGRESS):
            self.sock.close()
            self.sock = None
            self.error = code
            return
        loop.sel.register(self.sock, WRITE, self)

    @property
    def closed(self) -> bool:
        """True once the socket is closed."""
        return self.sock is None

    def onConnect(self) -> None:
        """Called once the connection is established. Override."""

    def onData(self) -> None:
        """Called after bytes were appended to .rxbs. Override."""

    def onEnd(self) -> None:
        """Called once when the peer closed or reset the connection. Override."""

    def send(self, data: bytes) -> None:
        """Sends data now as far as the socket takes it; the rest waits in .txbs for write readiness."""
        self.txbs.extend(data)
        if self.connected and not self.ended:
            self._flush()
        self._rearm()

    def _flush(self) -> None:
        """Sends from .txbs what the socket takes now."""
        try:
            sent = self.sock.send(self.txbs)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            sent = 0
            self._end(reset=True)
        del self.txbs[:sent]

    def handle(self, events: int) -> None:
        """Services the readiness events the loop's selector reported."""
        if self.sock is None:
            return
        if not self.connected:
            code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self.error = code
                self.close()
                return
            self.connected = True
            self.onConnect()
            if self.sock is None:
                return
        if events & READ:
            self._read()
            if self.sock is None:
                return
        if self.txbs and not self.ended:
            self._flush()
            if self.sock is None:
                return
        self._rearm()

    def _read(self) -> None:
        """Reads what the socket holds into .rxbs."""
        got = False
        while True:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._end(reset=True)
                return
            if not data:
                if got:
                    self.onData()
                    if self.sock is None:
                        return
                self._end(reset=False)
                return
            self.rxbs.extend(data)
            got = True
            if len(data) < 65536:
                break
        if got:
            self.onData()

    def _end(self, reset: bool) -> None:
        """Notes the peer's end of the connection and stops reading."""
        if self.ended:
            return
        self.ended = True
        self.reset = reset
        self.onEnd()

    def _rearm(self) -> None:
        """Registers for read while open and write while something waits to be sent."""
        if self.sock is None:
            return
        mask = 0 if self.ended else READ
        if not self.connected or (self.txbs and not self.ended):
            mask |= WRITE
        if mask != self._mask:
            if not self._mask:
                self.loop.sel.register(self.sock, mask, self)
            elif not mask:
                self.loop.sel.unregister(self.sock)
            else:
                self.loop.sel.modify(self.sock, mask, self)
            self._mask = mask

    def close(self, reset: bool = False) -> None:
        """Closes the socket, with a reset (SO_LINGER 0) when reset.

        Parameters:
            reset: True sends a reset instead of an orderly close
        """
        if self.sock is None:
            return
        if self._mask:
            self.loop.sel.unregister(self.sock)
            self._mask = 0
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_LINGER)
        self.sock.close()
        self.sock = None


def takeResponse(buf: bytearray) -> tuple[int, dict, bytes] | None:
    """Takes one whole Content-Length framed HTTP/1.1 response off the front of buf.

    Returns:
        tuple | None: (status, headers with lower case names, body), None while incomplete

    Raises:
        ValueError: when the response is not framed by Content-Length or malformed
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if version != "HTTP/1.1":
        raise ValueError(f"bad status line {lines[0]!r}")
    status = int(rest[:3])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise ValueError(f"response not framed by Content-Length: {headers}")
    length = int(headers["content-length"])
    if len(buf) < end + 4 + length:
        return None
    body = bytes(buf[end + 4 : end + 4 + length])
    del buf[: end + 4 + length]
    return status, headers, body


def payload(seed: int, size: int) -> bytes:
    """Deterministic pseudo-random bytes of length size for seed, every byte value possible."""
    return random.Random(seed).randbytes(size)


class Memory:
    """Net memory allocated by Python between a mark and a check, after collecting garbage.

    Attributes:
        base (int): traced bytes at the mark
    """

    def __init__(self):
        self.base = 0

    def __enter__(self) -> Memory:
        tracemalloc.start()
        return self

    def mark(self) -> None:
        """Collects garbage and notes the bytes traced now."""
        gc.collect()
        self.base = tracemalloc.get_traced_memory()[0]

    def growth(self) -> int:
        """Collects garbage and returns the bytes traced now minus those at the mark."""
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - self.base

    def top(self, limit: int = 5) -> list[str]:
        """The biggest allocation sites now, for a failure message."""
        stats = tracemalloc.take_snapshot().statistics("lineno")
        return [str(stat) for stat in stats[:limit]]

    def __exit__(self, *exc) -> None:
        tracemalloc.stop()


def reap(clients: Iterable[RawClient]) -> None:
    """Closes every client socket still open."""
    for client in clients:
        client.close()


@pytest.fixture
def kit():
    """The tools of this directory: Loop, RawClient, takeResponse, payload, Memory, report, fdCount."""
    return SimpleNamespace(
        Loop=Loop,
        RawClient=RawClient,
        takeResponse=takeResponse,
        payload=payload,
        Memory=Memory,
        report=report,
        fdCount=fdCount,
        reap=reap,
        LOOPBACK=LOOPBACK,
    )


@pytest.fixture
def fds():
    """fdCount(): open descriptors of this process. Skips where /proc/self/fd does not exist."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd to count open file descriptors")
    return fdCount


@pytest.fixture
def noLeaks(recwarn):
    """Fails the test when a socket or file was left for the garbage collector to close."""
    yield
    gc.collect()
    leaked = [str(w.message) for w in recwarn if issubclass(w.category, ResourceWarning)]
    assert not leaked, leaked[:5]


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """Certificate files made by trustme.

    Attributes of the returned namespace are file paths:
        ca: authority that issued server and named
        server, serverKey: for 127.0.0.1 and localhost
        named, namedKey: for the name www.example.org only
        otherCa: an authority that issued nothing here
    """
    import trustme

    base = tmp_path_factory.mktemp("certs")
    ca, otherCa = trustme.CA(), trustme.CA()
    paths = SimpleNamespace()
    for name, authority in (("ca", ca), ("otherCa", otherCa)):
        path = base / f"{name}.pem"
        authority.cert_pem.write_to_path(str(path))
        setattr(paths, name, str(path))
    for name, leaf in (
        ("server", ca.issue_cert("127.0.0.1", "localhost")),
        ("named", ca.issue_cert("www.example.org")),
    ):
        cert, key = base / f"{name}.pem", base / f"{name}.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        setattr(paths, name, str(cert))
        setattr(paths, f"{name}Key", str(key))
    return paths


@pytest.fixture
def noFailures(caplog):
    """Fails the test when an hio HTTP server logged an internal failure (ERROR or worse)."""
    import logging

    caplog.set_level(logging.WARNING, logger="hio.core.http")
    yield caplog
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("hio")]
    assert not failures, failures[:5]
