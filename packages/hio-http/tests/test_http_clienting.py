"""Tests of hio.core.http.clienting: Requester and Respondent on bytes alone,
then the Client against third-party servers (http.server) on loopback port 0,
plain and TLS."""

from __future__ import annotations

import http.server
import json
import socket
import ssl
import threading
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme

from hio.base import doing
from hio.core.http import clienting, httping
from hio.core.http.clienting import Client, ClientDoer, Requester, Respondent, Response
from hio.core.tcp import clienting as tcpclienting

# ---------------------------------------------------------------- Requester


def test_requester_build_get():
    requester = Requester(hostname="example.com", port=8080, path="/a b/c?x=1#frag", qargs={"y": "two words"})
    msg = requester.build()
    assert msg == (
        b"GET /a%20b/c?y=two+words&x=1 HTTP/1.1\r\nHost: example.com:8080\r\nAccept-Encoding: identity\r\n\r\n"
    )
    assert requester.head == msg and requester.msg == msg
    assert requester.lines[0] == b"GET /a%20b/c?y=two+words&x=1 HTTP/1.1"
    assert Requester.HttpVersionString == "HTTP/1.1" and Requester.Port == 80


def test_requester_rebuild_changes_only_what_is_given():
    """rebuild takes reinit's keywords: what is given changes, the rest stays, then it builds."""
    requester = Requester(hostname="example.com", port=8080, path="/a", headers={"Accept": "text/plain"})
    first = requester.rebuild()
    assert first.startswith(b"GET /a HTTP/1.1\r\nHost: example.com:8080\r\n")
    msg = requester.rebuild(method="post", path="/b", body=b"hi", headers=None)
    assert requester.method == "POST" and requester.path == "/b" and requester.headers["Accept"] == "text/plain"
    assert msg.startswith(b"POST /b HTTP/1.1\r\n") and msg.endswith(b"Accept: text/plain\r\n\r\nhi")
    assert requester.rebuild() == msg  # nothing given: the same request again
    with pytest.raises(TypeError):
        requester.rebuild(verb="GET")
    with pytest.raises(TypeError):
        requester.rebuild(hostname="elsewhere.example")  # the destination stays: rebuild is for the same one


def test_requester_rebuild_takes_its_documented_parameters_by_position():
    """rebuild(method, path, qargs, ...) in the documented order: the destination is not among them."""
    requester = Requester(hostname="example.com", port=8080, path="/a")
    msg = requester.rebuild("PUT", "/b", {"k": "v"}, None, {"Accept": "text/plain"}, b"yes")
    assert msg.startswith(b"PUT /b?k=v HTTP/1.1\r\nHost: example.com:8080\r\n")
    assert msg.endswith(b"Accept: text/plain\r\n\r\nyes")


def test_requester_head_order():
    """Host, Accept-Encoding and Content-Length come first, then the given
    headers in their order, then a Content-Type the requester adds itself."""
    requester = Requester(
        hostname="localhost", port=8080, method="PUT", path="/item?id=3", headers={"Accept": "application/json"}
    )
    msg = requester.rebuild(data={"first": "Ann"})
    assert requester.lines == [
        b"PUT /item?id=3 HTTP/1.1",
        b"Host: localhost:8080",
        b"Accept-Encoding: identity",
        b"Content-Length: 15",
        b"Accept: application/json",
        b"Content-Type: application/json; charset=utf-8",
        b"",
        b"",
    ]
    assert msg.endswith(b'\r\n\r\n{"first":"Ann"}')
    # the added type is kept in .headers under its lower case name
    assert list(requester.headers.items()) == [
        ("Accept", "application/json"),
        ("content-type", "application/json; charset=utf-8"),
    ]
    # and made anew for a body of another kind
    requester.data = None
    requester.fargs = {"a": "1"}
    requester.build()
    assert requester.lines[5] == b"Content-Type: application/x-www-form-urlencoded; charset=utf-8"
    # a GET without body has no Content-Length; a given one is sent as given, in its place
    requester = Requester(hostname="127.0.0.1", port=80, headers={"Accept": "text/plain", "Content-Length": 0})
    assert requester.build() == (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\nAccept-Encoding: identity\r\n"
        b"Accept: text/plain\r\nContent-Length: 0\r\n\r\n"
    )
    # names given in lower case go out capitalized, others as given
    requester = Requester(headers={"x-trace-id": "7", "X-API-key": "k"})
    assert requester.build().endswith(b"X-Trace-Id: 7\r\nX-API-key: k\r\n\r\n")


