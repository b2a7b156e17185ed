"""BareServer with Stewards (non-WSGI responses), and ServerDoer running a Server in a Doist."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from hio.base import doing
from hio.core.http import serving
from hio.core.http.serving import BareServer, CustomResponder, Server, ServerDoer, Steward


def test_bare_server_echoes_requests_with_keep_alive(serve):
    harness = serve(cls=BareServer, dictable=True)
    assert harness.server.timeout == 30.0 and harness.server.idle()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        out = []
        conn.request("POST", "/echo?x=1&y=a+b", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        out.append((response.status, response.getheaders(), json.loads(response.read())))
        conn.request("GET", "/again")
        response = conn.getresponse()
        out.append((response.status, response.getheaders(), json.loads(response.read())))
        return conn, out

    conn, (first, second) = harness.run(client)
    assert first[0] == 200 and dict(first[1])["Content-Type"] == "application/json"
    # the echo: the query parsed into qargs, the headers as [name, value] pairs in their order
    assert first[2] == {
        "version": "HTTP/1.1",
        "method": "POST",
        "path": "/echo",
        "qargs": {"x": "1", "y": "a b"},
        "fragment": "",
        "headers": [
            ["Host", f"127.0.0.1:{harness.port}"],
            ["Accept-Encoding", "identity"],
            ["Content-Length", "8"],
            ["Content-Type", "application/json"],
        ],
        "body": '{"a": 1}',
        "data": {"a": 1},
    }
    assert second[2]["path"] == "/again" and second[2]["qargs"] == {}
    # the last request answered stays with its steward, its response's fields as sent
    harness.passes(3)
    (steward,) = harness.server.stewards.values()
    assert steward.requestant.ended and steward.requestant.url == "/again"
    assert list(steward.responder.headers.items()) == second[1]
    assert harness.server.idle()
    conn.close()


class HelloSteward(Steward):
    """Answers every request with a greeting, and fails on /fail."""

    def respond(self):
        if self.requestant.path == "/fail":
            raise RuntimeError("steward failed")
        self.responder.reinit(status=200, headers={"Content-Type": "text/plain"}, body=b"hello " * 20000)
        self.waited = True


def test_bare_server_custom_steward_large_response_and_failures(serve):
    harness = serve(cls=BareServer, steward=HelloSteward)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        conn.request("GET", "/hi")
        response = conn.getresponse()
        hello = response.status, response.read()
        conn.request("GET", "/fail")
        response = conn.getresponse()
        failed = response.status, response.getheader("Connection")
        conn.close()
        return hello, failed

    hello, failed = harness.run(client)
    assert hello == (200, b"hello " * 20000)
    assert failed == (500, "close")
    data = harness.exchange(b"GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 400 ")


def test_steward_parts(serve):
    harness = serve(cls=BareServer)
    sock = harness.connect()
    harness.passes(3)
    ((ca, steward),) = harness.server.stewards.items()
    assert isinstance(steward.responder, CustomResponder) and steward.responder.steward is steward
    assert steward.remoter is harness.server.servant.ixes[ca]
    steward.refresh()
    assert not steward.waited
    harness.server.closeConnection(ca)
    assert not harness.server.stewards and ca not in harness.server.servant.ixes
    sock.close()


def test_server_doer_in_doist(tymist):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = Server(app=app, host="127.0.0.1", port=0)
    doer = ServerDoer(server=server, tock=0.0)
    doist = doing.Doist(tock=0.001, real=False)
    deeds = doist.enter(doers=[doer])
    try:
        assert server.opened and server.tymth is not None
        port = server.servant.ss.getsockname()[1]
        box = {}

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            response = conn.getresponse()
            box["got"] = response.status, response.read()
            conn.close()

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        end = time.monotonic() + 10
        while thread.is_alive() and time.monotonic() < end:
            doist.recur(deeds)
            time.sleep(0.0005)
        assert box["got"] == (200, b"ok")
    finally:
        doist.exit(deeds)
    assert not server.opened


def test_open_server_with_bare_server_class(tymist):
    with serving.openServer(cls=BareServer, host="127.0.0.1", port=0, tymth=tymist.tymen()) as server:
        assert isinstance(server, BareServer) and server.opened
    assert not server.opened


def test_servers_take_their_documented_parameters_by_position():
    """Server(name, app, reqs, reps, servant, bufsize, wl, ha, host, port, eha,
    scheme, tymeout) and BareServer(servant, stewards, name, bufsize, wl, ha,
    host, port, eha, scheme, dictable, timeout) by position, as by keyword."""

    def app(environ, start_response):
        start_response("204 No Content", [])
        return []

    server = Server("by position", app, {}, {}, None, 4096, None, ("127.0.0.1", 0), "", None, None, "http", 2.5)
    assert (server.name, server.app, server.tymeout, server.scheme) == ("by position", app, 2.5, "http")
    assert server.servant.ha == ("127.0.0.1", 0) and server.servant.bs == 4096
    bare = BareServer(None, {}, "bare", 4096, None, ("127.0.0.1", 0), "", None, None, "http", timeout=1.5)
    assert (bare.name, bare.timeout, bare.tymeout, bare.servant.bs, bare.dictable) == ("bare", 1.5, 1.5, 4096, False)
    bare = BareServer(None, {}, "bare", 4096, None, ("127.0.0.1", 0), "", None, None, "http", True, 2.0)
    assert (bare.dictable, bare.timeout, bare.tymeout, bare.scheme) == (True, 2.0, 2.0, "http")
    with pytest.raises(TypeError, match="multiple values for argument 'timeout'"):
        BareServer(None, {}, "bare", 4096, None, None, "", None, None, "http", True, 2.0, timeout=3.0)
    with pytest.raises(TypeError, match="at most 12 positional"):
        BareServer(None, {}, "bare", 4096, None, None, "", None, None, "http", True, 2.0, "extra")


def test_server_doer_is_a_service_doer_of_its_server(tymist):
    """ServerDoer keeps its server as .server (the servant), wound with the doer's tymth."""
    from hio.base.servicing import ServiceDoer

    server = Server(host="127.0.0.1", port=0)
    doer = ServerDoer(server=server, tymth=tymist.tymen())
    assert isinstance(doer, ServiceDoer) and doer.server is server is doer.servant
    assert server.tymth is not None and server.tymth() == tymist.tyme


def test_a_steward_pours_its_answer_through_the_core_as_room_allows():
    """No socket: a Steward on a connection core answers a whole request, its
    head first and its body as the transmit buffer has room (HIGH_WATER)."""
    from hio.core.http.exchanging import Exchange
    from hio.core.http.responding import HIGH_WATER

    class BigSteward(Steward):
        def respond(self):
            self.responder.reinit(status=200, headers={"Content-Type": "text/plain"}, body=b"x" * (2 * HIGH_WATER))
            self.waited = True

    exchange = Exchange()
    steward = BigSteward(remoter=exchange, requestant=exchange.requestant)
    steward.sender = exchange.sender  # as BareServer gives it
    exchange.rxbs.extend(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert exchange.advance() is steward.requestant
    steward.respond()
    sent = bytearray()
    passes = 0
    while not steward.pour():
        passes += 1
        assert len(exchange.txbs) <= HIGH_WATER + 200  # the head and at most the room of one pass
        sent += exchange.txbs
        exchange.txbs.clear()  # the client reads
    sent += exchange.txbs
    head, _, body = bytes(sent).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: %d" % (2 * HIGH_WATER) in head
    assert body == b"x" * (2 * HIGH_WATER) and passes >= 1
    assert exchange.sender.ended and exchange.finish() and exchange.state == "idle"
