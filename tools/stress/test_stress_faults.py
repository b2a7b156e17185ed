"""Faults: clients that reset mid-request and mid-response while others are served; a
reconnectable TCP client across server restarts; ten thousand connect/disconnect
cycles against the TCP and the HTTP server with no descriptor or memory growth.

Servers run under a Doist of artificial tyme stepped once per pass of the
test's loop; clients are raw non-blocking sockets in the same loop.
"""

from __future__ import annotations

import itertools
import random
import signal
import subprocess
import sys
import time

import pytest

from hio.base.doing import Doist
from hio.core.http.serving import Server as HttpServer
from hio.core.http.serving import ServerDoer as HttpServerDoer
from hio.core.tcp.clienting import Client, ClientDoer
from hio.core.tcp.serving import EchoServerDoer
from hio.core.tcp.serving import Server as TcpServer
from hio.core.uxd.uxding import Peer

BIG = 64 * 65536  # bytes of /big, far more than the socket buffers hold
CYCLES = 10_000
WARMUP = 1_000
IN_FLIGHT = 100  # cycle clients under way at once


class BigBody:
    """The body of /big: BIG bytes in pieces, with the WSGI close() the server must call.

    Only close() counts as closed: unlike a generator's, it is not called by
    the garbage collector, so an abandoned body the server forgot shows.
    """

    def __init__(self, app: Streams):
        self.app = app
        self.left = BIG // 65536
        app.opened += 1

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if not self.left:
            raise StopIteration
        self.left -= 1
        return b"z" * 65536

    def close(self):
        self.app.closed += 1


class Streams:
    """WSGI app: /big streams BIG bytes, anything else echoes method, path and body.

    Attributes:
        opened (int): /big bodies started
        closed (int): /big bodies the server closed (finished or abandoned)
    """

    def __init__(self):
        self.opened = 0
        self.closed = 0

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/big":
            start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(BIG))])
            return BigBody(self)
        body = environ["wsgi.input"].read()
        data = b"%s %s %s" % (environ["REQUEST_METHOD"].encode(), environ["PATH_INFO"].encode(), body)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return [data]


PARTIALS = [
    b"GET /partial HTTP/1.1\r\nHost: str",  # inside the head
    b"POST /partial HTTP/1.1\r\nHost: stress\r\nContent-Length: 1000\r\n\r\nabc",  # inside the body
    b"POST /partial HTTP/1.1\r\nHost: stress\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",  # inside a chunk
]


