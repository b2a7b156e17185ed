"""Real WSGI frameworks behind the Server: falcon and bottle apps, streaming,
server-sent events, and StaticSink serving files under its root only."""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request

import bottle
import falcon
import pytest

from hio.core.http.serving import StaticSink


class ThingResource:
    """falcon resource: JSON in and out, errors raised as falcon HTTP errors."""

    def __init__(self):
        self.things = {}

    def on_get(self, req, rep, name):
        if name not in self.things:
            raise falcon.HTTPNotFound(title="No such thing", description=name)
        rep.media = self.things[name]

    def on_put(self, req, rep, name):
        data = req.get_media()
        if not isinstance(data, dict):
            raise falcon.HTTPBadRequest(title="Not an object")
        self.things[name] = data
        rep.status = falcon.HTTP_201
        rep.media = {"stored": name}


class StreamResource:
    """falcon resource with a generator body."""

    def on_get(self, req, rep):
        rep.content_type = "text/plain"
        rep.stream = (b"line %d\n" % i for i in range(4))


class EventResource:
    """falcon resource streaming server-sent events; empty yields while waiting."""

    def on_get(self, req, rep):
        rep.content_type = "text/event-stream"

        def events():
            yield b"retry: 1000\n\n"
            for i in range(3):
                yield b""  # waiting for the next event
                yield b'id: %d\nevent: tick\ndata: {"n": %d}\n\n' % (i, i)

        rep.stream = events()


@pytest.fixture
def falconApp():
    app = falcon.App()
    app.add_route("/things/{name}", ThingResource())
    app.add_route("/stream", StreamResource())
    app.add_route("/events", EventResource())
    return app


