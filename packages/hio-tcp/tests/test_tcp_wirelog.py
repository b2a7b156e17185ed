"""Tests that a WireLog records every rx and tx of TCP clients and servers with the remote address."""

from __future__ import annotations

from hio.core import wiring
from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def who(address):
    """Returns the wire log label of address."""
    return ("%s:%s" % address).encode()


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

        remote, local = who(server.eha), who(client.ca)
        assert clientWl.readTx() == b"\ntx %s:\nfirst\n\ntx %s:\nsecond\n" % (remote, remote)
        assert clientWl.readRx() == b"\nrx %s:\nfirst\n\nrx %s:\nsecond\n" % (remote, remote)
        assert serverWl.readRx() == b"\nrx %s:\nfirst\n\nrx %s:\nsecond\n" % (local, local)
        assert serverWl.readTx() == b"\ntx %s:\nfirst\n\ntx %s:\nsecond\n" % (local, local)


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
        assert wl.readRx() == (b"\ntx %s:\nplain words\n\nrx %s:\nplain words\n" % (who(server.eha), who(client.ca)))
