"""The servers under soak, all in this one process under one real-time Doist, measuring themselves.

Usage: ``python server.py --duration SECONDS --out DIR [--tock SECONDS] [--trace FRAMES]``
(``run.py`` starts it).

The Doist runs hio's WSGI server (``hio.core.http.Server``) with a falcon
application that has a keep-alive JSON endpoint and a server-sent event
stream endpoint, hio's TCP echo server (``hio.core.tcp``), a UDP echo peer
(``hio.core.udp``, on ``::1`` where the machine has it) and a UXD echo peer
(``hio.core.uxd``, on a temporary path), every one on loopback and a port the
system picks. Once all are open it prints one JSON line with their addresses.

A `Sampler` notes every second what the process holds (open descriptors,
resident memory, Python's allocated blocks, connections) and what it has
served, one JSON line each in DIR/samples.jsonl, written at once so that the
process keeps nothing that grows with the length of the run. Every record logged at ERROR or above, every failure of the falcon
application and anything that escapes the Doist is counted as an error.

Before it prints the addresses the `Controller` makes one connection to each
of the HTTP and TCP servers and waits until they are gone again, and only
then notes the baseline of descriptors: what a server makes once, on its
first connection (a readiness poller), belongs to the baseline, not to a
leak.

SIGUSR1 says that the load has ended: the `Controller` then waits until every
connection is closed (at most DRAIN seconds), notes the descriptors, stops
the Doist, and the tallies are written to DIR/server.json. The
process stops by itself GRACE seconds after DURATION even without the
signal (counted as an error); SIGTERM stops it at once.

With ``--trace FRAMES`` the process runs under tracemalloc (much slower) and
notes where the memory allocated between the middle of the load and its end
was allocated, the TRACED places that grew most, with FRAMES frames each: the
way to find the cause of a rising trend.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import pathlib
import signal
import socket
import sys
import time
import tracemalloc
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import falcon
import wire

from hio.base import doing
from hio.core.http import serving as httpServing
from hio.core.tcp import serving as tcpServing
from hio.core.udp import udping
from hio.core.uxd import uxding

TOCK = 0.03125
"""Tock of the real-time Doist: a regular cycle every 1/32 s, earlier ones when sockets are ready."""

HTTP_TYMEOUT = 5.0
"""Tymeout of the WSGI server: a connection idle (or a request unfinished) this long is closed."""

DRAIN = 15.0
"""Most seconds to wait, after the load ended, for every connection to be closed."""

PRIMING = 5.0
"""Most seconds the servers may take to take up and drop the first connections (longer is an error)."""

GRACE = 120.0
"""Seconds past the duration after which the server stops even if nobody said the load ended."""

TRACED = 12
"""Places of most growth noted under --trace."""

NOTES = 20
"""Most error and warning messages kept verbatim for the report."""

SAMPLES = "samples.jsonl"
RESULT = "server.json"

PAGE = os.sysconf("SC_PAGE_SIZE")


def rssBytes() -> int:
    """Resident memory of this process in bytes, from /proc/self/statm."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE


def fdCount() -> int:
    """Open file descriptors of this process (the one listing them included)."""
    return len(os.listdir("/proc/self/fd"))


def loopback6() -> str:
    """``::1`` when this machine can bind it, else ``127.0.0.1``."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return "127.0.0.1"
    return "::1"


@dataclass
class Tally:
    """What the servers have served so far, and what went wrong.

    Attributes:
        http: JSON requests answered by the application
        events: server-sent events sent
        streams: event streams sent whole
        echoed: TCP bytes echoed
        udp: UDP datagrams echoed
        uxd: UXD datagrams echoed
        errors: count of each kind of error
        warnings: count of each kind of warning
        notes: the first error or warning message of each kind, verbatim, at most NOTES
    """

    http: int = 0
    events: int = 0
    streams: int = 0
    echoed: int = 0
    udp: int = 0
    uxd: int = 0
    errors: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def note(self, kind: str, message: str, error: bool = True) -> None:
        """Counts one error (or warning) of ``kind``, keeping the message of the first of its kind."""
        counts = self.errors if error else self.warnings
        counts[kind] += 1
        if counts[kind] == 1 and len(self.notes) < NOTES:  # the first of each kind
            self.notes.append(f"{'error' if error else 'warning'}: {message}")


class TallyHandler(logging.Handler):
    """Logging handler that counts every record at WARNING or above into a Tally, by logger and message."""

    def __init__(self, tally: Tally):
        super().__init__(level=logging.WARNING)
        self.tally = tally
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Counts record under its logger and message template (the same for every instance of one kind)."""
        try:
            kind = f"{record.name}: {str(record.msg)[:80]}"
            self.tally.note(kind, self.format(record)[:2000], error=record.levelno >= logging.ERROR)
        except Exception:
            self.handleError(record)