def test_http_resets_mid_request_and_mid_response_while_others_are_served(kit, fds, noFailures, noLeaks):
    app = Streams()
    server = HttpServer(app=app, host=kit.LOOPBACK, port=0, tymeout=600.0)
    doist = Doist(real=False, tock=0.001, doers=[HttpServerDoer(server=server)])
    baseline = fds()
    doist.enter()
    ha = server.servant.eha
    state = {"served": 0, "errors": [], "midRequest": 0, "midResponse": 0, "partialBytes": 0}
    numbers = itertools.count()

    class Normal(kit.RawClient):
        """Ten keep-alive POSTs with bodies of growing size, each answer checked."""

        def onConnect(self):
            self.n = 0
            self.ask()

        def ask(self):
            body = random.Random(self.n).randbytes(self.n * 300)
            self.want = b"POST /n/%d %s" % (self.n, body)
            self.send(
                b"POST /n/%d HTTP/1.1\r\nHost: stress\r\nContent-Length: %d\r\n\r\n%s" % (self.n, len(body), body)
            )

        def onData(self):
            while (got := kit.takeResponse(self.rxbs)) is not None:
                if got[0] != 200 or got[2] != self.want:
                    state["errors"].append((got[0], got[2][:60]))
                state["served"] += 1
                self.n += 1
                if self.n < 10:
                    self.ask()

        def onEnd(self):
            state["errors"].append("normal client closed by the server")

    class MidRequest(kit.RawClient):
        """Sends part of a request, then resets once the server has read it."""

        def onConnect(self):
            self.send(PARTIALS[next(numbers) % len(PARTIALS)])
            self.due = loop.passes + 3

    class MidResponse(kit.RawClient):
        """Asks for /big and resets as soon as part of it has arrived."""

        def onConnect(self):
            self.send(b"GET /big HTTP/1.1\r\nHost: stress\r\n\r\n")

        def onData(self):
            if len(self.rxbs) > 100_000:
                state["partialBytes"] += len(self.rxbs)
                state["midResponse"] += 1
                self.close(reset=True)

    def resetter():
        for client in requesters:
            if not client.closed and client.connected and not client.txbs and loop.passes >= client.due:
                state["midRequest"] += 1
                client.close(reset=True)

    loop = kit.Loop(doist.recur, resetter)
    requesters, responders, normals = [], [], []
    start = time.perf_counter()
    try:
        for _ in range(4):  # waves within the listen backlog
            requesters += [MidRequest(loop, ha) for _ in range(50)]
            responders += [MidResponse(loop, ha) for _ in range(50)]
            normals += [Normal(loop, ha) for _ in range(25)]
            loop.spin(3)
        loop.run(
            lambda: state["midRequest"] == 200 and state["midResponse"] == 200 and state["served"] == 1000,
            limit=50.0,
            what="every reset done and every normal request served",
        )
        elapsed = time.perf_counter() - start
        # the normal connections stay, each keeping its last exchange until its next request
        loop.run(
            lambda: len(server.servant.ixes) == 100 and set(server.reps) <= set(server.servant.ixes),
            limit=10.0,
            what="reset ones dropped",
        )
        for client in normals:
            client.close()
        loop.run(lambda: not server.servant.ixes and not server.reps, limit=10.0, what="all connections dropped")
    finally:
        kit.reap(requesters + responders + normals)
        doist.exit()
        loop.close()
    leftover = fds() - baseline
    kit.report(
        "HTTP resets mid-request and mid-response",
        reset_mid_request=state["midRequest"],
        reset_mid_response=state["midResponse"],
        response_bytes_before_reset=state["partialBytes"],
        normal_requests=state["served"],
        errors=len(state["errors"]),
        seconds=elapsed,
        descriptors_left=leftover,
    )
    assert not state["errors"], state["errors"][:5]
    assert app.opened == 200 and app.closed == 200  # every abandoned body was closed (WSGI close)
    assert not server.reqs and not server.reps and not server.tymers and not server.closings
    assert leftover == 0


def test_tcp_resets_mid_stream_while_others_are_echoed(kit, fds, noLeaks):
    server = TcpServer(host=kit.LOOPBACK, port=0)
    doist = Doist(real=False, tock=0.001, doers=[EchoServerDoer(server=server)])
    baseline = fds()
    doist.enter()
    ha = server.eha
    state = {"echoed": 0, "errors": [], "resets": 0}
    numbers = itertools.count()

    class Normal(kit.RawClient):
        """Sends 256 KiB and checks every byte of the echo."""

        def onConnect(self):
            self.data = random.Random(next(numbers)).randbytes(256 * 1024)
            self.send(self.data)

        def onData(self):
            if self.data[: len(self.rxbs)] != self.rxbs:
                state["errors"].append("echo differs")
                self.close()
            elif len(self.rxbs) == len(self.data):
                state["echoed"] += 1

        def onEnd(self):
            state["errors"].append("normal client closed by the server")

    class Resetter(kit.RawClient):
        """Sends 1 MiB and resets once some of it came back."""

        def onConnect(self):
            self.send(b"r" * (1024 * 1024))

        def onData(self):
            if len(self.rxbs) > 50_000:
                state["resets"] += 1
                self.close(reset=True)

    loop = kit.Loop(doist.recur)
    normals, resetters = [], []
    try:
        for _ in range(4):
            normals += [Normal(loop, ha) for _ in range(25)]
            resetters += [Resetter(loop, ha) for _ in range(75)]
            loop.spin(3)
        loop.run(
            lambda: state["echoed"] == 100 and state["resets"] == 300, limit=50.0, what="every echo and every reset"
        )
        loop.run(lambda: len(server.ixes) == 100, limit=10.0, what="reset connections dropped")
        for client in normals:
            client.close()
        loop.run(lambda: not server.ixes, limit=10.0, what="all connections dropped")
    finally:
        kit.reap(normals + resetters)
        doist.exit()
        loop.close()
    leftover = fds() - baseline
    kit.report(
        "TCP resets mid-stream",
        resets=state["resets"],
        normal_echoed=state["echoed"],
        errors=len(state["errors"]),
        descriptors_left=leftover,
    )
    assert not state["errors"], state["errors"][:5]
    assert leftover == 0


