"""Soak test of hio's servers: a steady mixed load on loopback, the server process watching itself.

Usage::

    python tools/soak/run.py [--duration SECONDS] [--out DIR] [--scale X] [--skip CLIENT ...] [--trace FRAMES]

Starts ``server.py`` (hio's WSGI, TCP echo, UDP echo and UXD echo servers
under one real-time Doist, sampling its own descriptors and memory every
second) on one CPU and the clients of ``load.py`` in three processes (HTTP,
transports, hostile) on the others, for ``--duration`` seconds (default
1800). Then it tells the server the load has ended, lets the connections
drain, and judges the run (``report.py``): any error, or a rising trend of
resident memory or descriptors over the second half of the load, fails it.
Writes ``soak.png``, ``summary.md``, the samples (``samples.jsonl``), the
server's tallies (``server.json``), each process's log and results
into ``--out`` (default ``soak-results/``), prints the summary, and exits 1
when the run failed. Everything listens on loopback ports the system picks
and everything stops by itself. ``--trace FRAMES`` runs the server under
tracemalloc and adds to the summary where its memory grew in the second half
of the load (the server is then several times slower).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import load
import report

HERE = pathlib.Path(__file__).resolve().parent
STARTUP = 60.0
"""Most seconds the server may take to open its sockets."""

SETTLE = 120.0
"""Most seconds past the duration that the load processes, then the server, may take to end."""


def cpus() -> tuple[set[int] | None, set[int] | None]:
    """The CPUs for the server and for the load: one for the server, the others for the load.

    A server and its load sharing a CPU by the scheduler's whim would make
    the rates jump from run to run; with one CPU they share it.
    """
    try:
        mine = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None, None
    if len(mine) < 2:
        return None, None
    return {mine[0]}, set(mine[1:])


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A preexec_fn that keeps the child on cpus (None: wherever the system runs it)."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def readLine(proc: subprocess.Popen, timeout: float) -> str:
    """The next line proc prints, waiting at most timeout seconds; "" when it ended or said nothing."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline() if ready else ""


def lastJson(text: str) -> dict:
    """The JSON object on the last line of text, {} when there is none."""
    lines = text.strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        return {}


def stop(proc: subprocess.Popen) -> None:
    """Ends proc: SIGTERM, then SIGKILL if it does not end within five seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def soak(args: argparse.Namespace) -> int:
    """Runs the soak; returns the exit status (0 pass, 1 fail)."""
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    serverCpus, loadCpus = cpus()
    resultPath = out / "server.json"
    resultPath.unlink(missing_ok=True)
    python = sys.executable
    server = subprocess.Popen(
        [
            python,
            str(HERE / "server.py"),
            *("--duration", str(args.duration), "--out", str(out), "--trace", str(args.trace)),
        ],
        stdout=subprocess.PIPE,
        stderr=open(out / "server.log", "w"),  # noqa: SIM115  (the child keeps it; closed when it ends)
        text=True,
        preexec_fn=pinned(serverCpus),
    )
    loads: list[tuple[str, subprocess.Popen]] = []
    try:
        ready = readLine(server, STARTUP)
        addresses = lastJson(ready)
        if "http" not in addresses:
            print(f"the server did not start ({ready.strip()}); see {out / 'server.log'}", file=sys.stderr)
            return 1
        until = time.time() + args.duration
        print(f"soak: servers at {addresses}; load for {args.duration:.0f} s", flush=True)
        for role in load.ROLES:
            command = [python, str(HERE / "load.py"), role, "--addresses", ready.strip(), "--until", str(until)]
            command += ["--scale", str(args.scale), *(f"--skip={name}" for name in args.skip)]
            proc = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=open(out / f"load-{role}.log", "w"),  # noqa: SIM115
                text=True,
                preexec_fn=pinned(loadCpus),
            )
            loads.append((role, proc))
        results = []
        for role, proc in loads:
            try:
                stdout, _ = proc.communicate(timeout=max(1.0, until - time.time()) + SETTLE)
            except subprocess.TimeoutExpired:
                stop(proc)
                stdout = ""
            result = lastJson(stdout)
            result.update(role=role, status=proc.returncode)
            (out / f"load-{role}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
            results.append(result)
        server.send_signal(signal.SIGUSR1)  # the load has ended: drain, write the samples, exit
        try:
            server.communicate(timeout=SETTLE)
        except subprocess.TimeoutExpired:
            stop(server)
    finally:
        for _, proc in loads:
            stop(proc)
        stop(server)
    if not resultPath.is_file():
        print(f"the server did not finish; see {out / 'server.log'}", file=sys.stderr)
        return 1
    data = json.loads(resultPath.read_text(encoding="utf-8"))
    with open(out / "samples.jsonl", encoding="utf-8") as lines:
        data["samples"] = [json.loads(line) for line in lines if line.strip()]
    expected = [
        kind
        for kind, client in (
            ("http keep-alive requests", "keep-alive"),
            ("sse streams", "sse"),
            ("churn connections", "churn"),
            ("tcp echoes", "tcp"),
            ("udp echoes", "udp"),
            ("uxd echoes", "uxd"),
            ("malformed requests refused", "malformed"),
            ("slowloris closed", "slowloris"),
            ("never-reader connections", "never-reader"),
        )
        if client not in args.skip
    ]
    verdict = report.analyse(data, results, args.duration, expected)
    clients = ", ".join(name for name in load.CLIENTS if name not in args.skip)
    settings = (
        f"tock {data['tock']:g} s, load scale {args.scale:g}, clients: {clients}"
        + (f" (left out: {', '.join(args.skip)})" if args.skip else "")
        + f"; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    report.plot(data, verdict, out / report.PLOT)
    text = report.summary(data, verdict, settings)
    (out / report.SUMMARY).write_text(text, encoding="utf-8")
    print(text)
    return 0 if verdict.passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1800.0, help="seconds of load (default 1800)")
    parser.add_argument("--out", default="soak-results", help="directory for the results (default soak-results)")
    parser.add_argument("--scale", type=float, default=1.0, help="factor on every client's rate (default 1)")
    parser.add_argument(
        "--skip", action="append", default=[], choices=load.CLIENTS, help="leave out a kind of client (repeatable)"
    )
    parser.add_argument(
        "--trace",
        type=int,
        default=0,
        metavar="FRAMES",
        help="run the server under tracemalloc and report where memory grew (slow; for finding a leak)",
    )
    args = parser.parse_args()
    if args.duration < 10:
        parser.error("--duration must be at least 10 seconds")
    return soak(args)


if __name__ == "__main__":
    sys.exit(main())