def watchLogs(tally: Tally) -> None:
    """Counts what hio and the application log at WARNING or above, and warnings such as ResourceWarning.

    hio's transports log through the ``hio.help.ogling`` logger, which does
    not propagate to the root logger and is quiet by default, so it gets the
    handler too, at WARNING.
    """
    handler = TallyHandler(tally)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    ogled = logging.getLogger("hio.help.ogling")
    ogled.addHandler(handler)
    ogled.setLevel(logging.WARNING)
    logging.captureWarnings(True)  # an unclosed socket collected by the garbage collector shows up here
    warnings.simplefilter("always", ResourceWarning)


class JsonResource:
    """Keep-alive JSON endpoint: GET answers ``wire.jsonAnswer``, POST ``wire.postAnswer``."""

    def __init__(self, tally: Tally):
        self.tally = tally

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answers the query's seq and a pad of the query's size."""
        seq = req.get_param_as_int("seq", required=True, min_value=0)
        size = req.get_param_as_int("size", default=64, min_value=0, max_value=wire.MAX_PAD)
        resp.media = wire.jsonAnswer(seq, size)
        self.tally.http += 1

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Answers the count and sum of the posted values."""
        doc = req.get_media()
        if (
            not isinstance(doc, dict)
            or not isinstance(doc.get("seq"), int)
            or not isinstance(doc.get("values"), list)
            or not all(isinstance(value, int) for value in doc["values"])
        ):
            raise falcon.HTTPBadRequest(description='expected {"seq": int, "values": [int, ...]}')
        resp.media = wire.postAnswer(doc["seq"], doc["values"])
        self.tally.http += 1


class EventsResource:
    """Server-sent event stream endpoint: ``count`` events of stream ``stream``, ``interval`` seconds apart.

    The body is a generator that yields empty bytes until the next event is
    due, so the stream waits without holding up the server.
    """

    def __init__(self, tally: Tally):
        self.tally = tally

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Starts the stream; it is sent chunked, event by event."""
        stream = req.get_param_as_int("stream", required=True, min_value=0)
        count = req.get_param_as_int("count", default=10, min_value=1, max_value=wire.MAX_EVENTS)
        interval = req.get_param_as_float("interval", default=0.1, min_value=0.0, max_value=5.0)
        resp.content_type = "text/event-stream"
        resp.cache_control = ["no-cache"]
        resp.stream = self.events(stream, count, interval)

    def events(self, stream: int, count: int, interval: float) -> Iterator[bytes]:
        """Yields each event when it is due, and empty bytes until then."""
        due = time.monotonic()
        for index in range(count):
            while time.monotonic() < due:
                yield b""
            self.tally.events += 1
            yield wire.eventOf(stream, index)
            due += interval
        self.tally.streams += 1


def makeApp(tally: Tally) -> falcon.App:
    """The falcon application under soak; a failure of its own is counted, answered with 500."""
    app = falcon.App()
    app.add_route(wire.JSON_PATH, JsonResource(tally))
    app.add_route(wire.EVENTS_PATH, EventsResource(tally))

    def failed(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
        tally.note(
            f"application: {type(ex).__name__}", f"application failed on {req.method} {req.relative_uri}: {ex!r}"
        )
        resp.status = falcon.HTTP_500
        resp.media = {"error": type(ex).__name__}

    app.add_error_handler(Exception, failed)  # falcon's own HTTPError handlers stay, being more specific
    return app


class CountingTcpServer(tcpServing.Server):
    """hio's TCP server, counting the bytes its connections received for the echo to answer."""

    def __init__(self, tally: Tally, **kwa):
        super().__init__(**kwa)
        self.tally = tally

    def receivedIxes(self) -> Iterator[tuple[tuple, tcpServing.Remoter]]:
        """As the server's own, counting what each remoter holds received when it is handed on."""
        for ca, ix in super().receivedIxes():
            self.tally.echoed += len(ix.rxbs)
            yield ca, ix


