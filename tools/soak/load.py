"""The soak's clients: one process per role, a thread per client, every answer checked, bounded in time.

Usage: ``python load.py ROLE --addresses JSON --until EPOCH [--scale X] [--skip NAME ...]``
(``run.py`` starts one process per role, on other CPUs than the server's).

Roles and their clients:

- ``http``: keep-alive clients (GET and POST on the JSON endpoint, each
  answer compared with what it must be, a new connection every
  REQUESTS_PER_CONNECTION requests), server-sent event readers (each event
  compared, the stream's end checked) and churn (a connection per request
  with ``Connection: close``, connections closed before sending, TCP echo
  connections for one message, requests abandoned with a reset).
- ``transport``: TCP echo clients (random payloads, the echo compared), UDP
  and UXD echo clients (one datagram at a time, the echo compared, a missing
  echo after DATAGRAM_TIMEOUT is an error).
- ``hostile``: malformed requests (each must be answered 4xx and the
  connection closed), slowloris clients (a header byte every half second:
  the server must answer 408 and close within its tymeout), and never-readers
  (``never-reader``: PIPELINED requests sent at once, never read, the
  connection held HOLD seconds, then closed).

Each client paces itself (the load is moderate on purpose: the soak looks for
trends, not for the most the server can take) and starts no new work after
EPOCH; what it started before (a stream, a held connection) it finishes, so
that the load stays the same up to EPOCH. The process prints one JSON line:
what went right and what went wrong, per kind. A well-behaved client's wrong
or missing answer, and a hostile client's missing 4xx or close, is an error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable

import wire

KEEPALIVE_CLIENTS = 8
KEEPALIVE_RATE = 75.0  # requests per second, per client
REQUESTS_PER_CONNECTION = 500
SSE_CLIENTS = 4
SSE_EVENTS = 20  # events per stream
SSE_INTERVAL = 0.05  # seconds between events
STREAMS_PER_CONNECTION = 3
CHURN_CLIENTS = 2
CHURN_RATE = 10.0  # connections per second, per client
TCP_CLIENTS = 4
TCP_RATE = 100.0  # echo round trips per second, per client
TCP_MAX_PAYLOAD = 16384
MESSAGES_PER_CONNECTION = 1000
DATAGRAM_CLIENTS = 2  # of each of UDP and UXD
DATAGRAM_RATE = 100.0  # round trips per second, per client
DATAGRAM_MAX_PAYLOAD = 1400
DATAGRAM_TIMEOUT = 2.0
MALFORMED_RATE = 2.0  # malformed requests per second
SLOWLORIS_CLIENTS = 2
SLOWLORIS_DRIP = 0.5  # seconds between header bytes
SLOWLORIS_LIMIT = 12.0  # the server (tymeout 5 s) must have answered and closed by then
NEVER_READERS = 1
PIPELINED = 300  # requests a never-reader sends at once
PIPELINED_PAD = 32768  # pad of each: 300 answers of 32 KiB are more than the socket buffers of both ends hold
HOLD = 10.0  # seconds a never-reader holds its connection
TIMEOUT = 10.0  # seconds a well-behaved client waits for any answer
NOTES = 20  # most error messages kept verbatim

RESET_LINGER = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 seconds: close() sends a reset

MALFORMED = [
    (b"GET\r\n\r\n", "request line without a target"),
    (b"GET /json?seq=1 HTTP/1.1\r\nHost: soak\r\nno colon here\r\n\r\n", "header line without a colon"),
    (b"GET /json?seq=1 HTTP/1.1\r\nHost: soak\r\nContent-Length: -5\r\n\r\n", "negative Content-Length"),
    (b"GET /json?seq=1 HTTP/1.1\r\nHost: soak\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "two lengths"),
    (
        b"POST /json HTTP/1.1\r\nHost: soak\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
        "length and chunked together",
    ),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: soak\r\n\r\n", "request line too long"),
    (b"GET /json?seq=1 HTTP/1.1\r\nHost: soak\r\n" + b"X-Many: 1\r\n" * 500 + b"\r\n", "too many header fields"),
    (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(32) + b"\r\n\r\n", "TLS hello on the plain port"),
    (b"GET /json?seq=1 HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", "bad chunk size"),
]
"""Malformed requests, each with what is wrong with it; the server must answer each with a 4xx and close."""


class Mismatch(Exception):
    """An answer that is not what the server had to answer."""


def failureOf(ex: BaseException) -> str:
    """Short name of what went wrong, the kind under which an error is counted."""
    if isinstance(ex, Mismatch):
        return "wrong answer"
    if isinstance(ex, TimeoutError):
        return "no answer in time"
    if isinstance(ex, ConnectionRefusedError):
        return "connection refused"
    if isinstance(ex, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "connection reset"
    if isinstance(ex, EOFError):
        return "closed early"
    if isinstance(ex, OSError):
        return f"os error {ex.errno}"
    return type(ex).__name__


class Results:
    """What a process's clients saw, per kind, shared by its threads.

    Attributes:
        ok (Counter): exchanges that went as they must, per kind
        errors (Counter): errors per "kind: what went wrong"
        notes (list[str]): the first error message of each kind, at most NOTES
    """

    def __init__(self):
        self.ok: Counter = Counter()
        self.errors: Counter = Counter()
        self.notes: list[str] = []
        self._lock = threading.Lock()

    def good(self, kind: str, count: int = 1) -> None:
        """Counts count exchanges of kind that went as they must."""
        with self._lock:
            self.ok[kind] += count

    def bad(self, kind: str, ex: BaseException) -> None:
        """Counts one error of kind, named by what went wrong."""
        name = f"{kind}: {failureOf(ex)}"
        with self._lock:
            self.errors[name] += 1
            if self.errors[name] == 1 and len(self.notes) < NOTES:  # the first of each kind
                self.notes.append(f"{kind}: {ex!r}"[:500])


class Context:
    """What every client of a process shares: where the servers are, until when to run, the results.

    Attributes:
        addresses (dict): the servers' addresses as server.py printed them
        deadline (float): monotonic time after which no client starts new work
        scale (float): factor on every client's rate
        results (Results): what the clients saw
    """

    def __init__(self, addresses: dict, until: float, scale: float):
        self.addresses = addresses
        self.deadline = time.monotonic() + (until - time.time())
        self.scale = scale
        self.results = Results()

    @property
    def http(self) -> tuple[str, int]:
        """Address of the WSGI server."""
        return tuple(self.addresses["http"])

    @property
    def tcp(self) -> tuple[str, int]:
        """Address of the TCP echo server."""
        return tuple(self.addresses["tcp"])

    def left(self) -> float:
        """Seconds until the deadline."""
        return self.deadline - time.monotonic()

    def running(self) -> bool:
        """True until the deadline."""
        return time.monotonic() < self.deadline

    def pause(self, seconds: float) -> None:
        """Sleeps seconds, or until the deadline if that comes first."""
        time.sleep(max(0.0, min(seconds, self.left())))


class Pacer:
    """Spaces a client's exchanges to a steady rate, without bursts to make up after a stall."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next = time.monotonic()

    def wait(self, ctx: Context) -> bool:
        """Waits for the next slot; False when the deadline comes first."""
        self.next += self.interval
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
        elif now - self.next > 1.0:  # far behind: start afresh rather than rush
            self.next = now
        return ctx.running()


