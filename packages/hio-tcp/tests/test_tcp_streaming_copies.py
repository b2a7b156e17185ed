"""Stream gives each subclass its own copy of its hot methods (receive, send, serviceReceives,
serviceSends): a subclass's own method, and a zero-argument super() in it, still run."""

from __future__ import annotations

import socket

from hio.core.tcp import clienting, serving
from hio.core.tcp.streaming import Stream


class Loud(serving.Remoter):
    """A Remoter whose own receive and send note each call and hand over to super()."""

    def __init__(self, **kwa):
        super().__init__(**kwa)
        self.calls = []

    def receive(self):
        self.calls.append("receive")
        return super().receive()

    def send(self, data):
        self.calls.append("send")
        return super().send(data)


class Louder(Loud):
    """Inherits Loud's receive and send (copied for it) and adds its own serviceSends with super()."""

    def serviceSends(self):
        self.calls.append("serviceSends")
        super().serviceSends()


def test_each_subclass_has_its_own_copy_of_the_hot_methods():
    for cls in (clienting.Client, serving.Remoter, serving.RemoterTls, clienting.ClientTls):
        for name in Stream._HOT:
            method = cls.__dict__[name]  # its own, not one found up the classes
            assert method is not Stream.__dict__[name]
            assert method.__qualname__ == f"{cls.__qualname__}.{name}"
            assert method.__doc__
    assert Louder.__dict__["receive"] is not Loud.__dict__["receive"]  # a copy of Loud's own
    assert Louder.__dict__["receive"].__code__.co_code == Loud.__dict__["receive"].__code__.co_code
    assert "serviceSends" in Louder.__dict__ and Louder.serviceSends.__qualname__ == "Louder.serviceSends"


def test_a_subclass_own_methods_and_super_calls_run():
    a, b = socket.socketpair()
    try:
        for cls in (Loud, Louder):
            ix = cls(ha=a.getsockname(), ca=("peer", 1), cs=a)
            b.sendall(b"ping")
            for _ in range(100):
                ix.serviceReceives()  # the inherited serviceReceives calls the subclass's receive
                if ix.rxbs == b"ping":
                    break
            assert ix.rxbs == b"ping"
            ix.tx(b"pong")
            ix.serviceSends()
            assert b.recv(16) == b"pong"
            assert "receive" in ix.calls and "send" in ix.calls
            assert ("serviceSends" in ix.calls) == (cls is Louder)
            ix.clearRxbs()
            ix.calls.clear()
    finally:
        a.close()
        b.close()