def test_falcon_routes_json_and_errors(serve, falconApp):
    harness = serve(falconApp)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        out = []
        conn.request("PUT", "/things/fish", body=json.dumps({"fins": 2}), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        out.append((response.status, json.loads(response.read())))
        conn.request("GET", "/things/fish")
        response = conn.getresponse()
        out.append((response.status, json.loads(response.read())))
        conn.request("GET", "/things/bird")
        response = conn.getresponse()
        out.append((response.status, json.loads(response.read())))
        conn.request("PUT", "/things/bad", body=b"[1]", headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        out.append((response.status, json.loads(response.read())))
        conn.request("GET", "/nowhere")
        response = conn.getresponse()
        out.append((response.status, response.read()))
        conn.close()
        return out

    out = harness.run(client)
    assert out[0] == (201, {"stored": "fish"})
    assert out[1] == (200, {"fins": 2})
    assert out[2][0] == 404 and out[2][1]["title"] == "No such thing"
    assert out[3][0] == 400 and out[3][1]["title"] == "Not an object"
    assert out[4][0] == 404


def test_falcon_streaming_generator_body(serve, falconApp):
    harness = serve(falconApp)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        conn.request("GET", "/stream")
        response = conn.getresponse()
        return response.getheader("Transfer-Encoding"), response.read()

    coding, body = harness.run(client)
    assert coding == "chunked" and body == b"line 0\nline 1\nline 2\nline 3\n"


def test_falcon_server_sent_events_streamed(serve, falconApp):
    harness = serve(falconApp)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
        response = conn.getresponse()
        events = []
        while True:
            line = response.fp.readline()  # chunked framing: read it raw, chunk by chunk
            if not line:
                break
            size = int(line.strip(), 16)
            chunk = response.fp.read(size + 2)[:-2]
            if not size:
                break
            events.append(chunk)
        return response.status, response.getheader("Content-Type"), events

    status, ctype, events = harness.run(client)
    assert status == 200 and ctype == "text/event-stream"
    assert events == [b"retry: 1000\n\n"] + [b'id: %d\nevent: tick\ndata: {"n": %d}\n\n' % (i, i) for i in range(3)]


def test_bottle_app_routes_json_errors_and_streaming(serve):
    app = bottle.Bottle()

    @app.route("/hello/<name>")
    def hello(name):
        return {"hello": name}

    @app.post("/echo")
    def echo():
        return {"got": bottle.request.json}

    @app.route("/teapot")
    def teapot():
        bottle.abort(418, "I am a teapot")

    @app.route("/crash")
    def crash():
        raise RuntimeError("bottle handler crashed")

    @app.route("/gen")
    def gen():
        bottle.response.content_type = "text/plain"
        yield "a"
        yield "b"
        yield "c"

    harness = serve(app)
    base = f"http://127.0.0.1:{harness.port}"

    def client():
        out = {}
        with urllib.request.urlopen(base + "/hello/world", timeout=5) as response:
            out["hello"] = json.loads(response.read())
        request = urllib.request.Request(
            base + "/echo", data=b'{"x": 1}', headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            out["echo"] = json.loads(response.read())
        for path in ("/teapot", "/crash", "/missing"):
            try:
                urllib.request.urlopen(base + path, timeout=5)
            except urllib.error.HTTPError as ex:
                out[path] = ex.code
        with urllib.request.urlopen(base + "/gen", timeout=5) as response:
            out["gen"] = response.read()
        return out

    app.catchall = True
    out = harness.run(client)
    assert out["hello"] == {"hello": "world"}
    assert out["echo"] == {"got": {"x": 1}}
    assert out["/teapot"] == 418 and out["/crash"] == 500 and out["/missing"] == 404
    assert out["gen"] == b"abc"


@pytest.fixture
def webroot(tmp_path):
    """Static root with files, a symlink in, a symlink out and a secret outside."""
    root = tmp_path / "web"
    (root / "css").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "app.js").write_text("console.log(1);")
    (root / "css" / "site.css").write_text("body {}")
    (root / "css" / "index.html").write_text("<h1>css</h1>")
    (root / "data.json").write_text('{"a": 1}')
    (root / "blob.bin").write_bytes(bytes(range(256)) * 100)
    (root / "archive.tar.gz").write_bytes(b"\x1f\x8b fake")
    (root / "a%2e%2e").write_text("literal name")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_text("TOP SECRET index")
    os.symlink(secret, root / "leak.txt")
    os.symlink(tmp_path / "outside", root / "leakdir")
    os.symlink(root / "app.js", root / "alias.js")
    return root


def sinkApp(root):
    app = falcon.App()
    sink = StaticSink(staticDirPath=str(root))
    app.add_sink(sink, prefix=StaticSink.DefaultStaticSinkBasePath)
    return app


def test_static_sink_serves_files_with_content_types(serve, webroot):
    harness = serve(sinkApp(webroot))
    # text files are served as utf-8: their type carries the charset
    html, js = "text/html; charset=UTF-8", "text/javascript; charset=UTF-8"
    cases = {
        "/": (200, html, b"<h1>home</h1>"),
        "/static": (200, html, b"<h1>home</h1>"),
        "/static/app.js": (200, js, b"console.log(1);"),
        "/app.js": (200, js, b"console.log(1);"),
        "/css/site.css": (200, "text/css; charset=UTF-8", b"body {}"),
        "/css/": (200, html, b"<h1>css</h1>"),
        "/data.json": (200, "application/json", b'{"a": 1}'),
        "/blob.bin": (200, "application/octet-stream", bytes(range(256)) * 100),
        "/archive.tar.gz": (200, "application/gzip", b"\x1f\x8b fake"),
        "/alias.js": (200, js, b"console.log(1);"),
        "/a%252e%252e": (200, "application/octet-stream", b"literal name"),
        "/nothing.txt": (404, "application/json", b"Missing Resource"),
    }

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", harness.port, timeout=5)
        out = {}
        for path in cases:
            conn.request("GET", path)
            response = conn.getresponse()
            out[path] = (response.status, response.getheader("Content-Type"), response.read())
        conn.request("HEAD", "/blob.bin")
        response = conn.getresponse()
        out["HEAD"] = (response.status, response.getheader("Content-Length"), response.read())
        return out

    out = harness.run(client)
    for path, (status, ctype, body) in cases.items():
        assert out[path][0] == status, path
        assert out[path][1] in (ctype, ctype.replace("text/javascript", "application/javascript")), path
        if status == 200:
            assert out[path][2] == body, path
        else:  # falcon's json error, titled
            assert json.loads(out[path][2])["title"] == body.decode(), path
    assert out["HEAD"] == (200, str(25600), b"")


TRAVERSALS = [
    "/../secret.txt",
    "/static/../secret.txt",
    "/static/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/static/%2e%2e%2fsecret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%5csecret.txt",
    "/%5c..%5csecret.txt",
    "/css/..%2f..%2fsecret.txt",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/app.js%00.png",
    "/%00",
    "/leak.txt",
    "/leakdir/",
    "/leakdir/index.html",
    "/static/leakdir/index.html",
    "/css/../../secret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_static_sink_never_serves_outside_root(serve, webroot, path):
    harness = serve(sinkApp(webroot))
    data = harness.exchange(b"GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" % path.encode())
    assert b"TOP SECRET" not in data and b"root:" not in data
    status = int(data[9:12])
    assert status in (400, 404), (path, data[:100])


def test_static_sink_resolve_contained(webroot, tmp_path):
    sink = StaticSink(staticDirPath=str(webroot))
    assert sink.resolve("/app.js") == os.path.realpath(webroot / "app.js")
    assert sink.resolve("/static/css/site.css") == os.path.realpath(webroot / "css" / "site.css")
    for path in ("/../secret.txt", "/leak.txt", "/leakdir/index.html", "/a\\..\\b", "/x\x00", "/nothing"):
        assert sink.resolve(path) is None, path
    assert StaticSink.StaticSinkBasePath == "/static" and StaticSink.DefaultStaticSinkBasePath == "/"


def test_static_sink_refuses_other_methods(serve, webroot):
    harness = serve(sinkApp(webroot))
    data = harness.exchange(b"DELETE /app.js HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert int(data[9:12]) == 405
    assert (webroot / "app.js").exists()
