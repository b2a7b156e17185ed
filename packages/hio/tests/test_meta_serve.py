"""``hio serve APP`` and ``hiod APP`` as processes: workers on shared sockets, kept by a supervisor.

Each test starts the command with an application module in a temporary
directory (its current directory), on 127.0.0.1 port 0 (or a Unix socket),
and talks to it with http.client; every wait is bounded.
"""

from __future__ import annotations

import http.client
import os
import re
import resource
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

LIMIT = 20.0
"""Seconds any one process or wait may take."""

APP = """
import os, time

def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/slow":  # says it began (a file in the current directory), then takes its time
        open("slow.began", "w").close()
        time.sleep(float(environ["QUERY_STRING"] or "0.5"))
    body = environ["wsgi.input"].read()
    text = f"{os.getpid()} {environ['wsgi.url_scheme']} {environ['REMOTE_ADDR']} {len(body)}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text]

def factory(word):
    def made(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [word.encode()]
    return made

class Holder:
    inner = staticmethod(app)

number = 7
"""


class Serving:
    """A ``hio serve`` (or ``hiod``) process run in directory cwd.

    Attributes:
        proc (subprocess.Popen): the supervisor process
        urls (list[str]): the URLs it printed first, one per bind
    """

    def __init__(
        self, cwd, *args: str, binds: int = 1, env: dict | None = None, module: str = "hio", nofile: int = 0
    ) -> None:
        def limit() -> None:  # in the child: at most nofile descriptors, for it and the workers it forks
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *(("serve",) if module == "hio" else ()), *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env={**os.environ, **(env or {})},
            preexec_fn=limit if nofile else None,
        )
        self.urls = [self.proc.stdout.readline().strip() for _ in range(binds)]
        if not all(self.urls):
            self.proc.kill()
            out, err = self.proc.communicate(timeout=LIMIT)
            raise AssertionError(f"no URLs: {self.urls}\nstdout: {out}\nstderr: {err}")
        self.err: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line)

    @property
    def port(self) -> int:
        return int(re.search(r":(\d+)/$", self.urls[0]).group(1))

    def request(self, method="GET", path="/", body=None, url=None, context=None, headers=None):
        """One request on a new connection; returns (status, body text)."""
        url = url or self.urls[0]
        if url.startswith("unix:"):
            conn = UnixConnection(url[5:])
        else:
            host, port = re.match(r"https?://\[?([^\]/]+?)\]?:(\d+)/", url).groups()
            if url.startswith("https"):
                conn = http.client.HTTPSConnection(host, int(port), timeout=LIMIT, context=context)
            else:
                conn = http.client.HTTPConnection(host, int(port), timeout=LIMIT)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            rep = conn.getresponse()
            return rep.status, rep.read().decode()
        finally:
            conn.close()

    def pid(self) -> int:
        """The pid of the worker that answers a request on a new connection."""
        status, text = self.request()
        assert status == 200, text
        return int(text.split()[0])

    def logged(self, text: str, limit: float = LIMIT) -> str:
        """Waits until a log line holds text; returns that line."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for line in list(self.err):
                if text in line:
                    return line
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not logged:\n{''.join(self.err)}")

    def ready(self, count: int = 1) -> None:
        """Waits until count workers have said they serve."""
        deadline = time.monotonic() + LIMIT
        while sum(bool(re.search(r"worker \d+ serves", line)) for line in list(self.err)) < count:
            assert time.monotonic() < deadline, "".join(self.err)
            time.sleep(0.02)

    def workers(self) -> set[int]:
        """The pids of the worker processes running, from the supervisor's children."""
        path = f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
        with open(path) as children:
            return {int(pid) for pid in children.read().split()}

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Sends signum to the supervisor; returns (exit status, stderr)."""
        self.proc.send_signal(signum)
        self.proc.wait(timeout=LIMIT)
        self._reader.join(timeout=LIMIT)
        return self.proc.returncode, "".join(self.err)

    def kill(self) -> None:
        if self.proc.poll() is None:
            workers = self.workers()
            self.proc.kill()
            self.proc.wait(timeout=LIMIT)
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


class UnixConnection(http.client.HTTPConnection):
    """http.client over a Unix socket."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=LIMIT)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(LIMIT)
        self.sock.connect(self.path)


