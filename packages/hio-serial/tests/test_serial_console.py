"""Console on a real pseudo-terminal: lines typed on the far end, output back to it."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import termios

import pytest

from hio.core import serial as serialpkg
from hio.core.serial import serialing
from hio.core.serial.serialing import Console, LineError


def test_package_reexports():
    assert serialpkg.Console is serialing.Console
    for name in ("ConsoleDoer", "EchoConsoleDoer", "Device", "Serial", "Driver", "LineError"):
        assert getattr(serialpkg, name) is getattr(serialing, name)
    assert issubclass(LineError, serialing.HioError)
    assert serialing.logger is not None


def test_console_defaults():
    console = Console()
    assert Console.MaxBufSize == 256
    assert console.bs == 256
    assert console.port == ""  # the controlling terminal, looked up only when opened
    assert console.fd is None
    assert console.opened is False
    assert console.rxbs == bytearray()
    assert Console(bs=16).bs == 16
    with pytest.raises(ValueError):
        Console(bs=0)


def test_console_reads_typed_lines_canonical(pty, wait):
    console = Console(port=pty.path)
    assert console.open() is True
    try:
        assert console.opened
        assert os.isatty(console.fd)
        assert pty.lflag() & termios.ICANON  # opening changes no mode
        assert console.get() == b""  # nothing typed: returns at once

        pty.type(b"abc")
        assert console.get() == b""  # canonical: nothing until the line is complete
        pty.type(b"def\n")
        assert wait(console.get) == b"abcdef"
        assert console.get() == b""

        pty.type(b"one\ntwo\n")
        assert wait(console.get) == b"one"
        assert wait(console.get) == b"two"
        assert console.get() == b""
    finally:
        console.close()


def test_console_reads_partial_input_noncanonical(pty, wait):
    pty.setLocal(off=termios.ICANON | termios.ECHO)
    attrs = termios.tcgetattr(pty.slave)
    attrs[0] &= ~termios.ICRNL  # carriage returns reach the console as they are
    termios.tcsetattr(pty.slave, termios.TCSANOW, attrs)
    console = Console(port=pty.path)
    console.open()
    try:
        pty.type(b"ab")
        wait(lambda: console.get() == b"" and console.rxbs == b"ab")
        pty.type(b"c\r\nnext")  # carriage return before the newline is stripped too
        assert wait(console.get) == b"abc"
        assert console.get() == b""
        assert console.rxbs == b"next"
        pty.type(b"\n")
        assert wait(console.get) == b"next"
    finally:
        console.close()


def test_console_line_fitting_bs_and_line_too_long_canonical(pty, wait):
    console = Console(bs=16, port=pty.path)
    console.open()
    try:
        pty.type(b"f" * 15 + b"\n")  # 15 characters and the newline: exactly bs
        assert wait(console.get) == b"f" * 15

        pty.type(b"x" * 40 + b"\n" + b"after\n")

        def overflow():
            try:
                console.get()
            except LineError as ex:
                return ex
            return None

        ex = wait(overflow)
        assert ex.line == b"x" * 16
        assert "16" in str(ex)
        # the rest of the long line is dropped, the next line arrives whole
        assert wait(console.get) == b"after"
        assert console.rxbs == b""

        pty.type(b"y" * 16 + b"\n")  # 16 characters and the newline: one too many
        ex = wait(overflow)
        assert ex.line == b"y" * 16
        assert console.get() == b""
    finally:
        console.close()


def test_console_line_too_long_noncanonical_across_reads(pty, wait):
    pty.setLocal(off=termios.ICANON | termios.ECHO)
    console = Console(bs=8, port=pty.path)
    console.open()
    try:
        pty.type(b"0123456789")
        with pytest.raises(LineError) as info:
            wait(lambda: console.get() or None)
        assert info.value.line == b"01234567"
        pty.type(b"abcdefghijkl")  # still the same over-long line: dropped
        pty.type(b"mno\nok\n")
        assert wait(console.get) == b"ok"
        assert console.get() == b""
        # a get with a larger bs takes a longer line
        pty.type(b"0123456789ab\n")
        assert wait(lambda: console.get(bs=32)) == b"0123456789ab"
    finally:
        console.close()


def test_console_put_writes_to_terminal(pty):
    console = Console(port=pty.path)
    console.open()
    try:
        assert console.put(b"hello\n") == 6
        assert pty.read(7) == b"hello\r\n"  # the terminal maps newline to CR LF
        assert console.put() == 1  # default data is a newline
        assert pty.read(2) == b"\r\n"
        assert console.put(b"") == 0
    finally:
        console.close()


def test_console_put_is_nonblocking(pty):
    """More than the terminal holds: put writes part of it and returns at once."""
    pty.setLocal(off=termios.ECHO)
    attrs = termios.tcgetattr(pty.slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(pty.slave, termios.TCSANOW, attrs)
    console = Console(port=pty.path)
    console.open()
    try:
        data = bytes(range(256)) * 4096  # 1 MiB
        count = console.put(data)
        assert 0 < count < len(data)
        assert pty.read(count) == data[:count]
    finally:
        console.close()


def test_console_reopen_and_close(pty, wait):
    console = Console(port=pty.path)
    console.open()
    first = console.fd
    pty.type(b"partial")
    assert console.reopen() is True
    assert console.opened and console.fd is not None
    assert console.rxbs == b""
    pty.type(b" line\n")
    assert wait(console.get) == b"partial line"
    console.close()
    assert console.fd is None and not console.opened
    console.close()  # closing twice is harmless
    assert not console.opened
    with pytest.raises(OSError) as info:
        console.get()
    assert info.value.errno == errno.EBADF
    with pytest.raises(OSError):
        console.put(b"x")
    with pytest.raises(OSError):
        os.fstat(first)  # the old descriptor is closed


def test_console_open_on_given_port_after_other(pty, tmp_path):
    console = Console(port=str(tmp_path / "missing"))
    console.open(pty.path)  # an explicit port replaces .port
    try:
        assert console.port == pty.path
        assert console.opened
    finally:
        console.close()


def test_console_nonexistent_port(tmp_path):
    path = str(tmp_path / "no-such-tty")
    console = Console(port=path)
    assert console.open() is False  # not opened (the reason is logged), nothing raised
    assert console.fd is None and not console.opened
    assert console.reopen() is False


def test_console_regular_file_is_not_a_terminal(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_bytes(b"not a terminal\n")
    console = Console(port=str(path))
    fds = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    assert console.open() is False
    assert console.fd is None and not console.opened
    if fds is not None:
        assert set(os.listdir("/proc/self/fd")) == fds  # nothing leaked


NoTerminal = """
import sys
from hio.core.serial.serialing import Console
console = Console()
assert console.bs == 256 and console.fd is None and not console.opened and len(console.rxbs) == 0
result = console.reopen()
sys.stdout.write(repr((result, console.opened, console.fd)))
"""


def test_console_without_a_controlling_terminal_does_not_open():
    """In a session with no terminal, Console().reopen() returns False instead of raising."""
    done = subprocess.run(  # start_new_session: the child has no controlling terminal
        [sys.executable, "-c", NoTerminal],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "(False, False, None)"


def test_failed_open_after_an_open_one_leaves_it_closed(pty, tmp_path):
    console = Console(port=pty.path)
    assert console.open() is True
    first = console.fd
    assert console.open(str(tmp_path / "gone")) is False  # the open one is closed first
    assert console.fd is None and not console.opened
    with pytest.raises(OSError):
        os.fstat(first)
    assert console.open(pty.path) is True
    console.close()
