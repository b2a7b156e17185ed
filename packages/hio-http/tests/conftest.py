"""Shared fixtures of the hio-http tests.

The HTTP server tests run the server in the test's own thread, one
``server.service()`` per pass on a Tymist of artificial tyme, while a third
party client (http.client, urllib, a raw socket) runs in a helper thread.
"""

from __future__ import annotations

import http.client
import io
import itertools
import select
import socket
import threading
import time

import pytest

from hio.base.tyming import Tymist


class ServingHarness:
    """Runs an HTTP server pass by pass on artificial tyme while clients run in threads.

    Attributes:
        server: the hio HTTP server (Server or BareServer), opened
        tymist (Tymist): tyme of the server, ticked .tock per pass
        port (int): port the server listens on
    """

    def __init__(self, server, tymist: Tymist):
        self.server = server
        self.tymist = tymist
        self.server.reopen()
        self.port = self.server.servant.ss.getsockname()[1]

    @staticmethod
    def recvAvailable(sock: socket.socket) -> tuple[bytes, bool]:
        """Return (the bytes waiting on sock, True when the peer closed or reset); sock is made nonblocking."""
        sock.setblocking(False)
        chunks, closed = [], False
        while True:
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not data:
                closed = True
                break
            chunks.append(data)
        return b"".join(chunks), closed

    def passes(self, count: int, pause: float = 0.0):
        """Service the server count passes, ticking tyme each pass."""
        for _ in range(count):
            self.server.service()
            self.tymist.tick()
            if pause:
                time.sleep(pause)

    def run(self, fn, *pa, limit: float = 10.0, **kwa):
        """Run fn(*pa, **kwa) in a thread while servicing the server; return its result.

        Raises what fn raised, or TimeoutError when fn has not finished within
        limit seconds of real time.
        """
        box = {}

        def target():
            try:
                box["result"] = fn(*pa, **kwa)
            except BaseException as ex:
                box["error"] = ex

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        end = time.monotonic() + limit
        while thread.is_alive():
            self.server.service()
            self.tymist.tick()
            time.sleep(0.0005)
            if time.monotonic() > end:
                raise TimeoutError(f"client {fn.__name__} did not finish in {limit} s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def connect(self, timeout: float = 5.0, rcvbuf: int | None = None) -> socket.socket:
        """Return a raw client socket connected to the server and accepted by it.

        Parameters:
            timeout (float): socket timeout in seconds
            rcvbuf (int | None): the socket's SO_RCVBUF, set before it connects
        """
        sock = socket.socket()
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", self.port))
        self.accepted(sock, limit=timeout)
        return sock

    def send(self, sock: socket.socket, data: bytes = b"", shut: bool = False, limit: float = 5.0) -> int:
        """Send data on sock (then shut its sending side when shut) and return how much was sent,
        once the server's end of the connection can read it.

        A busy machine can hand bytes over loopback a moment after send returns;
        a test that counts the passes within which the server answers waits here
        (in real time, at the same tyme) so that it counts from their arrival.
        """
        sent = sock.send(data) if data else 0
        if shut:
            sock.shutdown(socket.SHUT_WR)
        ix = self.server.servant.ixes.get(sock.getsockname())
        if (sent or shut) and ix is not None and ix.opened:
            select.select([ix.cs], [], [], limit)
        return sent

    def accepted(self, sock: socket.socket, limit: float = 5.0) -> None:
        """Service the server, without ticking tyme, until it holds a remoter for sock.

        connect() returns once the handshake is done on the client's side; the
        server's side can be handed to accept() a moment later when the machine
        is busy, so tests that go on to count passes wait for it here first.
        Raises TimeoutError when it has not been accepted within limit seconds.
        """
        ca = sock.getsockname()
        end = time.monotonic() + limit
        while ca not in self.server.servant.ixes:
            self.server.service()
            if time.monotonic() > end:
                raise TimeoutError(f"the server did not accept {ca} in {limit} s")
            time.sleep(0.0005)

    def exchange(self, payload: bytes, shut: bool = False, timeout: float = 5.0, pace=None) -> bytes:
        """Send payload on a new raw connection and return all bytes received until close.

        Parameters:
            payload (bytes): bytes to send
            shut (bool): True shuts down the sending side after payload
            timeout (float): socket timeout in seconds
            pace (list[int] | None): split points; each piece is sent separately
        """

        def client():
            with self.connect(timeout) as sock:
                cuts = [0, *sorted(set(pace or [])), len(payload)]
                for a, b in itertools.pairwise(cuts):
                    if b > a:
                        sock.sendall(payload[a:b])
                        time.sleep(0.001)
                if shut:
                    sock.shutdown(socket.SHUT_WR)
                return readAll(sock)

        return self.run(client, limit=timeout + 5)

    @staticmethod
    def readAll(sock: socket.socket) -> bytes:
        """Read from sock until the server closes (or resets) the connection."""
        return readAll(sock)

    @staticmethod
    def parseResponses(data: bytes, methods=None):
        """Parse every response in data with http.client (see parseResponses)."""
        return parseResponses(data, methods)


def readAll(sock: socket.socket) -> bytes:
    """Read from sock until the server closes (or resets) the connection."""
    chunks = []
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


class _Unclosed(io.BytesIO):
    """Byte stream that http.client.HTTPResponse cannot close, so the next response can follow."""

    def close(self):
        pass


class _Replay:
    """Socket stand-in that replays received bytes to http.client.HTTPResponse."""

    def __init__(self, stream: io.BytesIO):
        self.stream = stream

    def makefile(self, mode):
        return self.stream


def parseResponses(data: bytes, methods=None) -> list[tuple[int, http.client.HTTPMessage, bytes]]:
    """Parse every response in data with http.client; return (status, headers, body) each.

    Parameters:
        data (bytes): bytes a server sent on one connection
        methods (list[str] | None): request method of each response, default GET
    """
    stream = _Unclosed(data)
    responses = []
    index = 0
    while stream.tell() < len(data):
        method = (methods or [])[index] if methods and index < len(methods) else "GET"
        response = http.client.HTTPResponse(_Replay(stream), method=method)
        response.begin()
        body = response.read()
        responses.append((response.status, response.headers, body))
        index += 1
        if response.will_close:
            break
    return responses


@pytest.fixture
def tymist():
    """Tymist of artificial tyme, one millisecond a pass."""
    return Tymist(tock=0.001)


class ServeFactory:
    """Makes Servers on 127.0.0.1 port 0 in ServingHarnesses and closes them after the test."""

    def __init__(self, tymist: Tymist):
        self.tymist = tymist
        self.opened = []

    def __call__(self, app=None, cls=None, **kwa):
        """Open a Server (or cls, e.g. BareServer) with kwa; return its ServingHarness."""
        from hio.core.http.serving import Server

        kwa.setdefault("tymeout" if cls is None else "timeout", 30.0)
        if cls is None:
            server = Server(app=app, host="127.0.0.1", port=0, tymth=self.tymist.tymen(), **kwa)
        else:
            server = cls(host="127.0.0.1", port=0, tymth=self.tymist.tymen(), **kwa)
        return self.wrap(server)

    def wrap(self, server) -> ServingHarness:
        """Open server in a ServingHarness on this tymist."""
        self.opened.append(server)
        return ServingHarness(server, self.tymist)

    def close(self):
        for server in self.opened:
            server.close()


@pytest.fixture
def serve(tymist):
    """ServeFactory: serve(app, **kwa) opens a Server on 127.0.0.1 port 0 in a ServingHarness."""
    factory = ServeFactory(tymist)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """trustme CA with a server certificate for 127.0.0.1 and localhost, as files."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    base = tmp_path_factory.mktemp("certs")
    capath = base / "ca.pem"
    certpath = base / "server.pem"
    keypath = base / "server.key"
    ca.cert_pem.write_to_path(str(capath))
    cert.cert_chain_pems[0].write_to_path(str(certpath))
    cert.private_key_pem.write_to_path(str(keypath))
    return {"ca": ca, "cafilepath": str(capath), "certpath": str(certpath), "keypath": str(keypath)}
