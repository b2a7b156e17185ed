"""The HTTP Client against a server that streams a response without end: it takes
at most maxBodySize (MAX_RESPONSE_SIZE, 64 MiB, by default), then gives an errored
response that says why and closes the connection."""

from __future__ import annotations

import socket
import threading
import tracemalloc

import pytest

from hio.base.tyming import Tymist
from hio.core.http import clienting


class EndlessServer:
    """A raw socket server in a thread: it answers each connection with a
    response head and then a body that never ends, until the client goes away.

    Attributes:
        head (bytes): the response head sent first
        chunked (bool): True frames the body in chunks, else it runs until close
        port (int): port listened on
        streamed (int): body bytes sent on the last connection
        ended (threading.Event): set once the client went away
    """

    def __init__(self, head: bytes, chunked: bool = False):
        self.head = head
        self.chunked = chunked
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.streamed = 0
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        conn, _ = self.listener.accept()
        conn.settimeout(10.0)
        piece = b"z" * 65536
        if self.chunked:
            piece = b"%x\r\n" % len(piece) + piece + b"\r\n"
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            conn.sendall(self.head)
            while True:
                conn.sendall(piece)
                self.streamed += len(piece)
        except OSError:  # the client closed: reset or broken pipe
            pass
        finally:
            conn.close()
            self.ended.set()

    def close(self):
        self.listener.close()


UNTIL_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize("head, chunked, kind", [(UNTIL_CLOSE, False, "until close"), (CHUNKED, True, "chunked")])
def test_endless_response_ends_errored_at_max_body_size(head, chunked, kind):
    limit = 1024 * 1024
    server = EndlessServer(head, chunked=chunked)
    tymist = Tymist(tock=0.001)
    client = clienting.Client(hostname="127.0.0.1", port=server.port, tymth=tymist.tymen(), maxBodySize=limit)
    assert client.maxBodySize == client.respondent.maxBodySize == limit
    client.request(method="GET", path="/forever")
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(20000):
            client.service()
            tymist.tick()
            if client.responses:
                break
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    try:
        response = client.respond()
        assert response is not None and response.errored
        assert response.status == 200
        assert "larger than maxBodySize" in response.error and str(limit) in response.error and kind in response.error
        assert len(response.body) <= limit
        assert server.ended.wait(5.0)  # the client closed the connection
        assert server.streamed > limit
        # the body, what one service read (up to what the socket's receive buffer held,
        # a few MiB on loopback) and a copy of that: bounded, where without a limit it
        # grows by gigabytes in the same passes
        assert peak < 16 * limit, peak
    finally:
        client.close()
        server.close()


def test_client_max_body_size_default_and_content_length():
    assert clienting.MAX_RESPONSE_SIZE == 64 * 1024 * 1024
    client = clienting.Client(hostname="127.0.0.1", port=1)
    assert client.maxBodySize == client.respondent.maxBodySize == clienting.MAX_RESPONSE_SIZE
    assert clienting.Client(hostname="127.0.0.1", port=1, maxBodySize=None).respondent.maxBodySize is None
    big = EndlessServer(b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n")
    tymist = Tymist(tock=0.001)
    client = clienting.Client(hostname="127.0.0.1", port=big.port, tymth=tymist.tymen(), maxBodySize=4096)
    client.request(method="GET", path="/big")
    try:
        for _ in range(5000):
            client.service()
            tymist.tick()
            if client.responses:
                break
        response = client.respond()
        assert response.errored and "5000000" in response.error and "larger than maxBodySize" in response.error
        assert big.ended.wait(5.0)
    finally:
        client.close()
        big.close()