class UdpEchoDoer(udping.PeerDoer):
    """Echoes every UDP datagram to its source."""

    def __init__(self, tally: Tally, **kwa):
        super().__init__(**kwa)
        self.tally = tally

    def recur(self, tyme: float) -> bool:
        """Receives what waits, queues each datagram back to its source, sends what the socket takes."""
        peer = self.peer
        peer.serviceReceives()
        while peer.rxgs:
            data, sa = peer.rxgs.popleft()
            peer.transmit(data, sa)
            self.tally.udp += 1
        peer.serviceTxGrams()
        return False


class UxdEchoDoer(uxding.PeerDoer):
    """Echoes every UXD datagram to the path of its source (one without a path cannot be answered)."""

    def __init__(self, tally: Tally, **kwa):
        super().__init__(**kwa)
        self.tally = tally

    def recur(self, tyme: float) -> bool:
        """Receives what waits, queues each datagram back to its source, sends what the socket takes."""
        peer = self.peer
        peer.serviceReceives()
        while peer.rxgs:
            data, src = peer.rxgs.popleft()
            if src is None:
                self.tally.note("uxd: datagram from a sender without a path", "uxd: unanswerable datagram", error=False)
                continue
            peer.transmit(data, src)
            self.tally.uxd += 1
        peer.serviceTxGrams()
        return False


class Sampler(doing.Doer):
    """Notes, once a second, what the process holds and what the servers have served.

    Each sample is one JSON line in .sink, written at once: t (seconds since
    the start), phase ("load" or "drain"), rss (bytes), fds, blocks (Python's
    allocated blocks), conns (open connections) and the running totals of the
    Tally. Nothing of it is kept in the process, whose memory is measured.

    Attributes:
        sink (io.TextIOBase): where the samples go
        count (int): samples written so far
    """

    def __init__(self, tally: Tally, controller: Controller, sink: io.TextIOBase, **kwa):
        super().__init__(tock=1.0, **kwa)
        self.tally = tally
        self.controller = controller
        self.sink = sink
        self.count = 0

    def recur(self, tyme: float) -> bool:
        """Writes one sample, once the Controller has primed the servers."""
        if self.controller.primed:
            self.write()
        return False

    def write(self) -> None:
        """Writes one sample of now."""
        self.sink.write(json.dumps(self.sample()) + "\n")
        self.sink.flush()
        self.count += 1

    def sample(self) -> dict:
        """One sample of now."""
        tally, controller = self.tally, self.controller
        return {
            "t": round(time.monotonic() - controller.start, 3),
            "phase": "drain" if controller.draining else "load",
            "rss": rssBytes(),
            "fds": fdCount(),
            "blocks": sys.getallocatedblocks(),
            "conns": controller.connections(),
            "http": tally.http,
            "events": tally.events,
            "echoed": tally.echoed,
            "udp": tally.udp,
            "uxd": tally.uxd,
            "errors": sum(tally.errors.values()),
        }


