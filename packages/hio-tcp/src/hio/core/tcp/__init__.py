"""hio.core.tcp package

Nonblocking TCP clients, servers and peers, with TLS, whose sockets are
serviced through byte buffers (.txbs, .rxbs) by hio doers.

Modules:
    clienting: Client, ClientTls, ClientDoer, openClient
    serving: Acceptor, Server, ServerTls, Remoter, RemoterTls, ServerDoer,
    EchoServerDoer, initServerContext, openServer
    tcping: Peer, a Server that also makes outgoing connections
    streaming: Stream and StreamTls, the sends, receives and TLS handshake
    that a Client and a Remoter share
"""

from hio.core.tcp.clienting import Client, ClientDoer, ClientTls, openClient
from hio.core.tcp.serving import EchoServerDoer, Remoter, Server, ServerDoer, ServerTls, openServer

__all__ = [
    "Client",
    "ClientDoer",
    "ClientTls",
    "EchoServerDoer",
    "Remoter",
    "Server",
    "ServerDoer",
    "ServerTls",
    "openClient",
    "openServer",
]
