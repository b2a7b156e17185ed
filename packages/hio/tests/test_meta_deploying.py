"""The pieces of ``hio serve``'s deployment that need no process: finding the app, binds, options, access log."""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import sys

import pytest

from hio.deploying import accessing, apping, binding, configuring


@pytest.fixture
def appdir(tmp_path, monkeypatch):
    """A directory holding an application module and a package, as a user's project would."""
    (tmp_path / "myapp.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'mine']\n"
        "def make(word='made', times=1):\n"
        "    def made(environ, start_response):\n"
        "        start_response('200 OK', [])\n"
        "        return [word.encode() * times]\n"
        "    return made\n"
        "def broken():\n"
        "    raise RuntimeError('no database')\n"
        "number = 3\n"
    )
    (tmp_path / "onlyapplication.py").write_text("def application(environ, start_response):\n    return []\n")
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "web.py").write_text(
        "class Holder:\n    class Inner:\n        @staticmethod\n"
        "        def app(environ, start_response):\n            return [b'deep']\n"
    )
    (tmp_path / "importsmissing.py").write_text("import no_such_dependency_here\n")
    (tmp_path / "raises.py").write_text("raise ValueError('bad config')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    for name in [name for name in sys.modules if name.split(".")[0] in ("myapp", "onlyapplication", "mypkg")]:
        del sys.modules[name]


def call(app) -> list[bytes]:
    return list(app({}, lambda status, headers, exc_info=None: None))


def test_app_forms_are_found(appdir):
    assert call(apping.loadApp("myapp:app")) == [b"mine"]
    assert call(apping.loadApp("myapp")) == [b"mine"]  # app by default
    assert call(apping.loadApp("onlyapplication")) == []  # else application
    assert call(apping.loadApp("myapp:make()")) == [b"made"]
    assert call(apping.loadApp("myapp:make('hi', times=2)")) == [b"hihi"]
    assert call(apping.loadApp("mypkg.web:Holder.Inner.app")) == [b"deep"]


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("nosuchmodule:app", "cannot import 'nosuchmodule': no such module"),
        ("importsmissing:app", "cannot import 'importsmissing': ModuleNotFoundError"),
        ("raises:app", "cannot import 'raises': ValueError: bad config"),
        ("myapp:nothing", "'myapp' has no attribute 'nothing'"),
        ("myapp:number", "myapp:number is not a WSGI application: int is not callable"),
        ("myapp:number()", "myapp:number is not callable"),
        ("myapp:broken()", "myapp:broken() failed: RuntimeError: no database"),
        ("myapp:make(open)", "arguments of the call must be literals"),
        ("myapp:1app", "is not an attribute name"),
        ("my-app:app", "is not MODULE:APP"),
        (":app", "is not MODULE:APP"),
    ],
)
def test_app_errors_are_one_line(appdir, spec, reason):
    with pytest.raises(apping.AppError) as caught:
        apping.loadApp(spec)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "bind"),
    [
        ("127.0.0.1:8000", binding.Bind(host="127.0.0.1", port=8000)),
        (":80", binding.Bind(host="", port=80)),
        ("localhost:0", binding.Bind(host="localhost", port=0)),
        ("[::1]:8000", binding.Bind(host="::1", port=8000)),
        ("[::]:443", binding.Bind(host="::", port=443)),
        ("unix:/run/app.sock", binding.Bind(path="/run/app.sock")),
        ("./app.sock", binding.Bind(path="./app.sock")),
    ],
)
def test_binds_parse(text, bind):
    assert binding.parseBind(text) == bind


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("127.0.0.1:99999", "port 99999 is out of range"),
        ("127.0.0.1:-1", "port -1 is out of range"),
        ("127.0.0.1:http", "'http' is not a number"),
        ("127.0.0.1", "is not HOST:PORT"),
        ("::1:80", "an IPv6 address goes in brackets"),
        ("[::1]80", "is not [IPV6]:PORT"),
        ("unix:", "no Unix socket path"),
    ],
)
def test_bad_binds_say_why(text, reason):
    with pytest.raises(binding.BindError, match=re.escape(reason)):
        binding.parseBind(text)


def test_listeners_on_port_zero_ipv6_and_unix(tmp_path):
    four = binding.openListener(binding.parseBind("127.0.0.1:0"))
    try:
        bound = binding.boundAs(four)
        assert bound.port > 0 and binding.urlOf(bound) == f"http://127.0.0.1:{bound.port}/"
        assert four.get_inheritable() and not four.getblocking()
        with socket.create_connection(("127.0.0.1", bound.port), timeout=5):
            pass  # queued, not refused
        with pytest.raises(binding.BindError, match=rf"cannot listen on 127\.0\.0\.1:{bound.port}: .*in use"):
            binding.openListener(bound)
    finally:
        four.close()
    six = binding.openListener(binding.parseBind("[::1]:0"))
    try:
        assert binding.urlOf(binding.boundAs(six)).startswith("http://[::1]:")
    finally:
        six.close()
    path = str(tmp_path / "app.sock")
    unix = binding.openListener(binding.Bind(path=path))
    try:
        with pytest.raises(binding.BindError, match="a server listens there already"):
            binding.openListener(binding.Bind(path=path))
    finally:
        unix.close()
    again = binding.openListener(binding.Bind(path=path))  # the file left behind is replaced
    again.close()
    (tmp_path / "plain").write_text("x")
    with pytest.raises(binding.BindError, match="not a socket"):
        binding.openListener(binding.Bind(path=str(tmp_path / "plain")))


def parsed(*args: str, environ: dict | None = None) -> configuring.ServeConfig:
    parser = argparse.ArgumentParser(prog="test", exit_on_error=False)
    configuring.addOptions(parser)

    def leave(status: int = 0, message: str | None = None):
        assert status == 2
        raise SystemExit(message)

    parser.exit = leave  # type: ignore[method-assign]
    return configuring.resolveOptions(parser, parser.parse_args(list(args)), environ=environ or {})


