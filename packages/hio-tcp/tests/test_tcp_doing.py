"""Tests of the TCP doers under a Doist on artificial tyme (real=False)."""

from __future__ import annotations

import socket

from hio.base import doing
from hio.core.tcp import clienting, serving

LOOPBACK = "127.0.0.1"


def runUntil(doist, until, limit=5000):
    """Runs doist.recur until until() is true; fails after limit cycles."""
    for _ in range(limit):
        doist.recur()
        if until():
            return
    raise AssertionError(f"Condition not met within {limit} cycles.")


def test_echo_doers_under_doist(freeport):
    """EchoServerDoer and ClientDoer echo under a Doist; exit closes every socket."""
    server = serving.Server(host=LOOPBACK, port=freeport)
    client = clienting.Client(ha=server.eha)
    serverDoer = serving.EchoServerDoer(server=server)
    clientDoer = clienting.ClientDoer(client=client)
    assert serverDoer.server is server and clientDoer.client is client

    doist = doing.Doist(real=False, tock=0.03125, doers=[serverDoer, clientDoer])
    doist.enter()
    try:
        assert server.opened and client.opened  # enter opened them
        assert server.tyme == client.tyme == doist.tyme  # winded onto the doist's tyme base
        runUntil(doist, lambda: client.connected)
        client.tx(b"Hello under the doist")
        runUntil(doist, lambda: client.rxbs == b"Hello under the doist")
        ix = server.ixes[client.ca]
        assert ix.tyme == doist.tyme
    finally:
        doist.exit()
    assert not server.opened and not client.opened
    assert server.ixes == {client.ca: ix} and not ix.opened  # kept, closed, after the run


def test_reconnecting_client_doer_before_server_doer(freeport):
    """A reconnectable ClientDoer retries on its tymeout until a ServerDoer comes up."""
    server = serving.Server(host=LOOPBACK, port=freeport)
    client = clienting.Client(ha=server.eha, reconnectable=True, tymeout=0.25)
    serverDoer = serving.EchoServerDoer(server=server)
    doist = doing.Doist(real=False, tock=0.03125, limit=4.0)
    marks = {}

    class Director(doing.Doer):
        """Starts the server at tyme 1.0, then talks once connected."""

        def recur(self, tyme):
            if "started" not in marks:
                if tyme >= 1.0:
                    assert not client.connected  # refused, retried, never raised
                    doist.extend([serverDoer])
                    marks["started"] = tyme
            elif "connected" not in marks:
                if client.connected:
                    marks["connected"] = tyme
                    client.tx(b"made it")
            elif client.rxbs == b"made it":
                marks["echoed"] = tyme
                return True
            return False

    doist.do(doers=[clienting.ClientDoer(client=client), Director()])
    assert set(marks) == {"started", "connected", "echoed"}
    assert marks["connected"] - marks["started"] <= 0.25 + 2 * doist.tock  # within one tymeout of the server
    assert not server.opened and not client.opened


def test_doist_do_runs_to_limit_and_closes(freeport):
    """Doist.do with a limit services the doers and exits them when the limit is reached."""
    server = serving.Server(host=LOOPBACK, port=freeport)
    client = clienting.Client(ha=server.eha)
    got = []

    class Talker(doing.Doer):
        """Sends once connected and records the echo."""

        def recur(self, tyme):
            if client.connected and not got and not client.txbs:
                client.tx(b"ping")
                got.append(None)
            if client.rxbs == b"ping":
                got.append(tyme)
                return True
            return False

    doist = doing.Doist(real=False, tock=0.03125, limit=2.0)
    doist.do(doers=[serving.EchoServerDoer(server=server), clienting.ClientDoer(client=client), Talker()])
    assert len(got) == 2 and got[1] < 2.0
    assert not server.opened and not client.opened


def test_refused_client_doer_never_ends_the_doist(freeport):
    """A ClientDoer whose connection is refused keeps retrying; the Doist runs on to its limit."""
    client = clienting.Client(ha=(LOOPBACK, freeport))
    doist = doing.Doist(real=False, tock=0.03125, limit=1.0)
    doist.do(doers=[clienting.ClientDoer(client=client)])  # does not raise
    assert doist.tyme == 1.0
    assert isinstance(client.error, ConnectionRefusedError)
    assert not client.opened and client.cs is None  # exit closed it


def test_server_doer_run_keeps_connections_with_what_they_received(freeport):
    """After a ServerDoer run the server's remoters are still in .ixes, closed, with their .rxbs."""
    server = serving.Server(host="", port=freeport)
    client = clienting.Client(host="localhost", port=freeport)
    client.tx(b"kept for after the run")
    doist = doing.Doist(real=False, tock=0.03125, limit=0.5)
    doist.do(doers=[serving.ServerDoer(server=server), clienting.ClientDoer(client=client)])
    assert not server.opened and not client.opened and not client.txbs
    ((ca, ix),) = server.ixes.items()
    assert ca == client.ca and not ix.opened
    assert ix.rxbs == b"kept for after the run"


def test_a_server_opened_before_its_doer_keeps_the_connections_waiting_for_it(echoed):
    """An application opens its server first, to learn that the port is free, then
    runs it under a ServerDoer, whose enter reopens it: reopen keeps the open
    listener, so a client that connected in between is served, not reset."""
    server = serving.Server(host=LOOPBACK, port=0)
    assert server.reopen()
    listener, ha = server.ss, server.ha
    early = socket.create_connection(ha, timeout=5.0)  # waits in the backlog
    try:
        early.sendall(b"early bird")
        doist = doing.Doist(real=False, tock=0.03125, doers=[serving.EchoServerDoer(server=server)])
        doist.enter()
        try:
            assert server.ss is listener and server.ha == ha  # the same listener
            early.setblocking(False)
            runUntil(doist, echoed(early, b"early bird"))
        finally:
            doist.exit()
    finally:
        early.close()


def test_reopen_after_ha_changed_listens_on_the_new_address():
    """reopen keeps an open listener only while .ha is the address it is bound to."""
    server = serving.Server(host=LOOPBACK, port=0)
    try:
        assert server.reopen()
        first = server.ss
        assert server.reopen() and server.ss is first
        server.ha = (LOOPBACK, 0)  # any free port, anew
        assert server.reopen()
        assert server.ss is not first and first.fileno() == -1  # the old one closed
        assert server.ha == server.ss.getsockname()[:2] and server.ha[1] != 0
        server.close()
        assert server.reopen() and server.opened  # and a closed one opens again
    finally:
        server.close()
