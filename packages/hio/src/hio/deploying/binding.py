"""hio.deploying.binding module

Where ``hio serve`` listens: the ``--bind`` addresses, parsed, and the
listening sockets the supervisor opens for them before any worker starts.

A bind is ``HOST:PORT`` (``127.0.0.1:8000``, ``localhost:8000``,
``:8000`` or ``0.0.0.0:8000`` for every IPv4 interface), ``[IPV6]:PORT``
(``[::1]:8000``, ``[::]:8000``), or a Unix socket path, ``unix:PATH`` or a
path with a slash in it (``/run/app.sock``, ``./app.sock``).

The supervisor opens every socket once; each worker inherits them (their
descriptors passed at spawn) and accepts from them. One listen queue per
address outlives any worker, so a connection waits in it while a worker is
replaced instead of being refused.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from dataclasses import dataclass

from hio.core import coring

__all__ = ["BACKLOG", "Bind", "BindError", "openListener", "parseBind"]

BACKLOG = 2048
"""Default listen backlog: connections the kernel queues for the workers to accept."""

LEAST_SNDBUF = 1 << 18
"""Least send buffer of the listen socket (its accepted connections inherit it), so that a big
response does not wait on its client every few KiB."""


class BindError(ValueError):
    """A bind that cannot be parsed or listened on; str() is a one-line reason naming the address."""


@dataclass(frozen=True)
class Bind:
    """One address to listen on.

    Parameters:
        host (str): IP address or host name, "" for every IPv4 interface; "" for a Unix socket
        port (int): TCP port, 0 means any free one; 0 for a Unix socket
        path (str): Unix socket path, "" for TCP
    """

    host: str = ""
    port: int = 0
    path: str = ""

    @property
    def unix(self) -> bool:
        """True for a Unix socket."""
        return bool(self.path)

    def __str__(self) -> str:
        if self.path:
            return f"unix:{self.path}"
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def checkPort(port: int, where: str = "port") -> int:
    """Returns port when it is a TCP port number (0 to 65535), else raises BindError.

    Parameters:
        port: the port number
        where: what the message calls it, such as "--port"
    """
    if not 0 <= port <= 65535:
        raise BindError(f"{where} {port} is out of range: a port is 0 to 65535")
    return port


def parseBind(text: str) -> Bind:
    """Returns the Bind that text names (see module docs).

    Parameters:
        text: HOST:PORT, [IPV6]:PORT, unix:PATH or a path with a slash

    Raises:
        BindError: when text is none of the forms
    """
    text = text.strip()
    if text.startswith("unix:"):
        path = text[5:]
        if not path:
            raise BindError(f"bind {text!r}: no Unix socket path after 'unix:'")
        return Bind(path=path)
    if "/" in text:
        return Bind(path=text)
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise BindError(f"bind {text!r} is not [IPV6]:PORT")
        port = rest[1:]
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            raise BindError(f"bind {text!r} is not HOST:PORT, [IPV6]:PORT nor a Unix socket path")
        if ":" in host:
            raise BindError(f"bind {text!r}: an IPv6 address goes in brackets, [{host}]:{port}")
    try:
        number = int(port)
    except ValueError:
        raise BindError(f"bind {text!r}: port {port!r} is not a number") from None
    checkPort(number, where=f"bind {text!r}: port")
    return Bind(host=host, port=number)


def openListener(bind: Bind, backlog: int = BACKLOG) -> socket.socket:
    """Opens, binds and listens on a nonblocking socket for bind, inheritable by the workers.

    A Unix socket path left by a server that is gone (nothing accepts on
    it) is replaced; one that a live server listens on is not.

    Parameters:
        bind: the address
        backlog: connections the kernel queues until a worker accepts them

    Raises:
        BindError: naming the address and why, when it cannot be listened on
    """
    if bind.unix:
        return _openUnix(bind, backlog)
    try:
        infos = socket.getaddrinfo(bind.host or None, bind.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as ex:
        raise BindError(f"cannot listen on {bind}: {getattr(ex, 'strerror', None) or ex}") from None
    if ":" not in bind.host:  # "" is every IPv4 interface, and a name its IPv4 address, as in hio's TCP servers
        infos = [info for info in infos if info[0] == socket.AF_INET] or infos
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) < LEAST_SNDBUF:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, LEAST_SNDBUF)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as ex:
        sock.close()
        raise BindError(f"cannot listen on {bind}: {ex.strerror or ex}") from None
    return _share(sock)


def _openUnix(bind: Bind, backlog: int) -> socket.socket:
    """openListener of a Unix socket path."""
    path = bind.path
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            raise BindError(f"cannot listen on {bind}: a file that is not a socket is there")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:  # nothing accepts there any more: a leftover
            os.unlink(path)
        else:
            raise BindError(f"cannot listen on {bind}: a server listens there already")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(backlog)
    except OSError as ex:
        sock.close()
        raise BindError(f"cannot listen on {bind}: {ex.strerror or ex}") from None
    return _share(sock)


def _share(sock: socket.socket) -> socket.socket:
    """Makes sock nonblocking and inheritable by the worker processes."""
    sock.setblocking(False)
    sock.set_inheritable(True)
    return sock


def boundAs(sock: socket.socket) -> Bind:
    """The Bind of an open listener: with the port actually bound (for port 0) and the numeric host,
    or the path of a Unix socket.

    Parameters:
        sock: the open listening socket
    """
    if sock.family == socket.AF_UNIX:
        return Bind(path=sock.getsockname())
    host, port = sock.getsockname()[:2]
    return Bind(host=host, port=port)


def urlOf(bind: Bind, scheme: str = "http") -> str:
    """The URL a client on this machine reaches bind at; ``unix:PATH`` for a Unix socket.

    Parameters:
        bind: the address, its port bound
        scheme: "http" or "https"
    """
    if bind.unix:
        return f"unix:{bind.path}"
    return urlOfAddress(bind.host, bind.port, scheme)


def urlOfAddress(host: str, port: int, scheme: str = "http") -> str:
    """The URL a client on this machine reaches a server listening on host and port at.

    A host that means every interface shows as the loopback address of its
    family, where a local client reaches it; an IPv6 host is bracketed.

    Parameters:
        host: the host the server is bound to, '' or 0.0.0.0 or :: for every interface
        port: the port it is bound to
        scheme: "http" or "https"
    """
    host = coring.externalHost(host)
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}/"