def test_requester_multipart_form():
    """A multipart/form-data Content-Type makes the form arguments a multipart body with a boundary."""
    requester = Requester(
        hostname="127.0.0.1",
        port=8000,
        method="POST",
        path="/upload",
        headers={"Content-Type": "multipart/form-data", "Accept": "*/*"},
    )
    msg = requester.rebuild(fargs={"note": "two\nlines", "raw": b"\x00\x01", "many": ["a", "b"]})
    head, body = msg.split(b"\r\n\r\n", 1)
    ctype = requester.headers["content-type"]
    assert ctype.startswith("multipart/form-data; boundary=")
    boundary = ctype.split("boundary=")[1]
    assert len(boundary) == 24
    assert head.split(b"\r\n")[3] == b"Content-Length: %d" % len(body)
    assert head.endswith(b"Content-Type: " + ctype.encode() + b"\r\nAccept: */*")
    mark = b"--" + boundary.encode()
    assert body == (
        mark + b'\r\nContent-Disposition: form-data; name="note"\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\ntwo\nlines\r\n"
        + mark
        + b'\r\nContent-Disposition: form-data; name="raw"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\r\n"
        + mark
        + b'\r\nContent-Disposition: form-data; name="many"\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\na\r\n"
        + mark
        + b'\r\nContent-Disposition: form-data; name="many"\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nb\r\n" + mark + b"--\r\n"
    )
    # the python standard library reads it back
    from email.parser import BytesParser
    from email.policy import HTTP

    parsed = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
    parts = [
        (part.get_param("name", header="content-disposition"), part.get_payload(decode=True))
        for part in parsed.iter_parts()
    ]
    assert parts == [("note", b"two\nlines"), ("raw", b"\x00\x01"), ("many", b"a"), ("many", b"b")]
    # a boundary given is kept; a name cannot break out of its quotes
    body, boundary = clienting.packForm({'a"b\r\n': "v"}, boundary="given")
    assert boundary == "given" and b'name="a%22b%0D%0A"' in body and body.endswith(b"--given--\r\n")


