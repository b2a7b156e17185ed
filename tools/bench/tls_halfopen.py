"""CPU of an HTTPS server holding connections whose TLS handshakes never go on.

Usage: ``python tls_halfopen.py [COUNT] [TYMEOUT] [TOCK]`` (default 300 connections, tymeout 5 s,
tock 1 ms); prints one JSON object. Needs trustme.

A child process runs hio's WSGI server with TLS (scheme "https") under a
real-time Doist (tock 1 ms, as in the HTTP benchmark). This process opens COUNT connections to it:
half send nothing at all, half send the first half of a TLS ClientHello and
then nothing. While they are held it measures the child's CPU (fraction of
one core) over a few seconds and makes real HTTPS requests, timing each
answer; then it waits past the tymeout and counts how many of the held
connections the server closed.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time

CHILD = textwrap.dedent(
    """
    import sys
    from hio.base import doing
    from hio.core.http import serving

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    certpath, keypath, tymeout, tock = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    server = serving.Server(app=app, host="127.0.0.1", port=0, scheme="https",
                            certpath=certpath, keypath=keypath, tymeout=tymeout)
    server.reopen()
    print(server.servant.ss.getsockname()[1], flush=True)
    doing.Doist(tock=tock, real=True).do(doers=[serving.ServerDoer(server=server)])
    """
)


def cpuSeconds(pid: int) -> float:
    """User plus system CPU seconds of process pid, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def halfHello(ca: str) -> bytes:
    """The first half of a real TLS ClientHello."""
    context = ssl.create_default_context(cafile=ca)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    return hello[: len(hello) // 2]


def request(port: int, ca: str) -> float:
    """Seconds one HTTPS GET takes to be answered."""
    context = ssl.create_default_context(cafile=ca)
    start = time.monotonic()
    raw = socket.create_connection(("127.0.0.1", port), timeout=5.0)
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        got = b""
        while not got.endswith(b"hello"):
            data = tls.recv(4096)
            if not data:
                break
            got += data
    assert got.startswith(b"HTTP/1.1 200"), got[:40]
    return time.monotonic() - start


def closedByServer(sock: socket.socket) -> bool:
    """True when the server closed (or reset) sock."""
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def main() -> None:
    import trustme

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    tymeout = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    tock = float(sys.argv[3]) if len(sys.argv) > 3 else 0.001
    authority = trustme.CA()
    cert = authority.issue_cert("localhost", "127.0.0.1")
    with tempfile.TemporaryDirectory() as base:
        certpath, keypath, ca = (os.path.join(base, name) for name in ("cert.pem", "key.pem", "ca.pem"))
        cert.cert_chain_pems[0].write_to_path(certpath)
        cert.private_key_pem.write_to_path(keypath)
        authority.cert_pem.write_to_path(ca)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, certpath, keypath, str(tymeout), str(tock)], stdout=subprocess.PIPE, text=True
        )
        held: list[socket.socket] = []
        try:
            port = int(child.stdout.readline())  # type: ignore[union-attr]
            hello = halfHello(ca)
            opened = time.monotonic()
            for index in range(count):
                sock = socket.create_connection(("127.0.0.1", port))
                if index % 2:
                    sock.sendall(hello)
                held.append(sock)
            time.sleep(0.5)  # accepted, each handshake tried once
            start, cpu = time.monotonic(), cpuSeconds(child.pid)
            answers = [request(port, ca) for _ in range(5)]
            time.sleep(max(0.0, 3.0 - (time.monotonic() - start)))
            fraction = (cpuSeconds(child.pid) - cpu) / (time.monotonic() - start)
            time.sleep(max(0.0, opened + tymeout + 1.5 - time.monotonic()))
            closed = sum(closedByServer(sock) for sock in held)
            idle = [request(port, ca) for _ in range(2)]
        finally:
            for sock in held:
                sock.close()
            child.kill()
            child.communicate(timeout=10)
    print(
        json.dumps(
            {
                "held": count,
                "tock": tock,
                "cpu_core_fraction": round(fraction, 3),
                "answer_s_max_while_held": round(max(answers), 4),
                "closed_at_tymeout": closed,
                "answer_s_after": round(max(idle), 4),
            }
        )
    )


if __name__ == "__main__":
    main()
