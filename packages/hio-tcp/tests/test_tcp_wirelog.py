"""Tests that a WireLog records every rx and tx of TCP clients and servers with the remote address."""

from __future__ import annotations

from hio.core import wiring
from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def expected(records, **kwa):
    """Returns (rx, tx) a fresh WireLog holds after records, (dx, data, who) triples, in order.

    Compares what the transports wrote with what the WireLog writes itself,
    whatever its record format.
    """
    with wiring.openWL(name="expected", **kwa) as wl:
        for dx, data, who in records:
            (wl.writeRx if dx == "rx" else wl.writeTx)(data, who=who)
        return wl.readRx(), wl.readTx()


def test_wirelog_records_rx_and_tx_both_sides(pump):
    """Client and server wire logs hold each chunk in order, labelled with the remote address."""
    with (
        wiring.openWL(name="server") as serverWl,
        wiring.openWL(name="client") as clientWl,
        serving.openServer(host=LOOPBACK, port=0, wl=serverWl) as server,
        clienting.openClient(ha=server.eha, wl=clientWl) as client,
    ):
        echoer = serving.EchoServerDoer(server=server)
        pump(client.service, server.service, until=lambda: client.connected and client.ca in server.ixes)
        assert server.ixes[client.ca].wl is serverWl
        for message in (b"first", b"second"):
            client.tx(message)
            start = len(client.rxbs)
            pump(client.service, lambda: echoer.recur(tyme=0.0), until=lambda s=start, m=message: client.rxbs[s:] == m)

        remote, local = server.eha, client.ca  # each side labels a record with its remote end
        both = [(dx, m, remote) for m in (b"first", b"second") for dx in ("tx", "rx")]
        assert (clientWl.readRx(), clientWl.readTx()) == expected(both)
        both = [(dx, m, local) for m in (b"first", b"second") for dx in ("rx", "tx")]
        assert (serverWl.readRx(), serverWl.readTx()) == expected(both)


def test_wirelog_records_plaintext_of_tls(pump, certs):
    """With TLS the wire log holds the application bytes, not the ciphertext."""
    with (
        wiring.openWL(name="tls", samed=True) as wl,
        serving.openServer(
            cls=serving.ServerTls, host=LOOPBACK, port=0, certpath=certs.server, keypath=certs.serverKey, wl=wl
        ) as server,
        clienting.openClient(cls=clienting.ClientTls, ha=server.eha, cafilepath=certs.ca, wl=wl) as client,
    ):
        pump(client.service, server.service, until=lambda: client.connected and client.ca in server.ixes)
        client.tx(b"plain words")
        ix = server.ixes[client.ca]
        pump(client.service, server.service, until=lambda: ix.rxbs == b"plain words")
        records = [("tx", b"plain words", server.eha), ("rx", b"plain words", client.ca)]
        assert wl.readRx() == expected(records, samed=True)[0]
