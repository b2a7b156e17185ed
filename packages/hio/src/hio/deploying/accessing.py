"""hio.deploying.accessing module

The access log of ``hio serve --access-log``: one line per answered request
in the common log format, written to a file (appended) or to stdout (``-``)::

    127.0.0.1 - - [07/Dec/2026:15:04:05 +0000] "GET /path?q=1 HTTP/1.1" 200 13

It is WSGI middleware around the application, so it sees what the
application answered (status and body bytes) and nothing of the server.
Lines gather in memory and are written once a Doist cycle (:meth:`flush`),
in writes of whole lines of at most PIPE_BUF bytes, so that the lines of
several workers sharing one file or pipe never interleave.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["AccessLog"]

CHUNK = 4096
"""Most bytes of one write: PIPE_BUF on Linux, the most a pipe takes whole."""


class AccessLog:
    """Common log format lines of every request an application answers, written in batches.

    Attributes:
        fd (int): descriptor written to
        lines (list[str]): lines not yet written
        owned (bool): True when fd was opened here (closed by close())
    """

    def __init__(self, target: str) -> None:
        """
        Parameters:
            target: file path to append to, "-" for stdout

        Raises:
            OSError: when the file cannot be opened
        """
        if target == "-":
            self.fd, self.owned = 1, False
        else:
            self.fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self.owned = True
        self.lines: list[str] = []
        self._second = -1  # the second whose date stamp is cached
        self._stamp = ""

    def wrap(self, app: Callable[..., Any]) -> Callable[..., Any]:
        """Returns a WSGI application that answers as app does and logs each answer here.

        Parameters:
            app: the WSGI application
        """

        def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            answered: list[str] = []

            def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                answered[:] = [status]
                return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

            body = app(environ, start)
            if isinstance(body, (list, tuple)):  # whole already: logged now, handed on as it is
                self.log(environ, answered[0] if answered else "500", sum(len(piece) for piece in body))
                return body
            return _Counted(self, environ, body, answered)

        return logged

    def log(self, environ: dict[str, Any], status: str, size: int) -> None:
        """Adds the line of one answered request.

        Parameters:
            environ: the request's WSGI environ
            status: the status line the application gave, such as "200 OK"
            size: body bytes answered
        """
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
        query = environ.get("QUERY_STRING")
        target = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        request = f"{environ.get('REQUEST_METHOD', '-')} {target} {environ.get('SERVER_PROTOCOL', '-')}"
        request = request.replace("\\", "\\\\").replace('"', '\\"')
        self.lines.append(
            f"{environ.get('REMOTE_ADDR') or '-'} - {environ.get('REMOTE_USER') or '-'} [{self._stamp}] "
            f'"{request}" {status.split(" ", 1)[0]} {size if size else "-"}\n'
        )

    def flush(self) -> None:
        """Writes the lines gathered, whole lines in each write."""
        if not self.lines:
            return
        lines, self.lines = self.lines, []
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            data = line.encode("latin-1", "replace")
            if chunk and size + len(data) > CHUNK:
                self._write(b"".join(chunk))
                chunk, size = [], 0
            chunk.append(data)
            size += len(data)
        if chunk:
            self._write(b"".join(chunk))

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:  # a log that cannot be written must not stop the serving
                return

    def close(self) -> None:
        """Writes what is left and closes the file opened here."""
        self.flush()
        if self.owned:
            os.close(self.fd)
            self.owned = False


class _Counted:
    """A streamed WSGI body handed on piece by piece, its bytes counted, logged when closed."""

    def __init__(self, log: AccessLog, environ: dict[str, Any], body: Iterable[bytes], answered: list[str]) -> None:
        self.log = log
        self.environ = environ
        self.body = body
        self.answered = answered
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.body:
            self.size += len(piece)
            yield piece

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.log.log(self.environ, self.answered[0] if self.answered else "500", self.size)