@pytest.fixture
def project(tmp_path):
    """A directory with the application module web.py, as a user's project."""
    (tmp_path / "web.py").write_text(APP)
    return tmp_path


@pytest.fixture
def serving(project):
    """Factory: serving(*args) starts ``hio serve`` in the project directory; killed at teardown."""
    started = []

    def start(*args: str, **kwa) -> Serving:
        one = Serving(project, *args, **kwa)
        started.append(one)
        return one

    yield start
    for one in started:
        one.kill()


def run(cwd, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=LIMIT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def test_serves_an_app_from_the_current_directory_with_two_workers(serving):
    server = serving("web:app", "--port", "0", "-w", "2")
    server.ready(2)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", server.urls[0])
    status, text = server.request("POST", "/", body=b"12345")
    pid, scheme, remote, size = text.split()
    assert status == 200 and scheme == "http" and remote == "127.0.0.1" and size == "5"
    workers = server.workers()
    assert len(workers) == 2 and int(pid) in workers
    assert len({server.pid() for _ in range(4)} - workers) == 0
    code, err = server.stop()
    assert code == 0, err
    assert err.count("server closed") == 2 and "SIGTERM received: closing" in err
    assert len(re.findall(r"worker \d+ exited \(exit status 0\)", err)) == 2


def test_factory_call_and_dotted_attributes(serving):
    server = serving("web:factory('made here')", "--port", "0")
    assert server.request() == (200, "made here")
    assert server.stop()[0] == 0
    server = serving("web:Holder.inner", "--port", "0")
    assert server.request()[0] == 200
    assert server.stop()[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("serve", "nosuch:app"), "hio serve: cannot import 'nosuch': no such module"),
        (("serve", "web:number"), "hio serve: web:number is not a WSGI application: int is not callable"),
        (("serve", "web:missing"), "hio serve: 'web' has no attribute 'missing'"),
        (("serve", "--port", "99999"), "--port 99999 is out of range"),
        (("serve", "--port", "-1"), "--port -1 is out of range"),
        (("serve", "-b", "127.0.0.1:70000"), "port 70000 is out of range"),
        (("serve", "-w", "lots"), "--workers 'lots'"),
        (("serve", "--certfile", "nowhere.pem"), "cannot load the TLS files"),
    ],
)
def test_cannot_start_says_why_in_one_line_and_exits_2(project, args, message):
    done = run(project, "hio", *args, "--port", "0") if "--port" not in args else run(project, "hio", *args)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if message in line]
    assert lines, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("spec", ["nosuch:app", "nosuch.inner:app", "web.nosuch:app"])
def test_a_module_that_is_not_there_is_told_before_listening(project, spec):
    """No URL is announced and no worker started for an application module that cannot be found."""
    done = run(project, "hio", "serve", spec, "--port", "0")
    assert done.returncode == 2
    assert done.stdout == ""  # nothing was announced: nothing listened
    assert "worker" not in done.stderr.replace("1 worker\n", "")
    assert done.stderr.splitlines()[-1].startswith(f"hio serve: cannot import {spec.split(':')[0]!r}: no such module")


def test_hiod_bad_port_and_bad_app_exit_2(project):
    done = run(project, "hio.daemon", "--port", "99999")
    assert done.returncode == 2 and done.stderr == "hiod: --port 99999 is out of range: a port is 0 to 65535\n"
    done = run(project, "hio", "serve", "--port", "-1")
    assert done.returncode == 2 and done.stderr == "hio serve: --port -1 is out of range: a port is 0 to 65535\n"
    done = run(project, "hio.daemon", "nosuch:app", "--port", "0")
    assert done.returncode == 2 and "hiod cannot serve: cannot import 'nosuch'" in done.stderr