def test_respondent_ready_to_parse():
    """A Respondent is made ready: parse while .parser is not None."""
    msg = bytearray(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
    respondent = Respondent(msg=msg, method="GET")
    while respondent.parser:
        respondent.parse()
    assert respondent.ended and respondent.status == 200 and respondent.data == {} and not msg


def test_requester_bodies_and_headers():
    requester = Requester(hostname="h", port=80, portOptional=True, method="post", path="/p", data={"a": [1, 2]})
    msg = requester.build()
    head, body = msg.split(b"\r\n\r\n", 1)
    assert head.startswith(b"POST /p HTTP/1.1\r\nHost: h\r\n")
    assert b"Content-Type: application/json; charset=utf-8" in head
    assert b"Content-Length: %d" % len(body) in head
    assert json.loads(body) == {"a": [1, 2]}

    msg = requester.rebuild(data=None, fargs={"name": "a b", "n": 1})
    assert requester.data == {"a": [1, 2]}  # rebuild reinits only what is not None
    requester.data = None
    msg = requester.build()
    head, body = msg.split(b"\r\n\r\n", 1)
    assert body == b"name=a+b&n=1"
    assert b"Content-Type: application/x-www-form-urlencoded; charset=utf-8" in head

    requester = Requester(method="PUT", path="/up", headers={"Transfer-Encoding": "chunked", "X-Id": 7}, body=b"abc")
    msg = requester.build()
    assert msg.endswith(b"\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert b"Content-Length" not in msg and b"X-Id: 7" in msg

    requester = Requester(method="POST", path="/empty")
    assert b"Content-Length: 0\r\n" in requester.build()
    requester = Requester(hostname="::1", port=8080, headers={"Host": "given"})
    assert b"Host: given\r\n" in requester.build()
    assert b"Host: [::1]:8080" in Requester(hostname="::1", port=8080).build()


def test_requester_refuses_injection():
    for requester in (
        Requester(path="/x HTTP/1.1\r\nX-Injected: 1"),
        Requester(headers={"X": "a\r\nX-Injected: 1"}),
        Requester(headers={"Bad Name": "a"}),
        Requester(method="GE T"),
    ):
        msg = None
        try:
            msg = requester.build()
        except ValueError:
            continue
        assert b"\r\nX-Injected" not in msg  # quoted into the path instead


def test_requester_reinit():
    requester = Requester()
    requester.reinit(
        hostname="other",
        port=81,
        scheme="https",
        method="delete",
        path="/d",
        qargs={"a": 1},
        fragment="f",
        headers={"A": "1"},
        body=b"x",
        data=[1],
        fargs={"f": 1},
        portOptional=True,
    )
    assert (requester.hostname, requester.port, requester.scheme, requester.method) == ("other", 81, "https", "DELETE")
    assert (
        requester.headers["a"] == "1"
        and requester.body == b"x"
        and requester.data == [1]
        and requester.fargs == {"f": 1}
    )
    assert requester.portOptional
    assert Requester(scheme="https").port == 443


# ---------------------------------------------------------------- Respondent


def splitsOf(data: bytes) -> list[list[bytes]]:
    """Whole, byte by byte, and in three pieces."""
    third = max(1, len(data) // 3)
    return [
        [data],
        [data[i : i + 1] for i in range(len(data))],
        [data[:third], data[third : 2 * third], data[2 * third :]],
    ]


def respondAll(pieces, method="GET", **kwa):
    msg = bytearray()
    respondent = Respondent(msg=msg, method=method, **kwa)
    respondent.makeParser()
    for piece in pieces:
        msg.extend(piece)
        respondent.parse()
    return respondent


def test_respondent_content_length_and_interim():
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{"a":1}\n'
        b"HTTP/1.1 204"
    )
    for pieces in splitsOf(data):
        respondent = respondAll(pieces)
        assert respondent.ended and respondent.status == 200 and respondent.reason == "OK"
        assert respondent.version == 11 and respondent.persisted
        assert respondent.data == {"a": 1} and respondent.body == bytearray(b'{"a":1}\n')
        assert respondent.msg == bytearray(b"HTTP/1.1 204")


def test_respondent_no_body_cases():
    for method, status in (("HEAD", "200 OK"), ("GET", "204 No Content"), ("GET", "304 Not Modified")):
        data = b"HTTP/1.1 " + status.encode() + b"\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nNEXT"
        respondent = respondAll([data], method=method)
        assert respondent.ended and respondent.body == bytearray() and respondent.msg == bytearray(b"NEXT")
    respondent = respondAll([b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw"])
    assert respondent.ended and respondent.status == 101 and not respondent.persisted


def test_respondent_until_close_and_http10():
    for pieces in splitsOf(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close"):
        respondent = respondAll(pieces)
        assert not respondent.ended and not respondent.persisted and respondent.version == 10
        respondent.close()
        assert respondent.ended and respondent.body == bytearray(b"body until close")
    respondent = respondAll([b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"])
    assert respondent.ended and respondent.persisted


def test_respondent_redirect_flags():
    data = b"HTTP/1.1 302 Found\r\nLocation: /there\r\nContent-Length: 4\r\n\r\nmove"
    respondent = respondAll([data])
    assert respondent.ended and respondent.redirected and respondent.location == "/there"
    respondent = respondAll([data], redirectable=False)
    assert respondent.ended and not respondent.redirected and respondent.location == "/there"
    respondent.reinit(redirectable=True)
    assert respondent.redirectable and respondent.status is None and not respondent.redirected


def test_respondent_event_stream_every_split():
    data = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + httping.packChunk(b"retry: 2000\nid: 5\nevent: hi\ndata: one\n\n")
        + httping.packChunk(b'data: {"n": 2}\n\n: keep alive\n')
    )
    for pieces in splitsOf(data):
        events = deque()
        respondent = respondAll(pieces, events=events, dictable=True)
        assert respondent.evented and respondent.headed and not respondent.ended
        assert list(events) == [
            {"id": "5", "name": "hi", "data": "one"},
            {"id": "5", "name": "", "data": {"n": 2}},
        ]
        assert respondent.retry == 2000 and respondent.leid == "5"
        assert respondent.body == bytearray()
        respondent.msg.extend(httping.packChunk(b""))
        respondent.parse()
        assert respondent.ended and respondent.eventSource.ended
    respondent = respondAll([b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n"])
    assert len(respondent.events) == 1 and respondent.retry == Respondent.Retry
    respondent.close()
    assert respondent.ended and not respondent.errored and respondent.eventSource.closed


@pytest.mark.parametrize(
    "data, error",
    [
        (b"HTTP/1.1 2OO OK\r\n\r\n", httping.BadStatusLine),
        (b"HTTP/3 200 OK\r\n\r\n", httping.BadStatusLine),
        (b"HTTP/2.0 200 OK\r\n\r\n", httping.UnknownProtocol),
        (b"HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", httping.BadHeader),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", httping.BadFraming),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", httping.BadChunk),
        (b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 101 + b"\r\n", httping.TooManyHeaders),
        (b"HTTP/1.1 200 " + b"x" * 70000, httping.LineTooLong),
    ],
)
def test_respondent_rejects_malformed(data, error):
    with pytest.raises(error):
        respondAll([data])
    msg = bytearray()
    respondent = Respondent(msg=msg)
    respondent.makeParser()
    with pytest.raises(error):
        for i in range(len(data)):
            msg.extend(data[i : i + 1])
            respondent.parse()
    assert respondent.errored and respondent.error and respondent.parser is None


# ---------------------------------------------------------------- servers


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes of the third-party test server."""

    protocol_version = "HTTP/1.1"
    other = ""  # base url of a second server, for cross server redirects

    def log_message(self, *args):
        pass

    def reply(self, status=200, body=b"", ctype="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def readBody(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def echo(self):
        body = self.readBody()
        parts = urlsplit(self.path)
        info = {
            "method": self.command,
            "path": parts.path,
            "query": parse_qs(parts.query),
            "body": body.decode("utf-8", "replace"),
            "ctype": self.headers.get("Content-Type"),
            "host": self.headers.get("Host"),
            "auth": self.headers.get("Authorization"),
            "port": self.client_address[1],
        }
        self.reply(body=json.dumps(info).encode(), ctype="application/json")

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/hello":
            self.reply(body=b"Hello")
        elif path == "/echo":
            self.echo()
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Done")
            self.end_headers()
            for part in (b"chunk one, ", b"chunk two, ", b"last"):
                self.wfile.write(httping.packChunk(part))
                self.wfile.flush()
            self.wfile.write(b"0;ext=1\r\nX-Done: yes\r\n\r\n")
        elif path == "/close":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
        elif path == "/redirect":
            self.reply(302, b"see /echo", headers=[("Location", "/echo?from=redirect")])
        elif path == "/byname":  # the same server by its name
            port = self.server.server_address[1]
            self.reply(307, headers=[("Location", f"http://localhost:{port}/echo?from=byname")])
        elif path == "/loop":
            self.reply(302, headers=[("Location", "/loop")])
        elif path == "/away":
            self.reply(307, headers=[("Location", f"{self.other}/echo?from=away")])
        elif path == "/events":  # three events a connection, on from the Last-Event-Id
            leid = self.headers.get("Last-Event-Id")
            start = int(leid) + 1 if leid is not None else 0
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"retry: 20\n\n")
            for i in range(start, start + 3):
                self.wfile.write(b'id: %d\nevent: tick\ndata: {"i": %d}\n\n' % (i, i))
                self.wfile.flush()
            self.close_connection = True
        elif path == "/nocontent":
            self.send_response(204)
            self.end_headers()
        elif path == "/broken":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello")
            self.close_connection = True
        elif path == "/cut":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly this")
            self.close_connection = True
        else:
            self.reply(404, b"not found")

    do_HEAD = do_GET

    def do_POST(self):
        path = urlsplit(self.path).path
        if path == "/see":
            self.readBody()
            self.reply(303, headers=[("Location", "/echo")])
        elif path == "/keep":
            self.readBody()
            self.reply(307, headers=[("Location", "/echo?kept=1")])
        else:
            self.echo()

    do_PUT = do_POST


def startServer(handler=Handler, context=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def servers():
    """Two third-party servers; the first redirects /away to the second."""
    second, secondThread = startServer()
    handler = type("FirstHandler", (Handler,), {"other": f"http://127.0.0.1:{second.server_address[1]}"})
    first, firstThread = startServer(handler)
    yield first.server_address[1], second.server_address[1]
    for server, thread in ((first, firstThread), (second, secondThread)):
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serviceUntil(client, done, limit=5.0):
    """Service client in real time until done() or limit seconds."""
    end = time.monotonic() + limit
    while not done():
        assert time.monotonic() < end, "client did not finish in time"
        client.service()
        time.sleep(0.001)


def fetch(client, count=1, limit=5.0):
    """Service until count responses are queued and return them as Responses."""
    serviceUntil(client, lambda: len(client.responses) >= count and not client.waited, limit)
    return [client.respond() for _ in range(count)]


# ---------------------------------------------------------------- client


def test_client_get_post_form_keep_alive(servers):
    port, _ = servers
    with clienting.openClient(hostname="127.0.0.1", port=port, path="/hello") as client:
        assert client.scheme == "http" and isinstance(client.connector, tcpclienting.Client)
        client.request()
        client.request(method="POST", path="/echo", data={"name": "hio", "n": 1}, reply="r1")
        client.request(fargs={"field": "a b", "other": "c"})  # differential: POST /echo again
        client.request(method="GET", path="/echo", qargs={"q": "1"}, headers={"Authorization": "token"})
        responses = fetch(client, 4)

    hello, posted, formed, got = responses
    assert isinstance(hello, Response)
    assert (hello.status, hello.reason, hello.version, hello.body) == (200, "OK", (1, 1), b"Hello")
    assert hello.headers["content-type"] == "text/plain" and not hello.errored and hello.error is None
    assert hello.request["method"] == "GET" and hello.request["path"] == "/hello"

    assert posted.data["method"] == "POST" and json.loads(posted.data["body"]) == {"name": "hio", "n": 1}
    assert posted.data["ctype"] == "application/json; charset=utf-8"
    assert posted.data["host"] == f"127.0.0.1:{port}"
    assert posted.request["reply"] == "r1"

    assert formed.data["method"] == "POST" and parse_qs(formed.data["body"]) == {"field": ["a b"], "other": ["c"]}
    assert formed.data["ctype"].startswith("application/x-www-form-urlencoded")

    assert got.data["method"] == "GET" and got.data["query"] == {"q": ["1"]} and got.data["body"] == ""
    assert got.data["auth"] == "token"
    # all four on one kept-alive connection
    assert posted.data["port"] == formed.data["port"] == got.data["port"]


def test_client_chunked_close_head_nocontent(servers):
    port, _ = servers
    client = Client(hostname="127.0.0.1", port=port, dictable=True)
    client.reopen()
    try:
        client.request(path="/chunked")
        client.request(path="/nocontent")
        client.request(method="HEAD", path="/hello")
        client.request(method="GET", path="/close")
        client.request(method="POST", path="/echo", body=b"after close")
        chunked, nocontent, head, closed, after = fetch(client, 5)
    finally:
        client.close()
    assert chunked.body == b"chunk one, chunk two, last" and chunked.status == 200
    assert nocontent.status == 204 and nocontent.body == b""
    assert head.status == 200 and head.body == b"" and head.headers["content-length"] == "5"
    assert closed.body == b"until the end" and not closed.errored
    assert after.data["body"] == "after close"  # on a new connection


def test_client_redirects(servers):
    port, otherPort = servers
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.request(path="/redirect")
        client.request(method="POST", path="/see", data={"x": 1})
        client.request(method="POST", path="/keep", data={"kept": True})
        responses = fetch(client, 3)
        redirected, seen, kept = responses
        assert redirected.status == 200 and redirected.data["query"] == {"from": ["redirect"]}
        # each redirect followed is kept as the response it was, with the request it answered
        (first,) = redirected.redirects
        assert first["status"] == 302 and first["headers"]["location"] == "/echo?from=redirect"
        assert first["body"] == b"see /echo" and first["request"]["path"] == "/redirect"
        assert redirected.request["path"] == "/echo" and redirected.request["qargs"] == {"from": "redirect"}
        assert redirected.request["host"] == "127.0.0.1" and redirected.request["port"] == port
        assert seen.data["method"] == "GET" and seen.data["body"] == ""
        assert kept.data["method"] == "POST" and json.loads(kept.data["body"]) == {"kept": True}
        assert kept.data["query"] == {"kept": ["1"]}
        assert len(client.redirects) == 3

        client.request(method="GET", path="/away", headers={"Authorization": "secret"})
        (away,) = fetch(client)
        assert away.status == 200 and away.data["query"] == {"from": ["away"]}
        assert away.data["host"] == f"127.0.0.1:{otherPort}"
        assert away.data["auth"] is None  # credentials stay with the first server
        assert client.connector.ha[1] == otherPort

        client.request(method="GET", path="/echo")  # relative: the client's own server again
        (back,) = fetch(client)
        assert back.data["host"] == f"127.0.0.1:{port}" and client.connector.ha[1] == port
        assert back.data["auth"] == "secret"  # differential: headers of the latest request

        client.request(method="GET", path=f"http://127.0.0.1:{otherPort}/hello")  # a full url moves it
        client.request(method="GET", path="/echo", headers={})
        there, stays = fetch(client, 2)
        assert there.body == b"Hello" and stays.data["host"] == f"127.0.0.1:{otherPort}"


def test_client_redirect_to_same_server_by_name(servers):
    """A Location naming the connected server by a name that resolves to its
    address goes on with the same host, on the same kept-alive connection."""
    port, _ = servers
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.request(path="/echo")
        client.request(path="/byname")
        before, after = fetch(client, 2)
    assert after.data["query"] == {"from": ["byname"]} and after.data["host"] == f"127.0.0.1:{port}"
    assert after.data["port"] == before.data["port"]  # the same connection
    assert after.request["host"] == "127.0.0.1" and after.request["path"] == "/echo"
    assert [r["headers"]["location"] for r in after.redirects] == [f"http://localhost:{port}/echo?from=byname"]


def test_client_names_of_one_address_are_different_servers(monkeypatch):
    """Two host names are two servers (virtual hosts) even where they resolve
    to one address; an address and a name that resolves to it are one."""
    monkeypatch.setattr(clienting.coring, "normalizeHost", lambda host: "127.0.0.1")
    named = Client(hostname="a.example", port=8080)
    assert named._sameServer("http", "a.example", 8080)
    assert not named._sameServer("http", "b.example", 8080)
    assert not named._sameServer("https", "a.example", 8080) and not named._sameServer("http", "a.example", 8081)
    assert named._sameServer("http", "127.0.0.1", 8080)
    addressed = Client(hostname="127.0.0.1", port=8080)
    assert addressed._sameServer("http", "localhost", 8080)


def test_client_response_records(servers):
    """A response dict holds the version as a tuple and the request as sent,
    with whatever else the queued request carried; redirects only when followed."""
    port, _ = servers
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.requests.append({"method": "GET", "path": "/echo?name=hio", "headers": {"Accept": "*/*"}, "mid": 7})
        client.request(method="POST", path="/echo", data={"n": 1}, headers={})
        serviceUntil(client, lambda: len(client.responses) == 2)
        got, posted = client.responses
    assert set(got) == {"version", "status", "reason", "headers", "body", "data", "request", "errored", "error"}
    assert got["version"] == (1, 1) and got["status"] == 200 and not got["errored"]
    assert got["request"] == {
        "method": "GET",
        "path": "/echo",
        "qargs": {"name": "hio"},
        "fragment": "",
        "headers": {"Accept": "*/*"},
        "body": b"",
        "data": None,
        "fargs": None,
        "host": "127.0.0.1",
        "port": port,
        "scheme": "http",
        "mid": 7,
    }
    assert posted["request"]["data"] == {"n": 1} and posted["request"]["body"] == b""
    assert list(posted["request"]["headers"].items()) == [("content-type", "application/json; charset=utf-8")]
    assert "reply" not in posted["request"]
    assert Client.attrify(got) == Response(**got)  # redirects None


def test_client_redirect_limit_and_not_redirectable(servers):
    port, _ = servers
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.request(path="/loop")
        (looped,) = fetch(client)
        assert looped.errored and "redirects" in looped.error and len(looped.redirects) == Client.MaxRedirects + 1
        client.request(path="/hello")
        (hello,) = fetch(client)
        assert hello.body == b"Hello"
    with clienting.openClient(hostname="127.0.0.1", port=port, redirectable=False) as client:
        client.request(path="/redirect")
        (response,) = fetch(client)
        assert response.status == 302 and response.body == b"see /echo" and not response.redirects


def test_client_event_stream(servers):
    """An event stream that the server closes is resumed after its retry time
    on a new connection, with Last-Event-Id; it never ends as a response."""
    port, _ = servers
    with clienting.openClient(hostname="127.0.0.1", port=port, path="/events", dictable=True) as client:
        client.request()
        serviceUntil(client, lambda: len(client.events) >= 6)
        assert [(e["id"], e["name"], e["data"]) for e in list(client.events)[:6]] == [
            (str(i), "tick", {"i": i}) for i in range(6)
        ]
        assert client.waited and not client.responses  # the stream goes on
        assert client.respondent.retry == 20
        assert client.requester.headers["Last-Event-Id"] in ("2", "5")
        assert client.requester.lines[-3] == b"Last-Event-Id: " + client.requester.headers["Last-Event-Id"].encode()


def test_client_bad_responses_and_refused(servers):
    port, _ = servers
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.request(path="/broken")
        client.request(path="/cut")
        client.request(path="/hello")
        broken, cut, hello = fetch(client, 3)
    assert broken.errored and "Content-Length" in broken.error
    assert cut.errored and "cut short" in cut.error
    assert hello.body == b"Hello" and not hello.errored

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    freePort = probe.getsockname()[1]
    probe.close()
    with clienting.openClient(hostname="127.0.0.1", port=freePort) as client:
        client.request(path="/x")
        (refused,) = fetch(client)
        assert refused.errored and refused.status is None


def test_client_transmit_and_service_while_gen(servers):
    port, _ = servers
    tymist = {"tyme": 0.0}
    client = Client(
        hostname="127.0.0.1", port=port, method="PUT", path="/echo", body=b"first", tymth=lambda: tymist["tyme"]
    )
    client.reopen()
    try:
        client.transmit()  # the request given to the constructor
        serviceUntil(client, lambda: client.responses)
        first = client.respond()
        assert first.data["method"] == "PUT" and first.data["body"] == "first"
        gen = client.serviceWhileGen(tymeout=5.0)
        response = None
        end = time.monotonic() + 5.0
        client.request(method="GET", path="/hello")
        while time.monotonic() < end:
            try:
                assert next(gen) == b""
            except StopIteration as stop:
                response = stop.value
                break
            time.sleep(0.001)
        assert response.body == b"Hello"
        # tymeout measured on the tymth: no server answer within 0.5 tyme
        gen = client.serviceWhileGen(tymeout=0.5)
        assert next(gen) == b""
        tymist["tyme"] = 1.0
        with pytest.raises(StopIteration) as stop:
            next(gen)
        assert stop.value.value is None
    finally:
        client.close()


def test_client_full_url_and_wind(servers):
    port, _ = servers
    client = Client(path=f"http://127.0.0.1:{port}/echo?a=1#frag")
    assert client.requester.hostname == "127.0.0.1" and client.requester.port == port
    assert client.requester.path == "/echo?a=1" and client.requester.fragment == "frag"
    tyme = [0.0]
    client.wind(lambda: tyme[0])
    assert client.tymth() == 0.0 and client.connector.tymth() == 0.0
    client.reopen()
    try:
        client.transmit()
        (response,) = fetch(client)
        assert response.data["query"] == {"a": ["1"]}
    finally:
        client.close()
    assert Client.attrify({"status": 1}).status == 1
    assert Client(hostname="127.0.0.1", port=1).respond() is None
    with pytest.raises(httping.InvalidURL):
        Client(path="ftp://127.0.0.1/x")


def test_client_doer_names_and_winds_its_client():
    """ClientDoer keeps its client as .client, winds it with itself and services it under a Doist."""
    client = Client(hostname="127.0.0.1", port=1)
    doist = doing.Doist(tock=0.25, real=False)
    doer = ClientDoer(client, tymth=doist.tymen())
    assert doer.client is client and client.tymth is doer.tymth
    other = Client(hostname="127.0.0.1", port=2)
    doer.client = other
    assert doer.client is other
    doer.wind(doist.tymen())
    assert other.tymth is doer.tymth


def test_client_doer_and_backend_request(servers):
    port, _ = servers
    client = Client(hostname="127.0.0.1", port=port)
    clientDoer = ClientDoer(client=client)
    client.request(method="POST", path="/echo", data={"via": "doer"})

    results = []

    @doing.doize()
    def backend(tymth=None, tock=0.0, **opts):
        response = yield from clienting.backendRequest(
            tymth, method="GET", path=f"http://127.0.0.1:{port}/echo?b=2", buffered=True, tymeout=5.0, tock=tock
        )
        results.append(response)
        return True

    doist = doing.Doist(doers=[clientDoer, backend], tock=0.005, real=True, limit=5.0)
    doist.enter()
    end = time.monotonic() + 5.0
    while (not client.responses or not results) and time.monotonic() < end:
        doist.recur()
        time.sleep(0.002)
    doist.exit()
    response = client.respond()
    assert response.data["method"] == "POST" and json.loads(response.data["body"]) == {"via": "doer"}
    # backendRequest gives the response dict itself
    assert results and results[0]["data"]["query"] == {"b": ["2"]} and results[0]["status"] == 200
    assert client.connector.cs is None  # exit closed it


# ---------------------------------------------------------------- TLS


def test_client_tls(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server, thread = startServer(context=context)
    capath = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(capath))
    try:
        port = server.server_address[1]
        with clienting.openClient(scheme="https", hostname="127.0.0.1", port=port, cafilepath=str(capath)) as client:
            assert isinstance(client.connector, tcpclienting.ClientTls)
            client.request(path="/hello")
            client.request(method="POST", path="/echo", data={"secure": True})
            hello, echoed = fetch(client, 2)
            assert hello.body == b"Hello"
            assert json.loads(echoed.data["body"]) == {"secure": True}
            assert echoed.data["host"] == f"127.0.0.1:{port}"

        # a client that does not trust the authority fails the request, cleanly
        other = trustme.CA()
        otherpath = tmp_path / "other.pem"
        other.cert_pem.write_to_path(str(otherpath))
        with clienting.openClient(scheme="https", hostname="127.0.0.1", port=port, cafilepath=str(otherpath)) as client:
            client.request(path="/hello")
            (failed,) = fetch(client)
            assert failed.errored and failed.status is None
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rawServer(script):
    """Start a raw socket server on loopback port 0 that runs script(listener)
    in a thread. Returns (port, thread)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(5.0)

    def run():
        try:
            script(listener)
        finally:
            listener.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def readRequest(conn):
    """Read one request head (and no body) from conn."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = conn.recv(4096)
        if not more:
            return data
        data += more
    return data


@pytest.mark.parametrize("method, retried", [("GET", True), ("POST", False)])
def test_client_resends_idempotent_request_on_closed_keep_alive(method, retried):
    """A server closes a kept-alive connection as the next request arrives: an
    idempotent request is sent once more on a new connection, a POST is not."""
    heads = []

    def script(listener):
        conn, _ = listener.accept()
        with conn:
            heads.append(readRequest(conn))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
            heads.append(readRequest(conn))  # the next request, then close without answer
        if retried:
            conn, _ = listener.accept()
            with conn:
                heads.append(readRequest(conn))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo")

    port, thread = rawServer(script)
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.request(method="GET", path="/first")
        client.request(method=method, path="/second")
        first, second = fetch(client, 2)
    thread.join(timeout=5)
    assert first.body == b"one"
    if retried:
        assert second.body == b"two" and not second.errored
        assert heads[1].startswith(b"GET /second ") and heads[2].startswith(b"GET /second ")
    else:
        assert second.errored and second.status is None
        assert len(heads) == 2


def test_client_event_stream_resumes_after_its_retry_time():
    """The server closes an event stream: the client lets go of the connection
    at once (no longer cut off), waits the stream's retry time on its tymth,
    then asks again on a new connection with the Last-Event-Id."""
    heads = []
    stream = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"

    def script(listener):
        conn, _ = listener.accept()
        with conn:
            heads.append(readRequest(conn))
            conn.sendall(stream + b"retry: 2000\n\nid: 7\ndata: one\n\n")
        conn, _ = listener.accept()
        with conn:
            heads.append(readRequest(conn))
            conn.sendall(stream + b"id: 8\ndata: two\n\n")

    port, thread = rawServer(script)
    tyme = [0.0]
    client = Client(hostname="127.0.0.1", port=port, path="/events", tymth=lambda: tyme[0])
    client.reopen()
    try:
        client.request(headers={"Accept": "text/event-stream"})
        serviceUntil(client, lambda: len(client.events) == 1 and not client.connector.connected)
        assert not client.connector.cutoff and client.waited and not client.responses
        tyme[0] = 1.9  # not yet the retry time of 2000 ms
        for _ in range(20):
            client.service()
            time.sleep(0.002)
        assert len(heads) == 1 and not client.connector.connected
        tyme[0] = 2.0
        serviceUntil(client, lambda: len(client.events) == 2)
    finally:
        client.close()
    thread.join(timeout=5)
    assert b"Last-Event-Id" not in heads[0]
    assert heads[1].endswith(b"Accept: text/event-stream\r\nLast-Event-Id: 7\r\n\r\n")
    assert list(client.events) == [{"id": "7", "name": "", "data": "one"}, {"id": "8", "name": "", "data": "two"}]
    assert client.respondent.retry == 2000 and client.respondent.leid == "8" and not client.responses


def test_client_leaves_a_closing_connection_to_the_server():
    """A response that does not keep its connection (Connection: close) leaves
    the connection for the server to close; the next request goes on a new one."""
    heads = []
    release = threading.Event()

    def script(listener):
        conn, _ = listener.accept()
        with conn:
            heads.append(readRequest(conn))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\none")
            release.wait(5)
        conn, _ = listener.accept()
        with conn:
            heads.append(readRequest(conn))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo")

    port, thread = rawServer(script)
    with clienting.openClient(hostname="127.0.0.1", port=port) as client:
        client.request(path="/first", headers={"Connection": "close"})
        (first,) = fetch(client)
        assert first.body == b"one" and not first.errored
        assert client.connector.connected and not client.connector.cutoff  # not closed by the client
        release.set()
        client.request(path="/second", headers={})
        (second,) = fetch(client)
    thread.join(timeout=5)
    assert second.body == b"two" and len(heads) == 2
    assert b"Connection: close" in heads[0] and heads[1].startswith(b"GET /second ")


def test_client_takes_host_as_hostname():
    client = Client(host="10.1.2.3", port=5)
    assert client.connector.ha == ("10.1.2.3", 5) and client.requester.hostname == "10.1.2.3"
    assert Client(host="10.1.2.3", hostname="10.1.2.3", port=5).connector.ha == ("10.1.2.3", 5)
    with pytest.raises(TypeError, match="give one of them"):
        Client(host="10.1.2.3", hostname="10.9.9.9", port=5)


def test_client_warns_of_a_mistaken_keyword():
    with pytest.warns(UserWarning) as caught:
        client = Client(hostnme="10.1.2.3", port=5)
    assert len(caught) == 1 and caught[0].filename == __file__
    assert str(caught[0].message) == (
        "hio.core.http.clienting.Client() got an unexpected keyword argument 'hostnme' (did you mean 'hostname'?)"
    )
    assert client.connector.ha == ("127.0.0.1", 5)
