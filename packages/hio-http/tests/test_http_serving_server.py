"""The WSGI Server against third party clients: http.client, urllib.request and raw sockets."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request

from hio.core.http import serving
from hio.help.helping import attributize


def echoApp(environ, start_response):
    """Echo the request as JSON; paths choose special behaviours."""
    path = environ["PATH_INFO"]
    body = environ["wsgi.input"].read()
    if path == "/nocontent":
        start_response("204 No Content", [])
        return [b"ignored"]
    if path == "/notmodified":
        start_response("304 Not Modified", [("ETag", '"x"')])
        return []
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"part%d;" % i for i in range(5))
    if path == "/int":
        start_response(202, [("Content-Type", "text/plain")])
        return [b"accepted"]
    echo = {
        "method": environ["REQUEST_METHOD"],
        "path": path,
        "query": environ["QUERY_STRING"],
        "protocol": environ["SERVER_PROTOCOL"],
        "scheme": environ["wsgi.url_scheme"],
        "length": environ.get("CONTENT_LENGTH"),
        "ctype": environ.get("CONTENT_TYPE"),
        "body": body.decode("utf-8", "replace"),
        "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
    }
    data = json.dumps(echo).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def test_module_exposes_documented_names():
    for name in [
        "Requestant",
        "Responder",
        "Server",
        "WsgiServer",
        "CustomResponder",
        "Steward",
        "BareServer",
        "StaticSink",
        "ServerDoer",
        "openServer",
        "logger",
        "CRLF",
        "LF",
        "CR",
    ]:
        assert hasattr(serving, name), name
    assert serving.WsgiServer is serving.Server
    assert (serving.CRLF, serving.LF, serving.CR) == (b"\r\n", b"\n", b"\r")
    assert serving.Server.Tymeout == 5.0 and serving.BareServer.Timeout == 5.0
    assert serving.Responder.Delay == 1.0 and serving.Responder.HttpVersionString == "HTTP/1.1"


def test_http_client_keep_alive_json_and_environ(serve):
    harness = serve(echoApp)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        results = []
        for i in range(3):
            body = json.dumps({"n": i})
            conn.request("POST", f"/a%20b/{i}?x=1&y=2", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            results.append((response.status, response.getheader("Connection"), json.loads(response.read())))
        sock = conn.sock
        conn.close()
        return results, sock

    results, _ = harness.run(client)
    assert [r[0] for r in results] == [200, 200, 200]
    for i, (_, connection, echo) in enumerate(results):
        assert connection is None  # HTTP/1.1 keep-alive, nothing to say
        assert echo["method"] == "POST"
        assert echo["path"] == f"/a b/{i}"  # PATH_INFO is percent decoded
        assert echo["query"] == "x=1&y=2"
        assert echo["protocol"] == "HTTP/1.1" and echo["scheme"] == "http"
        assert echo["body"] == json.dumps({"n": i})
        assert echo["length"] == str(len(echo["body"])) and echo["ctype"] == "application/json"
        assert echo["headers"]["HTTP_HOST"] == f"127.0.0.1:{harness.port}"
    assert len(harness.server.servant.ixes) <= 1  # one connection served all three


def test_urllib_get_and_post(serve):
    harness = serve(echoApp)
    base = f"http://127.0.0.1:{harness.port}"

    def client():
        with urllib.request.urlopen(base + "/get?q=%E2%9C%93", timeout=5) as response:
            got = json.loads(response.read())
        request = urllib.request.Request(base + "/post", data=b"a=1&b=2", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            posted = json.loads(response.read()), response.status
        return got, posted

    got, (posted, status) = harness.run(client)
    assert got["method"] == "GET" and got["query"] == "q=%E2%9C%93"
    assert status == 200 and posted["body"] == "a=1&b=2"
    assert posted["ctype"] == "application/x-www-form-urlencoded"


def test_chunked_upload_and_download(serve):
    harness = serve(echoApp)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        conn.request("PUT", "/up", body=iter([b"hello ", b"chunked ", b"world"]), encode_chunked=True)
        response = conn.getresponse()
        up = json.loads(response.read())
        conn.request("GET", "/stream")
        response = conn.getresponse()
        down = response.getheader("Transfer-Encoding"), response.read()
        conn.close()
        return up, down

    up, (coding, body) = harness.run(client)
    assert up["body"] == "hello chunked world" and up["length"] == str(len("hello chunked world"))
    assert coding == "chunked"
    assert body == b"part0;part1;part2;part3;part4;"


def test_head_204_304_have_no_body(serve):
    harness = serve(echoApp)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        out = []
        for method, path in (("HEAD", "/x"), ("GET", "/nocontent"), ("GET", "/notmodified"), ("GET", "/x")):
            conn.request(method, path)
            response = conn.getresponse()
            out.append((response.status, dict(response.getheaders()), response.read()))
        conn.close()
        return out

    (head, nocontent, notmodified, after) = harness.run(client)
    assert head[0] == 200 and head[2] == b"" and int(head[1]["Content-Length"]) > 0
    assert nocontent[0] == 204 and nocontent[2] == b"" and "Content-Length" not in nocontent[1]
    assert notmodified[0] == 304 and notmodified[2] == b"" and notmodified[1]["ETag"] == '"x"'
    assert after[0] == 200 and json.loads(after[2])["path"] == "/x"  # framing intact after bodiless ones


def test_int_status_replaced_with_string(serve):
    harness = serve(echoApp)
    data = harness.exchange(b"GET /int HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert harness.parseResponses(data)[0][2] == b"accepted"


def test_pipelined_requests_on_raw_socket(serve):
    harness = serve(echoApp)
    requests = (
        b"GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"PUT /three HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        b"HEAD /four HTTP/1.1\r\nHost: a\r\n\r\n"
        b"GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    data = harness.exchange(requests, pace=[5, 40, 41, 90])
    responses = harness.parseResponses(data, methods=["GET", "POST", "PUT", "HEAD", "GET"])
    assert [r[0] for r in responses] == [200] * 5
    assert [json.loads(r[2])["path"] for r in responses[:3]] == ["/one", "/two", "/three"]
    assert json.loads(responses[1][2])["body"] == "abc"
    assert json.loads(responses[2][2])["body"] == "de"
    assert responses[3][2] == b""
    assert responses[4][2] == b"part0;part1;part2;part3;part4;"
    assert responses[4][1]["Connection"] == "close"


def test_request_then_half_close_still_answered(serve):
    harness = serve(echoApp)
    data = harness.exchange(b"GET /half HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n", shut=True)
    responses = harness.parseResponses(data)
    assert [json.loads(r[2])["path"] for r in responses] == ["/half", "/second"]


def test_http10_closes_unless_keep_alive(serve):
    harness = serve(echoApp)
    data = harness.exchange(b"GET /stream HTTP/1.0\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert body == b"part0;part1;part2;part3;part4;"  # delimited by the close
    data = harness.exchange(
        b"GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /l HTTP/1.0\r\n\r\n", shut=False, timeout=5
    )
    responses = harness.parseResponses(data)
    assert [json.loads(r[2])["path"] for r in responses] == ["/k", "/l"]
    assert responses[0][1]["Connection"] == "keep-alive"


def test_expect_100_continue(serve):
    harness = serve(echoApp)

    def client():
        with harness.connect() as sock:
            sock.sendall(b"PUT /c HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            interim = b""
            while not interim.endswith(b"\r\n\r\n"):
                interim += sock.recv(1)
            sock.sendall(b"data")
            sock.sendall(b"GET /z HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            return interim, harness.readAll(sock)

    interim, data = harness.run(client)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    responses = harness.parseResponses(data)
    assert json.loads(responses[0][2])["body"] == "data"


def test_deferred_attributized_generator_sets_status_and_headers(serve):
    @attributize
    def deferred(me, environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Before", "1")])
        yield b""  # nothing yet: the status line and headers wait
        yield b""
        me._status = 201
        me._headers = {"X-Backend": "done", "X-Before": "2"}
        yield b"created"

    def app(environ, start_response):
        return deferred(environ, start_response)

    harness = serve(app)
    data = harness.exchange(b"POST /hook HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    status, headers, body = harness.parseResponses(data)[0]
    assert status == 201 and headers["X-Backend"] == "done" and headers["X-Before"] == "2"
    assert body == b"created"


def test_start_response_exc_info_changes_mind(serve):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("late failure")
        except ValueError:
            import sys

            start_response("503 Service Unavailable", [("Retry-After", "1")], sys.exc_info())
        return [b"try later"]

    harness = serve(app)
    data = harness.exchange(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    status, headers, body = harness.parseResponses(data)[0]
    assert status == 503 and headers["Retry-After"] == "1" and body == b"try later"


def test_exc_info_after_headers_sent_reraises_and_cuts(serve):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first"
        try:
            raise KeyError("boom")
        except KeyError:
            import sys

            start_response("500 Internal Server Error", [], sys.exc_info())  # re-raises: headers are out
        yield b"never"

    harness = serve(app)
    data = harness.exchange(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Transfer-Encoding: chunked" in head
    assert body == b"5\r\nfirst\r\n"  # cut: no last chunk, the connection closed


def test_broken_app_gives_500_and_server_lives_on(serve):
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] == "/raise":
            raise RuntimeError("broken application")
        if environ["PATH_INFO"] == "/nostart":
            return [b"no start_response"]
        if environ["PATH_INFO"] == "/badheader":
            start_response("200 OK", [("X-Bad", "a\r\nInjected: yes")])
            return [b"x"]
        if environ["PATH_INFO"] == "/badstatus":
            start_response("2000 Weird", [])
            return [b"x"]
        if environ["PATH_INFO"] == "/str":
            start_response("200 OK", [])
            return ["text, not bytes"]
        return echoApp(environ, start_response)

    harness = serve(app)
    for path in ("/raise", "/nostart", "/badheader", "/badstatus", "/str"):
        data = harness.exchange(
            b"GET %s HTTP/1.1\r\nHost: a\r\n\r\nGET /ok HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
            % path.encode()
        )
        responses = harness.parseResponses(data)
        assert responses[0][0] == 500, path
        assert b"Injected" not in data
        assert json.loads(responses[1][2])["path"] == "/ok"  # same connection goes on


def test_iterable_closed_after_response(serve):
    closed = []

    class Body:
        def __iter__(self):
            yield b"abc"

        def close(self):
            closed.append(True)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body()

    harness = serve(app)
    data = harness.exchange(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert harness.parseResponses(data)[0][2] == b"abc" and closed == [True]


def test_content_length_from_app_enforced(serve):
    def app(environ, start_response):
        if environ["PATH_INFO"] == "/long":
            start_response("200 OK", [("Content-Length", "3")])
            return [b"abcdef"]
        start_response("200 OK", [("Content-Length", "10")])
        return [b"abc"]

    harness = serve(app)
    data = harness.exchange(
        b"GET /long HTTP/1.1\r\nHost: a\r\n\r\nGET /long HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    responses = harness.parseResponses(data)
    assert [r[2] for r in responses] == [b"abc", b"abc"]  # extra bytes cut, framing intact
    data = harness.exchange(b"GET /short HTTP/1.1\r\nHost: a\r\n\r\nGET /short HTTP/1.1\r\nHost: a\r\n\r\n")
    assert data.count(b"HTTP/1.1 200") == 1 and data.endswith(b"abc")  # short body: connection closed


def test_underscore_headers_dropped_and_repeats_joined(serve):
    harness = serve(echoApp)
    data = harness.exchange(
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.1.1.1\r\nX_Forwarded_For: 6.6.6.6\r\n"
        b"Accept: a\r\nAccept: b\r\nCookie: c=1\r\nCookie: d=2\r\nConnection: close\r\n\r\n"
    )
    echo = json.loads(harness.parseResponses(data)[0][2])
    assert echo["headers"]["HTTP_X_FORWARDED_FOR"] == "1.1.1.1"
    assert echo["headers"]["HTTP_ACCEPT"] == "a,b"
    assert echo["headers"]["HTTP_COOKIE"] == "c=1; d=2"


def test_open_server_and_default_app(tymist, serve):
    with serving.openServer(host="127.0.0.1", port=0, tymth=tymist.tymen()) as server:
        assert server.opened and server.idle()
        harness = serve.wrap(server)
        data = harness.exchange(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        assert harness.parseResponses(data)[0][0] == 404
    assert not server.opened


def test_environ_from_raw_bytes_of_the_request_line_and_fields(serve):
    harness = serve(echoApp)
    request = (
        b"GET /caf\xe9/%E2%9C%93?k=\xe9 HTTP/1.1\r\nHost: h\r\nAccept: a\r\nAccept: b\r\n"
        b"Cookie: x=1\r\nCookie: y=2\r\nX_Sneaky: no\r\nX-Latin: \xe9t\xe9\r\nConnection: close\r\n\r\n"
    )
    (response,) = harness.parseResponses(harness.exchange(request))
    echo = json.loads(response[2])
    # PATH_INFO holds the bytes of the path, percent decoded, each byte one latin-1 character (PEP 3333)
    assert echo["path"] == "/caf\xe9/" + "\u2713".encode().decode("latin-1")
    assert echo["query"] == "k=\xe9"
    headers = echo["headers"]
    assert headers["HTTP_ACCEPT"] == "a,b" and headers["HTTP_COOKIE"] == "x=1; y=2"
    assert headers["HTTP_X_LATIN"] == "\xe9t\xe9"
    assert "HTTP_X_SNEAKY" not in headers and "HTTP_CONNECTION" in headers


def test_busy_connection_served_among_many_idle_ones(serve):
    harness = serve(echoApp)
    idle = [harness.connect() for _ in range(50)]
    try:
        harness.passes(5)
        assert len(harness.server.servant.ixes) == 50

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
            statuses = []
            for i in range(20):
                conn.request("GET", f"/n/{i}")
                response = conn.getresponse()
                statuses.append((response.status, json.loads(response.read())["path"]))
            conn.close()
            return statuses

        assert harness.run(client) == [(200, f"/n/{i}") for i in range(20)]
        # an idle connection that finally speaks is answered too
        idle[7].sendall(b"GET /late HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        (response,) = harness.parseResponses(harness.run(harness.readAll, idle[7]))
        assert response[0] == 200 and json.loads(response[2])["path"] == "/late"
    finally:
        for sock in idle:
            sock.close()
    harness.passes(5)
    assert not harness.server.servant.ixes and not harness.server.tymers and not harness.server.reqs


def test_each_response_on_a_connection_starts_fresh(serve):
    """A connection's responder serves its next request as new: nothing of the last response stays."""
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] == "/stream":
            start_response("201 Created", [("X-First", "yes")])
            return (part for part in (b"a", b"b"))  # no length: chunked
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    def other(environ, start_response):
        start_response("202 Accepted", [])
        return [b"other"]

    harness = serve(app)
    conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)

    def ask(path):
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def client():
        return [ask("/stream"), ask("/plain"), ask("/stream"), ask("/plain")]

    first, second, third, fourth = harness.run(client)
    assert first[0] == 201 and first[1]["X-First"] == "yes" and first[1]["Transfer-Encoding"] == "chunked"
    assert first[2] == b"ab" and third == first
    assert second[0] == 200 and "X-First" not in second[1] and second[1]["Content-Length"] == "6"
    assert second[2] == b"/plain" and fourth == second
    harness.server.app = other  # a new application takes over the same connection's next request
    (status, _, body) = harness.run(lambda: ask("/again"))
    assert (status, body) == (202, b"other")
    conn.close()
    assert calls == ["/stream", "/plain", "/stream", "/plain"]


