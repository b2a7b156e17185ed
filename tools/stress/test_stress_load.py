"""Load: a thousand concurrent keep-alive HTTP clients against the WSGI Server (a falcon
app), and a thousand TCP echo clients against the TCP Server, every byte checked.

Each server runs under a Doist of artificial tyme stepped once per pass of the
test's loop; the clients are raw non-blocking sockets in the same loop. Every
client stays connected until all are done, so the server holds all thousand
connections at once.
"""

from __future__ import annotations

import random
import time

import falcon

from hio.base.doing import Doist
from hio.core.http.serving import Server as HttpServer
from hio.core.http.serving import ServerDoer as HttpServerDoer
from hio.core.tcp.serving import EchoServerDoer
from hio.core.tcp.serving import Server as TcpServer

CLIENTS = 1000
ROUNDS = 10  # keep-alive requests per HTTP client, GET and POST in turn
PIECES = 12  # echo round trips per TCP client
CONNECTING = 100  # most connection attempts under way at once, within the default listen backlog of 128


def itemBody(cid: int, seq: int) -> bytes:
    """The body GET /items/{cid}/{seq} answers: pseudo-random bytes of a size from 64 to 4063."""
    return random.Random(cid * 1000 + seq).randbytes(64 + (cid * 7919 + seq * 104729) % 4000)


class Items:
    """Falcon resource: GET answers itemBody, POST answers the request body reversed behind a prefix."""

    def on_get(self, req, resp, cid: int, seq: int):
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = itemBody(cid, seq)

    def on_post(self, req, resp, cid: int, seq: int):
        body = req.bounded_stream.read()
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = b"%d/%d:" % (cid, seq) + body[::-1]


def makeApp() -> falcon.App:
    """The falcon app under load."""
    app = falcon.App()
    app.add_route("/items/{cid:int}/{seq:int}", Items())
    return app


class Stats:
    """What the clients saw, shared by all of them."""

    def __init__(self):
        self.connected = 0
        self.finished = 0
        self.served = 0
        self.bytes = 0
        self.latencies: list[float] = []
        self.errors: list[str] = []


def makeHttpClient(kit, stats: Stats):
    """Class of keep-alive HTTP clients that check every byte of every response."""

    class HttpLoadClient(kit.RawClient):
        def __init__(self, loop, ha, cid):
            self.cid = cid
            self.seq = 0
            self.expect = b""
            self.sentAt = 0.0
            self.done = False
            super().__init__(loop, ha)
            if self.error:
                self.fail(f"connect failed, errno {self.error}")

        def onConnect(self):
            stats.connected += 1
            self.request()

        def request(self):
            cid, seq = self.cid, self.seq
            if seq % 2 == 0:
                msg = b"GET /items/%d/%d HTTP/1.1\r\nHost: stress\r\n\r\n" % (cid, seq)
                self.expect = itemBody(cid, seq)
            else:
                body = itemBody(cid + CLIENTS, seq)
                msg = (
                    b"POST /items/%d/%d HTTP/1.1\r\nHost: stress\r\nContent-Type: application/octet-stream\r\n"
                    b"Content-Length: %d\r\n\r\n" % (cid, seq, len(body))
                ) + body
                self.expect = b"%d/%d:" % (cid, seq) + body[::-1]
            self.sentAt = time.perf_counter()
            self.send(msg)

        def onData(self):
            while not self.done:
                try:
                    got = kit.takeResponse(self.rxbs)
                except ValueError as ex:
                    self.fail(str(ex))
                    return
                if got is None:
                    return
                status, _, body = got
                stats.latencies.append(time.perf_counter() - self.sentAt)
                if status != 200 or body != self.expect:
                    self.fail(f"request {self.seq}: status {status}, {len(body)} bytes, expected {len(self.expect)}")
                    return
                stats.served += 1
                stats.bytes += len(body)
                self.seq += 1
                if self.seq == ROUNDS:
                    self.done = True
                    stats.finished += 1
                else:
                    self.request()

        def onEnd(self):
            if not self.done:
                self.fail(f"connection {'reset' if self.reset else 'closed'} by the server at request {self.seq}")

        def fail(self, why: str):
            stats.errors.append(f"client {self.cid}: {why}")
            if not self.done:
                self.done = True
                stats.finished += 1
            self.close()

    return HttpLoadClient


