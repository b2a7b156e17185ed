"""Driver over Serial and Device on real pseudo-terminals: receives, scans, queued sends."""

from __future__ import annotations

import os
import random
import time

import pytest

from hio.core.serial.serialing import Device, Driver, Serial

Mebibyte = 1 << 20


def makeServer(kind: str, path: str, speed: int = 115200):
    """Returns an unopened port of the named kind."""
    return Device(port=path, speed=speed) if kind == "device" else Serial(port=path, speed=speed)


def test_driver_defaults_to_serial_and_opens(pty):
    driver = Driver(name="gps", uid=7, port=pty.path, speed=115200, bs=256)
    try:
        assert driver.name == "gps" and driver.uid == 7
        assert driver.port == pty.path and driver.speed == 115200 and driver.bs == 256
        assert isinstance(driver.server, Serial)
        assert driver.server.opened
        assert driver.server.bs == 256
        assert driver.rxbs == bytearray() and driver.txbs == bytearray()
    finally:
        driver.close()
    assert not driver.server.opened
    driver.close()  # closing twice is harmless
    assert driver.reopen() is True
    driver.close()


def test_driver_bad_port(tmp_path):
    path = str(tmp_path / "ttyGone")
    with pytest.raises(FileNotFoundError) as info:
        Driver(port=path)
    assert info.value.filename == path


@pytest.mark.parametrize("kind", ["serial", "device"])
def test_driver_receives_and_scans(kind, pty, wait):
    server = makeServer(kind, pty.path)
    driver = Driver(name="scan", server=server)
    try:
        assert driver.server is server and server.opened
        driver.serviceReceives()
        assert driver.rxbs == b""  # nothing there: returns at once

        pty.type(b"noise\x02frame\x03")

        def complete():
            driver.serviceReceives()
            return len(driver.rxbs) == 12

        wait(complete)
        assert driver.rxbs == b"noise\x02frame\x03"
        assert driver.scan(None) is None
        assert driver.scan(b"") is None
        assert driver.scan(b"\x7f") is None
        assert driver.scan(0x02) == 5
        assert driver.scan(b"\x02") == 5
        assert driver.rxbs == b"noise\x02frame\x03"  # no strip: untouched
        assert driver.scan(b"\x02", strip=True) == 0
        assert driver.rxbs == b"\x02frame\x03"
        assert driver.scan(0x03, strip=True) == 0
        assert driver.rxbs == b"\x03"
        assert driver.scan(b"\x7f", strip=True) is None
        assert driver.rxbs == b"\x03"  # not found: nothing dropped
        driver.clearRxbs()
        assert driver.rxbs == b""
    finally:
        driver.close()


def test_driver_send_keeps_order_behind_queue(pty):
    driver = Driver(server=Device(port=pty.path, speed=115200))
    try:
        driver.tx(b"first ")
        assert driver.txbs == b"first "
        assert driver.send(b"second") == 0  # queued behind what waits
        assert driver.txbs == b"first second"
        assert driver.serviceSends() == 12
        assert driver.txbs == b""
        assert pty.read(12) == b"first second"
        assert driver.send(b"third") == 5  # nothing queued: sent at once
        assert driver.txbs == b""
        assert pty.read(5) == b"third"
        assert driver.serviceSends() == 0
    finally:
        driver.close()


@pytest.mark.parametrize("kind", ["serial", "device"])
def test_driver_megabyte_both_ways_byte_exact(kind, pty):
    """1 MiB each way: more than the port takes at once, queued and drained by service calls."""
    rng = random.Random(6)
    outbound = rng.randbytes(Mebibyte)
    inbound = rng.randbytes(Mebibyte)
    driver = Driver(name="bulk", server=makeServer(kind, pty.path))
    try:
        assert driver.send(outbound) > 0
        assert 0 < len(driver.txbs) < Mebibyte  # the port took part, the rest is queued
        got = bytearray()  # what reached the far end
        typed = 0  # how much of inbound the far end has written
        deadline = time.monotonic() + 60
        while len(got) < Mebibyte or len(driver.rxbs) < Mebibyte:
            assert time.monotonic() < deadline, f"sent {len(got)}, received {len(driver.rxbs)}"
            driver.service()
            got.extend(pty.available())
            if typed < Mebibyte:
                try:
                    typed += os.write(pty.master, inbound[typed : typed + 65536])
                except BlockingIOError:
                    pass
        assert driver.txbs == b""
        assert bytes(got) == outbound
        assert bytes(driver.rxbs) == inbound
    finally:
        driver.close()
