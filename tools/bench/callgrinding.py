"""The callgrind harness shared by the *_callgrind.py benchmarks.

A benchmark server runs under ``valgrind --tool=callgrind`` with counting
off; a load, warmed up first, runs while counting is on (or the server idles
for a second), and the instructions counted and the calls of each function
are read back from the callgrind output (``measure``, for
http_callgrind.py and tcp_callgrind.py). A whole program counted from start
to end is ``total`` (call_callgrind.py, sched_callgrind.py).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable

Load = tuple[Callable[[int], None], Callable[[], None]]
"""(run(n): make n exchanges with the server, close(): close the load's connections)."""


def total(argv: list[str]) -> int:
    """Instructions of one whole run of argv (a program and its arguments) under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no total")


def calls(out: str) -> Counter:
    """Calls of each function named in callgrind output out."""
    names: dict[str, str] = {}
    counts: Counter = Counter()
    callee = None
    with open(out) as f:
        for line in f:
            if m := re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line):
                kind, ident, name = m.groups()
                if name:
                    names[ident] = name
                if kind == "cfn":
                    callee = ident
            elif callee is not None and (m := re.match(r"calls=(\d+)", line)):
                counts[names.get(callee, callee)] += int(m.group(1))
                callee = None
    return counts


def measure(
    argv: list[str], port: int | None, load: Callable[[int], Load], warm: int, n: int, out: str
) -> tuple[int, Callable[..., int]]:
    """Counts the instructions of a server while a load runs against it.

    Parameters:
        argv: the server's command (interpreter, script, arguments), run under callgrind
        port: the port it serves on, None when it prints it on its first line once bound
        load: makes the load on a port: (run, close)
        warm: exchanges made before counting, so that every connection is accepted and warm
        n: exchanges counted; 0 counts one second of idle service instead
        out: the callgrind output file

    Returns:
        (instructions counted, count(*names): calls of the functions so named, as C names
        before any quote)
    """
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *argv],
        stdout=subprocess.PIPE if port is None else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        if port is None:
            port = int(server.stdout.readline())  # type: ignore[union-attr]
        for _ in range(1200):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        run, close = load(port)
        run(warm)
        subprocess.run(["callgrind_control", "-i", "on", str(server.pid)], capture_output=True, check=True)
        if n:
            run(n)
        else:  # idle: service passes that find nothing to do, for a second
            time.sleep(1.0)
        subprocess.run(["callgrind_control", "-i", "off", str(server.pid)], capture_output=True, check=True)
        close()
    finally:
        server.terminate()
        server.wait()
    total = 0
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
    counted = calls(out)

    def count(*names: str) -> int:
        return sum(c for name, c in counted.items() if name.split("'")[0] in names)

    return total, count
