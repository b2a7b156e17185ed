"""``hio serve --asyncio`` and ``hiod --asyncio``: the demo web app under Doist.ado(), run as processes."""

from __future__ import annotations

import json
import re
import signal
import socket

import pytest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_asyncio_answers_and_stops(served, signum):
    server = served("hio", "serve", "--port", "0", "--asyncio")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)

    status, headers, body = server.get("/api/info")
    assert status == 200 and json.loads(body)["message"] == "Hello from hio"

    status, headers, body = server.get("/api/events?count=2", headers={"Accept": "text/event-stream"})
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    datas = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]
    assert [data["n"] for data in datas] == [1, 2]

    status, _, body = server.get("/demo/")
    assert status == 200 and b"<title>hio demo</title>" in body

    code, _, err = server.stop(signum)
    assert code == 0, err
    assert "serving under Doist.ado() in an asyncio event loop" in err
    assert f"{signal.Signals(signum).name} received: closing" in err and "server closed" in err
    assert "GET /api/info -> 200 OK" in err


def test_serve_asyncio_reports_a_port_in_use(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run("hio", "serve", "--port", str(taken.getsockname()[1]), "--asyncio")
    assert done.returncode == 2
    assert "hio serve:" in done.stderr and "in use" in done.stderr


def test_serve_help_documents_asyncio(run):
    done = run("hio", "serve", "--help")
    assert done.returncode == 0 and "--asyncio" in done.stdout and "ado()" in done.stdout


def test_hiod_asyncio_serves_and_stops_cleanly(served):
    server = served("hio.daemon", "--port", "0", "--asyncio")
    assert server.get("/api/info")[0] == 200
    code, _, err = server.stop(signal.SIGTERM)
    assert code == 0, err
    assert "hiod stopped cleanly at tyme" in err