class HttpClient:
    """A blocking HTTP/1.1 client connection that reads responses by their framing.

    Attributes:
        sock (socket.socket): the connection
        rxbs (bytearray): bytes received and not yet taken
    """

    def __init__(self, ha: tuple[str, int], timeout: float = TIMEOUT):
        self.sock = socket.create_connection(ha, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rxbs = bytearray()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection."""
        self.sock.close()

    def _fill(self) -> None:
        """Receives more bytes; EOFError when the server closed."""
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("server closed the connection")
        self.rxbs.extend(data)

    def _take(self, size: int) -> bytes:
        """The next size bytes."""
        while len(self.rxbs) < size:
            self._fill()
        data = bytes(self.rxbs[:size])
        del self.rxbs[:size]
        return data

    def _line(self) -> bytes:
        """The next CRLF terminated line, without the CRLF."""
        while (end := self.rxbs.find(b"\r\n")) < 0:
            self._fill()
        line = bytes(self.rxbs[:end])
        del self.rxbs[: end + 2]
        return line

    def head(self) -> tuple[int, dict[str, str]]:
        """Reads a response head: its status code and header fields (names lower case)."""
        while (end := self.rxbs.find(b"\r\n\r\n")) < 0:
            self._fill()
            if len(self.rxbs) > 65536:
                raise Mismatch("response head larger than 64 KiB")
        lines = bytes(self.rxbs[:end]).decode("latin-1").split("\r\n")
        del self.rxbs[: end + 4]
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise Mismatch(f"bad status line {lines[0]!r}")
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        return int(parts[1]), fields

    def chunk(self) -> bytes:
        """Reads one chunk of a chunked body; empty bytes for the last one (its trailer read too)."""
        size = int(self._line().split(b";")[0], 16)
        if size == 0:
            while self._line():
                pass
            return b""
        data = self._take(size)
        if self._line():
            raise Mismatch("chunk not followed by CRLF")
        return data

    def body(self, fields: dict[str, str]) -> bytes:
        """Reads the body the head's fields announce."""
        if "content-length" in fields:
            return self._take(int(fields["content-length"]))
        if fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while part := self.chunk():
                parts.append(part)
            return b"".join(parts)
        while True:  # ends with the connection
            try:
                self._fill()
            except EOFError:
                data = bytes(self.rxbs)
                self.rxbs.clear()
                return data

    def request(self, method: str, target: str, body: bytes = b"", close: bool = False) -> tuple[int, dict, bytes]:
        """Sends one request and reads its response: (status, fields, body)."""
        lines = [f"{method} {target} HTTP/1.1", "Host: soak"]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        if close:
            lines.append("Connection: close")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status, fields = self.head()
        return status, fields, self.body(fields)

    def ended(self) -> bool:
        """True when the server closes the connection (within the timeout) with nothing more sent."""
        if self.rxbs:
            return False
        try:
            self._fill()
        except EOFError:
            return True
        return False


def expect(condition: bool, what: str) -> None:
    """Raises Mismatch(what) unless condition."""
    if not condition:
        raise Mismatch(what)


def jsonExchange(client: HttpClient, rng: random.Random, seq: int, close: bool = False) -> None:
    """One GET or POST on the JSON endpoint, its answer checked."""
    if seq % 3 == 2:
        values = [rng.randrange(-1000, 1000) for _ in range(rng.randrange(1, 64))]
        body = json.dumps({"seq": seq, "values": values}).encode()
        status, _, answer = client.request("POST", wire.JSON_PATH, body, close=close)
        expected = wire.postAnswer(seq, values)
    else:
        size = rng.randrange(0, 4096)
        status, _, answer = client.request("GET", f"{wire.JSON_PATH}?seq={seq}&size={size}", close=close)
        expected = wire.jsonAnswer(seq, size)
    expect(status == 200, f"status {status} for request {seq}")
    expect(json.loads(answer) == expected, f"answer to request {seq} is not the one expected")


def keepAlive(ctx: Context, cid: int) -> None:
    """Keep-alive client: paced JSON requests, REQUESTS_PER_CONNECTION per connection."""
    rng = random.Random(cid)
    pacer = Pacer(KEEPALIVE_RATE * ctx.scale)
    seq = cid * 10_000_000
    while ctx.running():
        try:
            with HttpClient(ctx.http) as client:
                for _ in range(REQUESTS_PER_CONNECTION):
                    if not pacer.wait(ctx):
                        break
                    seq += 1
                    jsonExchange(client, rng, seq)
                    ctx.results.good("http keep-alive requests")
        except Exception as ex:
            ctx.results.bad("http keep-alive", ex)
            ctx.pause(0.5)


def eventStream(client: HttpClient, stream: int) -> int:
    """Reads event stream ``stream`` whole, each event checked; returns the number of events."""
    target = f"{wire.EVENTS_PATH}?stream={stream}&count={SSE_EVENTS}&interval={SSE_INTERVAL}"
    client.sock.sendall(f"GET {target} HTTP/1.1\r\nHost: soak\r\nAccept: text/event-stream\r\n\r\n".encode())
    status, fields = client.head()
    expect(status == 200, f"status {status} for stream {stream}")
    expect(fields.get("content-type", "").startswith("text/event-stream"), "stream is not text/event-stream")
    expect(fields.get("transfer-encoding", "").lower() == "chunked", "stream is not chunked")
    pending = bytearray()
    index = 0
    while part := client.chunk():
        pending.extend(part)
        while (end := pending.find(b"\n\n")) >= 0:
            event = bytes(pending[: end + 2])
            del pending[: end + 2]
            expect(event == wire.eventOf(stream, index), f"event {index} of stream {stream} is not the one expected")
            index += 1
    expect(not pending and index == SSE_EVENTS, f"stream {stream} ended after {index} events")
    return index


def sseReader(ctx: Context, cid: int) -> None:
    """Server-sent event reader: STREAMS_PER_CONNECTION whole streams per connection."""
    stream = cid * 1_000_000
    while ctx.running():
        try:
            with HttpClient(ctx.http) as client:
                for _ in range(STREAMS_PER_CONNECTION):
                    if not ctx.running():
                        break
                    stream += 1
                    events = eventStream(client, stream)
                    ctx.results.good("sse streams")
                    ctx.results.good("sse events", events)
        except Exception as ex:
            ctx.results.bad("sse", ex)
            ctx.pause(0.5)


def churn(ctx: Context, cid: int) -> None:
    """Connection churn: each connection does one thing and goes, in four ways by turns."""
    rng = random.Random(1000 + cid)
    pacer = Pacer(CHURN_RATE * ctx.scale)
    turn = 0
    while pacer.wait(ctx):
        turn += 1
        way = turn % 4
        try:
            if way == 0:  # one request, Connection: close, the server must close after it
                with HttpClient(ctx.http) as client:
                    jsonExchange(client, rng, turn, close=True)
                    expect(client.ended(), "connection not closed after Connection: close")
            elif way == 1:  # connect and leave without a word
                socket.create_connection(ctx.http, timeout=TIMEOUT).close()
            elif way == 2:  # one TCP echo and leave
                payload = rng.randbytes(rng.randrange(1, 2048))
                with socket.create_connection(ctx.tcp, timeout=TIMEOUT) as sock:
                    sock.sendall(payload)
                    expect(recvExactly(sock, len(payload)) == payload, "TCP echo is not the payload")
            else:  # a request, then gone with a reset before the answer is read
                with socket.create_connection(ctx.http, timeout=TIMEOUT) as sock:
                    sock.sendall(b"GET /json?seq=%d&size=20000 HTTP/1.1\r\nHost: soak\r\n\r\n" % turn)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_LINGER)
            ctx.results.good("churn connections")
        except Exception as ex:
            ctx.results.bad("churn", ex)


