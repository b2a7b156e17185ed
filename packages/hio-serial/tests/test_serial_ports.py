"""Device (os + termios) and Serial (pyserial) on real pseudo-terminals."""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import termios

import pytest

from hio.core.serial.serialing import Device, Serial

Speeds = (9600, 115200, 230400)
Payload = bytes(range(256)) * 16  # every byte value, 4 KiB


def inWaiting(fd: int) -> int:
    """Returns the count of bytes waiting to be read on terminal fd."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def receiveAll(port, count: int, wait) -> bytes:
    """Collects count bytes from port.receive, polling within a bounded time."""
    data = bytearray()

    def more():
        data.extend(port.receive())
        return len(data) >= count

    wait(more)
    return bytes(data)


def sendAll(port, data: bytes, pty) -> bytes:
    """Sends all of data through port.send while the test drains the master; returns what arrived."""
    got = bytearray()
    view = memoryview(data)
    while view or len(got) < len(data):
        if view:
            view = view[port.send(view) :]
        got.extend(pty.available())
        if not view and len(got) < len(data):
            got.extend(pty.read(len(data) - len(got)))
    return bytes(got)


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_defaults(kind):
    port = kind()
    assert port.port is None
    assert port.speed == 9600
    assert port.bs == 1024
    assert port.opened is False
    port.close()  # closing a port never opened is harmless
    assert port.opened is False


@pytest.mark.parametrize("falsy", [None, 0])
@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_falsy_speed_and_size_mean_the_defaults(kind, falsy):
    port = kind(speed=falsy, bs=falsy)
    assert (port.speed, port.bs) == (9600, 1024)  # a read of 0 bytes would never read


@pytest.mark.parametrize("speed", Speeds)
@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_round_trip(kind, speed, pty, wait):
    port = kind(port=pty.path, speed=speed, bs=512)
    assert port.reopen() is True
    try:
        assert port.opened
        iflag, oflag, cflag, lflag, ispeed, ospeed, _cc = termios.tcgetattr(pty.slave)
        assert not lflag & (termios.ICANON | termios.ECHO | termios.ISIG)
        assert not oflag & termios.OPOST
        assert not iflag & (termios.ICRNL | termios.IXON | termios.ISTRIP)
        assert cflag & termios.CSIZE == termios.CS8
        assert not cflag & termios.PARENB
        assert ispeed == ospeed == getattr(termios, f"B{speed}")

        assert port.receive() == b""  # nothing there: returns at once
        pty.type(Payload)  # far end to port, every byte value unchanged
        got = receiveAll(port, len(Payload), wait)
        assert got == Payload
        assert port.receive() == b""

        assert sendAll(port, Payload, pty) == Payload  # port to far end
        assert port.send(b"") == 0
        assert port.send() == 1  # default data is a newline, sent as is
        assert pty.read(1) == b"\n"
    finally:
        port.close()
    assert not port.opened
    port.close()  # closing twice is harmless


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_receive_is_limited_to_bs(kind, pty, wait):
    port = kind(port=pty.path, bs=100)
    port.reopen()
    try:
        pty.type(b"z" * 250)
        wait(lambda: inWaiting(pty.slave) == 250)
        assert [len(port.receive()) for _ in range(4)] == [100, 100, 50, 0]
    finally:
        port.close()


def test_device_restores_terminal_mode_on_close(pty):
    before = termios.tcgetattr(pty.slave)
    device = Device(port=pty.path, speed=115200)
    device.reopen()
    assert termios.tcgetattr(pty.slave) != before
    device.close()
    assert termios.tcgetattr(pty.slave) == before
    assert pty.lflag() & termios.ICANON


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_reopen_changes_settings(kind, pty, wait):
    port = kind(port=pty.path, speed=9600, bs=64)
    port.reopen()
    try:
        assert port.reopen(speed=115200, bs=32) is True  # idempotent, new settings
        assert port.speed == 115200 and port.bs == 32
        assert termios.tcgetattr(pty.slave)[4] == termios.B115200
        pty.type(b"r" * 80)
        assert receiveAll(port, 80, wait) == b"r" * 80
    finally:
        port.close()


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_closed_io_raises(kind, pty):
    port = kind(port=pty.path)
    with pytest.raises(OSError):
        port.receive()
    with pytest.raises(OSError):
        port.send(b"x")


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_nonexistent_path(kind, tmp_path):
    path = str(tmp_path / "ttyNone")
    port = kind(port=path)
    with pytest.raises(FileNotFoundError) as info:
        port.reopen()
    assert info.value.filename == path
    assert not port.opened


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_regular_file_is_not_a_terminal(kind, tmp_path):
    path = tmp_path / "ttyFile"
    path.write_bytes(b"")
    port = kind(port=str(path))
    with pytest.raises(OSError) as info:
        port.reopen()
    assert info.value.errno == errno.ENOTTY
    assert info.value.filename == str(path)
    assert not port.opened


@pytest.mark.parametrize("kind", [Device, Serial])
def test_port_character_device_that_is_not_a_terminal(kind):
    if not os.path.exists(os.devnull):  # pragma: no cover - depends on the host
        pytest.skip("no null device")
    port = kind(port=os.devnull)
    with pytest.raises(OSError) as info:
        port.reopen()
    assert info.value.filename == os.devnull
    assert not port.opened


@pytest.mark.parametrize(("kind", "speed"), [(Device, 12345), (Serial, -1)])
def test_port_unsupported_speed(kind, speed, pty):
    port = kind(port=pty.path, speed=speed)
    with pytest.raises(ValueError) as info:
        port.reopen()
    assert str(speed) in str(info.value)
    assert not port.opened
