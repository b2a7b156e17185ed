"""Tests of TLS in hio.core.tcp: ClientTls against ServerTls with trustme certificates."""

from __future__ import annotations

import os
import re
import socket
import ssl

import pytest

from hio.base import tyming
from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def tlsServer(certs, **kwa):
    """Returns an opened ServerTls on a loopback port with the server certificate."""
    kwa.setdefault("certpath", certs.server)
    kwa.setdefault("keypath", certs.serverKey)
    server = serving.ServerTls(host=LOOPBACK, port=0, **kwa)
    server.reopen()
    return server


def echoRound(pump, server, client, data):
    """Connects client if needed and has server echo data back to it."""
    echoer = serving.EchoServerDoer(server=server)
    client.tx(data)
    start = len(client.rxbs)
    pump(
        client.service,
        lambda: echoer.recur(tyme=0.0),
        until=lambda: len(client.rxbs) >= start + len(data),
    )
    assert client.rxbs[start:] == data


def test_server_only_tls_echo_both_versions(pump, certs):
    """Server authentication over TLS 1.2 and 1.3; the client verifies certificate and host name."""
    server = tlsServer(certs)
    try:
        assert server.context.minimum_version >= ssl.TLSVersion.TLSv1_2
        assert server.context.verify_mode == ssl.CERT_NONE
        for version, name in (
            (ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
            (ssl.TLSVersion.TLSv1_3, "TLSv1.3"),
            (None, "TLSv1.3"),
        ):
            client = clienting.ClientTls(ha=server.eha, cafilepath=certs.ca, version=version)
            assert client.context.verify_mode == ssl.CERT_REQUIRED
            assert client.context.check_hostname
            assert client.certedhost == LOOPBACK
            client.reopen()
            try:
                pump(client.service, server.service, until=lambda c=client: c.connected and c.ca in server.ixes)
                assert client.accepted and client.connected
                assert client.cs.version() == name
                ix = server.ixes[client.ca]
                assert isinstance(ix, serving.RemoterTls) and ix.connected and not ix.aborted
                assert ix.cs.version() == name
                echoRound(pump, server, client, b"secret %s" % name.encode())
                echoRound(pump, server, client, bytes(range(256)) * 400)  # many TLS records
            finally:
                client.close()
            assert not client.connected
            pump(server.service, until=lambda c=client: server.ixes[c.ca].cutoff)
            server.removeIx(client.ca)
    finally:
        server.close()


def test_tls_client_by_host_name_with_sni(pump, certs):
    """A client given a host name verifies the certificate for that name."""
    server = tlsServer(certs)
    try:
        client = clienting.ClientTls(host="localhost", port=server.eha[1], cafilepath=certs.ca)
        assert client.certedhost == "localhost" and client.ha == (LOOPBACK, server.eha[1])
        client.reopen()
        try:
            pump(client.service, server.service, until=lambda: client.connected)
            echoRound(pump, server, client, b"by name")
        finally:
            client.close()
    finally:
        server.close()


def test_mutual_tls(pump, certs):
    """With certify the server requires a client certificate from its authority."""
    server = tlsServer(certs, cafilepath=certs.ca, certify=ssl.CERT_REQUIRED)
    assert server.context.verify_mode == ssl.CERT_REQUIRED
    try:
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            client = clienting.ClientTls(
                ha=server.eha,
                cafilepath=certs.ca,
                certpath=certs.client,
                keypath=certs.clientKey,
                version=version,
            )
            client.reopen()
            try:
                pump(client.service, server.service, until=lambda c=client: c.connected and c.ca in server.ixes)
                ix = server.ixes[client.ca]
                assert ix.cs.getpeercert()["subjectAltName"] == (("DNS", "client.example"),)
                echoRound(pump, server, client, b"mutual")
            finally:
                client.close()
    finally:
        server.close()


def test_server_context_defaults_to_verifying_clients_with_cafile(certs):
    """A server given a certificate authority verifies client certificates unless told otherwise."""
    assert serving.initServerContext(cafilepath=certs.ca).verify_mode == ssl.CERT_REQUIRED
    assert serving.initServerContext(cafilepath=certs.ca, certify=False).verify_mode == ssl.CERT_NONE
    assert serving.initServerContext(certify=ssl.CERT_OPTIONAL).verify_mode == ssl.CERT_OPTIONAL
    context = serving.initServerContext(version=ssl.TLSVersion.TLSv1_3)
    assert context.minimum_version == context.maximum_version == ssl.TLSVersion.TLSv1_3
    given = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert serving.initServerContext(context=given, certify=True) is given
    assert given.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ValueError, match="certify"):
        serving.initServerContext(certify=7)


