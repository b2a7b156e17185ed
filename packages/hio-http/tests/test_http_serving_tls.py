"""The Server over TLS (scheme https) with certificates made by trustme."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.request


def app(environ, start_response):
    body = json.dumps({"scheme": environ["wsgi.url_scheme"], "path": environ["PATH_INFO"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def tlsServer(serve, certs, **kwa):
    return serve(
        app,
        scheme="https",
        certpath=certs["certpath"],
        keypath=certs["keypath"],
        cafilepath=None,
        certify=False,
        **kwa,
    )


def clientContext(certs) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=certs["cafilepath"])
    return context


def test_https_keep_alive_with_http_client_and_urllib(serve, certs):
    harness = tlsServer(serve, certs)
    assert harness.server.scheme == "https"

    def client():
        conn = http.client.HTTPSConnection("127.0.0.1", harness.port, context=clientContext(certs), timeout=5)
        out = []
        for path in ("/a", "/b"):
            conn.request("GET", path)
            response = conn.getresponse()
            out.append((response.status, json.loads(response.read())))
        conn.close()
        with urllib.request.urlopen(
            f"https://localhost:{harness.port}/c", context=clientContext(certs), timeout=5
        ) as response:
            out.append((response.status, json.loads(response.read())))
        return out

    out = harness.run(client)
    assert out == [
        (200, {"scheme": "https", "path": "/a"}),
        (200, {"scheme": "https", "path": "/b"}),
        (200, {"scheme": "https", "path": "/c"}),
    ]


def test_https_bad_request_and_failed_handshake_do_not_stall_others(serve, certs):
    harness = tlsServer(serve, certs, tymeout=0.5)

    def client():
        # plain text to a TLS port: the handshake fails
        with socket.create_connection(("127.0.0.1", harness.port), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            junk = harness.readAll(plain)
        # a client that never starts its handshake
        silent = socket.create_connection(("127.0.0.1", harness.port), timeout=5)
        # a malformed request inside TLS: 400 and close
        with clientContext(certs).wrap_socket(
            socket.create_connection(("127.0.0.1", harness.port), timeout=5), server_hostname="localhost"
        ) as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nBroken header\r\n\r\n")
            bad = harness.readAll(tls)
        # meanwhile a good client is served
        conn = http.client.HTTPSConnection("localhost", harness.port, context=clientContext(certs), timeout=5)
        conn.request("GET", "/good")
        response = conn.getresponse()
        good = response.status, json.loads(response.read())
        conn.close()
        return junk, bad, good, silent

    junk, bad, good, silent = harness.run(client)
    assert not junk.startswith(b"HTTP/1.1 200")
    assert bad.startswith(b"HTTP/1.1 400 ")
    assert good == (200, {"scheme": "https", "path": "/good"})
    harness.passes(700)  # the silent one is dropped after the tymeout
    silent.settimeout(2)
    assert harness.readAll(silent) == b""
    silent.close()


def test_https_close_ends_with_close_notify(serve, certs):
    def streamApp(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"part%d;" % i for i in range(3))

    harness = serve(streamApp, scheme="https", certpath=certs["certpath"], keypath=certs["keypath"], certify=False)

    def client():
        raw = socket.create_connection(("127.0.0.1", harness.port), timeout=5)
        with clientContext(certs).wrap_socket(raw, server_hostname="localhost", suppress_ragged_eofs=False) as tls:
            tls.sendall(b"GET /s HTTP/1.0\r\n\r\n")
            chunks = []
            while True:
                data = tls.recv(65536)  # a close without close_notify raises SSLEOFError here
                if not data:
                    break
                chunks.append(data)
            return b"".join(chunks)

    data = harness.run(client)
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Connection: close" in head and body == b"part0;part1;part2;"
