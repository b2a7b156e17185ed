"""Tests of hio.core.tcp.tcping: Peers serving and connecting at once."""

from __future__ import annotations

import pytest

from hio.base import tyming
from hio.core.tcp import clienting, serving, tcping

LOOPBACK = "127.0.0.1"


def test_peers_connect_both_ways(pump):
    """Two peers each serve the other's outgoing connection and exchange data both ways."""
    tymist = tyming.Tymist()
    alpha = tcping.Peer(host=LOOPBACK, port=0, tymth=tymist.tymen())
    beta = tcping.Peer(host=LOOPBACK, port=0, tymth=tymist.tymen())
    assert isinstance(alpha, serving.Server) and alpha.oxes == {}
    alpha.reopen()
    beta.reopen()
    try:
        toBeta = alpha.connectOx(beta.eha)
        toAlpha = beta.connectOx(alpha.eha)
        assert isinstance(toBeta, clienting.Client) and alpha.oxes == {beta.eha: toBeta}
        assert toBeta.tyme == tymist.tyme
        pump(
            alpha.service,
            beta.service,
            until=lambda: toBeta.connected and toAlpha.connected and alpha.ixes and beta.ixes,
        )
        assert set(beta.ixes) == {toBeta.ca} and set(alpha.ixes) == {toAlpha.ca}

        alpha.transmitOx(b"alpha out", beta.eha)
        beta.transmitOx(b"beta out", alpha.eha)
        pump(
            alpha.service,
            beta.service,
            until=lambda: beta.ixes[toBeta.ca].rxbs == b"alpha out" and alpha.ixes[toAlpha.ca].rxbs == b"beta out",
        )
        alpha.transmitIx(b"alpha back", toAlpha.ca)
        pump(alpha.service, beta.service, until=lambda: toAlpha.rxbs == b"alpha back")

        with pytest.raises(ValueError, match="no client"):
            alpha.transmitOx(b"x", (LOOPBACK, 1))

        alpha.closeOx(beta.eha)
        assert not toBeta.opened and beta.eha in alpha.oxes
        pump(alpha.service, beta.service, until=lambda: beta.ixes[toBeta.ca].cutoff)
        for _ in range(3):  # closed by closeOx and not reconnectable: stays closed
            alpha.service()
        assert not toBeta.opened
        alpha.removeOx(beta.eha)
        assert alpha.oxes == {}
    finally:
        alpha.close()
        beta.close()
    assert not toAlpha.opened and not alpha.opened and not beta.opened


def test_peer_reconnecting_outgoing_connection(pump, freeport):
    """A reconnectable outgoing connection made before the other peer listens connects later."""
    tymist = tyming.Tymist(tock=0.125)
    alpha = tcping.Peer(host=LOOPBACK, port=0, tymth=tymist.tymen())
    beta = tcping.Peer(host=LOOPBACK, port=freeport, tymth=tymist.tymen())
    alpha.reopen()
    try:
        ox = alpha.connectOx((LOOPBACK, freeport), reconnectable=True, tymeout=0.25)
        for _ in range(20):
            alpha.service()
            tymist.tick()
        assert not ox.connected
        beta.reopen()
        tymist.tick(0.25)
        pump(alpha.service, beta.service, until=lambda: ox.connected and ox.ca in beta.ixes)
        newer = tyming.Tymist(tyme=10.0)
        alpha.wind(newer.tymen())
        assert ox.tyme == 10.0
    finally:
        alpha.close()
        beta.close()