def test_client_context_options(certs):
    """Verification is on by default and off only when the caller says so."""
    context = clienting.initClientContext(cafilepath=certs.ca)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    context = clienting.initClientContext(cafilepath=certs.ca, hostify=False)
    assert context.verify_mode == ssl.CERT_REQUIRED and not context.check_hostname
    context = clienting.initClientContext(certify=ssl.CERT_NONE)
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname
    with pytest.raises(ValueError, match="host name"):
        clienting.initClientContext(certify=False, hostify=True)
    assert clienting.initClientContext(version=ssl.PROTOCOL_TLS_CLIENT).minimum_version >= ssl.TLSVersion.TLSv1_2


def connectFails(pump, server, client):
    """Services client and server until the client's handshake fails; returns the error.

    The failure is never raised: it is kept in .error and the client closed
    until its next attempt.
    """
    client.reopen()
    pump(client.service, server.service, until=lambda: client.error is not None)
    assert not client.connected and not client.opened
    return client.error


@pytest.mark.parametrize(
    ("certname", "clientkwa", "reason"),
    [
        ("server", {"cafilepath": "otherCa"}, "unable to get local issuer certificate"),
        ("server", {"host": "localhost", "certedhost": "elsewhere.example", "cafilepath": "ca"}, "Hostname mismatch"),
        ("expired", {"cafilepath": "ca"}, "certificate has expired"),
    ],
    ids=["wrong-ca", "hostname-mismatch", "expired"],
)
def test_client_rejects_bad_server_certificate(pump, certs, certname, clientkwa, reason):
    """A wrong CA, host name mismatch or expired certificate fails the handshake; the server serves on."""
    server = tlsServer(certs, certpath=getattr(certs, certname), keypath=getattr(certs, f"{certname}Key"))
    try:
        kwa = dict(clientkwa)
        kwa["cafilepath"] = getattr(certs, kwa["cafilepath"])
        kwa.setdefault("host", LOOPBACK)
        client = clienting.ClientTls(port=server.eha[1], **kwa)
        error = connectFails(pump, server, client)
        assert isinstance(error, ssl.SSLCertVerificationError)
        assert reason in str(error)
        pump(server.service, until=lambda: not server.cxes and not server.ixes)
        for _ in range(20):  # every later attempt fails the same way, nothing is raised or served
            client.service()
            server.service()
            assert not client.connected and not server.ixes
        assert isinstance(client.error, ssl.SSLCertVerificationError)
        client.close()
        pump(server.service, until=lambda: not server.cxes)

        # the caller may turn verification off explicitly
        lax = clienting.ClientTls(port=server.eha[1], host=kwa["host"], certify=ssl.CERT_NONE)
        lax.reopen()
        try:
            pump(lax.service, server.service, until=lambda: lax.connected)
            echoRound(pump, server, lax, b"unverified but served")
        finally:
            lax.close()
    finally:
        server.close()


def test_server_rejects_bad_client_certificate_and_serves_on(pump, certs):
    """Mutual TLS: missing or foreign client certificates fail; good clients are still served."""
    server = tlsServer(certs, cafilepath=certs.ca)
    try:
        good = clienting.ClientTls(ha=server.eha, cafilepath=certs.ca, certpath=certs.client, keypath=certs.clientKey)
        good.reopen()
        pump(good.service, server.service, until=lambda: good.connected and good.ca in server.ixes)

        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            for kwa in ({}, {"certpath": certs.other, "keypath": certs.otherKey}):
                bad = clienting.ClientTls(ha=server.eha, cafilepath=certs.ca, version=version, **kwa)
                bad.reopen()
                try:
                    # TLS 1.2 fails in the handshake; with TLS 1.3 the client learns it on its first
                    # receive; either way it is kept in .error, not raised
                    pump(bad.service, server.service, until=lambda b=bad: b.error is not None)
                    assert isinstance(bad.error, ssl.SSLError)
                    assert re.search(r"(?i)alert|certificate", str(bad.error))
                    assert not bad.connected or bad.cutoff
                    assert bad.ca not in server.ixes
                finally:
                    bad.close()
                pump(server.service, until=lambda: not server.cxes)
            echoRound(pump, server, good, b"still served")
        assert list(server.ixes) == [good.ca]
        good.close()
    finally:
        server.close()