def test_a_port_in_use_is_named(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run(project, "hio", "serve", "web:app", "--port", str(port))
    assert done.returncode == 2
    assert f"hio serve: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "server closed" not in done.stderr  # never opened


def test_a_killed_worker_is_replaced(serving):
    server = serving("web:app", "--port", "0", "-w", "1")
    first = server.pid()
    os.kill(first, signal.SIGKILL)
    second = server.pid()  # the request waits in the queue for the new worker
    assert second != first
    assert server.logged(f"worker {first} died (killed by SIGKILL): starting another")
    assert server.stop()[0] == 0


def cpuSeconds(pid: int) -> float:
    """User plus system CPU seconds of process pid, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connectAlive(port: int) -> socket.socket:
    """A connection to 127.0.0.1:port; a refusal or reset of a loopback crowded with connections is tried again."""
    for _ in range(8):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=LIMIT)
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.02)
    return socket.create_connection(("127.0.0.1", port), timeout=LIMIT)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the worker's descriptors and CPU time from /proc")
def test_a_worker_out_of_descriptors_backs_off_then_serves_again(serving):
    """A worker limited to 64 descriptors, with 150 connections held open, logs once that it cannot
    accept, stays under a tenth of a core while starved, and answers again once they close."""
    server = serving("web:app", "--port", "0", "-w", "1", nofile=64)
    server.ready()
    (worker,) = server.workers()
    held = [connectAlive(server.port) for _ in range(150)]
    try:
        server.logged("cannot accept on 127.0.0.1:")
        start, cpu = time.monotonic(), cpuSeconds(worker)
        time.sleep(1.5)
        fraction = (cpuSeconds(worker) - cpu) / (time.monotonic() - start)
        assert fraction < 0.10, fraction
        assert len(os.listdir(f"/proc/{worker}/fd")) >= 60  # still holding what it took
    finally:
        for sock in held:
            sock.close()
    status, text = server.request()
    assert status == 200 and int(text.split()[0]) == worker  # the same worker, not a replacement
    server.logged("accepts again on 127.0.0.1:")
    code, err = server.stop()
    assert code == 0, err
    assert 1 <= err.count("cannot accept on 127.0.0.1:") <= 3, err  # once an episode, not once a pass


def test_sigterm_lets_a_response_in_process_finish(serving, project):
    server = serving("web:app", "--port", "0", "-w", "1")
    server.ready()
    answers = []
    slow = threading.Thread(target=lambda: answers.append(server.request(path="/slow", headers={})))
    slow.start()
    deadline = time.monotonic() + LIMIT
    while not (project / "slow.began").exists():  # the slow request is in process
        assert time.monotonic() < deadline
        time.sleep(0.01)
    code, err = server.stop(signal.SIGTERM)
    slow.join(timeout=LIMIT)
    assert code == 0, err
    assert answers and answers[0][0] == 200
    assert "SIGTERM received: draining" in err


def test_graceful_timeout_cuts_what_takes_longer(serving):
    server = serving("web:app", "--port", "0", "--graceful-timeout", "0.2", "--tymeout", "30")
    parts = server.port
    idle = socket.create_connection(("127.0.0.1", parts), timeout=LIMIT)  # says nothing: kept until the timeout
    server.pid()
    code, err = server.stop()
    assert code == 0, err
    assert "graceful timeout: closing 1 connections still open" in err
    assert idle.recv(1) == b""
    idle.close()


def test_sighup_replaces_every_worker(serving):
    server = serving("web:app", "--port", "0", "-w", "2")
    server.ready(2)
    before = server.workers()
    server.proc.send_signal(signal.SIGHUP)
    server.logged("all workers replaced")
    deadline = time.monotonic() + LIMIT
    while server.workers() & before and time.monotonic() < deadline:
        time.sleep(0.05)
    after = server.workers()
    assert len(after) == 2 and not after & before
    assert server.pid() in after
    assert server.stop()[0] == 0


def test_tls_and_client_certificates(serving, tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, cafile = tmp_path / "server.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    ca.cert_pem.write_to_path(str(cafile))
    client = ssl.create_default_context()
    ca.configure_trust(client)
    server = serving("web:app", "--port", "0", "--certfile", str(certfile))
    assert server.urls[0].startswith("https://127.0.0.1:")
    status, text = server.request(context=client)
    assert status == 200 and text.split()[1] == "https"
    assert server.stop()[0] == 0

    server = serving("web:app", "--port", "0", "--certfile", str(certfile), "--ca-certs", str(cafile))
    with pytest.raises((ssl.SSLError, ConnectionError)):  # no client certificate: refused in the handshake
        server.request(context=client)
    ca.issue_cert("client@example.com").configure_cert(client)
    assert server.request(context=client)[0] == 200
    assert server.stop()[0] == 0


def test_several_binds_ipv6_and_a_unix_socket(serving, tmp_path):
    path = str(tmp_path / "app.sock")
    server = serving("web:app", "-b", "127.0.0.1:0", "-b", "[::1]:0", "-b", f"unix:{path}", binds=3)
    four, six, unix = server.urls
    assert four.startswith("http://127.0.0.1:") and six.startswith("http://[::1]:") and unix == f"unix:{path}"
    assert server.request(url=four)[0] == 200
    status, text = server.request(url=six)
    assert status == 200 and text.split()[2] == "::1"
    status, text = server.request(url=unix)
    assert status == 200 and text.split()[2] == "localhost"
    assert server.stop()[0] == 0
    assert not os.path.exists(path)  # removed on the way out


def test_access_log_environment_and_limits(serving, tmp_path):
    log = tmp_path / "access.log"
    server = serving(
        "--port", "0", env={"HIO_APP": "web:app", "HIO_WORKERS": "2", "HIO_ACCESS_LOG": str(log), "HIO_MAX_BODY": "10"}
    )
    server.ready(2)
    assert server.request("POST", "/x?y=1", body=b"0123456789")[0] == 200
    assert server.request("POST", "/x", body=b"0123456789+")[0] == 413
    assert server.stop()[0] == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 1  # the 413 never reached the app
    assert re.fullmatch(r'127\.0\.0\.1 - - \[[^]]+\] "POST /x\?y=1 HTTP/1\.1" 200 \d+', lines[0]), lines


def test_asyncio_workers_serve_the_app(serving):
    server = serving("web:app", "--port", "0", "--asyncio", "-w", "2")
    server.ready(2)
    assert server.request()[0] == 200
    assert server.stop(signal.SIGINT)[0] == 0


def test_hiod_serves_an_app_with_workers_and_logs_to_its_file(project, tmp_path):
    server = Serving(project, "web:app", "--port", "0", "-w", "2", "--logdir", str(tmp_path), module="hio.daemon")
    try:
        server.ready(2)
        assert server.request()[0] == 200
        code, err = server.stop()
    finally:
        server.kill()
    assert code == 0, err
    log = (tmp_path / "hio" / "logs" / "hiod.log").read_text()
    assert log.count("server closed") == 2 and "hiod stopped cleanly" in log


def test_help_documents_every_option(project):
    for module in (("hio", "serve"), ("hio.daemon",)):
        done = run(project, *module, "--help")
        assert done.returncode == 0
        for option in (
            "APP", "--bind", "--workers", "--graceful-timeout", "--certfile", "--keyfile", "--ca-certs", "--tock",
            "--tymeout", "--max-body", "--max-unsent", "--access-log", "--asyncio", "--backlog", "HIO_WORKERS",
            "HIO_BIND", "SIGHUP",
        ):  # fmt: skip
            assert option in done.stdout, (module, option)


def test_quiet_and_hiod_log_options_from_the_environment(project, tmp_path):
    server = Serving(project, "web:app", "--port", "0", env={"HIO_QUIET": "yes"})
    try:
        assert server.request()[0] == 200
        code, err = server.stop()
    finally:
        server.kill()
    assert code == 0 and err == ""  # quiet: nothing but warnings and errors
    env = {"HIO_LOGDIR": str(tmp_path), "HIO_NAME": "mine", "HIO_LOGLEVEL": "warning"}
    server = Serving(project, "web:app", "--port", "0", env=env, module="hio.daemon")
    try:
        assert server.request()[0] == 200
        code, err = server.stop()
    finally:
        server.kill()
    assert code == 0 and err == ""
    assert (tmp_path / "hio" / "logs" / "mine.log").exists()
    done = run(project, "hio.daemon", "--port", "0", env={"HIO_LOGLEVEL": "loud"})
    assert done.returncode == 2 and done.stderr.startswith("hiod: HIO_LOGLEVEL='loud' is not one of")
    assert len(done.stderr.splitlines()) == 1
