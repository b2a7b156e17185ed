"""Shared fixtures and test functions for the hio.core.udp tests.

Every socket is on loopback and bound to port 0.
"""

from __future__ import annotations

import socket

import pytest

LOOPBACK = "127.0.0.1"


def serviceUntil(*services, until, limit=10000):
    """Calls each of services in turn until until() is true.

    Returns the number of rounds taken. Fails after limit rounds: loopback
    datagrams arrive at once, so a stall means a bug.
    """
    for count in range(1, limit + 1):
        for service in services:
            service()
        if until():
            return count
    raise AssertionError(f"Condition not met within {limit} service rounds.")


def deadAddress():
    """Returns a loopback (host, port) that no socket is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()


@pytest.fixture
def pump():
    """serviceUntil(*services, until, limit): runs services until until() is true."""
    return serviceUntil


@pytest.fixture
def dead():
    """A loopback UDP address nothing is bound to."""
    return deadAddress()