RESTARTS = 5
MESSAGES = 200


def messages(first: int, count: int) -> bytes:
    """count numbered messages of assorted sizes from number first, newline framed."""
    rng = random.Random(first)
    return b"".join(
        b"%08d:%s\n" % (n, rng.randbytes(rng.randint(0, 2000)).hex().encode()) for n in range(first, first + count)
    )


def test_reconnectable_client_resumes_across_server_restarts_nothing_lost(kit, noLeaks):
    doist = Doist(real=False, tock=0.01)
    probe = TcpServer(host=kit.LOOPBACK, port=0)
    probe.reopen()
    port = probe.eha[1]
    probe.close()
    client = Client(ha=(kit.LOOPBACK, port), reconnectable=True, tymeout=0.05)
    doist.doers = [ClientDoer(client=client)]
    got = bytearray()
    box = {"server": None}
    totals = {"messages": 0}

    def startServer():
        server = TcpServer(ha=(kit.LOOPBACK, port), tymth=doist.tymen())
        server.reopen()
        box["server"] = server
        return server

    def serve():
        server = box["server"]
        if server is not None and server.opened:
            server.service()
            for ix in server.ixes.values():
                if ix.rxbs:
                    got.extend(ix.rxbs)
                    ix.clearRxbs()
                    if got.endswith(b"\n"):  # acknowledge the number of the last message in
                        ix.tx(b"ack %s\n" % got[got.rfind(b"\n", 0, len(got) - 1) + 1 :][:8])

    loop = kit.Loop(doist.recur, serve)

    def received(count: int) -> bytes:
        """Runs until the server got count bytes; returns them and starts afresh."""
        loop.run(lambda: len(got) >= count, limit=10.0, what=f"{count} bytes at the server")
        data = bytes(got)
        got.clear()
        totals["messages"] += data.count(b"\n")
        return data

    def acknowledged(last: int) -> None:
        """Runs until the client got the server's acknowledgement of message number last."""
        loop.run(lambda: b"ack %08d\n" % last in client.rxbs, limit=10.0, what=f"acknowledgement of {last}")
        client.clearRxbs()

    startServer()
    doist.enter()
    sent = 0
    reconnectTymes = []
    try:
        for _ in range(RESTARTS):
            loop.run(lambda: client.connected and box["server"].ixes, limit=10.0, what="client connected")
            batch = messages(sent, MESSAGES)
            sent += MESSAGES
            client.tx(batch)
            assert received(len(batch)) == batch
            acknowledged(sent - 1)

            box["server"].close()  # the server goes away ...
            loop.run(lambda: not client.connected, limit=10.0, what="client noticing the server gone")
            queued = messages(sent, MESSAGES)  # ... while the client keeps queueing
            sent += MESSAGES
            client.tx(queued)
            loop.spin(30)  # refused attempts every tymeout, nothing raised, nothing sent into the void
            assert bytes(client.txbs) == queued and not client.connected

            downAt = doist.tyme
            startServer()  # ... and comes back on the same port
            loop.run(lambda: client.connected, limit=10.0, what="client reconnected")
            reconnectTymes.append(doist.tyme - downAt)
            assert received(len(queued)) == queued  # every byte queued while down arrives, once, in order
            after = messages(sent, MESSAGES)
            sent += MESSAGES
            client.tx(after)
            assert received(len(after)) == after
            acknowledged(sent - 1)
    finally:
        doist.exit()
        if box["server"] is not None:
            box["server"].close()
        loop.close()
    kit.report(
        "reconnectable TCP client across server restarts",
        restarts=RESTARTS,
        messages_sent=sent,
        messages_received=totals["messages"],
        max_reconnect_tyme=max(reconnectTymes),
        client_tymeout=client.tymeout,
    )
    assert totals["messages"] == sent and not client.opened


