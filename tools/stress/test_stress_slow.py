"""Slow and idle clients: hundreds of connections that send nothing, or a byte now and
then, do not delay a normal client, and each is closed once the server's tymeout has
passed, not before.

The WSGI Server runs under a Doist of artificial tyme, one tock per pass of the
test's loop, so "after the tymeout" is a matter of tyme, not of wall-clock time.
"""

from __future__ import annotations

from hio.base.doing import Doist
from hio.core.http.serving import Server, ServerDoer

IDLE = 300  # connections that never send a byte
SLOW = 300  # connections that send a byte every TRICKLE passes
TRICKLE = 4
TOCK = 0.01
TYMEOUT = 2.0  # 200 passes
HEAD = b"POST /slow HTTP/1.1\r\nHost: stress\r\nContent-Length: 400\r\n\r\n"
BODY = b"b" * 400


def app(environ, start_response):
    """Answers the request path and body length."""
    body = environ["wsgi.input"].read()
    data = b"%s %d" % (environ["PATH_INFO"].encode(), len(body))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]


def test_slow_and_idle_clients_do_not_delay_others_and_are_closed_after_tymeout(kit, fds, noFailures, noLeaks):
    server = Server(app=app, host=kit.LOOPBACK, port=0, tymeout=TYMEOUT)
    doist = Doist(real=False, tock=TOCK, doers=[ServerDoer(server=server)])
    baseline = fds()
    doist.enter()
    ha = server.servant.eha
    state = {"served": 0, "errors": [], "pass": 0}

    class Normal(kit.RawClient):
        """Sends a request as soon as the previous response is in, checking each."""

        def onConnect(self):
            self.ask()

        def ask(self):
            self.path = b"/normal/%d" % state["served"]
            self.send(b"GET %s HTTP/1.1\r\nHost: stress\r\n\r\n" % self.path)

        def onData(self):
            while (got := kit.takeResponse(self.rxbs)) is not None:
                status, _, body = got
                if status != 200 or body != self.path + b" 0":
                    state["errors"].append((status, body))
                state["served"] += 1
                self.ask()

    class Quiet(kit.RawClient):
        """Idle, or slow when given a message to trickle: notes when it connected and when the server closed it."""

        connectedAt = endedAt = None

        def __init__(self, loop, ha, msg=b""):
            super().__init__(loop, ha)
            self.msg, self.at = msg, 0

        def onConnect(self):
            self.connectedAt = doist.tyme
            if self.msg.startswith(HEAD + BODY[:1]):  # the whole head at once, then the body a byte at a time
                self.send(HEAD)
                self.at = len(HEAD)

        def onEnd(self):
            self.endedAt = doist.tyme

    quiets = []

    def opener():  # connection attempts in waves within the listen backlog
        pending = sum(1 for c in quiets[-100:] if not c.connected)
        while len(quiets) < IDLE + SLOW and pending < 100:
            # half of the slow clients trickle their request head, the other half only the body
            slow = len(quiets) >= IDLE
            msg = (HEAD + BODY if len(quiets) % 2 else HEAD) if slow else b""
            quiets.append(Quiet(loop, ha, msg))
            pending += 1

    def trickle():
        state["pass"] += 1
        if state["pass"] % TRICKLE:
            return
        for client in quiets:
            if client.msg and client.connected and not client.ended and client.at < len(client.msg):
                client.send(client.msg[client.at : client.at + 1])
                client.at += 1

    loop = kit.Loop(opener, doist.recur, trickle)
    normal = None
    try:
        loop.run(lambda: len(server.tymers) == IDLE + SLOW, limit=20.0, what="server holding every quiet connection")
        normal = Normal(loop, ha)
        # until the first quiet connection is closed the normal client is served on
        passesBefore = loop.run(lambda: any(c.ended for c in quiets), limit=30.0, what="the first tymeout")
        servedBefore = state["served"]
        # past every tymeout and the lingering close of the 408 answers
        loop.run(lambda: all(c.ended for c in quiets), limit=30.0, what="server closing every idle and slow client")
        # the server lingers a while after its 408 for the client's close, then closes
        lingerFrom = doist.tyme
        loop.run(lambda: len(server.servant.ixes) == 1, limit=10.0, what="lingering closes ending")
        linger = doist.tyme - lingerFrom
        loop.spin(20)
        still = dict(server.servant.ixes)
    finally:
        kit.reap(quiets + ([normal] if normal else []))
        doist.exit()
        loop.close()
    idles, slows = quiets[:IDLE], quiets[IDLE:]
    waits = [c.endedAt - c.connectedAt for c in quiets]
    kit.report(
        "slow and idle clients",
        idle=IDLE,
        slow=SLOW,
        normal_served_before_tymeout=servedBefore,
        passes_before_tymeout=passesBefore,
        normal_errors=len(state["errors"]),
        shortest_open_tyme=min(waits),
        longest_open_tyme=max(waits),
        tymeout=TYMEOUT,
        linger_tyme=linger,
    )
    assert not state["errors"], state["errors"][:5]
    assert servedBefore >= passesBefore // 4  # a request answered every few passes, never held up
    assert min(waits) >= TYMEOUT - TOCK / 2  # none closed before the tymeout (tyme is a float sum of tocks)
    assert max(waits) <= TYMEOUT + 2.0  # and none long after it (a 408 lingers at most Responder.Delay)
    for client in idles:
        assert client.rxbs == b""
    for client in slows:
        assert client.at < len(client.msg)  # it never finished its request
        status, _, _ = kit.takeResponse(client.rxbs)
        assert status == 408
    assert linger <= 1.5  # Responder.Delay
    assert not normal.ended and len(still) == 1  # only the normal client is left, served on
    assert fds() == baseline
