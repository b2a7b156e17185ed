"""The demo web app, the quick-start demo and the doers that end a Doist, on artificial tyme."""

from __future__ import annotations

import io
import json
import os
import signal

import pytest

from hio.base import doing
from hio.base.tyming import Tymist
from hio.core.http import Client, ClientDoer, Server, ServerDoer
from hio.daemon import SignalDoer, UntilDoer
from hio.demo import quickstart
from hio.demo.web import demo_web, demoing


def test_tyme_stream_on_artificial_tyme():
    tymist = Tymist(tock=0.125)
    stream = demoing.tymeStream(tymist.tymen(), period=0.25, count=3, leid=7)
    assert next(stream) == b"retry: 1000\n\n"
    chunks = []
    for chunk in stream:
        chunks.append((tymist.tyme, chunk))
        tymist.tick()
    events = [(tyme, chunk) for tyme, chunk in chunks if chunk]
    assert [tyme for tyme, _ in events] == [0.0, 0.25, 0.5]
    assert events[1][1] == b'id: 9\ndata: {"n": 9, "tyme": 0.25}\n\n'
    assert [chunk for _, chunk in chunks].count(b"") == 2  # one empty yield a cycle while no event is due


def serveDemo(*paths_and_headers, staticDirPath=None, count=None):
    """Runs the demo app behind hio's server and the hio client on one artificial-tyme Doist.

    Returns the responses (and the events) of the requests given as (path, headers).
    """
    doist = doing.Doist(real=False, tock=0.03125)
    lines = []
    app = demoing.createApp(tymth=doist.tymen(), staticDirPath=staticDirPath, period=0.125, report=lines.append)
    server = Server(app=app, host="127.0.0.1", port=0)
    server.reopen()
    client = Client(hostname="127.0.0.1", port=server.servant.ha[1], dictable=True)
    for path, headers in paths_and_headers:
        client.request(method="GET", path=path, headers=headers)
    wanted = len(paths_and_headers)
    until = UntilDoer(
        doers=[ServerDoer(server=server), ClientDoer(client=client)], until=lambda: len(client.responses) == wanted
    )
    doist.do(doers=[until], limit=10.0)
    assert until.done and not server.opened
    return [client.respond() for _ in range(len(client.responses))], list(client.events), lines


def test_demo_app_endpoints():
    (info, events, missing, bad), streamed, lines = serveDemo(
        ("/api/info", {}),
        ("/api/events?count=2", {"Last-Event-ID": "41"}),
        ("/api/nothing", {}),
        ("/api/events?count=0", {}),
    )
    assert info.status == 200 and info.data["message"] == "Hello from hio" and info.data["name"] == "hio"
    assert info.headers["cache-control"] == "no-store"
    assert events.status == 200 and events.headers["content-type"] == "text/event-stream"
    assert [event["data"]["n"] for event in streamed] == [42, 43]
    assert [event["id"] for event in streamed] == ["42", "43"]
    assert streamed[1]["data"]["tyme"] - streamed[0]["data"]["tyme"] >= 0.125
    assert missing.status == 404
    assert bad.status == 400
    assert lines[0] == "GET /api/info -> 200 OK"
    assert lines[1] == "GET /api/events?count=2 -> 200 OK event stream"


def test_demo_app_static_client_app(tmp_path):
    (tmp_path / "index.html").write_text("<p>mine</p>")
    responses, _, _ = serveDemo(
        ("/", {}),
        ("/index.html", {}),
        ("/demo", {}),
        ("/demo/index.js", {}),
        ("/demo/favicon.ico", {}),
        ("/demo/robots.txt", {}),
        ("/demo/../../etc/passwd", {}),
        staticDirPath=tmp_path,
    )
    root, index, demo, js, icon, robots, escape = responses
    assert root.body == b"<p>mine</p>" and index.body == b"<p>mine</p>"
    assert demo.status == 200 and b"<title>hio demo</title>" in demo.body
    assert js.status == 200 and b"new EventSource(" in js.body and b"fetch(" in js.body
    assert icon.headers["content-type"] == "image/vnd.microsoft.icon" and icon.body[:4] == b"\x00\x00\x01\x00"
    assert robots.body.startswith(b"#") and b"Disallow: /" in robots.body
    assert escape.status == 404


def test_static_files_ship_with_the_package():
    names = sorted(os.listdir(demoing.STATIC_DIR_PATH))
    assert names == ["favicon.ico", "index.html", "index.js", "robots.txt"]