def cycleClients(kit, tcp: bool, state: dict):
    """Class of one connect/disconnect cycle; its kind (number % 4) decides how it ends.

    TCP: 0 closes at once, 1 waits for an echo then closes, 2 sends then resets, 3 resets at once.
    HTTP: 0 closes at once, 1 waits for a response then closes, 2 sends half a request and
    closes, 3 sends a request and resets.
    """

    class Cycle(kit.RawClient):
        def __init__(self, loop, ha, number):
            self.kind = number % 4
            self.number = number
            self.finished = False
            super().__init__(loop, ha)
            if self.error:
                self.finish(f"connect failed, errno {self.error}")

        def onConnect(self):
            if self.kind == 0:
                self.finish()
            elif self.kind == 1:
                if tcp:
                    self.want = b"ping %d" % self.number
                    self.send(self.want)
                else:
                    self.want = b"GET /c%d " % self.number
                    self.send(b"GET /c%d HTTP/1.1\r\nHost: stress\r\n\r\n" % self.number)
            elif self.kind == 2:
                self.send(b"data" if tcp else b"GET /c HTTP/1.1\r\nHo")
                self.finish(reset=tcp)
            else:
                if not tcp:
                    self.send(b"GET /c HTTP/1.1\r\nHost: stress\r\n\r\n")
                self.finish(reset=True)

        def onData(self):
            if tcp:
                if len(self.rxbs) >= len(self.want):
                    self.finish(None if self.rxbs == self.want else "echo differs")
                return
            got = kit.takeResponse(self.rxbs)
            if got is not None:
                self.finish(None if got[0] == 200 and got[2] == self.want else f"bad response {got[0]}")

        def onEnd(self):
            self.finish(f"{'reset' if self.reset else 'closed'} by the server")

        def finish(self, error=None, reset=False):
            if self.finished:
                return
            self.finished = True
            if error:
                state["errors"].append(f"cycle {self.number}: {error}")
            state["done"] += 1
            self.close(reset=reset)

    return Cycle


def runCycles(kit, fds, loop, ha, drained, tcp: bool) -> dict:
    """Runs WARMUP then CYCLES connect/disconnect cycles, IN_FLIGHT at a time.

    Returns figures: descriptors and traced memory growth over the CYCLES, after
    the server dropped every connection.
    """
    state = {"done": 0, "errors": [], "started": 0}
    Cycle = cycleClients(kit, tcp, state)

    def opener():
        while state["started"] < state["target"] and state["started"] - state["done"] < IN_FLIGHT:
            Cycle(loop, ha, state["started"])
            state["started"] += 1

    loop.steps.insert(0, opener)
    with kit.Memory() as memory:
        state["target"] = WARMUP
        loop.run(lambda: state["done"] == WARMUP, limit=30.0, what="warm-up cycles")
        loop.run(drained, limit=10.0, what="server dropping the warm-up connections")
        memory.mark()
        before = fds()
        start = time.perf_counter()
        state["target"] = WARMUP + CYCLES
        loop.run(lambda: state["done"] == WARMUP + CYCLES, limit=55.0, what="ten thousand cycles")
        elapsed = time.perf_counter() - start
        loop.run(drained, limit=10.0, what="server dropping every connection")
        growth = memory.growth()
        after = fds()
        top = memory.top() if growth >= 1_000_000 else []
    return {
        "cycles": CYCLES,
        "cycles_per_s": CYCLES / elapsed,
        "errors": state["errors"],
        "fd_before": before,
        "fd_after": after,
        "memory_growth_bytes": growth,
        "top": top,
    }


def test_tcp_server_ten_thousand_cycles_no_descriptor_or_memory_growth(kit, fds, noLeaks):
    server = TcpServer(host=kit.LOOPBACK, port=0)
    doist = Doist(real=False, tock=0.001, doers=[EchoServerDoer(server=server)])
    doist.enter()
    loop = kit.Loop(doist.recur)
    try:
        figures = runCycles(kit, fds, loop, server.eha, lambda: not server.ixes, tcp=True)
    finally:
        doist.exit()
        loop.close()
    errors, top = figures.pop("errors"), figures.pop("top")
    kit.report("TCP server connect/disconnect cycles", errors=len(errors), **figures)
    assert not errors, errors[:5]
    assert figures["fd_after"] == figures["fd_before"]
    assert figures["memory_growth_bytes"] < 1_000_000, top


