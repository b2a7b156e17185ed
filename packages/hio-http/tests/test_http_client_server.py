"""The hio HTTP client against the hio WSGI server, both run by one Doist on
artificial tyme (real=False) over loopback sockets on port 0."""

from __future__ import annotations

import json

import pytest

from hio.base import doing
from hio.core.http import clienting, serving


def app(environ, start_response):
    """WSGI app: /echo echoes the request as json, /events streams server sent
    events, /moved redirects to /echo, anything else is 404."""
    path = environ["PATH_INFO"]
    if path == "/echo":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        info = {
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "query": environ.get("QUERY_STRING", ""),
            "body": body.decode("utf-8"),
            "ctype": environ.get("CONTENT_TYPE", ""),
        }
        data = json.dumps(info).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/moved":
        start_response("302 Found", [("Location", "/echo?moved=1"), ("Content-Length", "0")])
        return [b""]
    if path == "/events":
        start_response("200 OK", [("Content-Type", "text/event-stream")])

        def stream():
            yield b"retry: 500\n\n"
            for i in range(3):
                yield b'id: %d\ndata: {"n": %d}\n\n' % (i, i)

        return stream()
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]


def runUntil(doist, done, limit=200):
    """Run the doist cycle by cycle until done() or limit cycles."""
    doist.enter()
    try:
        for _ in range(limit):
            doist.recur()
            if done():
                return True
        return False
    finally:
        doist.exit()


def test_hio_client_with_hio_server():
    doist = doing.Doist(real=False, tock=0.03125)
    server = serving.Server(app=app, host="127.0.0.1", port=0, tymth=doist.tymen())
    serverDoer = serving.ServerDoer(server=server)
    server.reopen()
    port = server.servant.ss.getsockname()[1]
    client = clienting.Client(hostname="127.0.0.1", port=port, dictable=True)
    clientDoer = clienting.ClientDoer(client=client)
    doist.doers = [serverDoer, clientDoer]

    client.request(method="POST", path="/echo", data={"hio": 1}, qargs={"q": "x"})
    client.request(method="GET", path="/moved")
    client.request(method="GET", path="/nothing")
    client.request(method="PUT", path="/echo", fargs={"a": "b c"})
    assert runUntil(doist, lambda: len(client.responses) == 4)

    posted, moved, missing, put = (client.respond() for _ in range(4))
    assert posted.status == 200 and posted.data["method"] == "POST" and posted.data["query"] == "q=x"
    assert json.loads(posted.data["body"]) == {"hio": 1}
    assert moved.status == 200 and moved.data["query"] == "moved=1" and moved.redirects[0]["status"] == 302
    assert missing.status == 404 and missing.body == b"not found"
    assert put.data["body"] == "a=b+c" and put.data["ctype"].startswith("application/x-www-form-urlencoded")


def test_hio_client_event_stream_from_hio_server():
    doist = doing.Doist(real=False, tock=0.03125)
    server = serving.Server(app=app, host="127.0.0.1", port=0, tymth=doist.tymen())
    serverDoer = serving.ServerDoer(server=server)
    server.reopen()
    port = server.servant.ss.getsockname()[1]
    client = clienting.Client(hostname="127.0.0.1", port=port, path="/events", dictable=True)
    clientDoer = clienting.ClientDoer(client=client)
    doist.doers = [serverDoer, clientDoer]
    client.request()
    assert runUntil(doist, lambda: len(client.events) == 3)
    assert [event["data"] for event in client.events] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [event["id"] for event in client.events] == ["0", "1", "2"]
    assert client.respondent.retry == 500


def test_bottle_event_stream_paced_by_tyme():
    """A bottle generator that yields events while a tymer runs sends one chunk
    a pass: the events it gives match the tyme it had."""
    import bottle

    from hio.base import tyming

    doist = doing.Doist(real=False, tock=0.125)
    stream = bottle.Bottle()

    @stream.get("/stream")
    def events():
        tymer = tyming.Tymer(tymth=doist.tymen(), duration=1.0)
        bottle.response.set_header("Content-Type", "text/event-stream")
        yield "retry: 1000\n\n"
        n = 0
        while not tymer.expired:
            yield f"id: {n}\ndata: {n}\n\n"
            n += 1
        yield "data: END\n\n"

    server = serving.Server(app=stream, host="127.0.0.1", port=0, tymth=doist.tymen())
    server.reopen()
    port = server.servant.ss.getsockname()[1]
    client = clienting.Client(hostname="127.0.0.1", port=port)
    doist.doers = [serving.ServerDoer(server=server), clienting.ClientDoer(client=client)]
    client.request(method="GET", path="/stream")
    assert runUntil(doist, lambda: client.events and client.events[-1]["data"] == "END", limit=100)
    datas = [event["data"] for event in client.events]
    # a chunk a pass of tock 0.125: the retry line with the call, then an event
    # each pass while the tymer of 1.0 runs (seven passes more), then the end
    assert datas == [str(n) for n in range(7)] + ["END"]
    assert client.respondent.retry == 1000 and client.respondent.leid == "6"


def test_waited_set_false_gives_up_the_request_in_progress():
    """Setting .waited False, as code written for the published client may, abandons the
    request sent: the next request gets its own answer on a new connection, never the old one's."""
    doist = doing.Doist(real=False, tock=0.03125)
    server = serving.Server(app=app, host="127.0.0.1", port=0, tymth=doist.tymen())
    server.reopen()
    port = server.servant.ss.getsockname()[1]
    client = clienting.Client(hostname="127.0.0.1", port=port)
    doist.doers = [serving.ServerDoer(server=server), clienting.ClientDoer(client=client)]
    doist.enter()
    try:
        client.request(method="GET", path="/nothing")
        for _ in range(100):
            doist.recur()
            if client.waited:
                break
        assert client.waited  # sent, its answer not read yet
        first = client.connector
        client.waited = False
        assert not client.waited and client.pending is None and not first.opened
        with pytest.raises(ValueError, match="no request in progress"):
            client.waited = True
        client.request(method="POST", path="/echo", body=b"second")
        for _ in range(200):
            doist.recur()
            if client.responses:
                break
        (response,) = client.responses
        assert response["status"] == 200 and b'"body": "second"' in response["body"]
    finally:
        doist.exit()
