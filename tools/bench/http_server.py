"""A falcon "hello" app behind one WSGI server, on loopback, for the HTTP benchmark.

Usage: ``python http_server.py ENGINE PORT``; ENGINE is ``hio`` (hio's WSGI
Server under a Doist on artificial tyme, as fast as possible, from whichever
hio the interpreter imports), ``hio-real`` (the same under a real-time Doist),
``waitress`` or ``wsgiref``. Serves until terminated.
"""

from __future__ import annotations

import signal
import sys

import falcon

BODY_TEXT = "Hello, World!"


class Hello:
    """GET / answers a short text body."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = BODY_TEXT


def app() -> falcon.App:
    application = falcon.App()
    application.add_route("/", Hello())
    return application


REAL_TOCK = 0.001
"""Tock in seconds of the real-time Doist in the HTTP comparison: 1 ms, short enough that a
release that sleeps out each tock is not held back by the tock alone."""


def serve_hio(port: int, real: bool = False, tock: float = REAL_TOCK) -> None:
    from hio.base import doing
    from hio.core.http import serving

    server = serving.Server(app=app(), ha=("127.0.0.1", port))
    server.reopen()
    if real:  # real time: sleeps between tock boundaries, woken early by ready sockets
        doist = doing.Doist(tock=tock, real=True)
    else:  # as fast as possible
        doist = doing.Doist(tock=0.0, real=False)
    doist.do(doers=[serving.ServerDoer(server=server)])


def serve_waitress(port: int) -> None:
    import logging

    import waitress

    logging.getLogger("waitress").setLevel(logging.ERROR)  # its queue-depth notes would swamp the table
    waitress.serve(app(), host="127.0.0.1", port=port, threads=4, _quiet=True)


def serve_wsgiref(port: int) -> None:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    make_server("127.0.0.1", port, app(), handler_class=Quiet).serve_forever()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    engines = {
        "hio": serve_hio,
        "hio-real": lambda port, tock=REAL_TOCK: serve_hio(port, real=True, tock=float(tock)),
        "waitress": serve_waitress,
        "wsgiref": serve_wsgiref,
    }
    engines[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
