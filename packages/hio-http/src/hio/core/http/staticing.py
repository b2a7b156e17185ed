"""hio.core.http.staticing module

`StaticSink` serves the files under one directory through falcon, for the
static part of a client side web app. Nothing outside that directory is ever
served, however the path is written: the path is percent decoded once (by
the WSGI server), rejected when it holds a NUL byte, a backslash or a ``..``
segment, and the final target is resolved (symlinks included) and checked to
lie inside the resolved root. Anything refused answers 404, the same as a
missing file, so that nothing is learnt about the file system.
"""

from __future__ import annotations

import mimetypes
import os
from typing import Any

import falcon

DEFAULT_CONTENT_TYPE = "application/octet-stream"
"""Content type of a file whose type mimetypes does not know."""

INDEX = "index.html"
"""File served for a directory path."""


ENCODED_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "br": "application/x-brotli",
    "compress": "application/x-compress",
}
"""Content types of compressed files: served as they are, never as a Content-Encoding."""


TEXT_TYPES = ("application/javascript", "application/ecmascript")
"""Content types of text files outside ``text/``, which get a charset too."""

CHARSET = "UTF-8"
"""Charset given with the content type of text files."""


def contentType(path: str) -> str:
    """Return the content type of the file at path, by its name.

    Text files (``text/*`` and javascript) are taken to be utf-8: their type
    carries ``; charset=UTF-8``, as ``text/html; charset=UTF-8``.

    Parameters:
        path: the file's path
    """
    ctype, encoding = mimetypes.guess_type(path)
    if encoding:
        return ENCODED_TYPES.get(encoding, DEFAULT_CONTENT_TYPE)
    if ctype is None:
        return DEFAULT_CONTENT_TYPE
    if ctype.startswith("text/") or ctype in TEXT_TYPES:
        return f"{ctype}; charset={CHARSET}"
    return ctype


class StaticSink:
    """Class that provides Falcon sink endpoint for serving static files in
    support of a client side web app.

    Usage:
        app = falcon.App()
        sink = StaticSink(staticDirPath="/srv/web")
        app.add_sink(sink, prefix=StaticSink.DefaultStaticSinkBasePath)

    A request for ``/`` (DefaultStaticSinkBasePath) or for ``/static`` itself
    serves ``index.html``; a request for ``/static/a/b.js`` (under
    StaticSinkBasePath) or for ``/a/b.js`` serves ``a/b.js`` under the root.

    Attributes:
        staticDirPath (str): root directory of the served files
    """

    StaticSinkBasePath = "/static"
    DefaultStaticSinkBasePath = "/"

    def __init__(self, staticDirPath: str | os.PathLike | None = None):
        """Initialize instance.

        Parameters:
            staticDirPath (str | PathLike | None): root directory of the files,
                None means the directory "static" in the current directory
        """
        if staticDirPath is None:
            staticDirPath = os.path.join(os.getcwd(), "static")
        self.staticDirPath = os.path.realpath(os.fspath(staticDirPath))

    def resolve(self, path: str) -> str | None:
        """Return the real path of the file that request path names, or None
        when it names nothing servable inside .staticDirPath.

        Parameters:
            path (str): percent decoded request path
        """
        if "\x00" in path or "\\" in path:
            return None
        base = self.StaticSinkBasePath.rstrip("/")
        if path == base or path.startswith(base + "/"):
            path = path[len(base) :]
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if ".." in parts:
            return None
        root = self.staticDirPath
        target = os.path.realpath(os.path.join(root, *parts)) if parts else root
        if os.path.commonpath([root, target]) != root:
            return None
        if os.path.isdir(target):
            target = os.path.realpath(os.path.join(target, INDEX))
            if os.path.commonpath([root, target]) != root:
                return None
        if not os.path.isfile(target):
            return None
        return target

    @staticmethod
    def missing(path: str) -> falcon.HTTPNotFound:
        """Return the 404 error (titled "Missing Resource") for a path that names nothing servable.

        Parameters:
            path: the path asked for
        """
        return falcon.HTTPNotFound(title="Missing Resource", description="No file is served at this path.")

    def __call__(self, req: falcon.Request, resp: falcon.Response, **kwa: Any) -> None:
        """Serve the file named by req.path, or raise falcon.HTTPNotFound.

        Parameters:
            req (falcon.Request): request
            resp (falcon.Response): response (falcon's name for it)
            kwa (dict): route fields falcon passes to sinks, unused
        """
        if req.method not in ("GET", "HEAD"):
            raise falcon.HTTPMethodNotAllowed(["GET", "HEAD"])
        target = self.resolve(req.path)
        if target is None:
            raise self.missing(req.path)
        resp.content_type = contentType(target)
        try:
            size = os.path.getsize(target)
            stream = open(target, "rb")  # noqa: SIM115 - falcon closes the stream
        except OSError:
            raise self.missing(req.path)
        resp.set_stream(stream, size)