def recvExactly(sock: socket.socket, size: int) -> bytes:
    """The next size bytes from sock; EOFError when it closes first."""
    data = bytearray()
    while len(data) < size:
        part = sock.recv(min(65536, size - len(data)))
        if not part:
            raise EOFError(f"closed after {len(data)} of {size} bytes")
        data.extend(part)
    return bytes(data)


def tcpEcho(ctx: Context, cid: int) -> None:
    """TCP echo client: random payloads, each echo compared, MESSAGES_PER_CONNECTION per connection."""
    rng = random.Random(2000 + cid)
    pacer = Pacer(TCP_RATE * ctx.scale)
    while ctx.running():
        try:
            with socket.create_connection(ctx.tcp, timeout=TIMEOUT) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for _ in range(MESSAGES_PER_CONNECTION):
                    if not pacer.wait(ctx):
                        break
                    payload = rng.randbytes(rng.randrange(1, TCP_MAX_PAYLOAD))
                    sock.sendall(payload)
                    expect(recvExactly(sock, len(payload)) == payload, "TCP echo is not the payload")
                    ctx.results.good("tcp echoes")
        except Exception as ex:
            ctx.results.bad("tcp", ex)
            ctx.pause(0.5)


def datagramEcho(ctx: Context, kind: str, sock: socket.socket, server: object, cid: int) -> None:
    """Datagram echo client over sock: one datagram at a time, each echo compared.

    A datagram carries its client and sequence number, so that a late echo
    of an earlier one (already counted missing) is recognised and skipped.
    """
    rng = random.Random(3000 + cid)
    pacer = Pacer(DATAGRAM_RATE * ctx.scale)
    sock.settimeout(DATAGRAM_TIMEOUT)
    seq = 0
    while pacer.wait(ctx):
        seq += 1
        tag = b"%d %d " % (cid, seq)
        payload = tag + rng.randbytes(rng.randrange(1, DATAGRAM_MAX_PAYLOAD - len(tag)))
        try:
            sock.sendto(payload, server)
            while True:
                echo = sock.recv(65536)
                if echo.startswith(tag):
                    break
                late = echo.split(b" ", 2)
                if len(late) < 3 or int(late[1]) >= seq:
                    raise Mismatch(f"{kind} echo {echo[:20]!r} for datagram {seq}")
            expect(echo == payload, f"{kind} echo of datagram {seq} is not the payload")
            ctx.results.good(f"{kind} echoes")
        except Exception as ex:
            ctx.results.bad(kind, ex)