def test_thousand_keep_alive_http_clients_served_every_byte(kit, fds, noFailures, noLeaks):
    stats = Stats()
    server = HttpServer(app=makeApp(), host=kit.LOOPBACK, port=0, tymeout=3600.0)  # tymeouts: see test_stress_slow
    doist = Doist(real=False, tock=0.001, doers=[HttpServerDoer(server=server)])
    baseline = fds()
    doist.enter()
    ha = server.servant.eha
    Client = makeHttpClient(kit, stats)
    clients = []

    def opener():
        while len(clients) < CLIENTS and len(clients) - stats.connected - len(stats.errors) < CONNECTING:
            clients.append(Client(loop, ha, len(clients)))

    loop = kit.Loop(opener, doist.recur)
    try:
        start = time.perf_counter()
        loop.run(lambda: stats.finished == CLIENTS, limit=50.0, what="every HTTP client served")
        elapsed = time.perf_counter() - start
        held = len(server.servant.ixes)  # every client is still connected
        for client in clients:
            client.close()
        loop.run(lambda: not server.servant.ixes, limit=10.0, what="server closing the closed connections")
    finally:
        kit.reap(clients)
        doist.exit()
        loop.close()
    lat = sorted(stats.latencies) or [0.0]
    kit.report(
        "HTTP load, 1000 keep-alive clients",
        clients=CLIENTS,
        requests=stats.served,
        errors=len(stats.errors),
        requests_per_s=stats.served / elapsed,
        MB=stats.bytes / 1e6,
        max_latency_ms=lat[-1] * 1000,
        p99_latency_ms=lat[int(len(lat) * 0.99)] * 1000,
        seconds=elapsed,
        passes=loop.passes,
    )
    assert not stats.errors, stats.errors[:10]
    assert stats.served == CLIENTS * ROUNDS
    assert held == CLIENTS
    assert not server.reqs and not server.reps and not server.tymers
    assert fds() == baseline


def makeEchoClient(kit, stats: Stats):
    """Class of TCP clients that send pieces one at a time and check each echo byte for byte."""

    class EchoClient(kit.RawClient):
        def __init__(self, loop, ha, cid):
            rng = random.Random(cid)
            self.cid = cid
            self.pieces = [rng.randbytes(rng.randint(1, 8192)) for _ in range(PIECES)]
            self.index = 0
            self.sentAt = 0.0
            self.done = False
            super().__init__(loop, ha)
            if self.error:
                self.fail(f"connect failed, errno {self.error}")

        def onConnect(self):
            stats.connected += 1
            self.sendPiece()

        def sendPiece(self):
            self.sentAt = time.perf_counter()
            self.send(self.pieces[self.index])

        def onData(self):
            piece = self.pieces[self.index] if not self.done else b""
            if len(self.rxbs) > len(piece) or piece[: len(self.rxbs)] != self.rxbs:
                self.fail(f"piece {self.index}: echo differs from what was sent")
                return
            if len(self.rxbs) < len(piece):
                return
            stats.latencies.append(time.perf_counter() - self.sentAt)
            stats.served += 1
            stats.bytes += len(piece)
            self.rxbs.clear()
            self.index += 1
            if self.index == PIECES:
                self.done = True
                stats.finished += 1
            else:
                self.sendPiece()

        def onEnd(self):
            if not self.done:
                self.fail(f"connection {'reset' if self.reset else 'closed'} by the server at piece {self.index}")

        def fail(self, why: str):
            stats.errors.append(f"client {self.cid}: {why}")
            if not self.done:
                self.done = True
                stats.finished += 1
            self.close()

    return EchoClient


def test_thousand_tcp_echo_clients_every_byte_back(kit, fds, noLeaks):
    stats = Stats()
    server = TcpServer(host=kit.LOOPBACK, port=0)
    doist = Doist(real=False, tock=0.001, doers=[EchoServerDoer(server=server)])
    baseline = fds()
    doist.enter()
    ha = server.eha
    Client = makeEchoClient(kit, stats)
    clients = []

    def opener():
        while len(clients) < CLIENTS and len(clients) - stats.connected - len(stats.errors) < CONNECTING:
            clients.append(Client(loop, ha, len(clients)))

    loop = kit.Loop(opener, doist.recur)
    try:
        start = time.perf_counter()
        loop.run(lambda: stats.finished == CLIENTS, limit=50.0, what="every echo client served")
        elapsed = time.perf_counter() - start
        held = len(server.ixes)
        for client in clients:
            client.close()
        loop.run(lambda: not server.ixes, limit=10.0, what="server removing the closed connections")
    finally:
        kit.reap(clients)
        doist.exit()
        loop.close()
    lat = sorted(stats.latencies) or [0.0]
    kit.report(
        "TCP echo load, 1000 clients",
        clients=CLIENTS,
        round_trips=stats.served,
        errors=len(stats.errors),
        round_trips_per_s=stats.served / elapsed,
        MB_each_way=stats.bytes / 1e6,
        max_latency_ms=lat[-1] * 1000,
        p99_latency_ms=lat[int(len(lat) * 0.99)] * 1000,
        seconds=elapsed,
        passes=loop.passes,
    )
    assert not stats.errors, stats.errors[:10]
    assert stats.served == CLIENTS * PIECES
    assert held == CLIENTS
    assert fds() == baseline
