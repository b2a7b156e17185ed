"""ConsoleDoer and EchoConsoleDoer under a Doist, on a real pseudo-terminal."""

from __future__ import annotations

import termios
import time

from hio.base import doing
from hio.core.serial.serialing import Console, ConsoleDoer, EchoConsoleDoer

Deadline = 10.0  # seconds a test waits at most for bytes to cross the pty


def runUntil(doist: doing.Doist, probe, deeds=None) -> None:
    """Recurs doist once per loop until probe() is truthy, within a bounded wall-clock time."""
    deadline = time.monotonic() + Deadline
    while not probe():
        assert time.monotonic() < deadline, "timed out waiting"
        doist.recur(deeds)
        time.sleep(0.001)


def quiet(pty) -> None:
    """Turns the terminal's own echo off, so the far end sees only what the doer writes."""
    pty.setLocal(off=termios.ECHO)


def test_console_doer_opens_and_closes(pty):
    console = Console(port=pty.path)
    doer = ConsoleDoer(console=console)
    assert doer.console is console
    doist = doing.Doist(real=False, tock=0.03125, doers=[doer])
    deeds = doist.enter()
    try:
        assert console.opened
        doist.recur(deeds)
        assert console.opened
        assert console.put(b"up\n") == 3
        assert pty.read(4) == b"up\r\n"
    finally:
        doist.exit(deeds)
    assert not console.opened


def test_echo_console_doer_echoes_typed_lines(pty):
    quiet(pty)
    console = Console(port=pty.path)
    doer = EchoConsoleDoer(console=console)
    assert len(doer.lines) == 0 and doer.txbs == bytearray()
    doist = doing.Doist(real=False, tock=0.03125, doers=[doer])
    deeds = doist.enter()
    got = bytearray()
    try:
        assert console.opened
        pty.type(b"hello\nworld\n")
        expected = b"hello\r\nworld\r\n"  # the terminal maps each newline to CR LF

        def echoed():
            got.extend(pty.available())
            return len(got) >= len(expected)

        runUntil(doist, echoed, deeds)
        assert bytes(got) == expected
        assert list(doer.lines) == [b"hello", b"world"]
        assert doer.txbs == b""
        assert doist.tyme > 0.0
    finally:
        doist.exit(deeds)
    assert not console.opened


def test_echo_console_doer_drops_line_too_long(pty):
    quiet(pty)
    console = Console(bs=8, port=pty.path)
    doer = EchoConsoleDoer(console=console)
    doist = doing.Doist(real=False, tock=0.03125, doers=[doer])
    deeds = doist.enter()
    got = bytearray()
    try:
        pty.type(b"far too long for eight\nok\n")
        expected = b"Error: line too long, dropped.\r\nok\r\n"

        def answered():
            got.extend(pty.available())
            return len(got) >= len(expected)

        runUntil(doist, answered, deeds)
        assert bytes(got) == expected
        assert list(doer.lines) == [b"ok"]
    finally:
        doist.exit(deeds)


def test_echo_console_doer_keeps_unsent_echo_queued(pty):
    """An echo larger than the terminal takes at once stays in .txbs and goes out in later runs."""
    quiet(pty)
    attrs = termios.tcgetattr(pty.slave)
    attrs[1] &= ~termios.OPOST  # bytes out as they are
    termios.tcsetattr(pty.slave, termios.TCSANOW, attrs)
    console = Console(port=pty.path)
    lines = []
    txbs = bytearray(b"#" * (1 << 20))  # already waiting: far more than a terminal holds
    doer = EchoConsoleDoer(console=console, lines=lines, txbs=txbs)
    assert doer.lines is lines and doer.txbs is txbs
    doist = doing.Doist(real=False, tock=0.03125, doers=[doer])
    deeds = doist.enter()
    got = bytearray()
    try:
        doist.recur(deeds)
        assert 0 < len(txbs) < (1 << 20)  # part written, the rest queued
        pty.type(b"tail\n")
        total = (1 << 20) + len(b"tail\n")

        def drained():
            got.extend(pty.available())
            return len(got) >= total

        runUntil(doist, drained, deeds)
        assert bytes(got) == b"#" * (1 << 20) + b"tail\n"
        assert lines == [b"tail"]
        assert txbs == b""
    finally:
        doist.exit(deeds)


def test_echo_console_doer_in_real_time_doist(pty):
    """Doist.do in real time, bounded by a short limit: lines typed before it runs are echoed."""
    quiet(pty)
    console = Console(port=pty.path)
    doer = EchoConsoleDoer(console=console)
    pty.type(b"one\ntwo\n")
    doist = doing.Doist(real=True, tock=0.01, limit=0.25)
    doist.do(doers=[doer])
    assert not console.opened
    assert list(doer.lines) == [b"one", b"two"]
    assert pty.read(10) == b"one\r\ntwo\r\n"


def test_console_doers_without_a_terminal_run_to_the_limit(tmp_path):
    """Doers whose console cannot be opened run quietly until the Doist's limit, then close it."""
    console = Console(port=str(tmp_path / "ttyMissing"))
    echo = EchoConsoleDoer(console=Console(port=str(tmp_path / "ttyGone")))
    doist = doing.Doist(real=False, tock=0.03125, limit=0.25)
    doist.do(doers=[ConsoleDoer(console=console), echo])
    assert doist.tyme == 0.25
    assert not console.opened and not echo.console.opened
    assert list(echo.lines) == [] and echo.txbs == b""