def udpEcho(ctx: Context, cid: int) -> None:
    """UDP echo client."""
    host, port = ctx.addresses["udp"]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        datagramEcho(ctx, "udp", sock, (host, port), cid)


def uxdEcho(ctx: Context, cid: int) -> None:
    """UXD echo client, bound to a path of its own so that the echo can find it."""
    folder = tempfile.mkdtemp(prefix="hio_soak_")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(os.path.join(folder, f"c{cid}.uxd"))
            datagramEcho(ctx, "uxd", sock, ctx.addresses["uxd"], cid)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def refused(sock: socket.socket, limit: float) -> bytes:
    """Everything the server sends until it closes, within limit seconds; TimeoutError when it does not close."""
    end = time.monotonic() + limit
    data = bytearray()
    while True:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"connection still open after {limit:.0f} s, {len(data)} bytes received")
        sock.settimeout(left)
        try:
            part = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return bytes(data)  # the answer may be followed by a reset
        if not part:
            return bytes(data)
        data.extend(part)


def malformed(ctx: Context, cid: int) -> None:
    """Malformed requests by turns: each must get a 4xx answer and the connection closed."""
    pacer = Pacer(MALFORMED_RATE * ctx.scale)
    turn = 0
    while pacer.wait(ctx):
        request, what = MALFORMED[turn % len(MALFORMED)]
        turn += 1
        try:
            with socket.create_connection(ctx.http, timeout=TIMEOUT) as sock:
                try:
                    sock.sendall(request)
                except (ConnectionResetError, BrokenPipeError):
                    pass  # refused before all of it was sent: the answer is still there to read
                answer = refused(sock, TIMEOUT)
            status = answer[9:12]
            expect(
                answer.startswith(b"HTTP/1.") and status[:1] == b"4" and status.isdigit(),
                f"{what}: answered {answer[:40]!r}, not a 4xx",
            )
            ctx.results.good("malformed requests refused")
        except Exception as ex:
            ctx.results.bad(f"malformed ({what})", ex)


