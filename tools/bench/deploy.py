"""``hio serve`` with workers against gunicorn and waitress, each serving the same falcon app.

Usage::

    python tools/bench/deploy.py [--seconds S] [--out DIR] [--quick]

The interpreter running it must have our hio, falcon, gunicorn, waitress and
matplotlib installed (``nox -s bench`` sees to it). The app is
``http_server:app()`` (a falcon app answering ``GET /`` with a short text),
served by each engine in turn, on one machine in one run, as a user deploys
it:

- ``hio serve -w 1`` and ``-w 2``
- ``gunicorn -w 1`` and ``-w 2``, sync workers and gthread workers (4 threads)
- ``waitress-serve`` (4 threads, its default)

Each takes load from ``http_load.py`` (wrk when installed) with 10 and then
100 keep-alive connections for ``--seconds`` each. The engines take turns,
``--rounds`` times (default 3, 1 with ``--quick``), and the fastest run of
each counts (noise from elsewhere on the machine only slows). Nothing is pinned: the
servers' workers and the load generator share the machine's cores, as they
would on a small host. Prints the table (requests/s, p50 and p99 latency in
ms, and the CPU time a request took in the server's processes and in the
load generator's), the targets, and what the cores allow ``-w 2`` over
``-w 1`` at most (see ceilings), and writes ``deploy.md``, ``deploy.json`` and
``deploy.png`` into ``--out`` (default ``bench-results/``).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

from run import free_port

HERE = pathlib.Path(__file__).resolve().parent
PY = sys.executable
BIN = pathlib.Path(PY).parent
APP = "http_server:app()"
CONNECTIONS = (10, 100)


def engines() -> dict[str, list[str]]:
    """Each engine's command, with {port} for the port it listens on."""

    def tool(name: str) -> str:
        return str(BIN / name) if (BIN / name).exists() else shutil.which(name) or name

    gunicorn = [tool("gunicorn"), "-b", "127.0.0.1:{port}", "--log-level", "warning"]
    return {
        "hio serve -w 1": [tool("hio"), "serve", APP, "-b", "127.0.0.1:{port}", "-w", "1", "-q"],
        "hio serve -w 2": [tool("hio"), "serve", APP, "-b", "127.0.0.1:{port}", "-w", "2", "-q"],
        "gunicorn sync -w 1": [*gunicorn, "-w", "1", APP],
        "gunicorn sync -w 2": [*gunicorn, "-w", "2", APP],
        "gunicorn gthread -w 1": [*gunicorn, "-k", "gthread", "--threads", "4", "-w", "1", APP],
        "gunicorn gthread -w 2": [*gunicorn, "-k", "gthread", "--threads", "4", "-w", "2", APP],
        "waitress-serve": [
            tool("waitress-serve"),
            "--listen=127.0.0.1:{port}",
            "--threads=4",
            "--call",
            "http_server:app",
        ],
    }