def test_last_request_and_response_kept_until_the_next(serve):
    """After a response the connection's requestant keeps the request and .reps
    its responder, whose headers are then those sent, until the next request
    arrives; the server is idle meanwhile."""
    harness = serve(echoApp)
    conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)

    def ask(path):
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()

    status, headers, _ = harness.run(lambda: ask("/first?x=1"))
    harness.passes(3)
    server = harness.server
    assert status == 200 and server.idle()
    (requestant,) = server.reqs.values()
    (responder,) = server.reps.values()
    assert requestant.ended and requestant.method == "GET" and requestant.url == "/first?x=1"
    assert requestant.headers["Accept"] == "application/json"
    assert responder.ended and responder.status == "200 OK"
    assert list(responder.headers.items()) == headers  # Content-Length, Date, Server included
    assert [name for name, _ in headers] == ["Content-Type", "Content-Length", "Date", "Server"]

    status, headers, _ = harness.run(lambda: ask("/second"))
    harness.passes(3)
    assert status == 200 and requestant.url == "/second" and server.reps[next(iter(server.reps))] is responder
    assert list(responder.headers.items()) == headers
    conn.close()
    harness.passes(5)
    assert not server.reqs and not server.reps


def test_environ_offers_a_file_wrapper(serve):
    """wsgi.file_wrapper (PEP 3333) serves a file in blocks, closed after the response."""
    import io

    files = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        stream = io.BytesIO(bytes(range(256)) * 64)
        files.append(stream)
        return environ["wsgi.file_wrapper"](stream, 1000)

    harness = serve(app)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        conn.request("GET", "/file")
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return body

    assert harness.run(client) == bytes(range(256)) * 64
    assert files[0].closed


