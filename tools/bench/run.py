"""Runs every hio benchmark side by side with its peers and reports the results.

Usage::

    python tools/bench/run.py --published PYTHON [--out DIR] [--quick]

The interpreter running this script must have our hio installed (with trio,
waitress and matplotlib); ``--published PYTHON`` is the interpreter of a venv
that holds the published ``hio`` release instead. Each engine runs in its own
process. Prints a table per benchmark, writes one PNG plot per benchmark and
``summary.md`` (with the targets and whether each was met) into ``--out``
(default ``bench-results/``).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
OURS = sys.executable


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


def run_json(python: str, script: str, *args: object, timeout: float = 600, cpus: set | None = None) -> dict:
    """Runs one benchmark script (on cpus, when given) and returns the JSON object it printed last."""
    out = subprocess.run(
        [python, str(HERE / script), *map(str, args)],
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
    """A benchmark server in its own process (on the server CPU), stopped with SIGTERM on exit."""

    def __init__(self, python: str, script: str, *args: object, port: int | None = None):
        self.port = port
        self.proc = subprocess.Popen(
            [python, str(HERE / script), *map(str, args)],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=pinned(SERVER_CPUS),
        )
        if self.port is None:  # the server prints the port it bound
            self.port = int(self.proc.stdout.readline())
        wait_listening(self.port, self.proc)

    def __enter__(self) -> Serving:
        return self

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def table(title: str, columns: list[str], rows: list[list[object]]) -> str:
    """A markdown table (also readable as plain text)."""

    def cell(value: object) -> str:
        return f"{value:,.1f}" if isinstance(value, float) else str(value)

    lines = [f"### {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def plot(path: pathlib.Path, title: str, labels: list[str], series: dict[str, list[float]], ylabel: str) -> None:
    """A grouped bar chart, one group per label, one bar per series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
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


def bench_sched(published: str, quick: bool) -> tuple[str, dict, list]:
    shapes = [(10, 20_000), (100, 2_000), (1000, 200), (10_000, 20)]
    if quick:
        shapes = [(10, 2_000), (1000, 20)]
    engines = [
        ("bare generators", OURS, "bare"),
        ("hio doify", OURS, "hio-doify"),
        ("hio Doer", OURS, "hio-doer"),
        ("hio DoDoer", OURS, "hio-dodoer"),
        ("hio 0.6.10 doify", published, "hio-doify"),
        ("hio 0.6.10 Doer", published, "hio-doer"),
        ("hio 0.6.10 DoDoer", published, "hio-dodoer"),
        ("asyncio", OURS, "asyncio"),
        ("trio", OURS, "trio"),
    ]
    results = {}
    for _ in range(1 if quick else 3):  # engines take turns; the fastest run of each counts (noise only slows)
        for label, python, engine in engines:
            for n, m in shapes:
                run = run_json(python, "sched.py", engine, n, m, cpus=SERVER_CPUS)
                if (label, n, m) not in results or run["ns_per_switch"] < results[label, n, m]["ns_per_switch"]:
                    results[label, n, m] = run
    rows = [
        [label]
        + [results[label, n, m]["ns_per_switch"] for n, m in shapes]
        + [results[label, shapes[-1][0], shapes[-1][1]]["bytes_per_idle"]]
        for label, _, _ in engines
    ]
    columns = ["engine"] + [f"ns/switch {n}x{m}" for n, m in shapes] + ["bytes/idle coroutine"]
    text = table("Scheduler switch cost (lower is better)", columns, rows)
    series = {label: [results[label, n, m]["ns_per_switch"] for n, m in shapes] for label, _, _ in engines}
    return text, {"shapes": shapes, "series": series, "results": results}, engines


