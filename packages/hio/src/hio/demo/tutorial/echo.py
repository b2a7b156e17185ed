"""Tutorial step 1: a TCP echo server and a client under one Doist.

Three doers share one Doist. The EchoServerDoer services the server (accept,
receive, echo back); the ClientDoer services the client (connect, send
``.txbs``, receive into ``.rxbs``); the Talker touches nothing but the
client's buffers. Tyme is artificial, so the run is as fast as the machine
and the tymes printed are the same on every run.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from hio.base import doing
from hio.core.tcp import Client, ClientDoer, EchoServerDoer, Server


class Talker(doing.Doer):
    """Sends each line through the client's buffers and waits for its echo.

    Attributes:
        client (Client): the TCP client whose buffers it uses
        lines (list[bytes]): what to send, one at a time
        echoes (list[bytes]): what came back
    """

    def __init__(self, client: Client, lines: list[bytes], **kwa: Any) -> None:
        """Initializes the Talker with its client and what to send.

        Parameters:
            client: the TCP client whose buffers it uses
            lines: what to send, one line at a time
            kwa: Doer parameters (tock, ...)
        """
        super().__init__(**kwa)
        self.client = client
        self.lines = lines
        self.echoes: list[bytes] = []

    def recur(self) -> Generator[float, float, bool]:  # type: ignore[override]  # a generator recur, run with yield from
        """Generator method: one line out, wait (yield) until its echo is in."""
        for line in self.lines:
            self.client.tx(line)  # queued on .txbs; the ClientDoer sends it
            while len(self.client.rxbs) < len(line):
                yield self.tock  # come back next cycle
            echo = bytes(self.client.rxbs)
            self.client.rxbs.clear()
            self.echoes.append(echo)
            print(f"tyme {self.tyme:.5f}: sent {line!r}, got back {echo!r}")
        return True  # done


def main() -> list[bytes]:
    """Runs the echo example; returns the echoes."""
    server = Server(host="127.0.0.1", port=0)  # port 0: any free port
    server.reopen()  # bind now, so that .eha holds the port for the client
    client = Client(ha=server.eha)
    talker = Talker(client=client, lines=[b"hello", b"hierarchical", b"io"])
    doist = doing.Doist(real=False, tock=0.03125, limit=1.0)
    doist.do(doers=[EchoServerDoer(server=server), ClientDoer(client=client), talker])
    # the limit ended the run: every doer went through its exit context
    assert talker.done and not server.opened
    return talker.echoes


if __name__ == "__main__":
    main()