def test_server_without_a_tymist_keeps_connections_on_real_time():
    """A server serviced in a plain loop, never wound to a Tymist, keeps its
    connections (and their tymeouts) on real time."""
    import socket
    import threading
    import time

    server = serving.Server(app=echoApp, host="127.0.0.1", port=0, tymeout=0.5)
    assert server.servant.tymth is None
    server.reopen()
    port = server.servant.ss.getsockname()[1]
    out = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for path in ("/one", "/two"):
            conn.request("GET", path)
            response = conn.getresponse()
            out.append((response.status, json.loads(response.read())["path"]))
        conn.close()

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    end = time.monotonic() + 5.0
    while thread.is_alive() and time.monotonic() < end:
        server.service()
        time.sleep(0.001)
    assert out == [(200, "/one"), (200, "/two")]
    # an idle connection is closed after the tymeout, in real time

    def serviceWhile(busy, limit=3.0):
        end = time.monotonic() + limit
        while busy() and time.monotonic() < end:
            server.service()
            time.sleep(0.005)

    serviceWhile(lambda: server.servant.ixes)  # the client's connection is gone
    idle = socket.create_connection(("127.0.0.1", port))
    serviceWhile(lambda: not server.servant.ixes)
    start = time.monotonic()
    serviceWhile(lambda: server.servant.ixes)
    assert not server.servant.ixes and 0.3 < time.monotonic() - start < 2.0
    idle.close()
    server.close()


