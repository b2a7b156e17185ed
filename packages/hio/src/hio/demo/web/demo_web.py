"""hio.demo.web.demo_web module

Demo web server for static files for client side web app.

:func:`run` serves the demo web app of :mod:`hio.demo.web.demoing` (the
static client app, a JSON endpoint and a server sent events endpoint that
streams server tyme) through hio's own WSGI server under a real-time Doist,
until SIGINT or SIGTERM (or a tyme limit). Then every doer is closed
cleanly: the server closes every connection and its listen socket.

Usage:
    python -c "from hio.demo.web import demo_web; demo_web.run()"
    # then browse http://127.0.0.1:8080/
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from hio.base import doing
from hio.core.http import serving
from hio.demo.web import demoing
from hio.deploying import binding
from hio.ending import SignalDoer

__all__ = ["WebServerDoer", "demoDoist", "logger", "run", "urlOf"]

logger = logging.getLogger(__name__)


def urlOf(ha: tuple, scheme: str = "http") -> str:
    """Returns the URL of a server listening at host address ``ha`` = (host, port).

    An empty host (every interface) shows as 127.0.0.1, where a local client
    reaches it; an IPv6 host is bracketed.

    Parameters:
        ha: (host, port) the server is bound to
        scheme: "http" or "https"
    """
    return binding.urlOfAddress(ha[0], ha[1], scheme)


class WebServerDoer(serving.ServerDoer):
    """ServerDoer that tells where its server listens once the listen socket is open.

    Attributes:
        announce (Callable[[str], None] | None): takes the server's URL once it
            listens, None means log it
    """

    def __init__(self, server: serving.Server, announce: Callable[[str], None] | None = None, **kwa: Any) -> None:
        """
        Parameters:
            server (hio.core.http.serving.Server): the HTTP server
            announce: takes the server's URL once it listens, None means log it
            kwa: ServerDoer parameters (tymth, tock, ...)
        """
        self.announce = announce
        super().__init__(server=server, **kwa)

    @property
    def url(self) -> str:
        """URL of the server, with the port it is bound to once open."""
        return urlOf(self.server.eha, scheme=self.server.scheme)

    def enter(self, *, temp: bool | None = None) -> None:
        """Opens the listen socket, then announces the URL.

        Parameters:
            temp: unused: a server has no temporary resources
        """
        super().enter(temp=temp)
        logger.info("serving %s", self.url)
        if self.announce is not None:
            self.announce(self.url)

    def exit(self) -> None:
        """Closes every connection and the listen socket; says so when it was open."""
        opened = self.server.opened
        super().exit()
        if opened:
            logger.info("server closed")


def demoDoist(
    host: str = "127.0.0.1",
    port: int = 8080,
    staticDirPath: str | os.PathLike[str] | None = None,
    tock: float = 0.03125,
    period: float = demoing.PERIOD,
    limit: float | None = None,
    announce: Callable[[str], None] | None = None,
    report: Callable[[str], None] | None = None,
) -> doing.Doist:
    """Makes the real-time Doist whose doers serve the demo web app until SIGINT or SIGTERM.

    Its one doer is a :class:`~hio.ending.SignalDoer` over a
    :class:`WebServerDoer`; run it with ``.do()`` (:func:`run`) or await
    ``.ado()`` (:func:`hio.daemon.adoDemo`). Must run in the main thread (the
    SignalDoer installs the signal handlers while it runs).

    Parameters:
        host: address to listen on, "" means every interface
        port: port to listen on, 0 means any free port
        staticDirPath: directory served at ``/``, None means the static client
            app, which is always served under ``/demo/`` too
        tock: real-time seconds of one Doist cycle
        period: seconds from one server sent event to the next
        limit: tyme in seconds after which to stop, None means no limit
        announce: takes the server's URL once it listens, None means log it
        report: takes a one line summary of each answered request, None means
            log it

    Returns:
        Doist: the Doist, not run yet, with its doers

    Raises:
        NotADirectoryError: when staticDirPath is not a directory
    """
    doist = doing.Doist(real=True, tock=tock, limit=limit)
    app = demoing.createApp(tymth=doist.tymen(), staticDirPath=staticDirPath, period=period, report=report)
    server = serving.Server(app=app, host=host, port=port)
    doist.doers = [SignalDoer(doers=[WebServerDoer(server=server, announce=announce)])]
    return doist


def run(**kwa: Any) -> doing.Doist:
    """Use hio http server: serves the demo web app under a real-time Doist.

    Runs :func:`demoDoist`'s Doist in the foreground until SIGINT or SIGTERM,
    or until ``limit`` tyme has passed, then closes every doer and returns.
    Must run in the main thread (it installs the signal handlers while it
    runs).

    Parameters:
        kwa: the parameters of :func:`demoDoist` (host, port, staticDirPath,
            tock, period, limit, announce, report)

    Returns:
        Doist: the Doist that ran; its .tyme tells how long it ran

    Raises:
        OSError: when the server cannot listen on host and port
        NotADirectoryError: when staticDirPath is not a directory
    """
    doist = demoDoist(**kwa)
    doist.do()
    return doist
