"""Runs every hio benchmark side by side with its peers and reports the results.

Usage::

    python tools/bench/run.py --published PYTHON [--published-version V]
        [--older PYTHON --older-version V] [--note TEXT] [--out DIR] [--quick]

The interpreter running this script must have our hio installed (with falcon,
trio, waitress and matplotlib); ``--published PYTHON`` is the interpreter of a
venv that holds the published ``hio`` release instead, and ``--older`` that of
a venv holding an older release, shown as a second column. Ratios are only
fair when all of them are the same Python version: ``nox -s bench`` sees to
that. Each engine runs in its own process. Prints a table per benchmark,
writes one PNG plot per benchmark and ``summary.md`` (with the targets, whether
each was met, and for each miss a profile of where our time goes) into
``--out`` (default ``bench-results/``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import pstats
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
OURS = sys.executable
REAL_TOCK = 0.001  # tock in seconds of each real-time Doist in the HTTP comparison, as a user racing releases sets it
IDLE_TOCK = 0.03125  # tock in seconds of the real-time Doist whose idle cost is measured
# The published releases raced against: (label, interpreter); set from the command line.
PUBLISHED: tuple[str, str] = ("hio 0.6.19", OURS)
OLDER: tuple[str, str] | None = None


def _cpus() -> tuple[set | None, set | None]:
    """The CPUs for servers and for load generators: one for the server, the others for the load.

    A server and its load sharing a CPU (the scheduler's choice, changing from
    run to run) halve each other, so with two CPUs or more each side gets its
    own; with one CPU they share it.
    """
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None, None
    if len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


SERVER_CPUS, LOAD_CPUS = _cpus()


def pinned(cpus: set | None):
    """A preexec_fn that keeps the child on cpus (None: wherever the system runs it)."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def command(python: str, script: str, args: tuple, profile: pathlib.Path | None = None) -> list[str]:
    """The command running a benchmark script, under cProfile writing to ``profile`` when given."""
    prefix = [python, "-m", "cProfile", "-o", str(profile)] if profile else [python]
    return [*prefix, str(HERE / script), *map(str, args)]


