"""hio.core.tcp.tcping module

Peer is a Server that also makes outgoing connections, so one object on one
tyme base serves the connections others open to it and the ones it opens to
others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hio.core.tcp import clienting, serving


class Peer(serving.Server):
    """Nonblocking TCP Socket Peer Class. Supports both incoming and outgoing connections.

    Incoming connections are Remoters in .ixes keyed by remote (host, port),
    as for Server. Outgoing connections are Clients in .oxes keyed by the
    (host, port) they connect to, made with connectOx.

    Inherited Attributes:
        ha, eha, bs, bl, ss, axes, opened, tymeout, wl, ixes: see Server

    Attributes:
        oxes (dict[tuple[str, int], Client]): outgoing Client connections indexed by remote (host, port) duple
    """

    def __init__(self, **kwa: Any) -> None:
        """Initialize instance.

        Parameters:
            kwa: passed on to Server
        """
        super().__init__(**kwa)
        self.oxes: dict[tuple[str, int], clienting.Client] = {}

    def wind(self, tymth: Callable[[], float] | None) -> None:
        """Inject new tymist.tymth as new ._tymth. Updates winds remoters and clients.

        Parameters:
            tymth: the injected tymist.tymth, a closure that returns the tyme; None unwinds
        """
        super().wind(tymth)
        for ox in self.oxes.values():
            ox.wind(tymth)

    def connectOx(self, ha: tuple[str, int], cls: type[clienting.Client] | None = None, **kwa: Any) -> clienting.Client:
        """Opens an outgoing connection to ha and adds its client to .oxes.

        The connection is made nonblocking by the following services.

        Parameters:
            ha: remote (host, port) to connect to
            cls: Client class or subclass, default Client (ClientTls for TLS)
            kwa: further keyword arguments for cls; bs and wl default to the peer's

        Returns the client, keyed in .oxes by its normalized .ha
        """
        cls = cls if cls is not None else clienting.Client
        kwa.setdefault("bs", self.bs)
        kwa.setdefault("wl", self.wl)
        ox = cls(ha=ha, tymth=self.tymth, **kwa)
        old = self.oxes.pop(ox.ha, None)
        if old is not None:
            old.close()
        ox.reopen()
        self.oxes[ox.ha] = ox
        return ox

    def _ox(self, ha: tuple[str, int]) -> clienting.Client:
        """Returns client connected to ha. Raises ValueError when there is none."""
        ox = self.oxes.get(ha)
        if ox is None:
            raise ValueError(f"Invalid outgoing address {ha!r}: no client.")
        return ox

    def transmitOx(self, data: bytes | bytearray | memoryview, ha: tuple[str, int]) -> None:
        """Queue data onto .txbs for client given by remote address ha

        Parameters:
            data: the bytes to queue
            ha: the (host, port) of the outgoing connection, its key in .oxes
        """
        self._ox(ha).tx(data)

    def closeOx(self, ha: tuple[str, int]) -> None:
        """Shutdown and close client given by remote address ha, keeping it in .oxes

        Parameters:
            ha: the (host, port) of the outgoing connection, its key in .oxes
        """
        ox = self.oxes.get(ha)
        if ox is not None:
            ox.close()

    def removeOx(self, ha: tuple[str, int], close: bool = True) -> None:
        """Remove client given by remote address ha, closing it when close

        Parameters:
            ha: the (host, port) of the outgoing connection, its key in .oxes
            close: True means close the connection first
        """
        ox = self.oxes.pop(ha, None)
        if ox is not None and close:
            ox.close()

    def closeAllOx(self) -> None:
        """Shutdown and close all outgoing connections"""
        for ox in self.oxes.values():
            ox.close()

    def serviceConnectsOx(self) -> None:
        """Service connection attempts of every client in .oxes

        A client closed by closeOx stays closed unless it is reconnectable;
        one whose attempt failed is retried (see Client.accept).
        """
        for ox in self.oxes.values():
            if ox.opened or ox.reconnectable or ox._waiting:
                ox.serviceConnect()

    def serviceReceivesAllOx(self) -> None:
        """Service receives for all clients in .oxes"""
        for ox in self.oxes.values():
            ox.serviceReceives()

    def serviceSendsAllOx(self) -> None:
        """Service transmits for all clients in .oxes"""
        for ox in self.oxes.values():
            if ox.txbs:
                ox.serviceSends()

    def service(self) -> None:
        """Service incoming and outgoing connects, receives and sends."""
        super().service()
        if self.oxes:
            self.serviceConnectsOx()
            self.serviceSendsAllOx()
            self.serviceReceivesAllOx()

    def close(self) -> None:
        """Close all sockets, incoming and outgoing. Clients stay in .oxes."""
        self.closeAllOx()
        super().close()