def test_keep_alive_repeats_of_one_head_each_get_their_own_request(serve):
    """A head repeated on a keep-alive connection (the usual client) is answered as
    the first one: each time with its environ and a fresh, empty wsgi.input; a head
    that arrives in pieces, a different head, a request with a body and a repeat
    after them are each taken as they are."""
    inputs, seen = [], []

    def app(environ, start_response):
        inputs.append(environ["wsgi.input"])
        seen.append(environ.get("HTTP_X_SEEN"))
        environ["HTTP_X_SEEN"] = "changed by the app"  # an app may change its environ, not the next one's
        return echoApp(environ, start_response)

    harness = serve(app)
    head = b"GET /same?q=1 HTTP/1.1\r\nHost: h\r\nX-Echo: a\r\n\r\n"
    other = b"GET /other HTTP/1.1\r\nHost: h\r\n\r\n"
    post = b"POST /same?q=1 HTTP/1.1\r\nHost: h\r\nX-Echo: a\r\nContent-Length: 4\r\n\r\nbody"
    pieces = [head, head, head[:9], head[9:], other, head, post, head, head + head]

    def client():
        echoes = []
        with harness.connect() as sock:
            for piece in pieces:
                sock.sendall(piece)
                time.sleep(0.005)
            sock.sendall(b"GET /last HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            data = harness.readAll(sock)
        for status, _, body in harness.parseResponses(data):
            assert status == 200
            echoes.append(json.loads(body))
        return echoes

    echoes = harness.run(client)
    assert [(e["method"], e["path"], e["query"], e["body"]) for e in echoes] == [
        ("GET", "/same", "q=1", ""),
        ("GET", "/same", "q=1", ""),
        ("GET", "/same", "q=1", ""),
        ("GET", "/other", "", ""),
        ("GET", "/same", "q=1", ""),
        ("POST", "/same", "q=1", "body"),
        ("GET", "/same", "q=1", ""),
        ("GET", "/same", "q=1", ""),
        ("GET", "/same", "q=1", ""),
        ("GET", "/last", "", ""),
    ]
    for echo in echoes:
        if echo["path"] == "/same":
            assert echo["headers"]["HTTP_X_ECHO"] == "a" and echo["headers"]["HTTP_HOST"] == "h"
    assert seen == [None] * len(echoes)
    assert len({id(stream) for stream in inputs}) == len(inputs) == len(echoes)  # a fresh wsgi.input each
    assert all(stream.read() == b"" for stream in inputs)


def test_a_service_pass_makes_one_readiness_poll():
    """Accepts and receives of a pass share one readiness poll of the TCP server
    (pollReady); the listen socket is not polled apart once the server has served."""
    import socket

    class CountingPoll:
        def __init__(self, inner):
            self.inner, self.polls = inner, 0

        def poll(self, *args):
            self.polls += 1
            return self.inner.poll(*args)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    server = serving.Server(app=echoApp, host="127.0.0.1", port=0)
    server.reopen()
    tcp = server.servant
    shared, own = CountingPoll(tcp._poller), CountingPoll(tcp._ready)
    tcp._poller, tcp._ready = shared, own
    peer = socket.create_connection(tcp.ss.getsockname())
    peer.setblocking(False)
    got = bytearray()
    try:
        for path in (b"/one", b"/two"):
            got.clear()
            peer.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: here\r\n\r\n")
            for _ in range(5000):
                server.service()
                try:
                    got.extend(peer.recv(65536))
                except BlockingIOError:
                    pass
                if got.endswith(b"}") and b"\r\n\r\n" in got:
                    break
            assert (
                got.startswith(b"HTTP/1.1 200 OK\r\n")
                and json.loads(got.split(b"\r\n\r\n", 1)[1])["path"] == path.decode()
            )
        first = shared.polls + own.polls
        for _ in range(10):  # idle passes
            server.service()
        assert shared.polls + own.polls == first + 10  # one poll a pass
        assert own.polls <= 1  # only the first pass, before the server knew its servant's poll
    finally:
        peer.close()
        server.close()


def test_app_connection_close_closes_after_that_response(serve):
    """An application that answers with Connection: close gets the connection closed once its answer is sent.

    The published server ignores the header and keeps the connection; here the
    pipelined request behind it is never read, and the client sees the close.
    """

    def closing(environ, start_response):
        path = environ["PATH_INFO"]
        fields = [("Content-Type", "text/plain")]
        if path == "/last":
            fields.append(("Connection", "close"))
        start_response("200 OK", fields)
        return [path.encode()]

    harness = serve(closing)
    requests = b"".join(b"GET /%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % name for name in (b"first", b"last", b"never"))
    data = harness.exchange(requests)
    answers = harness.parseResponses(data)
    assert [(status, body) for status, _, body in answers] == [(200, b"/first"), (200, b"/last")]
    assert answers[0][1].get("Connection") != "close"
    assert answers[1][1]["Connection"] == "close"


def test_eha_is_the_address_bound():
    server = serving.Server(app=serving.notFoundApp, host="127.0.0.1", port=0)
    assert server.eha == ("127.0.0.1", 0)
    server.reopen()
    try:
        host, port = server.eha
        assert host == "127.0.0.1" and port == server.servant.ha[1] != 0
    finally:
        server.close()


def test_a_mistaken_keyword_is_warned_of_by_the_servers_name():
    import pytest

    with pytest.warns(UserWarning) as caught:
        server = serving.Server(host="127.0.0.1", port=0, hots="x", maxbodysize=5)
    assert len(caught) == 1 and caught[0].filename == __file__
    assert str(caught[0].message) == (
        "hio.core.http.serving.Server() got an unexpected keyword arguments 'hots' (did you mean 'host'?), "
        "'maxbodysize' (did you mean 'maxBodySize'?)"
    )
    assert server.servant.ha == ("127.0.0.1", 0)  # the mistaken keywords are left out
