"""The application-alone limit for the HTTP benchmark: the falcon hello app called in a loop.

Usage: ``python app_alone.py SECONDS``. Calls the same falcon "hello" app as
``http_server.py`` in-process, with one prepared PEP 3333 environ and no
sockets, no parsing and no server, for SECONDS, reading each response body in
full. No server can serve the app faster than this; the benchmark reports a
server's requests per second as a fraction of it. Prints one JSON object:
calls, seconds, calls per second.
"""

from __future__ import annotations

import io
import json
import sys
import time

from http_server import BODY_TEXT, app


def environ() -> dict:
    """A GET / request as a WSGI server would hand it to the application."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_USER_AGENT": "bench",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def main(seconds: float) -> dict:
    application, env = app(), environ()
    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None):
        statuses.append(status)
        return lambda data: None

    expected = BODY_TEXT.encode()
    if b"".join(application(env, start_response)) != expected or not statuses[0].startswith("200"):
        raise RuntimeError("the app did not answer 200 with the hello body")
    calls, clock = 0, time.perf_counter
    start = clock()
    deadline = start + seconds
    while clock() < deadline:
        for _ in range(100):
            statuses.clear()
            b"".join(application(env, start_response))
        calls += 100
    elapsed = clock() - start
    return {"calls": calls, "seconds": elapsed, "calls_per_s": calls / elapsed}


if __name__ == "__main__":
    print(json.dumps(main(float(sys.argv[1]))))