def run_json(
    python: str,
    script: str,
    *args: object,
    timeout: float = 600,
    cpus: set | None = None,
    profile: pathlib.Path | None = None,
) -> dict:
    """Runs one benchmark script (on cpus, when given) and returns the JSON object it printed last."""
    out = subprocess.run(
        command(python, script, args, profile),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        preexec_fn=pinned(cpus),
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_load(script: str, *args: object) -> dict:
    """Runs a load generator (with our interpreter) on the load CPUs."""
    return run_json(OURS, script, *args, cpus=LOAD_CPUS)


def run_loads(procs: int, script: str, *args: object) -> list[dict]:
    """Runs ``procs`` load generator processes at once on the load CPUs; the JSON object of each."""
    children = [
        subprocess.Popen(command(OURS, script, args), stdout=subprocess.PIPE, text=True, preexec_fn=pinned(LOAD_CPUS))
        for _ in range(procs)
    ]
    outs = [child.communicate(timeout=600)[0] for child in children]
    return [json.loads(out.strip().splitlines()[-1]) for out in outs]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, seconds: float = 20.0) -> None:
    """Waits until a server process accepts connections on ``port``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port}")


class Serving:
    """A benchmark server in its own process (on the server CPU), stopped with SIGTERM on exit.

    With ``profile``, the server runs under cProfile, which writes its
    statistics to that file when the server stops.
    """

    def __init__(
        self, python: str, script: str, *args: object, port: int | None = None, profile: pathlib.Path | None = None
    ):
        self.port = port
        self.proc = subprocess.Popen(
            command(python, script, args, profile),
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=pinned(SERVER_CPUS),
        )
        if self.port is None:  # the server prints the port it bound
            self.port = int(self.proc.stdout.readline())
        wait_listening(self.port, self.proc)

    def cpu(self) -> float:
        """CPU seconds the server has used so far."""
        return cpu_seconds(self.proc.pid)

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def table(title: str, columns: list[str], rows: list[list[object]]) -> str:
    """A markdown table (also readable as plain text)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "-" if math.isnan(value) else f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
        return str(value)

    lines = [f"### {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plot(path: pathlib.Path, title: str, labels: list[str], series: dict[str, list[float]], ylabel: str) -> None:
    """A grouped bar chart, one group per label, one bar per series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(labels))], values, width, label=name)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def releases() -> list[tuple[str, str]]:
    """The published releases raced against, the current one first: (label, interpreter)."""
    return [PUBLISHED] + ([OLDER] if OLDER else [])


SCHED_KINDS = [("doify", "hio-doify"), ("Doer", "hio-doer"), ("DoDoer", "hio-dodoer")]


def bench_sched(quick: bool) -> tuple[str, dict]:
    shapes = [(10, 20_000), (100, 2_000), (1000, 200), (10_000, 20)]
    if quick:
        shapes = [(10, 2_000), (10_000, 20)]
    engines = [("bare generators", OURS, "bare")]
    engines += [(f"hio {kind}", OURS, engine) for kind, engine in SCHED_KINDS]
    for label, python in releases():
        engines += [(f"{label} {kind}", python, engine) for kind, engine in SCHED_KINDS]
    engines += [("asyncio", OURS, "asyncio"), ("trio", OURS, "trio")]
    results = {}
    for _ in range(1 if quick else 3):  # engines take turns; the fastest run of each counts (noise only slows)
        for label, python, engine in engines:
            for n, m in shapes:
                run = run_json(python, "sched.py", engine, n, m, cpus=SERVER_CPUS)
                if (label, n, m) not in results or run["ns_per_switch"] < results[label, n, m]["ns_per_switch"]:
                    results[label, n, m] = run
    last = shapes[-1]
    rows = [
        [label]
        + [results[label, n, m]["ns_per_switch"] for n, m in shapes]
        + [
            results[(label, *last)]["bytes_per_idle"],
            results[(label, *last)]["bytes_per_idle"] / results[("asyncio", *last)]["bytes_per_idle"],
        ]
        for label, _, _ in engines
    ]
    columns = ["engine"] + [f"ns/switch N={n:,} (x{m:,})" for n, m in shapes]
    columns += [f"bytes per idle coroutine (N={last[0]:,})", "bytes vs asyncio task"]
    text = table("Scheduler switch cost (lower is better)", columns, rows)
    series = {label: [results[label, n, m]["ns_per_switch"] for n, m in shapes] for label, _, _ in engines}
    return text, {"shapes": shapes, "series": series, "results": results}


def median(runs: list[dict], key: str) -> dict:
    """The run whose key is the median of runs (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run[key])
    return ordered[(len(ordered) - 1) // 2]


# TCP loads: (name, generator processes, clients per process, message size, result key)
TCP_LOADS = [("8 x 64 B", 2, 4, 64, "trips_per_s"), ("2 x 1 MB", 1, 2, 1_000_000, "mb_per_s")]


def tcp_run(python: str, engine: str, procs: int, clients: int, size: int, seconds: float, profile=None) -> dict:
    """One TCP echo load on one server: the rate, with the server's and the generators' CPU use."""
    with Serving(python, "tcp_echo_server.py", engine, profile=profile) as server:
        cpu, start = server.cpu(), time.perf_counter()
        parts = run_loads(procs, "tcp_load.py", server.port, clients, size, seconds)
        wall = time.perf_counter() - start
        server_cpu = (server.cpu() - cpu) / wall * 100
    elapsed = max(p["seconds"] for p in parts)
    trips = sum(p["trips"] for p in parts)
    return {
        "trips": trips,
        "errors": sum(p["errors"] for p in parts),
        "trips_per_s": trips / elapsed,
        "mb_per_s": trips * size / elapsed / 1e6,
        "server_cpu_pct": server_cpu,
        "load_cpu_pct": sum(p["cpu_s"] for p in parts) / elapsed * 100,
        "load_procs": procs,
    }


def bench_tcp(seconds: float, rounds: int) -> tuple[str, dict]:
    engines = [("hio", OURS, "hio")] + [(label, python, "hio") for label, python in releases()]
    engines += [("asyncio", OURS, "asyncio")]
    runs = {}
    for _ in range(rounds):  # engines take turns, so that a slow spell of the machine hits them alike
        for label, python, engine in engines:
            for load, procs, clients, size, _ in TCP_LOADS:
                runs.setdefault((label, load), []).append(tcp_run(python, engine, procs, clients, size, seconds))
    results = {(label, load): median(runs[label, load], key) for label, *_ in engines for load, *_, key in TCP_LOADS}
    load_cpus = len(LOAD_CPUS) if LOAD_CPUS else os.cpu_count()
    rows = []
    for label, _, _ in engines:
        small, big = results[label, "8 x 64 B"], results[label, "2 x 1 MB"]
        rows.append(
            [
                label,
                small["trips_per_s"],
                small["server_cpu_pct"],
                small["load_cpu_pct"] / load_cpus,
                big["mb_per_s"],
                big["server_cpu_pct"],
                small["errors"] + big["errors"],
            ]
        )
    columns = [
        "server",
        "64 B round trips/s (8 conns)",
        "server CPU %",
        f"load generator CPU % of its {load_cpus} CPU(s)",
        "1 MB transfers MB/s (2 conns)",
        "server CPU %",
        "errors",
    ]
    text = table("TCP echo (higher is better; every byte verified)", columns, rows)
    text += (
        f"\nThe 64 B load comes from {TCP_LOADS[0][1]} generator processes of {TCP_LOADS[0][2]} nonblocking "
        "clients each (one epoll loop per process), "
        f"on CPU(s) {sorted(LOAD_CPUS) if LOAD_CPUS else 'any'}; the server runs alone on CPU(s) "
        f"{sorted(SERVER_CPUS) if SERVER_CPUS else 'any'}. A server at about 100% CPU while the generators "
        "have CPU to spare is the limit; a generator near 100% of its CPUs is not shown to be idle, and the "
        "figure is then a floor for the server.\n"
    )
    return text, results


def http_engines() -> list[tuple[str, str, str, str]]:
    """HTTP engines: (label, interpreter, server engine, mode), mode being asap or real."""
    engines = [("hio", OURS, "hio", "asap")] + [(label, python, "hio", "asap") for label, python in releases()]
    engines += [("waitress", OURS, "waitress", "asap"), ("wsgiref", OURS, "wsgiref", "asap")]
    engines += [("hio", OURS, "hio-real", "real")] + [(label, py, "hio-real", "real") for label, py in releases()]
    return engines


def bench_http(seconds: float, rounds: int) -> tuple[str, dict]:
    engines = http_engines()
    runs, alone = {}, []
    for _ in range(rounds):
        alone.append(run_json(OURS, "app_alone.py", seconds, cpus=SERVER_CPUS))
        for label, python, engine, mode in engines:
            for conns in (10, 100):
                port = free_port()
                tock = (REAL_TOCK,) if engine == "hio-real" else ()
                with Serving(python, "http_server.py", engine, port, *tock, port=port) as server:
                    cpu, start = server.cpu(), time.perf_counter()
                    run = run_load("http_load.py", port, conns, seconds)
                    run["server_cpu_pct"] = (server.cpu() - cpu) / (time.perf_counter() - start) * 100
                runs.setdefault((label, mode, conns), []).append(run)
    results = {key: median(value, "rps") for key, value in runs.items()}
    results["alone"] = median(alone, "calls_per_s")
    limit = results["alone"]["calls_per_s"]
    rows = []
    for label, _, _, mode in engines:
        row = [label, "as fast as possible" if mode == "asap" else f"real time (tock {REAL_TOCK * 1000:g} ms)"]
        for conns in (10, 100):
            r = results[label, mode, conns]
            row += [r["rps"], r["rps"] / limit * 100, r["p50_ms"], r["p99_ms"], r["server_cpu_pct"], r["errors"]]
        rows.append(row)
    columns = ["server", "doist"] + [
        f"{c} conns {k}"
        for c in (10, 100)
        for k in ("req/s", "% of app alone", "p50 ms", "p99 ms", "server CPU %", "errors")
    ]
    tool = results["hio", "asap", 10]["tool"]
    text = table(f"HTTP falcon hello (load from {tool})", columns, rows)
    text += (
        f"\nApplication alone (the same falcon app called in a loop in-process with a prepared environ, "
        f"no sockets, no server, on the server CPU, same run): {limit:,.0f} calls/s. No server can exceed it.\n"
    )
    return text, results


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time that process ``pid`` has used, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_realtime(seconds: float) -> tuple[str, dict]:
    """Idle CPU of a real-time Doist holding an HTTP server, and its latency under load."""
    results = {}
    port = free_port()
    with Serving(OURS, "http_server.py", "hio-real", port, IDLE_TOCK, port=port) as server:
        time.sleep(0.5)
        start = cpu_seconds(server.proc.pid)
        time.sleep(seconds)
        results["idle_cpu_pct"] = (cpu_seconds(server.proc.pid) - start) / seconds * 100
        results["real"] = run_load("http_load.py", port, 10, seconds)
    port = free_port()
    with Serving(OURS, "http_server.py", "hio", port, port=port):
        results["asap"] = run_load("http_load.py", port, 10, seconds)
    rows = [
        [
            f"real time (tock {IDLE_TOCK} s, waker)",
            results["idle_cpu_pct"],
            results["real"]["rps"],
            results["real"]["p50_ms"],
        ],
        ["as fast as possible", float("nan"), results["asap"]["rps"], results["asap"]["p50_ms"]],
    ]
    columns = ["hio HTTP server under a Doist", "idle CPU % of a core", "req/s at 10 conns", "p50 ms"]
    return table("Real-time Doist: idle cost and latency", columns, rows), results


def bench_memory() -> tuple[str, dict]:
    """Memory of 10,000 idle doers and of 1,000 idle TCP connections."""
    results = run_json(OURS, "memory.py")
    rows = [
        ["10,000 idle doers under a DoDoer", results["doers_10k_mb"]],
        ["1,000 idle TCP connections on a Server", results["tcp_1k_mb"]],
    ]
    return table("Memory (MB, traced Python allocations)", ["what", "MB"], rows), results


def targets(sched: dict, tcp: dict | None, http: dict | None, real: dict | None, memory: dict | None) -> list:
    """Each target as (area, what, measured, sense, required, met): sense ">=" or "<=" for the measured value."""
    pub = PUBLISHED[0]
    checks = []
    r, shapes = sched.get("results", {}), sched.get("shapes", [])

    def ns(label: str, n: int, m: int) -> float:
        return r[label, n, m]["ns_per_switch"]

    if r:
        span = f"N {shapes[0][0]:,} to {shapes[-1][0]:,}, worst N"
        for kind, _ in SCHED_KINDS:
            ours = f"hio {kind}"
            worst = min(shapes, key=lambda s: ns(f"{pub} {kind}", *s) / ns(ours, *s))
            checks.append(
                (
                    "sched",
                    f"{kind} vs {pub} {kind}: switch rate ({span}={worst[0]:,})",
                    ns(f"{pub} {kind}", *worst) / ns(ours, *worst),
                    ">=",
                    2.5,
                )
            )
            worst = min(shapes, key=lambda s: ns("asyncio", *s) / ns(ours, *s))
            checks.append(
                (
                    "sched",
                    f"{kind} vs asyncio tasks: switch rate ({span}={worst[0]:,})",
                    ns("asyncio", *worst) / ns(ours, *worst),
                    ">=",
                    8.0,
                )
            )
            worst = max(shapes, key=lambda s: ns(ours, *s) / ns("bare generators", *s))
            checks.append(
                (
                    "sched",
                    f"{kind} cost vs bare generators ({span}={worst[0]:,})",
                    ns(ours, *worst) / ns("bare generators", *worst),
                    "<=",
                    2.5,
                )
            )
    if http:
        limit = http["alone"]["calls_per_s"]
        for mode, name in (("asap", "as fast as possible"), ("real", "real time")):
            for conns in (10, 100):
                checks.append(
                    (
                        "http",
                        f"req/s vs {pub}, {conns} conns, {name}",
                        http["hio", mode, conns]["rps"] / http[pub, mode, conns]["rps"],
                        ">=",
                        2.0,
                    )
                )
        for conns in (10, 100):
            checks.append(
                (
                    "http",
                    f"req/s as a fraction of the app alone, {conns} conns, as fast as possible",
                    http["hio", "asap", conns]["rps"] / limit,
                    ">=",
                    0.35,
                )
            )
        checks.append(
            (
                "http",
                "req/s vs waitress, 10 conns",
                http["hio", "asap", 10]["rps"] / http["waitress", "asap", 10]["rps"],
                ">=",
                4.0,
            )
        )
    if tcp:
        checks += [
            (
                "tcp",
                f"64 B round trips/s vs {pub}",
                tcp["hio", "8 x 64 B"]["trips_per_s"] / tcp[pub, "8 x 64 B"]["trips_per_s"],
                ">=",
                1.5,
            ),
            (
                "tcp",
                f"1 MB transfers MB/s vs {pub}",
                tcp["hio", "2 x 1 MB"]["mb_per_s"] / tcp[pub, "2 x 1 MB"]["mb_per_s"],
                ">=",
                2.0,
            ),
            (
                "tcp",
                "64 B round trips/s vs asyncio",
                tcp["hio", "8 x 64 B"]["trips_per_s"] / tcp["asyncio", "8 x 64 B"]["trips_per_s"],
                ">=",
                1.5,
            ),
        ]
    if real:
        checks += [
            ("realtime", "idle CPU % of a core", real["idle_cpu_pct"], "<=", 2.0),
            (
                "realtime",
                "p50 latency, real time / as fast as possible",
                real["real"]["p50_ms"] / real["asap"]["p50_ms"],
                "<=",
                2.0,
            ),
        ]
    if memory:
        checks += [
            ("memory", "10,000 idle doers, MB", memory["doers_10k_mb"], "<=", 10.0),
            ("memory", "1,000 idle TCP connections, MB", memory["tcp_1k_mb"], "<=", 20.0),
        ]
    return [
        (area, what, got, sense, need, got >= need if sense == ">=" else got <= need)
        for area, what, got, sense, need in checks
    ]


def top_entries(path: pathlib.Path, count: int = 8) -> list[tuple[str, float, float]]:
    """The functions with the most own time in a cProfile file: (name, own %, cumulative %)."""
    stats = pstats.Stats(str(path))
    total = stats.total_tt or 1e-9
    entries = []
    for (file, line, func), (_, _, tt, ct, _) in stats.stats.items():
        where = pathlib.Path(file).name if file != "~" else ""
        name = f"{where}:{line}({func})" if where else func
        entries.append((name, tt / total * 100, ct / total * 100))
    entries.sort(key=lambda e: -e[1])
    return entries[:count]


def profiles(missed: set[str], seconds: float, quick: bool) -> tuple[str, dict[str, str]]:
    """cProfile of our code under the load of each area with a missed target; a table and a one-line note each."""
    sections, notes = [], {}
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="hio-bench-"))
    jobs = []
    if "sched" in missed:
        n, m = (1000, 20) if quick else (1000, 200)
        jobs += [(f"sched_{engine}", f"scheduler, hio {kind}, N={n:,}") for kind, engine in SCHED_KINDS]
    if "tcp" in missed:
        jobs.append(("tcp", "TCP echo server, 8 x 64 B load"))
    if "http" in missed:
        jobs.append(("http", "HTTP server (as fast as possible), 10 connections"))
    for job, title in jobs:
        path = tmp / f"{job}.prof"
        try:
            if job.startswith("sched_"):
                run_json(OURS, "sched.py", job[6:], n, m, cpus=SERVER_CPUS, profile=path)
            elif job == "tcp":
                _, procs, clients, size, _ = TCP_LOADS[0]
                tcp_run(OURS, "hio", procs, clients, size, seconds, profile=path)
            else:
                port = free_port()
                with Serving(OURS, "http_server.py", "hio", port, port=port, profile=path):
                    run_load("http_load.py", port, 10, seconds)
            entries = top_entries(path)
        except (OSError, subprocess.SubprocessError, ValueError, TypeError) as exc:
            notes[job] = f"profile failed: {exc}"
            continue
        rows = [[name, own, cum] for name, own, cum in entries]
        sections.append(
            table(f"Profile: {title} (cProfile, our code)", ["function", "own time %", "cumulative %"], rows)
        )
        notes[job] = "top own time: " + ", ".join(f"{name} {own:.0f}%" for name, own, _ in entries[:4])
    return "\n".join(sections), notes


