"""hio.core.http package

Nonblocking HTTP/1.1 serviced by hio doers: byte level parsers and helpers
(:mod:`hio.core.http.httping`), a client (:mod:`hio.core.http.clienting`) and
a WSGI server (:mod:`hio.core.http.serving`).

The package level names re-export the documented conveniences. The client
and server names are imported on first use, so that the parsers work without
importing the transports, and the client without the server and its WSGI
framework.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hio.core.http import httping
from hio.core.http.httping import HTTPError

if TYPE_CHECKING:  # what the lazy names below are, for type checkers
    from hio.core.http import clienting, serving
    from hio.core.http.clienting import Client, ClientDoer, openClient
    from hio.core.http.serving import BareServer, Server, ServerDoer, WsgiServer, openServer

_LAZY = {
    "clienting": ("hio.core.http.clienting", None),
    "Client": ("hio.core.http.clienting", "Client"),
    "ClientDoer": ("hio.core.http.clienting", "ClientDoer"),
    "openClient": ("hio.core.http.clienting", "openClient"),
    "serving": ("hio.core.http.serving", None),
    "BareServer": ("hio.core.http.serving", "BareServer"),
    "Server": ("hio.core.http.serving", "Server"),
    "ServerDoer": ("hio.core.http.serving", "ServerDoer"),
    "WsgiServer": ("hio.core.http.serving", "WsgiServer"),
    "openServer": ("hio.core.http.serving", "openServer"),
}

__all__ = [
    "BareServer",
    "Client",
    "ClientDoer",
    "HTTPError",
    "Server",
    "ServerDoer",
    "WsgiServer",
    "clienting",
    "httping",
    "openClient",
    "openServer",
    "serving",
]


def __getattr__(name: str) -> Any:
    """Import the client and server names on first access (PEP 562)."""
    try:
        modname, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = importlib.import_module(modname)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Names of the package, the lazy ones included."""
    return sorted(set(globals()) | set(_LAZY))
