"""``hiod`` as a process: serves until SIGTERM or SIGINT, then closes every doer and exits 0."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import urllib.parse
from importlib import metadata

import pytest


def refused(url: str) -> bool:
    """True when nothing listens at url any more."""
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_hiod_serves_until_signal_then_closes_cleanly(served, tmp_path, signum):
    daemon = served("hio.daemon", "--port", "0", "--logdir", str(tmp_path))
    status, _, body = daemon.get("/api/info")
    assert status == 200 and b"Hello from hio" in body

    code, out, err = daemon.stop(signum)
    assert code == 0, err
    assert out == ""  # the URL was the only line on stdout
    name = signal.Signals(signum).name
    log = (tmp_path / "hio" / "logs" / "hiod.log").read_text()
    for text in (
        f"hiod {metadata.version('hio')} starting",
        f"serving {daemon.url}",
        "GET /api/info -> 200 OK",
        f"{name} received: closing",
        "server closed",
        "hiod stopped cleanly",
    ):
        assert text in log and text in err
    assert log.index(f"{name} received") < log.index("server closed") < log.index("stopped cleanly")
    assert refused(daemon.url)


def test_hiod_closes_open_connections_on_sigterm(served, tmp_path):
    # the endless stream is a response in process: cut once the graceful timeout is over
    daemon = served(
        "hio.daemon", "--port", "0", "--logdir", str(tmp_path), "--period", "0.05", "--graceful-timeout", "0.5"
    )
    parts = urllib.parse.urlsplit(daemon.url)
    idle = socket.create_connection((parts.hostname, parts.port), timeout=10)  # connected, says nothing
    streaming = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    streaming.request("GET", "/api/events")
    rep = streaming.getresponse()
    assert rep.status == 200 and rep.readline() == b"retry: 1000\n"
    code, _, err = daemon.stop()
    assert code == 0, err
    assert idle.recv(1) == b""  # closed by the server, not left hanging
    with pytest.raises(http.client.IncompleteRead):
        rep.read()  # the endless stream is cut
    idle.close()
    streaming.close()
    assert refused(daemon.url)


def test_hiod_temp_log_directory_is_removed(served):
    daemon = served("hio.daemon", "--port", "0", "--temp", "--loglevel", "debug")
    assert daemon.get("/robots.txt")[0] == 200
    code, _, err = daemon.stop()
    assert code == 0, err
    path = re.search(r"logging to (\S+)", err).group(1)
    assert path.endswith("hiod.log")
    assert not os.path.exists(path)


def test_hiod_console_only_by_default(served):
    daemon = served("hio.daemon", "--port", "0", "--loglevel", "warning")
    assert daemon.get("/api/info")[0] == 200
    code, out, err = daemon.stop()
    assert code == 0
    assert err == "" and out == ""


def test_hiod_reports_a_port_in_use(run, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run("hio.daemon", "--port", str(taken.getsockname()[1]), "--logdir", str(tmp_path))
    assert done.returncode == 2
    assert "hiod cannot serve" in done.stderr
    assert "hiod cannot serve" in (tmp_path / "hio" / "logs" / "hiod.log").read_text()


def test_hiod_rejects_conflicting_log_options(run, tmp_path):
    done = run("hio.daemon", "--temp", "--logdir", str(tmp_path))
    assert done.returncode == 2
    assert "not allowed with" in done.stderr