class Controller(doing.Doer):
    """Primes and announces the servers, then ends the run: after the load (SIGUSR1) drained, at SIGTERM or at the limit.

    Attributes:
        doist (doing.Doist): the Doist it stops by removing every doer
        tally (Tally): where an error of its own is counted
        http (httpServing.Server): the WSGI server
        tcp (tcpServing.Server): the TCP echo server
        addresses (dict): where each server listens, filled in on enter
        start (float): monotonic time of the start, origin of the samples' t
        limit (float): seconds after start at which it stops whatever happens
        baselineFds (int): descriptors open once the servers were, before any load
        drainedFds (int | None): descriptors open once the load drained
        drainSeconds (float | None): seconds the connections took to close after the load ended
        drained (bool): True when every connection closed within DRAIN
        primed (bool): True once the baseline is noted and the addresses printed
        draining (bool): True once the load ended
        ending (str): why the run ended
        halfway (float): seconds after start at which a traced run takes its first snapshot
        growth (list[str]): under tracemalloc, the places that grew most from halfway to the end of the load
    """

    def __init__(
        self, doist: doing.Doist, tally: Tally, http: httpServing.Server, tcp: tcpServing.Server, limit: float, **kwa
    ):
        super().__init__(tock=0.125, **kwa)
        self.doist = doist
        self.tally = tally
        self.http = http
        self.tcp = tcp
        self.udp: udping.Peer | None = None
        self.uxd: uxding.Peer | None = None
        self.addresses: dict = {}
        self.start = time.monotonic()
        self.limit = limit
        self.baselineFds = 0
        self.drainedFds: int | None = None
        self.drainSeconds: float | None = None
        self.drained = False
        self.draining = False
        self.ending = ""
        self.primed = False
        self._drainStart = 0.0
        self._flags: set[str] = set()
        self._probes: list[socket.socket] = []
        self.halfway = limit
        self.growth: list[str] = []
        self._before: tracemalloc.Snapshot | None = None

    def signalled(self, name: str) -> None:
        """Notes a signal: "drain" (the load ended) or "stop"."""
        self._flags.add(name)

    def connections(self) -> int:
        """Connections the HTTP and TCP servers hold, and those accepted but not yet taken up."""
        http, tcp = self.http.servant, self.tcp
        return len(http.ixes) + len(http.axes) + len(tcp.ixes) + len(tcp.axes)

    def enter(self, *, temp: bool | None = None) -> None:
        """Notes where every server listens (they were entered before this) and starts the probes."""
        self.start = time.monotonic()
        self.addresses = {
            "http": list(self.http.servant.ha[:2]),
            "tcp": list(self.tcp.ha[:2]),
            "udp": list(self.udp.ha[:2]) if self.udp else None,
            "uxd": self.uxd.path if self.uxd else None,
            "pid": os.getpid(),
        }
        for ha in (self.addresses["http"], self.addresses["tcp"]):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.setblocking(False)
            probe.connect_ex(tuple(ha))
            self._probes.append(probe)

    def prime(self) -> bool:
        """Closes the probes once both servers took them up; once they are gone (or PRIMING
        seconds have passed: an error) notes the baseline and prints the addresses.

        Returns:
            bool: True once primed
        """
        late = time.monotonic() - self.start > PRIMING
        if self._probes:
            if self.connections() < len(self._probes) and not late:
                return False
            for probe in self._probes:
                probe.close()
            self._probes = []
            return False
        if self.connections():
            if not late:
                return False
            self.tally.note(
                "priming: connections kept after their clients closed",
                f"{self.connections()} connections still open {PRIMING:.0f} s after their clients closed",
            )
        self.baselineFds = fdCount()
        self.primed = True
        self.start = time.monotonic()
        print(json.dumps(self.addresses), flush=True)
        return True

    def recur(self, tyme: float) -> bool:
        """Primes, then ends the run when it is time to."""
        now = time.monotonic()
        if "stop" in self._flags:
            return self.end("stopped by SIGTERM")
        if not self.primed:
            self.prime()
            return False
        if now - self.start > self.limit:
            return self.end(f"limit of {self.limit:.0f} s reached without the end of the load being signalled")
        if tracemalloc.is_tracing() and self._before is None and now - self.start >= self.halfway:
            self._before = tracemalloc.take_snapshot()
        if "drain" in self._flags and not self.draining:
            self.draining = True
            self._drainStart = now
            if self._before is not None:
                self.growth = grownPlaces(self._before, tracemalloc.take_snapshot())
        if self.draining:
            if self.connections() == 0 and not self.http.closings:
                self.drained = True
                self.drainSeconds = round(now - self._drainStart, 3)
                return self.end("load ended and drained")
            if now - self._drainStart > DRAIN:
                self.drainSeconds = round(now - self._drainStart, 3)
                return self.end(f"load ended; {self.connections()} connections still open after {DRAIN:.0f} s")
        return False

    def end(self, why: str) -> bool:
        """Notes why and the descriptors now, and removes every other doer (closing its server)."""
        self.ending = why
        for probe in self._probes:
            probe.close()
        self.drainedFds = fdCount()
        self.doist.remove([doer for doer in self.doist.doers if doer is not self])
        return True