def wait_answering(port: int, proc: subprocess.Popen, seconds: float = 30.0) -> None:
    """Waits until the server answers GET / with 200 (all its workers may still be starting)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as rep:
                if rep.status == 200:
                    time.sleep(1.0)  # the other workers finish starting
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answers on {port}")


def cpuOf(pid: int) -> float:
    """CPU seconds (user and system) of process pid and its children alive now, from /proc; 0.0 without /proc."""
    total = 0.0
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            kids = [int(kid) for kid in children.read().split()]
        for one in (pid, *kids):
            with open(f"/proc/{one}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0
    return total


def load(port: int, connections: int, seconds: float, server: int) -> dict:
    """Loads the server (pid server) and adds the CPU microseconds per request of the server's
    processes and of the load generator (its processes, wrk included, once they ended)."""
    before, generated = cpuOf(server), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [PY, str(HERE / "http_load.py"), str(port), str(connections), str(seconds)],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 120,
    ).stdout
    served, after = cpuOf(server) - before, resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.strip().splitlines()[-1])
    requests = max(1, result.get("requests") or round(result["rps"] * seconds))
    generator = (after.ru_utime - generated.ru_utime) + (after.ru_stime - generated.ru_stime)
    result["server_us"] = served * 1e6 / requests
    result["load_us"] = generator * 1e6 / requests
    return result


def measure(name: str, argv: list[str], seconds: float) -> list[dict]:
    """Starts one engine, loads it with each number of connections, stops it; one result per load."""
    port = free_port()
    proc = subprocess.Popen(
        [part.format(port=port) for part in argv],
        cwd=HERE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_answering(port, proc)
        results = []
        for connections in CONNECTIONS:
            result = load(port, connections, seconds, proc.pid)
            result["engine"] = name
            results.append(result)
            print(
                f"{name:24} {connections:4} conns {result['rps']:10,.0f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  "
                f"CPU/req server {result['server_us']:6.1f} us, load {result['load_us']:5.1f} us",
                flush=True,
            )
        return results
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def targets(results: list[dict]) -> list[tuple[str, float, float, bool]]:
    """(what, ratio, goal, met) of each target, at each number of connections."""
    rps = {(r["engine"], r["connections"]): r["rps"] for r in results}
    found = []
    for connections in CONNECTIONS:
        two = rps.get(("hio serve -w 2", connections))
        one = rps.get(("hio serve -w 1", connections))
        best = max((rps.get((f"gunicorn {kind} -w 2", connections), 0.0) for kind in ("sync", "gthread")), default=0.0)
        waitress = rps.get(("waitress-serve", connections))
        if two and best:
            found.append((f"hio -w 2 / gunicorn's best -w 2, {connections} conns", two / best, 3.0, two / best >= 3.0))
        if two and waitress:
            found.append((f"hio -w 2 / waitress, {connections} conns", two / waitress, 4.0, two / waitress >= 4.0))
        if two and one:
            found.append((f"hio -w 2 / hio -w 1, {connections} conns", two / one, 1.3, two / one >= 1.3))
    return found


def ceilings(results: list[dict]) -> list[str]:
    """What the cores allow -w 2 over -w 1, from the CPU each request of -w 1 took.

    -w 1 is bound by its one worker's core: 1/h requests a second, h the
    worker's CPU seconds a request. Two workers and the load generator (g a
    request) share all the cores, so -w 2 makes at most cores/(h + g), even
    were a second worker to cost nothing more: at most cores*h/(h + g)
    times -w 1 (capped at 2, the workers).
    """
    lines = []
    cores = os.cpu_count() or 1
    for r in results:
        if r["engine"] == "hio serve -w 1" and r.get("server_us") and r.get("load_us"):
            h, g = r["server_us"], r["load_us"]
            ceiling = min(2.0, cores * h / (h + g))
            lines.append(
                f"{r['connections']} conns: -w 1 took {h:.1f} us of worker CPU and {g:.1f} us of load generator "
                f"CPU a request; on {cores} cores -w 2 can make at most {ceiling:.2f}x -w 1"
            )
    return lines


def report(results: list[dict], out: pathlib.Path, tool: str) -> str:
    lines = [
        "### hio serve, gunicorn and waitress: one falcon app, workers and load sharing the cores",
        "",
        f"load: {tool}, keep-alive connections; {os.cpu_count()} cores; Python {sys.version.split()[0]}",
        "",
        "| server | conns | req/s | p50 ms | p99 ms | errors | server CPU us/req | load CPU us/req |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['errors']} | {r.get('server_us', 0.0):.1f} | {r.get('load_us', 0.0):.1f} |"
        )
    lines += ["", "| target | ratio | goal | met |", "|---|---|---|---|"]
    for what, ratio, goal, met in targets(results):
        lines.append(f"| {what} | {ratio:.2f}x | {goal}x | {'yes' if met else 'NO'} |")
    found = ceilings(results)
    if found:
        lines += ["", "What the cores allow -w 2 over -w 1 (the load generator shares them):", ""]
        lines += [f"- {line}" for line in found]
    text = "\n".join(lines) + "\n"
    (out / "deploy.md").write_text(text)
    (out / "deploy.json").write_text(json.dumps(results, indent=1))
    try:
        plot(results, out / "deploy.png")
    except ImportError:
        pass
    return text


def plot(results: list[dict], path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["engine"] for r in results))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    for ax, (key, label) in zip(axes, (("rps", "requests/s"), ("p99_ms", "p99 latency (ms)")), strict=True):
        width = 0.8 / len(CONNECTIONS)
        for i, connections in enumerate(CONNECTIONS):
            values = [
                next((r[key] for r in results if r["engine"] == n and r["connections"] == connections), 0.0)
                for n in names
            ]
            ax.bar([x + i * width for x in range(len(names))], values, width, label=f"{connections} connections")
        ax.set_xticks([x + width / 2 for x in range(len(names))], names, rotation=30, ha="right", fontsize="small")
        ax.set_ylabel(label)
        ax.legend(fontsize="small")
    fig.suptitle("one falcon app: hio serve vs gunicorn vs waitress")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of load per engine and connections")
    parser.add_argument("--out", default="bench-results", help="directory of the table, JSON and plot")
    parser.add_argument("--rounds", type=int, default=3, help="turns of every engine; the fastest run counts")
    parser.add_argument("--quick", action="store_true", help="1 second of load each, one round")
    opts = parser.parse_args()
    seconds = 1.0 if opts.quick else opts.seconds
    out = pathlib.Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    best: dict[tuple[str, int], dict] = {}
    for _ in range(1 if opts.quick else max(1, opts.rounds)):
        for name, argv in engines().items():
            for result in measure(name, argv, seconds):
                key = (name, result["connections"])
                if key not in best or result["rps"] > best[key]["rps"]:
                    best[key] = result
    results = list(best.values())
    print(report(results, out, results[0].get("tool", "?") if results else "?"))


if __name__ == "__main__":
    main()