def test_options_from_command_line_then_environment_then_defaults():
    config = parsed()
    assert config.workers == 1 and config.binds == [binding.Bind(host="127.0.0.1", port=8080)]
    assert config.worker.graceful == configuring.GRACEFUL and config.worker.app == ""
    config = parsed(
        environ={
            "HIO_WORKERS": "3",
            "HIO_BIND": "127.0.0.1:0, unix:/tmp/x.sock",
            "HIO_ASYNCIO": "yes",
            "HIO_APP": "m:a",
        }
    )
    assert config.workers == 3 and config.worker.asyncio and config.worker.app == "m:a"
    assert config.binds == [binding.Bind(host="127.0.0.1", port=0), binding.Bind(path="/tmp/x.sock")]
    config = parsed("-w", "2", "--max-body", "10", "--access-log", "-", environ={"HIO_WORKERS": "3"})
    assert config.workers == 2 and config.worker.maxBody == 10 and config.worker.accessLog == "-"
    assert parsed("--workers", "auto").workers == configuring.cpuCount() == parsed("-w", "0").workers


@pytest.mark.parametrize(
    ("args", "environ", "reason"),
    [
        (("--port", "99999"), {}, "--port 99999 is out of range"),
        (("--port", "-1"), {}, "--port -1 is out of range"),
        (("-w", "many"), {}, "--workers 'many'"),
        (("-w", "-2"), {}, "--workers -2"),
        (("--tock", "0"), {}, "--tock must be positive"),
        (("--max-unsent", "0"), {}, "--max-unsent must be at least 1"),
        (("--keyfile", "k.pem"), {}, "need --certfile"),
        ((), {"HIO_TYMEOUT": "soon"}, "HIO_TYMEOUT='soon' is not a valid value"),
        ((), {"HIO_ASYNCIO": "perhaps"}, "HIO_ASYNCIO='perhaps'"),
        (("--static", "/no/such/dir"), {}, "not a directory"),
    ],
)
def test_bad_options_say_why(args, environ, reason):
    with pytest.raises(SystemExit, match=re.escape(reason)):
        parsed(*args, environ=environ)


def test_access_log_lines_in_common_log_format(tmp_path):
    path = tmp_path / "access.log"
    log = accessing.AccessLog(str(path))

    def whole(environ, start_response):
        start_response("201 Created", [])
        return [b"abc", b"de"]

    def streamed(environ, start_response):
        start_response("200 OK", [])
        yield b"x" * 7

    environ = {
        "REMOTE_ADDR": "10.0.0.1",
        "REQUEST_METHOD": "POST",
        "PATH_INFO": '/a "b"',
        "QUERY_STRING": "q=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
    }
    assert log.wrap(whole)(environ, lambda *a: None) == [b"abc", b"de"]
    body = log.wrap(streamed)({**environ, "REQUEST_METHOD": "GET", "QUERY_STRING": ""}, lambda *a: None)
    assert b"".join(body) == b"x" * 7
    assert path.read_text() == ""  # written once a pass, by flush
    body.close()
    log.close()
    lines = path.read_text().splitlines()
    stamp = r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\]"
    assert re.fullmatch(rf'10\.0\.0\.1 - - {stamp} "POST /a \\"b\\"\?q=1 HTTP/1\.1" 201 5', lines[0]), lines[0]
    assert re.fullmatch(rf'10\.0\.0\.1 - - {stamp} "GET /a \\"b\\" HTTP/1\.1" 200 7', lines[1]), lines[1]


def test_loads_are_shared_slots_of_counts():
    from hio.deploying.balancing import FREE, Loads

    loads = Loads(slots=3)
    assert loads.least() == FREE
    assert [loads.take(), loads.take(), loads.take(), loads.take()] == [0, 1, 2, -1]
    loads.hold(0, 4)
    loads.hold(1, 2)
    loads.hold(2, 3)
    assert loads.least() == 2
    loads.free(1)
    assert loads.least() == 3 and loads.take() == 1 and loads.least() == 0


def test_a_worker_leaves_a_connection_to_one_that_holds_fewer(monkeypatch):
    """Two workers on one listening socket, stepped by hand: each takes a connection only while none holds fewer."""
    from hio.base import doing
    from hio.deploying import working
    from hio.deploying.balancing import Loads
    from hio.deploying.configuring import WorkerConfig

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    monkeypatch.setattr(working, "PATIENCE", 60.0)  # no worker takes a connection left to another, here
    sock = binding.openListener(binding.parseBind("127.0.0.1:0"))
    port = sock.getsockname()[1]
    loads = Loads(slots=2)
    doist = doing.Doist(real=False, tock=0.01)
    workers = []
    for slot in (loads.take(), loads.take()):
        config = WorkerConfig(fds=[os.dup(sock.fileno())], slot=slot)
        listeners = working.makeServers(config, app, doist.tymen())
        workers.append(working.WorkerDoer(listeners=listeners, loads=loads, slot=slot, tymth=doist.tymen()))
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
    try:
        a, b = workers
        for worker in workers:
            worker.enter()
        held = []
        for worker in (a, a, b, a, b, b):
            worker.recur(doist.tyme)
            held.append((a._held, b._held))
        assert held == [(1, 0), (1, 0), (1, 1), (2, 1), (2, 2), (2, 2)]
        for client in clients:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for _ in range(20):
            for worker in workers:
                worker.recur(doist.tyme)
        assert all(client.recv(1024).endswith(b"ok") for client in clients)
    finally:
        for worker in workers:
            worker.exit()
        for client in clients:
            client.close()
        sock.close()
