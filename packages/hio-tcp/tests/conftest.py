"""Shared fixtures and helpers for the hio.core.tcp tests.

Certificates are made at test time with trustme; sockets are on loopback,
bound to port 0.
"""

from __future__ import annotations

import datetime
import os
import socket
import time
from types import SimpleNamespace

import pytest
import trustme

LOOPBACK = "127.0.0.1"


def serviceUntil(*services, until, limit=20000):
    """Calls each of services in turn until until() is true.

    Returns the number of rounds taken. Fails after limit rounds: loopback
    sockets make progress every round, so a stall means a bug.
    """
    for count in range(1, limit + 1):
        for service in services:
            service()
        if until():
            return count
    raise AssertionError(f"Condition not met within {limit} service rounds.")


def freePort():
    """Returns a loopback port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def fdCount():
    """Returns the number of file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def echoedTo(peer: socket.socket, message: bytes):
    """A check for pump: True once nonblocking peer has received message back."""
    got = bytearray()

    def echoed() -> bool:
        try:
            got.extend(peer.recv(64))
        except BlockingIOError:
            pass
        return got == message

    return echoed


@pytest.fixture
def echoed():
    """echoedTo(peer, message): a check for pump, True once nonblocking peer has received message back."""
    return echoedTo


@pytest.fixture
def pump():
    """serviceUntil(*services, until, limit): runs services until until() is true."""
    return serviceUntil


@pytest.fixture
def freeport():
    """A loopback port that nothing listens on."""
    return freePort()


@pytest.fixture
def fds():
    """fdCount(): number of open file descriptors. Skips without /proc/self/fd."""
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd to count open file descriptors")
    return fdCount


def cpuShare(pid: int, seconds: float) -> float:
    """Share of a core process pid used (user plus system time, from /proc) over the next seconds."""

    def cpu() -> float:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    start, used = time.monotonic(), cpu()
    time.sleep(seconds)
    return (cpu() - used) / (time.monotonic() - start)


@pytest.fixture
def cpushare():
    """cpuShare(pid, seconds): share of a core process pid used over the next seconds (needs /proc)."""
    return cpuShare


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """Certificate files for TLS tests, made by trustme.

    Attributes of the returned namespace are file paths:
        ca: authority that issued server, client and expired
        server, serverKey: for 127.0.0.1 and localhost
        client, clientKey: client certificate for mutual TLS
        expired, expiredKey: server certificate for 127.0.0.1 expired yesterday
        otherCa: an unrelated authority
        other, otherKey: client certificate issued by otherCa
    """
    base = tmp_path_factory.mktemp("certs")
    ca = trustme.CA()
    otherCa = trustme.CA()
    now = datetime.datetime.now(datetime.timezone.utc)
    issued = {
        "server": ca.issue_cert("127.0.0.1", "localhost"),
        "client": ca.issue_cert("client.example"),
        "expired": ca.issue_cert(
            "127.0.0.1",
            "localhost",
            not_before=now - datetime.timedelta(days=30),
            not_after=now - datetime.timedelta(days=1),
        ),
        "other": otherCa.issue_cert("client.example"),
    }
    paths = SimpleNamespace()
    for name, authority in (("ca", ca), ("otherCa", otherCa)):
        path = base / f"{name}.pem"
        authority.cert_pem.write_to_path(str(path))
        setattr(paths, name, str(path))
    for name, leaf in issued.items():
        cert = base / f"{name}.pem"
        key = base / f"{name}.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        setattr(paths, name, str(cert))
        setattr(paths, f"{name}Key", str(key))
    return paths
