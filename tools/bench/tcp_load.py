"""Load generator for the TCP echo benchmark.

Usage: ``python tcp_load.py PORT CLIENTS SIZE SECONDS``. Each client sends a
SIZE-byte message (TCP_NODELAY), reads the echo back in full, checks every
byte, and repeats until SECONDS have passed. Prints one JSON object: round
trips, bytes echoed, errors (mismatches or broken connections), elapsed time
and the CPU seconds the generator itself used, so that a run can show whether
the generator, rather than the server, was the limit.

Small messages (up to SMALL bytes) are driven by one thread over nonblocking
sockets and one epoll readiness poll, so that the generator's cost per round
trip is a poll shared by the ready clients, one receive and one send, and no
thread takes the interpreter from another (with a thread per blocking socket
a 64-byte round trip cost the generator about a quarter more CPU). Large
messages use a blocking socket per client in its own thread, with a helper
thread sending while the echo is read (or the buffers fill both ways).
"""

from __future__ import annotations

import gc
import json
import os
import select
import socket
import sys
import threading
import time

SMALL = 65536  # the largest message sent in one piece from the poll loop (it fits the socket buffers at once)


def connect(port: int) -> socket.socket:
    """A loopback connection to the echo server with Nagle's delay off."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send_rest(sock: socket.socket, message: bytes, sent: int) -> None:
    """Sends what a nonblocking send left of message, blocking until it is out (rare for a small message)."""
    sock.setblocking(True)
    sock.sendall(message[sent:])
    sock.setblocking(False)


def drive_small(port: int, clients: int, size: int, deadline: float) -> tuple[int, int]:
    """All clients from one epoll loop: returns (round trips, errors).

    Each client has its own message and a receive buffer made once; a
    readiness event reads what has come (a small echo mostly comes in one
    read), and a complete echo is compared whole and answered by the next
    send. The poll waits without a timeout (a timer armed per wait is a cost
    per round trip); a server that closes or breaks a connection wakes it.
    The collector stays off while the loop runs: it makes no cycles, and the
    lists the poll returns would set off a collection every few hundred polls.
    """
    trips = errors = 0
    poller = select.epoll()
    socks = {}  # fd -> socket
    clients_by_fd = {}  # fd -> (its socket's recv_into and send, message, buffer, view of buffer)
    partial = {}  # fd -> count of echo bytes received, for an echo that came in pieces
    try:
        for _ in range(clients):
            sock = connect(port)
            sock.setblocking(False)
            got = bytearray(size)
            fd = sock.fileno()
            socks[fd] = sock
            clients_by_fd[fd] = (sock.recv_into, sock.send, os.urandom(size), got, memoryview(got))
            poller.register(fd, select.EPOLLIN)
        for fd, (_, send, message, _, _) in clients_by_fd.items():
            sent = send(message)
            if sent < size:
                send_rest(socks[fd], message, sent)
    except OSError:
        return trips, errors + 1

    def drop(fd: int) -> None:
        """Stops driving a client whose connection broke or whose echo was wrong."""
        poller.unregister(fd)
        socks.pop(fd).close()
        del clients_by_fd[fd]

    poll, clock = poller.poll, time.perf_counter
    gc.disable()
    while clients_by_fd and clock() < deadline:
        for fd, _ in poll(-1, clients):
            recv_into, send, message, got, view = clients_by_fd[fd]
            count = partial.pop(fd, 0)
            try:
                n = recv_into(view[count:] if count else view)
            except BlockingIOError:
                continue
            except OSError:
                n = 0
            if not n:  # the server closed the connection or broke it
                errors += 1
                drop(fd)
                continue
            count += n
            if count < size:
                partial[fd] = count
                continue
            if got != message:
                errors += 1
                drop(fd)
                continue
            trips += 1
            try:
                sent = send(message)
                if sent < size:
                    send_rest(socks[fd], message, sent)
            except OSError:
                errors += 1
                drop(fd)
    gc.enable()
    for sock in socks.values():
        sock.close()
    poller.close()
    return trips, errors


def big_client(port: int, size: int, deadline: float, totals: dict, lock: threading.Lock) -> None:
    """One connection for large messages: a helper thread sends while the echo is read into a buffer made once."""
    trips = errors = 0
    try:
        sock = connect(port)
        message = os.urandom(size)
        got = bytearray(size)
        view = memoryview(got)
        recv_into, clock = sock.recv_into, time.perf_counter
        while clock() < deadline:
            sender = threading.Thread(target=sock.sendall, args=(message,))
            sender.start()
            count = 0
            while count < size:
                n = recv_into(view[count:], min(size - count, 1 << 20))
                if not n:
                    raise ConnectionError("server closed")
                count += n
            sender.join()
            if got != message:
                errors += 1
                break
            trips += 1
        sock.close()
    except OSError:
        errors += 1
    with lock:
        totals["trips"] += trips
        totals["errors"] += errors


def drive_big(port: int, clients: int, size: int, deadline: float) -> tuple[int, int]:
    """Each client in its own thread: returns (round trips, errors)."""
    totals = {"trips": 0, "errors": 0}
    lock = threading.Lock()
    threads = [threading.Thread(target=big_client, args=(port, size, deadline, totals, lock)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals["trips"], totals["errors"]


def batch() -> None:
    """Asks the scheduler to treat this process as a batch job (Linux): a generator process woken
    by its echoes then does not preempt the other generator processes on its CPU, and each takes
    more ready echoes per wakeup (about a sixth less CPU per 64-byte round trip)."""
    if hasattr(os, "SCHED_BATCH"):
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
        except OSError:
            pass


def main(port: int, clients: int, size: int, seconds: float) -> dict:
    batch()
    start = time.perf_counter()
    drive = drive_small if size <= SMALL else drive_big
    trips, errors = drive(port, clients, size, start + seconds)
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "size": size,
        "trips": trips,
        "bytes": trips * size,
        "errors": errors,
        "seconds": elapsed,
        "trips_per_s": trips / elapsed,
        "mb_per_s": trips * size / elapsed / 1e6,
        "cpu_s": time.process_time(),
    }


if __name__ == "__main__":
    port, clients, size, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(main(port, clients, size, seconds)))
