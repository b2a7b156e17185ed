"""``hio serve APP`` under load and faults: a worker killed, a stop, a rolling replacement.

The server is the real command (``python -m hio serve web:app -w 2``) with
its supervisor and two worker processes; the load is client threads in this
process, half on keep-alive connections and half opening a connection per
request, some requests slow (the app sleeps), so that responses are in
process when the fault strikes. Each request is classed:

- ok: a whole 200 response with the body the app sent
- cut: a response begun and not finished (its status line came, not all of
  its body)
- dropped: a new connection closed or reset before any byte of its answer
  (queued while the last listening socket closed, or held by a killed worker)
- refused: a connection refused (nothing listens)
- closed idle: a kept-alive connection the server closed between requests
  (HTTP lets a server do that; the client retries on a new connection)

Figures are printed (``pytest -s``) and in the terminal summary.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

LIMIT = 30.0

APP = """
import os, time
PID = str(os.getpid()).encode()

def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(0.05)
    body = PID + b" " + b"x" * 2000
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""


class Server:
    """``hio serve web:app`` as a process, its URL read from its first line."""

    def __init__(self, cwd, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hio", "serve", "web:app", "--port", "0", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        url = self.proc.stdout.readline().strip()
        self.port = int(url.rsplit(":", 1)[1].strip("/"))
        self.err: list[str] = []
        self._reader = threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True)
        self._reader.start()

    def serving(self, count: int) -> None:
        deadline = time.monotonic() + LIMIT
        while sum(" serves" in line for line in list(self.err)) < count:
            assert time.monotonic() < deadline, "".join(self.err)
            time.sleep(0.01)

    def workers(self) -> set[int]:
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as children:
            return {int(pid) for pid in children.read().split()}

    def kill(self) -> None:
        if self.proc.poll() is None:
            workers = self.workers()
            self.proc.kill()
            self.proc.wait(LIMIT)
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


class Load:
    """Client threads sending requests until stopped; counts each outcome, with the time and pid of each ok.

    Attributes:
        counts (dict[str, int]): ok, cut, refused, closed idle
        answers (list[tuple[float, int]]): (monotonic time, worker pid) of each ok response
    """

    def __init__(self, port: int, kept: int = 4, fresh: int = 4) -> None:
        self.port = port
        self.counts = {"ok": 0, "cut": 0, "dropped": 0, "refused": 0, "closed idle": 0}
        self.answers: list[tuple[float, int]] = []
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self.client, args=(True, i)) for i in range(kept)]
        self.threads += [threading.Thread(target=self.client, args=(False, i)) for i in range(fresh)]
        for thread in self.threads:
            thread.start()

    def note(self, outcome: str, pid: int = 0) -> None:
        with self.lock:
            self.counts[outcome] += 1
            if pid:
                self.answers.append((time.monotonic(), pid))

    def client(self, keep: bool, index: int) -> None:
        conn: http.client.HTTPConnection | None = None
        used = False
        n = 0
        while self.running:
            n += 1
            if conn is None:
                conn, used = http.client.HTTPConnection("127.0.0.1", self.port, timeout=LIMIT), False
            path = "/slow" if (n + index) % 4 == 0 else "/"
            headers = {} if keep else {"Connection": "close"}
            began = False
            try:
                conn.request("GET", path, headers=headers)
                rep = conn.getresponse()
                began = True
                body = rep.read()
                if rep.status != 200 or len(body) < 2000:
                    raise http.client.IncompleteRead(body)
                self.note("ok", int(body.split(b" ", 1)[0]))
                used = True
                if not keep or rep.will_close:
                    conn.close()
                    conn = None
            except ConnectionRefusedError:
                self.note("refused")
                conn.close()
                conn = None
                time.sleep(0.01)
            except (OSError, http.client.HTTPException):
                self.note("cut" if began else "closed idle" if used else "dropped")
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def stop(self) -> dict[str, int]:
        self.running = False
        for thread in self.threads:
            thread.join(LIMIT)
        return dict(self.counts)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "web.py").write_text(APP)
    return tmp_path


@pytest.fixture
def server(project):
    started = []

    def start(*args: str) -> Server:
        one = Server(project, *args)
        started.append(one)
        return one

    yield start
    for one in started:
        one.kill()


def test_kill_9_of_a_worker_under_load(server, kit):
    serve = server("-w", "2")
    serve.serving(2)
    load = Load(serve.port)
    time.sleep(1.0)
    victim, other = sorted(serve.workers())
    killed = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    deadline = killed + LIMIT
    while time.monotonic() < deadline and len(serve.workers() - {victim, other}) < 1:
        time.sleep(0.005)
    new = (serve.workers() - {victim, other}).pop()
    while time.monotonic() < deadline and not any(pid == new for _, pid in list(load.answers)):
        time.sleep(0.005)
    time.sleep(1.0)
    counts = load.stop()
    first = min(when for when, pid in load.answers if pid == new) - killed
    during = sum(1 for when, pid in load.answers if pid == other and killed <= when <= killed + 1.0)
    kit.report(
        "hio serve -w 2, kill -9 of a worker under load",
        new_worker_serves_after_s=first,
        other_worker_answers_in_the_second_after=during,
        **{k.replace(" ", "_"): v for k, v in counts.items()},
    )
    assert during > 0  # the other kept answering
    assert counts["ok"] > 100
    assert counts["refused"] == 0  # the listening socket never closed
    assert serve.proc.poll() is None
    serve.proc.send_signal(signal.SIGTERM)
    assert serve.proc.wait(LIMIT) == 0


def test_sigterm_under_load_cuts_no_response(server, kit):
    graceful = 5.0
    serve = server("-w", "2", "--graceful-timeout", str(graceful))
    serve.serving(2)
    load = Load(serve.port)
    time.sleep(1.0)
    before = dict(load.counts)
    stopped = time.monotonic()
    serve.proc.send_signal(signal.SIGTERM)
    code = serve.proc.wait(LIMIT)
    took = time.monotonic() - stopped
    counts = load.stop()
    kit.report(
        "hio serve -w 2, SIGTERM under load",
        exit_status=code,
        exit_after_s=took,
        graceful_timeout_s=graceful,
        ok_before=before["ok"],
        **{k.replace(" ", "_"): v for k, v in counts.items()},
    )
    assert code == 0
    assert took < graceful + 1.0
    assert counts["cut"] == 0
    assert counts["ok"] > before["ok"]


def test_sighup_under_load_refuses_no_connection(server, kit):
    serve = server("-w", "2")
    serve.serving(2)
    load = Load(serve.port, kept=2, fresh=6)
    time.sleep(0.5)
    old = serve.workers()
    began = time.monotonic()
    serve.proc.send_signal(signal.SIGHUP)
    deadline = began + LIMIT
    while time.monotonic() < deadline and not any("all workers replaced" in line for line in list(serve.err)):
        time.sleep(0.01)
    while time.monotonic() < deadline and serve.workers() & old:
        time.sleep(0.01)
    replaced = time.monotonic() - began
    time.sleep(0.5)
    counts = load.stop()
    new = serve.workers()
    kit.report(
        "hio serve -w 2, SIGHUP under load",
        replaced_after_s=replaced,
        **{k.replace(" ", "_"): v for k, v in counts.items()},
    )
    assert len(new) == 2 and not new & old
    assert counts["refused"] == 0 and counts["cut"] == 0
    assert any(pid in new for _, pid in load.answers)
    serve.proc.send_signal(signal.SIGTERM)
    assert serve.proc.wait(LIMIT) == 0
