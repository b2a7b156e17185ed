"""The ``hio`` command line, run as a process: --version, --help, demo, serve."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

VERSION = metadata.version("hio")


def test_version(run):
    done = run("hio", "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"hio {VERSION}"


@pytest.mark.parametrize(
    "args",
    [("hio",), ("hio", "demo"), ("hio", "serve"), ("hio.daemon",)],
    ids=["hio", "demo", "serve", "hiod"],
)
def test_help_everywhere(run, args):
    done = run(*args, "--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: ")
    assert "--help" in done.stdout


def test_no_command_prints_help(run):
    done = run("hio")
    assert done.returncode == 0
    assert "demo" in done.stdout and "serve" in done.stdout


def test_unknown_command_is_a_usage_error(run):
    done = run("hio", "launch")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_console_scripts_are_declared_and_run():
    scripts = {ep.name: ep.value for ep in metadata.distribution("hio").entry_points if ep.group == "console_scripts"}
    assert scripts == {"hio": "hio.cli:main", "hiod": "hio.daemon:main"}
    bindir = Path(sys.executable).parent
    for name in ("hio", "hiod"):
        done = subprocess.run([str(bindir / name), "--version"], capture_output=True, text=True, timeout=20)
        assert done.returncode == 0
        assert done.stdout.strip() == f"{name} {VERSION}"


def test_demo_runs_server_and_client_and_shuts_down(run):
    done = run("hio", "demo")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    body = "\n".join(lines)
    assert f"hio {VERSION} demo" in lines[0]
    # what each doer did, in order, each line starting with its tyme
    whats = [re.match(r"\s*(\d+\.\d{5})  (\w+)\s+(.*)", line) for line in lines[3:-1]]
    assert all(whats), body
    doers = [m.group(2) for m in whats]
    assert doers[:3] == ["server", "client", "visitor"]
    assert doers[-3:] == ["until", "client", "server"]
    assert whats[-1].group(3) == "closed" and whats[-2].group(3) == "connection closed"
    tymes = [float(m.group(1)) for m in whats]
    assert tymes == sorted(tymes)
    # the JSON value, then three server sent events, each its own tyme
    assert '200 OK {"name": "hio", "version": "%s", "message": "Hello from hio"' % VERSION in body
    events = [json.loads(m.group(3).split(": ", 1)[1]) for m in whats if m.group(3).startswith("event ")]
    assert [event["n"] for event in events] == [1, 2, 3]
    assert len({event["tyme"] for event in events}) == 3
    assert lines[-1].startswith("finished cleanly")
    assert done.stderr == ""


def test_demo_with_more_events(run):
    done = run("hio", "demo", "--count", "5", "--period", "0.125")
    assert done.returncode == 0, done.stderr
    assert len(re.findall(r"visitor  event \d+: ", done.stdout)) == 5


def test_demo_rejects_bad_options(run):
    done = run("hio", "demo", "--count", "0")
    assert done.returncode == 2
    assert "must be positive" in done.stderr


def test_serve_answers_and_stops_on_sigterm(served):
    server = served("hio", "serve", "--port", "0")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.url)

    status, headers, body = server.get("/api/info")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    info = json.loads(body)
    assert info["message"] == "Hello from hio" and info["version"] == VERSION

    status, headers, body = server.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<title>hio demo</title>" in body and b"/demo/index.js" in body

    for path, ctype in [("/demo/index.js", "javascript"), ("/demo/favicon.ico", "icon"), ("/robots.txt", "text/plain")]:
        status, headers, body = server.get(path)
        assert status == 200 and ctype in headers["Content-Type"] and body

    status, _, _ = server.get("/nothing/here")
    assert status == 404

    status, headers, body = server.get("/api/events?count=2", headers={"Accept": "text/event-stream"})
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    datas = [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]
    assert [data["n"] for data in datas] == [1, 2]
    assert datas[1]["tyme"] > datas[0]["tyme"]

    code, _, err = server.stop(signal.SIGTERM)
    assert code == 0, err
    assert "SIGTERM received: closing" in err and "server closed" in err
    assert "GET /api/info -> 200 OK" in err


def test_serve_stops_on_sigint(served):
    server = served("hio", "serve", "--port", "0", "--quiet")
    status, _, _ = server.get("/api/info")
    assert status == 200
    code, _, err = server.stop(signal.SIGINT)
    assert code == 0
    assert err == ""  # --quiet: nothing but warnings and errors


def test_serve_a_directory_with_the_demo_app(served, tmp_path):
    (tmp_path / "index.html").write_text("<p>my site</p>")
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path.parent / "secret.txt").write_text("secret")
    server = served("hio", "serve", "--port", "0", "--static", str(tmp_path))
    assert server.get("/")[2] == b"<p>my site</p>"
    assert server.get("/notes.txt")[2] == b"notes"
    assert b"<title>hio demo</title>" in server.get("/demo/")[2]
    assert server.get("/api/info")[0] == 200
    assert server.get("/%2e%2e/secret.txt")[0] == 404
    assert server.stop()[0] == 0


def test_serve_reports_a_missing_directory(run, tmp_path):
    done = run("hio", "serve", "--port", "0", "--static", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "not a directory" in done.stderr


def test_serve_reports_a_port_in_use(run):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run("hio", "serve", "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2
    assert "hio serve:" in done.stderr and "in use" in done.stderr


def test_serve_url_is_reachable_while_events_stream(served):
    """An open event stream does not hold the server: other requests are answered meanwhile.

    On SIGTERM the endless stream is a response in process: it is cut once the graceful timeout is over."""
    server = served("hio", "serve", "--port", "0", "--period", "0.05", "--graceful-timeout", "0.5")
    with urllib.request.urlopen(server.url + "api/events", timeout=10) as stream:
        assert stream.readline() == b"retry: 1000\n"
        assert server.get("/api/info")[0] == 200
        seen = []
        while len(seen) < 3:
            line = stream.readline()
            if line.startswith(b"id: "):
                seen.append(int(line[4:]))
        assert seen == [1, 2, 3]
        code, _, err = server.stop()
        try:  # the server cut the endless stream on its way out: no last chunk comes
            stream.read()
        except http.client.IncompleteRead:
            pass
        else:
            raise AssertionError("the stream ended as if complete")
    assert code == 0, err