def test_http_server_ten_thousand_cycles_no_descriptor_or_memory_growth(kit, fds, noFailures, noLeaks):
    server = HttpServer(app=Streams(), host=kit.LOOPBACK, port=0)
    doist = Doist(real=False, tock=0.001, doers=[HttpServerDoer(server=server)])
    doist.enter()
    loop = kit.Loop(doist.recur)

    def drained():
        return not server.servant.ixes and not server.tymers and not server.reqs and not server.reps

    try:
        figures = runCycles(kit, fds, loop, server.servant.eha, drained, tcp=False)
    finally:
        doist.exit()
        loop.close()
    errors, top = figures.pop("errors"), figures.pop("top")
    kit.report("HTTP server connect/disconnect cycles", errors=len(errors), **figures)
    assert not errors, errors[:5]
    assert figures["fd_after"] == figures["fd_before"]
    assert figures["memory_growth_bytes"] < 1_000_000, top


PARTNER = r"""
import sys, time
from hio.core.uxd.uxding import Peer

peer = Peer(name=sys.argv[1], headDirPath=sys.argv[2], reopen=True)
print(peer.path, flush=True)
while True:  # echo every datagram reversed, until killed
    peer.service()
    if not peer.rxgs and not peer.txgs:
        time.sleep(0.0002)
    while peer.rxgs:
        data, src = peer.rxgs.popleft()
        peer.transmit(data[::-1], src)
"""


def test_uxd_peer_whose_partner_process_vanishes_keeps_working(kit, tmp_path):
    partners = []

    def partner(name: str) -> str:
        proc = subprocess.Popen([sys.executable, "-c", PARTNER, name, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        partners.append(proc)
        return proc.stdout.readline().strip()

    def grams(seed: int, count: int) -> list[bytes]:
        rng = random.Random(seed)
        return [b"%06d:" % n + rng.randbytes(rng.randint(0, 4000)) for n in range(count)]

    def exchange(peer, dst: str, sent: list[bytes], limit: float = 20.0) -> list[bytes]:
        for gram in sent:
            peer.transmit(gram, dst)
        back = []
        end = time.monotonic() + limit
        while len(back) < len(sent) and time.monotonic() < end:
            peer.service()
            while peer.rxgs:
                back.append(peer.rxgs.popleft()[0])
        return back

    peer = Peer(name="main", headDirPath=str(tmp_path), reopen=True)
    figures = {"exchanged": 0}
    try:
        first = partner("partner")
        sent = grams(1, 500)
        back = exchange(peer, first, sent)
        assert len(back) == len(sent) and back == [g[::-1] for g in sent]
        figures["exchanged"] += len(sent)

        # the partner process freezes while a burst goes to it, then is killed (the burst is
        # smaller than Peer.UndeliveredSize, so that every undelivered datagram is counted)
        burst = grams(2, min(1000, peer.UndeliveredSize))
        for gram in burst:
            peer.transmit(gram, first)
        partners[0].send_signal(signal.SIGSTOP)
        sent_ = peer.serviceTxGrams()  # until the frozen partner's queue is full
        waiting = len(peer.txgs)
        assert sent_ and waiting == len(burst) - sent_
        assert peer.serviceTxGrams() == 0 and len(peer.txgs) == waiting  # backs off, drops nothing
        partners[0].kill()
        partners[0].wait()
        undelivered = len(peer.undelivered)
        while peer.txgs:
            sent_ += peer.serviceTxGrams()  # never raises: what cannot be delivered is recorded
        lost = list(peer.undelivered)[undelivered:]
        assert (sent_, len(lost)) == (sent_, len(burst) - sent_)  # every datagram either went out or is reported
        assert lost and all(isinstance(ex, ConnectionRefusedError) and dst == first for dst, ex in lost)
        with pytest.raises(ConnectionRefusedError):  # a direct send reports it too
            peer.send(b"anyone there?", first)
        peer.serviceReceives()
        peer.rxgs.clear()  # echoes that came back before the partner died

        # a new partner at the same path (the stale socket file replaced), then one at a new path
        for name in ("partner", "newcomer"):
            dst = partner(name)
            assert dst == first if name == "partner" else dst != first
            sent = grams(len(partners) + 2, 500)
            back = exchange(peer, dst, sent)
            assert len(back) == len(sent) and back == [g[::-1] for g in sent]
            figures["exchanged"] += len(sent)
    finally:
        for proc in partners:
            proc.kill()
            proc.wait()
            proc.stdout.close()
        peer.close(clear=True)
    kit.report(
        "UXD partner process killed",
        datagrams_exchanged=figures["exchanged"],
        burst=len(burst),
        burst_sent=sent_,
        burst_reported_undelivered=len(lost),
        partners=len(partners),
    )