def grownPlaces(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[str]:
    """The TRACED places whose allocations grew most from before to after, each with its traceback."""
    places = []
    grown = sorted(after.compare_to(before, "traceback"), key=lambda stat: stat.size_diff, reverse=True)
    for stat in grown[:TRACED]:
        if stat.size_diff <= 0:
            break
        frames = " <- ".join(  # the innermost frame first
            f"{'/'.join(frame.filename.rsplit('/', 2)[-2:])}:{frame.lineno}" for frame in reversed(stat.traceback)
        )
        places.append(f"{stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+d} blocks: {frames}")
    return places


def serve(duration: float, tock: float, sink: io.TextIOBase, trace: int = 0) -> tuple[Tally, Sampler, Controller]:
    """Runs the servers until the load ends (or the limit); returns what was noted.

    Parameters:
        duration: seconds of load
        tock: tock of the real-time Doist
        sink: where the samples go, a JSON line each
        trace: frames per traceback under tracemalloc, 0 means no tracing
    """
    if trace:
        tracemalloc.start(trace)
    tally = Tally()
    watchLogs(tally)
    http = httpServing.Server(app=makeApp(tally), ha=("127.0.0.1", 0), tymeout=HTTP_TYMEOUT)
    tcp = CountingTcpServer(tally, ha=("127.0.0.1", 0), bs=65536)
    udp = udping.Peer(ha=(loopback6(), 0), bufsize=262144)
    uxd = uxding.Peer(name="soak", temp=True)
    doist = doing.Doist(real=True, tock=tock)
    controller = Controller(doist, tally, http, tcp, limit=duration + GRACE)
    controller.udp, controller.uxd = udp, uxd
    controller.halfway = duration / 2
    sampler = Sampler(tally, controller, sink)
    doist.doers = [
        httpServing.ServerDoer(server=http),
        tcpServing.EchoServerDoer(server=tcp),
        UdpEchoDoer(tally, peer=udp),
        UxdEchoDoer(tally, peer=uxd),
        sampler,
        controller,
    ]
    signal.signal(signal.SIGUSR1, lambda *_: controller.signalled("drain"))
    signal.signal(signal.SIGTERM, lambda *_: controller.signalled("stop"))
    try:
        doist.do()
    except Exception as ex:
        tally.note(f"doist: {type(ex).__name__}", f"the Doist stopped on {ex!r}")
    if not controller.ending:
        controller.ending = "the Doist stopped early"
    sampler.write()  # the state after the servers closed
    return tally, sampler, controller


def main() -> int:
    """Serves, then writes the samples and tallies; exit status 0 unless the run could not be completed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, required=True, help="seconds of load")
    parser.add_argument("--out", required=True, help="directory for samples.jsonl and server.json")
    parser.add_argument("--tock", type=float, default=TOCK, help="tock of the real-time Doist")
    parser.add_argument("--trace", type=int, default=0, help="trace allocations with this many frames (slow)")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    with open(out / SAMPLES, "w", encoding="utf-8") as sink:
        tally, sampler, controller = serve(args.duration, args.tock, sink, args.trace)
    result = {
        "tock": args.tock,
        "addresses": controller.addresses,
        "ending": controller.ending,
        "drained": controller.drained,
        "drain_seconds": controller.drainSeconds,
        "baseline_fds": controller.baselineFds,
        "drained_fds": controller.drainedFds,
        "served": {
            "http": tally.http,
            "events": tally.events,
            "streams": tally.streams,
            "echoed": tally.echoed,
            "udp": tally.udp,
            "uxd": tally.uxd,
        },
        "errors": dict(tally.errors),
        "warnings": dict(tally.warnings),
        "notes": tally.notes,
        "growth": controller.growth,
        "sampled": sampler.count,
    }
    (out / RESULT).write_text(json.dumps(result), encoding="utf-8")
    print(json.dumps({"ending": controller.ending, "errors": sum(tally.errors.values())}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