def test_create_app_refuses_a_missing_directory(tmp_path):
    with pytest.raises(NotADirectoryError):
        demoing.createApp(tymth=Tymist().tymen(), staticDirPath=tmp_path / "missing")


@pytest.mark.parametrize(
    "ha, url",
    [
        (("127.0.0.1", 8080), "http://127.0.0.1:8080/"),
        (("", 80), "http://127.0.0.1:80/"),
        (("0.0.0.0", 1), "http://127.0.0.1:1/"),
        (("::", 5), "http://[::1]:5/"),
        (("::1", 5), "http://[::1]:5/"),
    ],
)
def test_url_of(ha, url):
    assert demo_web.urlOf(ha) == url


def test_quickstart_tells_each_doer_and_closes_everything():
    out = io.StringIO()
    assert quickstart.run(out=out, count=2) == 0
    lines = out.getvalue().splitlines()
    whats = [line.split(None, 2)[1:] for line in lines[3:-1]]
    assert [who for who, _ in whats] == [
        "server",
        "client",
        "visitor",
        "app",
        "visitor",
        "visitor",
        "app",
        "visitor",
        "visitor",
        "visitor",
        "until",
        "client",
        "server",
    ]
    assert whats[-1] == ["server", "closed"]
    assert lines[-1].startswith("finished cleanly")


def test_until_doer_closes_its_doers_last_entered_first():
    doist = doing.Doist(real=False, tock=1.0)
    first, second = doing.TryDoer(stop=10), doing.TryDoer(stop=10)
    until = UntilDoer(doers=[first, second], until=lambda: doist.tyme >= 2.0)
    doist.do(doers=[until], limit=10.0)
    assert until.done is True and doist.tyme == 3.0  # completed at tyme 2, not by the limit
    assert [state.context for state in first.states] == ["enter", "recur", "recur", "recur", "close", "exit"]
    assert [state.context for state in second.states] == ["enter", "recur", "recur", "recur", "close", "exit"]
    order = []
    for doer in (first, second):
        doer.exit = lambda doer=doer: order.append(doer)
    doist.do(doers=[UntilDoer(doers=[first, second], until=lambda: True)])
    assert order == [second, first]


def test_until_doer_completes_when_its_doers_complete():
    doist = doing.Doist(real=False, tock=1.0)
    until = UntilDoer(doers=[doing.TryDoer(stop=0)])
    doist.do(doers=[until], limit=10.0)
    assert until.done is True and doist.tyme == 1.0  # its one doer completed in the first cycle


def test_signal_doer_ends_the_run_and_restores_handlers():
    before = signal.getsignal(signal.SIGTERM)
    worker = doing.TryDoer(stop=100)
    signaled = []

    class Sender(doing.Doer):
        def recur(self, tyme):
            if tyme == 2.0:
                os.kill(os.getpid(), signal.SIGTERM)  # delivered to the handler SignalDoer installed
                signaled.append(tyme)
            return False

    signaler = SignalDoer(doers=[Sender(), worker])
    doist = doing.Doist(real=False, tock=1.0)
    doist.do(doers=[signaler], limit=50.0)
    assert signaled == [2.0]
    assert signaler.done is True and signaler.signaled == signal.SIGTERM
    assert doist.tyme == 3.0
    assert [state.context for state in worker.states][-2:] == ["close", "exit"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_signal_doer_restores_handlers_when_entering_fails():
    before = signal.getsignal(signal.SIGINT)

    class Broken(doing.Doer):
        def enter(self, *, temp=None):
            raise OSError("cannot open")

    with pytest.raises(OSError, match="cannot open"):
        doing.Doist(real=False).do(doers=[SignalDoer(doers=[Broken()])])
    assert signal.getsignal(signal.SIGINT) is before


def test_demo_json_is_json():
    (info,), _, _ = serveDemo(("/api/info", {}))
    assert json.loads(info.body) == info.data


def test_web_server_doer_says_closed_only_for_a_server_that_opened(caplog):
    """A server whose listen socket could not open was never serving: its exit does not say it closed."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        doist = demo_web.demoDoist(port=taken.getsockname()[1], limit=1.0)
        with caplog.at_level("INFO", logger="hio"), pytest.raises(OSError):
            doist.do()
    assert "server closed" not in caplog.text
    doist = demo_web.demoDoist(port=0, limit=0.1, announce=lambda url: None)
    with caplog.at_level("INFO", logger="hio"):
        doist.do()
    assert "server closed" in caplog.text