def test_server_survives_non_tls_client_and_handshake_tymeout(pump, certs):
    """Plain bytes instead of a handshake, or no handshake in time, abort only that connection."""
    tymist = tyming.Tymist(tock=0.125)
    server = tlsServer(certs, tymth=tymist.tymen(), tymeout=0.5)
    garbler = socket.create_connection(server.eha)
    idler = socket.create_connection(server.eha)
    try:
        garbler.sendall(b"GET / HTTP/1.1\r\n\r\n")
        pump(server.service, until=lambda: len(server.cxes) == 1)  # garbler aborted, idler waiting
        assert idler.getsockname() in server.cxes
        assert garbler.getsockname() not in server.ixes
        tymist.tick(0.5)
        pump(server.service, until=lambda: not server.cxes)
        assert idler.recv(100) == b""

        client = clienting.ClientTls(ha=server.eha, cafilepath=certs.ca, tymth=tymist.tymen())
        client.reopen()
        try:
            pump(client.service, server.service, until=lambda: client.connected)
            echoRound(pump, server, client, b"served after all that")
        finally:
            client.close()
    finally:
        garbler.close()
        idler.close()
        server.close()


def test_remoter_tls_records_aborted_handshake(certs, pump):
    """A RemoterTls whose peer goes away mid handshake is aborted with the error kept."""
    server = tlsServer(certs)
    try:
        peer = socket.create_connection(server.eha)
        pump(server.serviceConnects, until=lambda: server.cxes)
        cx = next(iter(server.cxes.values()))
        assert not cx.connected and not cx.aborted
        peer.close()
        pump(cx.handshake, until=lambda: cx.aborted)
        assert not cx.connected and cx.error is not None and not cx.opened
        pump(server.serviceConnects, until=lambda: not server.cxes)
    finally:
        server.close()


def test_reconnectable_tls_client_before_server(pump, certs, freeport):
    """A reconnectable TLS client retries until the server is up, then handshakes and talks."""
    tymist = tyming.Tymist(tock=0.125)
    client = clienting.ClientTls(
        ha=(LOOPBACK, freeport), cafilepath=certs.ca, reconnectable=True, tymeout=0.25, tymth=tymist.tymen()
    )
    client.reopen()
    try:
        for _ in range(16):
            client.service()
            tymist.tick()
        assert not client.connected
        server = serving.ServerTls(
            host=LOOPBACK, port=freeport, certpath=certs.server, keypath=certs.serverKey, tymth=tymist.tymen()
        )
        server.reopen()
        try:
            # an attempt under way when the server came up may still be refused: ticks let it retry
            pump(client.service, server.service, tymist.tick, until=lambda: client.connected)
            echoRound(pump, server, client, b"worth the wait")
        finally:
            server.close()
    finally:
        client.close()


def test_tls_large_transfer_small_bs(pump, certs):
    """4 MiB up and echoed back over TLS with a 1 KiB buffer arrive byte exact."""
    payload = os.urandom(1 << 16) * 64
    server = tlsServer(certs, bs=1024)
    client = clienting.ClientTls(ha=server.eha, cafilepath=certs.ca, bs=1024)
    client.reopen()
    try:
        echoer = serving.EchoServerDoer(server=server)
        client.tx(payload)
        pump(
            client.service,
            lambda: echoer.recur(tyme=0.0),
            until=lambda: len(client.rxbs) >= len(payload),
            limit=1_000_000,
        )
        assert client.rxbs == payload
        assert not client.txbs
    finally:
        client.close()
        server.close()