def slowloris(ctx: Context, cid: int) -> None:
    """Slowloris: a request head a byte at a time; the server must answer 408 and close in time."""
    while ctx.running():
        try:
            with socket.create_connection(ctx.http, timeout=TIMEOUT) as sock:
                began = time.monotonic()
                sock.sendall(b"GET /json?seq=1 HTTP/1.1\r\nHost: soak\r\n")
                drip = b"X-Slow: " + b"z" * 1000
                answer = bytearray()
                for index in range(len(drip)):
                    try:
                        sock.send(drip[index : index + 1])
                    except (ConnectionResetError, BrokenPipeError):
                        break
                    sock.settimeout(SLOWLORIS_DRIP)
                    try:
                        part = sock.recv(65536)
                    except TimeoutError:
                        part = None
                    except ConnectionResetError:
                        break
                    if part == b"":
                        break
                    if part:
                        answer.extend(part)
                    if time.monotonic() - began > SLOWLORIS_LIMIT:
                        raise TimeoutError(f"still open after {SLOWLORIS_LIMIT:.0f} s")
                expect(answer.startswith(b"HTTP/1.1 408"), f"answered {bytes(answer[:40])!r}, not 408")
            ctx.results.good("slowloris closed")
        except Exception as ex:
            ctx.results.bad("slowloris", ex)
            ctx.pause(1.0)