def main() -> int:
    global PUBLISHED, OLDER
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", required=True, help="python of a venv holding the published hio release")
    parser.add_argument("--published-version", default="0.6.19", help="the version that venv holds")
    parser.add_argument("--older", help="python of a venv holding an older release, shown as a second column")
    parser.add_argument("--older-version", default="0.6.10", help="the version that venv holds")
    parser.add_argument("--note", action="append", default=[], help="a line for the top of the summary")
    parser.add_argument("--out", default="bench-results", help="directory for plots and summary.md")
    parser.add_argument("--quick", action="store_true", help="smaller shapes and shorter loads, for a smoke run")
    parser.add_argument(
        "--only", choices=["sched", "tcp", "http", "realtime", "memory"], action="append", help="run only these"
    )
    args = parser.parse_args()
    PUBLISHED = (f"hio {args.published_version}", args.published)
    OLDER = (f"hio {args.older_version}", args.older) if args.older else None
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seconds = 1.0 if args.quick else 3.0
    rounds = 1 if args.quick else 3  # network benchmarks: the median of this many runs
    only = set(args.only or ["sched", "tcp", "http", "realtime", "memory"])
    sections, sched, tcp, http, real, memory = [], {"results": {}}, None, None, None, None
    versions = {
        label: subprocess.run(
            [py, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
        ).stdout.strip()
        for label, py in [("ours", OURS), *releases()]
    }
    head = (
        f"Python {platform.python_version()} ({platform.python_implementation()}) for ours; "
        + ", ".join(f"{label} on Python {v}" for label, v in versions.items() if label != "ours")
        + "."
    )
    print(head, *args.note, sep="\n", flush=True)
    names = ["hio"] + [label for label, _ in releases()]

    if "sched" in only:
        text, sched = bench_sched(args.quick)
        print(text, flush=True)
        sections.append(text + "\n![scheduler](sched.png)\n")
        labels = [f"N={n:,}" for n, m in sched["shapes"]]
        plot(out / "sched.png", "Scheduler: ns per switch (lower is better)", labels, sched["series"], "ns per switch")
    if "tcp" in only:
        text, tcp = bench_tcp(seconds, rounds)
        print(text, flush=True)
        sections.append(text + "\n![tcp](tcp.png)\n")
        plot(
            out / "tcp.png",
            "TCP echo (higher is better)",
            ["8 x 64 B (k round trips/s)", "2 x 1 MB (MB/s)"],
            {
                n: [tcp[n, "8 x 64 B"]["trips_per_s"] / 1000, tcp[n, "2 x 1 MB"]["mb_per_s"]]
                for n in [*names, "asyncio"]
            },
            "rate",
        )
    if "http" in only:
        text, http = bench_http(seconds, rounds)
        print(text, flush=True)
        sections.append(text + "\n![http](http.png)\n")
        nan = float("nan")
        series = {
            n: [
                http[n, mode, c]["rps"] if (n, mode, c) in http else nan for mode in ("asap", "real") for c in (10, 100)
            ]
            for n in [*names, "waitress", "wsgiref"]
        }
        series["app alone"] = [http["alone"]["calls_per_s"]] * 4
        plot(
            out / "http.png",
            "HTTP falcon hello, requests/s (higher is better)",
            ["10 conns, asap", "100 conns, asap", "10 conns, real time", "100 conns, real time"],
            series,
            "requests/s",
        )
    if "realtime" in only:
        text, real = bench_realtime(seconds)
        print(text, flush=True)
        sections.append(text)
    if "memory" in only:
        text, memory = bench_memory()
        print(text, flush=True)
        sections.append(text)
    summary = ["# hio benchmarks", "", f"Command: `python3 -m nox -s bench`; machine: {os.cpu_count()} cores.", ""]
    summary += [head, ""] + [f"**{note}**\n" for note in args.note]
    if SERVER_CPUS is not None:
        summary += [
            f"Servers run on CPU {min(SERVER_CPUS)}, load generators on the others; "
            f"network figures are the median of {rounds} runs and scheduler figures the fastest "
            f"of {rounds}, engines taking turns."
            + (" Quick run: shorter loads and fewer shapes." if args.quick else ""),
            "",
        ]
    summary += sections
    checks = targets(sched, tcp, http, real, memory)
    missed = {area for area, *_, ok in checks if not ok}
    profile_text, notes = profiles(missed, seconds, args.quick) if missed else ("", {})
    rows = []
    for area, what, got, sense, need, ok in checks:
        why = ""
        if not ok:
            if area == "sched":
                kind = next(k for k, e in SCHED_KINDS if what.startswith(k + " "))
                why = notes.get("sched_" + dict(SCHED_KINDS)[kind], "")
            elif area == "tcp":
                small = tcp["hio", "8 x 64 B"]
                why = (
                    f"server CPU {small['server_cpu_pct']:.0f}%, load generators {small['load_cpu_pct']:.0f}% "
                    f"of a CPU; " + notes.get("tcp", "")
                )
            else:
                why = notes.get(area, "")
        rows.append([f"{area}: {what}", got, f"{sense} {need:g}", "met" if ok else "MISSED", why])
    text = table("Targets", ["target", "measured", "required", "result", "what stands in the way (measured)"], rows)
    if profile_text:
        summary.append(profile_text)
        print(profile_text, flush=True)
    print(text)
    summary.append(text)
    (out / "summary.md").write_text("\n".join(summary), encoding="utf-8")
    print(f"wrote {out / 'summary.md'} and plots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
