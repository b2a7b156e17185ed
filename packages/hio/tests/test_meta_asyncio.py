"""hio with asyncio: the examples of the docs page, and every transport waking a Doist run by ado().

The examples live in ``docs/examples/ado_*.py``; the page shows them and these
tests run them as they are. Transports are tested on real time with one-second
tocks: what a peer sends between tock boundaries must be read in an extra
cycle at the tyme of the cycle just run, which only the loop watching the
transport's descriptor can bring about. Assertions are on tymes, never on
durations.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import pathlib
import socket
import ssl
import sys
import tempfile

import pytest
import trustme

from hio.base import doing
from hio.base.waking import Waker, wakerOf
from hio.core.serial import serialing
from hio.core.tcp import serving as tcpserving
from hio.core.udp import udping
from hio.core.uxd import uxding

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "docs" / "examples"


def example(name: str):
    """Imports docs/examples/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(f"hio_docs_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def openDescriptors() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def test_aiohttp_client_and_hio_falcon_server_in_one_loop():
    before = openDescriptors()
    answers = asyncio.run(example("ado_server").main(count=200, concurrency=10))
    assert len(answers) == 200
    assert answers == [(200, {"hello": f"hio{n}"}) for n in range(200)]
    assert openDescriptors() <= before  # the server closed its sockets


def test_hio_client_against_aiohttp_server_in_one_loop():
    answers = asyncio.run(example("ado_client").main(count=20))
    assert [(answer.status, answer.data) for answer in answers] == [(200, {"n": n, "square": n * n}) for n in range(20)]


def test_doer_awaits_a_queue_fed_by_a_task():
    got, beats = asyncio.run(example("ado_queue").main(items=("one", "two", "three")))
    assert [item for _, item in got] == ["one", "two", "three"]
    tymes = [tyme for tyme, _ in got]
    assert tymes == sorted(tymes)
    assert beats and beats == sorted(beats)  # the heartbeat kept running while the consumer waited


def test_doers_await_aiohttp_requests_to_a_server_of_the_same_doist():
    texts = asyncio.run(example("ado_await").main(count=5))
    assert texts == [f"you asked for /item/{n}" for n in range(5)]


def test_cancelling_the_service_with_requests_in_flight_leaves_no_descriptor_open():
    module = example("ado_cancel")
    before = openDescriptors()
    outcome = asyncio.run(module.main(fast=20, slow=5))
    assert openDescriptors() == before
    assert outcome["answers"] == ["fast"] * 20
    assert outcome["cut"] == ["ServerDisconnectedError"] * 5
    assert outcome["held"] == 0  # the application's body iterators were closed
    assert outcome["cancelled"] is True and outcome["done"] is False


# every transport the waker watches wakes a real-time Doist run by ado()


class Listener(doing.Doer):
    """Opens a transport on enter, reads it every run (tock 0), records (tyme, bytes) of each read.

    The transport is given the waker of the Doist that runs the Listener (its
    tymth carries it), as a ServiceDoer gives its servant. Done once it has
    read ``expect``; it closes the transport on exit.
    """

    def __init__(self, transport, opener, reader, closer, expect: bytes, **kwa):
        super().__init__(**kwa)
        self.transport = transport
        self.opener, self.reader, self.closer, self.expect = opener, reader, closer, expect
        self.reads = []

    def enter(self, *, temp=None):
        self.transport.waker = wakerOf(self.tymth)
        self.opener()

    def recur(self, tyme):
        data = self.reader()
        if data:
            self.reads.append((tyme, data))
        return b"".join(data for _, data in self.reads) == self.expect

    def exit(self):
        self.closer()


def wakes(listener, send, limit=5.0):
    """Runs ``listener`` under a real-time ado() with one-second tocks while a task calls ``send`` soon after start."""

    async def main():
        async def later():
            await asyncio.sleep(0.05)
            await send()

        sender = asyncio.create_task(later())
        doist = doing.Doist(tock=1.0, real=True, limit=limit)
        await doist.ado(doers=[listener])
        await sender
        return doist

    return asyncio.run(main())


def test_udp_peer_wakes_ado():
    peer = udping.Peer(host="127.0.0.1", port=0)

    def read():
        return peer.receive()[0]

    listener = Listener(peer, peer.reopen, read, peer.close, b"ping")

    async def send():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"ping", peer.ha)

    doist = wakes(listener, send)
    assert listener.reads == [(0.0, b"ping")] and doist.done is True


def test_uxd_peer_wakes_ado():
    peer = uxding.Peer(name="ado", temp=True)

    def read():
        return peer.receive()[0]

    listener = Listener(peer, peer.reopen, read, peer.close, b"ping")

    async def send():
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"ping", peer.path)

    doist = wakes(listener, send)
    assert listener.reads == [(0.0, b"ping")] and doist.done is True


def test_serial_device_wakes_ado():
    master, slave = os.openpty()
    device = serialing.Device(port=os.ttyname(slave))
    listener = Listener(device, device.reopen, device.receive, device.close, b"ping")

    async def send():
        os.write(master, b"ping")

    try:
        doist = wakes(listener, send)
    finally:
        os.close(master)
        os.close(slave)
    assert listener.reads == [(0.0, b"ping")] and doist.done is True
    assert doist.waker.watching == 0


def test_serial_console_is_watched_while_open():
    master, slave = os.openpty()
    console = serialing.Console(port=os.ttyname(slave))
    waker = console.waker = Waker()
    try:
        assert console.reopen()
        assert waker.watching == 1
        console.close()
        assert waker.watching == 0
    finally:
        os.close(master)
        os.close(slave)


def tcpEcho(server, context=None):
    """Runs an echo server under a real-time ado(); a client exchanges once; returns the Doist's tyme at the echo."""
    seen = {}

    async def main():
        doist = doing.Doist(tock=1.0, real=True)
        server.reopen()
        port = server.ss.getsockname()[1]
        service = asyncio.create_task(doist.ado(doers=[tcpserving.EchoServerDoer(server=server)]))
        await asyncio.sleep(0.05)  # the Doist has run its first cycle and waits for its next boundary
        seen["tyme before"] = doist.tyme
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="localhost" if context else None
        )
        writer.write(b"ping")
        await writer.drain()
        seen["echo"] = await reader.readexactly(4)
        seen["tyme at echo"] = doist.tyme
        writer.close()
        await writer.wait_closed()
        service.cancel()
        with pytest.raises(asyncio.CancelledError):
            await service
        seen["watching after"] = doist.waker.watching  # the server closed its sockets

    asyncio.run(main())
    return seen


def test_tcp_server_wakes_ado():
    seen = tcpEcho(tcpserving.Server(host="127.0.0.1", port=0))
    # accepted, read and echoed in extra cycles before the Doist's next boundary
    assert seen == {"tyme before": 1.0, "echo": b"ping", "tyme at echo": 1.0, "watching after": 0}


def test_tls_server_wakes_ado():
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    with tempfile.TemporaryDirectory() as base:
        certpath, keypath, capath = (os.path.join(base, name) for name in ("cert.pem", "key.pem", "ca.pem"))
        cert.cert_chain_pems[0].write_to_path(certpath)
        cert.private_key_pem.write_to_path(keypath)
        ca.cert_pem.write_to_path(capath)
        server = tcpserving.ServerTls(host="127.0.0.1", port=0, certpath=certpath, keypath=keypath, certify=False)
        context = ssl.create_default_context(cafile=capath)
        seen = tcpEcho(server, context)
    assert seen == {"tyme before": 1.0, "echo": b"ping", "tyme at echo": 1.0, "watching after": 0}