def neverReader(ctx: Context, cid: int) -> None:
    """Never-reader: PIPELINED requests at once, nothing read, the connection held HOLD seconds, then closed."""
    ctx.pause(cid * 2.0)
    while ctx.running():
        try:
            with socket.create_connection(ctx.http, timeout=TIMEOUT) as sock:
                requests = b"".join(
                    b"GET /json?seq=%d&size=%d HTTP/1.1\r\nHost: soak\r\n\r\n" % (seq, PIPELINED_PAD)
                    for seq in range(PIPELINED)
                )
                sock.sendall(requests)
                time.sleep(HOLD)
            ctx.results.good("never-reader connections")
        except Exception as ex:
            ctx.results.bad("never-reader", ex)
        ctx.pause(1.0)


ROLES: dict[str, list[tuple[str, Callable[[Context, int], None], int]]] = {
    "http": [
        ("keep-alive", keepAlive, KEEPALIVE_CLIENTS),
        ("sse", sseReader, SSE_CLIENTS),
        ("churn", churn, CHURN_CLIENTS),
    ],
    "transport": [
        ("tcp", tcpEcho, TCP_CLIENTS),
        ("udp", udpEcho, DATAGRAM_CLIENTS),
        ("uxd", uxdEcho, DATAGRAM_CLIENTS),
    ],
    "hostile": [
        ("malformed", malformed, 1),
        ("slowloris", slowloris, SLOWLORIS_CLIENTS),
        ("never-reader", neverReader, NEVER_READERS),
    ],
}
"""Each role's clients: (name, client function, number of clients)."""

CLIENTS = [name for clients in ROLES.values() for name, _, _ in clients]
"""Names of every kind of client, as --skip takes them."""


def run(role: str, ctx: Context, skip: set[str]) -> None:
    """Runs every client of role, each in a thread, until all have ended."""
    threads = []
    for name, client, count in ROLES[role]:
        if name in skip:
            continue
        for cid in range(count):
            thread = threading.Thread(target=guarded, args=(client, ctx, cid, name), name=f"{name}-{cid}", daemon=True)
            thread.start()
            threads.append(thread)
    for thread in threads:
        thread.join(timeout=max(0.0, ctx.left()) + TIMEOUT + HOLD + 30.0)
        if thread.is_alive():
            ctx.results.bad(thread.name, TimeoutError("client did not end"))


def guarded(client: Callable[[Context, int], None], ctx: Context, cid: int, name: str) -> None:
    """Runs one client; anything that escapes it is an error of its kind."""
    try:
        client(ctx, cid)
    except Exception as ex:
        ctx.results.bad(name, ex)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=sorted(ROLES))
    parser.add_argument("--addresses", required=True, help="the servers' addresses, JSON as server.py prints them")
    parser.add_argument("--until", type=float, required=True, help="time (seconds since the epoch) to stop at")
    parser.add_argument("--scale", type=float, default=1.0, help="factor on every client's rate")
    parser.add_argument("--skip", action="append", default=[], choices=CLIENTS, help="leave out a kind of client")
    args = parser.parse_args()
    ctx = Context(json.loads(args.addresses), args.until, args.scale)
    with contextlib.suppress(KeyboardInterrupt):
        run(args.role, ctx, set(args.skip))
    results = ctx.results
    print(json.dumps({"role": args.role, "ok": results.ok, "errors": results.errors, "notes": results.notes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
