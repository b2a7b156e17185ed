"""What hio tells a user when TCP goes wrong: errors that name the address, and
log messages that the one line of the tutorial makes visible
(``ogler.resetLevel(level=logging.INFO, globally=True)``)."""

from __future__ import annotations

import logging
import socket

import pytest

from hio.base import doing
from hio.core.tcp import Client, ClientDoer, Server
from hio.help import ogler

LOOPBACK = "127.0.0.1"


@pytest.fixture
def shown():
    """hio's messages at INFO and above on stderr, as the tutorial's line makes them; restored after."""
    level = ogler.level
    ogler.resetLevel(level=logging.INFO, globally=True)
    try:
        yield
    finally:
        ogler.resetLevel(level=level, globally=True)


def test_a_refused_bind_names_its_address_and_is_logged(shown, capsys):
    first = Server(host=LOOPBACK, port=0)
    first.reopen()
    try:
        port = first.eha[1]
        second = Server(host=LOOPBACK, port=port)
        with pytest.raises(OSError) as info:
            second.reopen()
        assert str(info.value) == f"[Errno 98] Address already in use: '{LOOPBACK}:{port}'"
        assert info.value.errno == 98 and type(info.value) is OSError  # the same kind of error, with its place
        assert not second.opened
    finally:
        first.close()
    assert f"cannot listen on {LOOPBACK}:{port}" in capsys.readouterr().err


def test_a_failing_connect_is_logged(shown, capsys, freeport):
    client = Client(host=LOOPBACK, port=freeport)
    doing.Doist(real=False, tock=0.25, limit=0.5).do(doers=[ClientDoer(client=client)])
    assert not client.connected
    err = capsys.readouterr().err
    assert f"hio: Client connection to ('{LOOPBACK}', {freeport}) failed" in err  # "<prefix>: <message>"


def test_a_dropped_connection_is_logged(shown, capsys, pump):
    with socket.create_server((LOOPBACK, 0)) as listener:
        client = Client(ha=listener.getsockname())
        client.reopen()
        try:
            pump(client.serviceConnect, until=lambda: client.connected)
            peer, _ = listener.accept()
            peer.close()  # the server side drops the connection
            pump(client.serviceReceives, until=lambda: client.cutoff)
        finally:
            client.close()
    assert "connection closed by the peer" in capsys.readouterr().err


def test_nothing_is_shown_by_default(capsys, freeport):
    assert ogler.level == logging.CRITICAL
    client = Client(host=LOOPBACK, port=freeport)
    doing.Doist(real=False, tock=0.25, limit=0.5).do(doers=[ClientDoer(client=client)])
    assert capsys.readouterr().err == ""