def median(runs: list[dict], key: str) -> dict:
    """The run whose key is the median of runs (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run[key])
    return ordered[(len(ordered) - 1) // 2]


def bench_tcp(published: str, seconds: float, rounds: int) -> tuple[str, dict]:
    loads = [("8 x 64 B", 8, 64, "trips_per_s", "round trips/s"), ("2 x 1 MB", 2, 1_000_000, "mb_per_s", "MB/s")]
    engines = [("hio", OURS, "hio"), ("hio 0.6.10", published, "hio"), ("asyncio", OURS, "asyncio")]
    runs = {}
    for _ in range(rounds):  # engines take turns, so that a slow spell of the machine hits them alike
        for label, python, engine in engines:
            for load, clients, size, _, _ in loads:
                with Serving(python, "tcp_echo_server.py", engine) as server:
                    run = run_load("tcp_load.py", server.port, clients, size, seconds)
                runs.setdefault((label, load), []).append(run)
    results = {(label, load): median(runs[label, load], key) for label, *_ in engines for load, *_, key, _ in loads}
    rows = [
        [label]
        + [results[label, load][key] for load, _, _, key, _ in loads]
        + [sum(results[label, load]["errors"] for load, *_ in loads)]
        for label, _, _ in engines
    ]
    columns = ["server", "8 x 64 B round trips/s", "2 x 1 MB MB/s", "errors"]
    return table("TCP echo (higher is better; every byte verified)", columns, rows), results


def bench_http(published: str, seconds: float, rounds: int) -> tuple[str, dict]:
    engines = [
        ("hio", OURS, "hio"),
        ("hio 0.6.10", published, "hio"),
        ("waitress", OURS, "waitress"),
        ("wsgiref", OURS, "wsgiref"),
    ]
    runs = {}
    for _ in range(rounds):
        for label, python, engine in engines:
            for conns in (10, 100):
                port = free_port()
                with Serving(python, "http_server.py", engine, port, port=port):
                    runs.setdefault((label, conns), []).append(run_load("http_load.py", port, conns, seconds))
    results = {key: median(value, "rps") for key, value in runs.items()}
    rows = []
    for label, _, _ in engines:
        row = [label]
        for conns in (10, 100):
            r = results[label, conns]
            row += [r["rps"], r["p50_ms"], r["p99_ms"], r["errors"]]
        rows.append(row)
    columns = ["server"] + [f"{c} conns {k}" for c in (10, 100) for k in ("req/s", "p50 ms", "p99 ms", "errors")]
    tool = results["hio", 10]["tool"]
    return table(f"HTTP falcon hello (load from {tool})", columns, rows), results


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time that process ``pid`` has used, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_realtime(seconds: float) -> tuple[str, dict]:
    """Idle CPU of a real-time Doist holding an HTTP server, and its latency under load."""
    results = {}
    port = free_port()
    with Serving(OURS, "http_server.py", "hio-real", port, port=port) as server:
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
            "real time (tock 0.03125 s, waker)",
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


def targets(sched: dict, tcp: dict, http: dict, real: dict | None = None, memory: dict | None = None) -> list:
    """Each target as (what, measured ratio, required ratio, met); ratios of 1.0 or more mean met."""
    r = sched["results"]
    key = (1000, 200)

    def ns(label: str) -> float:
        return r[(label, *key)]["ns_per_switch"] if (label, *key) in r else float("nan")

    checks = []
    if (("hio doify", *key)) in r:
        checks += [
            ("scheduler: hio doify vs hio 0.6.10 doify (switch rate)", ns("hio 0.6.10 doify") / ns("hio doify"), 2.0),
            ("scheduler: hio Doer vs hio 0.6.10 Doer (switch rate)", ns("hio 0.6.10 Doer") / ns("hio Doer"), 2.0),
            ("scheduler: hio doify vs asyncio (switch rate)", ns("asyncio") / ns("hio doify"), 6.0),
            (
                "scheduler: bare floor vs hio doify (cost ratio, at most 3)",
                3.0 / (ns("hio doify") / ns("bare generators")),
                1.0,
            ),
        ]
    checks += [
        (
            "tcp: 64 B round trips vs asyncio",
            tcp["hio", "8 x 64 B"]["trips_per_s"] / tcp["asyncio", "8 x 64 B"]["trips_per_s"],
            1.5,
        ),
        (
            "tcp: 64 B round trips vs hio 0.6.10",
            tcp["hio", "8 x 64 B"]["trips_per_s"] / tcp["hio 0.6.10", "8 x 64 B"]["trips_per_s"],
            1.0,
        ),
        (
            "tcp: 1 MB throughput vs asyncio",
            tcp["hio", "2 x 1 MB"]["mb_per_s"] / tcp["asyncio", "2 x 1 MB"]["mb_per_s"],
            1.0,
        ),
        ("http: req/s at 10 conns vs hio 0.6.10", http["hio", 10]["rps"] / http["hio 0.6.10", 10]["rps"], 1.5),
        ("http: req/s at 10 conns vs waitress", http["hio", 10]["rps"] / http["waitress", 10]["rps"], 4.0),
    ]
    if real:
        checks += [
            ("real time: idle CPU under 2% of a core (2 / measured %)", 2.0 / max(real["idle_cpu_pct"], 1e-9), 1.0),
            (
                "real time: p50 within 2x of as fast as possible (2 / ratio)",
                2.0 / (real["real"]["p50_ms"] / real["asap"]["p50_ms"]),
                1.0,
            ),
        ]
    if memory:
        checks += [
            ("memory: 10,000 idle doers under 10 MB (10 / MB)", 10.0 / memory["doers_10k_mb"], 1.0),
            ("memory: 1,000 idle TCP connections under 20 MB (20 / MB)", 20.0 / memory["tcp_1k_mb"], 1.0),
        ]
    return [(what, got, need, got >= need) for what, got, need in checks]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", required=True, help="python of a venv holding the published hio release")
    parser.add_argument("--out", default="bench-results", help="directory for plots and summary.md")
    parser.add_argument("--quick", action="store_true", help="smaller shapes and shorter loads, for a smoke run")
    parser.add_argument(
        "--only", choices=["sched", "tcp", "http", "realtime", "memory"], action="append", help="run only these"
    )
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seconds = 1.0 if args.quick else 3.0
    rounds = 1 if args.quick else 3  # network benchmarks: the median of this many runs
    only = set(args.only or ["sched", "tcp", "http", "realtime", "memory"])
    sections, sched, tcp, http, real, memory = [], {"results": {}}, None, None, None, None

    if "sched" in only:
        text, sched, _ = bench_sched(args.published, args.quick)
        print(text, flush=True)
        sections.append(text + "\n![scheduler](sched.png)\n")
        labels = [f"{n}x{m}" for n, m in sched["shapes"]]
        plot(out / "sched.png", "Scheduler: ns per switch", labels, sched["series"], "ns per switch")
    if "tcp" in only:
        text, tcp = bench_tcp(args.published, seconds, rounds)
        print(text, flush=True)
        sections.append(text + "\n![tcp](tcp.png)\n")
        names = ["hio", "hio 0.6.10", "asyncio"]
        plot(
            out / "tcp.png",
            "TCP echo",
            ["8 x 64 B (k round trips/s)", "2 x 1 MB (MB/s)"],
            {n: [tcp[n, "8 x 64 B"]["trips_per_s"] / 1000, tcp[n, "2 x 1 MB"]["mb_per_s"]] for n in names},
            "rate",
        )
    if "http" in only:
        text, http = bench_http(args.published, seconds, rounds)
        print(text, flush=True)
        sections.append(text + "\n![http](http.png)\n")
        names = ["hio", "hio 0.6.10", "waitress", "wsgiref"]
        plot(
            out / "http.png",
            "HTTP requests/s",
            ["10 connections", "100 connections"],
            {n: [http[n, 10]["rps"], http[n, 100]["rps"]] for n in names},
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
    if SERVER_CPUS is not None:
        summary += [
            f"Servers run on CPU {min(SERVER_CPUS)}, load generators on the others; "
            f"network figures are the median of {rounds} runs and scheduler figures the fastest "
            f"of {rounds}, engines taking turns.",
            "",
        ]
    summary += sections
    if tcp and http:
        checks = targets(sched, tcp, http, real, memory)
        rows = [[what, got, need, "met" if ok else "NOT met"] for what, got, need, ok in checks]
        text = table("Targets", ["target", "measured ratio", "required", "result"], rows)
        print(text)
        summary.append(text)
    (out / "summary.md").write_text("\n".join(summary), encoding="utf-8")
    print(f"wrote {out / 'summary.md'} and plots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
