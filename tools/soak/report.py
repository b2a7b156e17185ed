"""The soak's verdict: trends fitted over the second half of the run, checks against the bounds, plot and summary.

Bounds (the reasons are in docs/reliability.md):

- RSS: the least-squares slope of the server's resident memory over the
  second half of the load (after warm-up) must not exceed RSS_SLOPE_BOUND,
  or RSS_ALLOWANCE spread over the window when that is more (a short run).
- Descriptors: likewise, FD_SLOPE_BOUND per minute or FD_ALLOWANCE spread
  over the window.
- Once the load has ended and every connection is closed, the server holds
  no more descriptors than before the load (a leaked socket stays open).
- No error: nothing logged at ERROR by the servers, no failure of the
  application, no wrong or missing answer to a well-behaved client, no
  hostile client left without its 4xx or close; and every kind of client
  that ran got its work done at least once.
"""

from __future__ import annotations

import dataclasses
import itertools
import pathlib

RSS_SLOPE_BOUND = 8.0
"""Most growth of resident memory over the window, in KiB per second (about 28 MiB an hour)."""

RSS_ALLOWANCE = 1024.0
"""KiB of growth over the window allowed whatever its length: the allocators grow in steps of this order
(a pymalloc arena is 1 MiB), so over a short window one step must not read as a leak."""

FD_SLOPE_BOUND = 2.0
"""Most growth of open descriptors over the window, per minute."""

FD_ALLOWANCE = 10.0
"""Descriptors of growth over the window allowed whatever its length: the connections the clients hold
at any moment swing by about this many as their cycles come and go."""

WINDOW = 0.5
"""The trends are fitted over the samples after this fraction of the load (the warm-up before it)."""

PLOT = "soak.png"
SUMMARY = "summary.md"


def bound(rate: float, allowance: float, span: float) -> float:
    """The slope bound over a window of span: rate, or the allowance spread over span when that is more."""
    return max(rate, allowance / span) if span > 0 else rate


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0.0 with fewer than two distinct xs)."""
    count = len(xs)
    if count < 2:
        return 0.0
    mx, my = sum(xs) / count, sum(ys) / count
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0.0:
        return 0.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


@dataclasses.dataclass
class Check:
    """One thing the soak checks: what, what was measured, what it must be, and whether it is."""

    name: str
    measured: str
    bound: str
    passed: bool


@dataclasses.dataclass
class Verdict:
    """What the run showed.

    Attributes:
        duration: seconds of load asked for
        window: (first, last) second of the samples the trends are fitted over
        rssSlope: resident memory slope over the window, KiB/s
        rssBound: what rssSlope may be, KiB/s
        fdSlope: descriptor slope over the window, per minute
        fdBound: what fdSlope may be, per minute
        blockSlope: Python allocated block slope over the window, per second (shown, not bounded)
        clientOk: exchanges that went right, per kind, all client processes together
        clientErrors: errors per kind seen by the clients
        serverErrors: errors per kind counted by the server
        clientNotes: the first error messages of the clients, verbatim
        checks: every check, passed or not
    """

    duration: float
    window: tuple[float, float]
    rssSlope: float
    rssBound: float
    fdSlope: float
    fdBound: float
    blockSlope: float
    clientOk: dict
    clientErrors: dict
    serverErrors: dict
    clientNotes: list[str]
    checks: list[Check]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks)


def errorCount(errors: dict) -> str:
    """How many errors of how many kinds (the kinds are listed in the summary's table)."""
    total = sum(errors.values())
    return f"{total:,} of {len(errors)} kinds" if total else "0"


def loadSamples(server: dict) -> list[dict]:
    """The samples taken while the load ran."""
    return [sample for sample in server["samples"] if sample["phase"] == "load"]


def analyse(server: dict, loads: list[dict], duration: float, expected: list[str]) -> Verdict:
    """Judges a run.

    Parameters:
        server: what server.py wrote (samples, tallies, descriptors at the baseline and after the drain)
        loads: what each load process printed, with its exit status under "status"
        duration: seconds of load asked for
        expected: the kinds of client exchange that must each have gone right at least once
    """
    samples = loadSamples(server)
    window = [s for s in samples if WINDOW * duration <= s["t"] <= duration]
    ts = [s["t"] for s in window]
    rssSlope = slope(ts, [s["rss"] / 1024 for s in window])
    fdSlope = slope(ts, [s["fds"] for s in window]) * 60.0
    blockSlope = slope(ts, [s["blocks"] for s in window])
    clientOk: dict = {}
    clientErrors: dict = {}
    clientNotes: list[str] = []
    for load in loads:
        clientNotes += load.get("notes", [])
        for kind, count in load.get("ok", {}).items():
            clientOk[kind] = clientOk.get(kind, 0) + count
        for kind, count in load.get("errors", {}).items():
            clientErrors[kind] = clientErrors.get(kind, 0) + count
    serverErrors = dict(server.get("errors", {}))
    checks = [
        Check("server errors", errorCount(serverErrors), "0", not serverErrors),
        Check("client errors", errorCount(clientErrors), "0", not clientErrors),
    ]
    missing = [kind for kind in expected if not clientOk.get(kind)]
    checks.append(
        Check("every kind of client served", ", ".join(missing) + " never" if missing else "all", "all", not missing)
    )
    failed = [f"{load['role']} exited {load['status']}" for load in loads if load["status"] != 0]
    checks.append(Check("load processes", ", ".join(failed) or "all exited 0", "all exit 0", not failed))
    checks.append(
        Check(
            "fitted window",
            f"{len(window)} samples, t {ts[0]:.0f}..{ts[-1]:.0f} s" if ts else "no samples",
            f"at least {max(2, int(duration * (1 - WINDOW) * 0.8))} samples",
            len(window) >= max(2, int(duration * (1 - WINDOW) * 0.8)),
        )
    )
    span = ts[-1] - ts[0] if ts else 0.0
    rssBound = bound(RSS_SLOPE_BOUND, RSS_ALLOWANCE, span)
    fdBound = bound(FD_SLOPE_BOUND, FD_ALLOWANCE, span / 60.0)
    checks.append(
        Check(
            "RSS slope",
            f"{rssSlope:+.2f} KiB/s",
            f"<= {rssBound:.1f} KiB/s (max of {RSS_SLOPE_BOUND:g}, {RSS_ALLOWANCE:g} KiB / {span:.0f} s)",
            rssSlope <= rssBound,
        )
    )
    checks.append(
        Check(
            "descriptor slope",
            f"{fdSlope:+.2f} /min",
            f"<= {fdBound:.1f} /min (max of {FD_SLOPE_BOUND:g}, {FD_ALLOWANCE:g} / {span / 60:.2f} min)",
            fdSlope <= fdBound,
        )
    )
    drainedFds, baselineFds = server.get("drained_fds"), server.get("baseline_fds")
    checks.append(
        Check(
            "connections closed after the load",
            f"in {server.get('drain_seconds')} s" if server.get("drained") else server.get("ending", "not drained"),
            "all, within the drain",
            bool(server.get("drained")),
        )
    )
    checks.append(
        Check(
            "descriptors after the load",
            f"{drainedFds} (before the load: {baselineFds})",
            "<= before the load",
            drainedFds is not None and baselineFds is not None and drainedFds <= baselineFds,
        )
    )
    return Verdict(
        duration=duration,
        window=(ts[0], ts[-1]) if ts else (0.0, 0.0),
        rssSlope=rssSlope,
        rssBound=rssBound,
        fdSlope=fdSlope,
        fdBound=fdBound,
        blockSlope=blockSlope,
        clientOk=clientOk,
        clientErrors=clientErrors,
        serverErrors=serverErrors,
        clientNotes=clientNotes,
        checks=checks,
    )


def rates(samples: list[dict], key: str) -> tuple[list[float], list[float]]:
    """Per-second rate of the running total ``key`` between consecutive samples: (times, rates)."""
    ts, values = [], []
    for before, after in itertools.pairwise(samples):
        span = after["t"] - before["t"]
        if span > 0:
            ts.append(after["t"])
            values.append((after[key] - before[key]) / span)
    return ts, values


def plot(server: dict, verdict: Verdict, path: pathlib.Path) -> None:
    """Writes the PNG: resident memory, descriptors and rates over time, the fitted window and its trends."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = server["samples"]
    ts = [s["t"] for s in samples]
    first, last = verdict.window
    fig, (mem, fds, load) = plt.subplots(3, 1, figsize=(10, 9), sharex=True, constrained_layout=True)
    fig.suptitle(
        f"hio soak: {verdict.duration:.0f} s of load, {'PASS' if verdict.passed else 'FAIL'}",
        fontweight="bold",
    )
    drain = next((s["t"] for s in samples if s["phase"] == "drain"), None)

    def fitted(axis, ys: list[float], rate: float, label: str) -> None:
        """Draws the least-squares line over the window."""
        window = [
            (t, y) for t, y, s in zip(ts, ys, samples, strict=True) if s["phase"] == "load" and first <= t <= last
        ]
        if len(window) < 2:
            return
        mx = sum(t for t, _ in window) / len(window)
        my = sum(y for _, y in window) / len(window)
        axis.plot(
            [first, last], [my + rate * (first - mx), my + rate * (last - mx)], "--", color="crimson", label=label
        )

    for axis in (mem, fds, load):
        axis.axvspan(first, last, color="0.93", zorder=0)
        if drain is not None:
            axis.axvline(drain, color="0.5", linewidth=0.8)
        axis.grid(True, alpha=0.3)
    rss = [s["rss"] / 2**20 for s in samples]
    mem.plot(ts, rss, color="tab:blue", label="resident memory")
    fitted(mem, rss, verdict.rssSlope / 1024, f"trend {verdict.rssSlope:+.2f} KiB/s (bound {verdict.rssBound:.1f})")
    mem.set_ylabel("RSS (MiB)")
    mem.legend(loc="lower right")
    fdc = [s["fds"] for s in samples]
    fds.plot(ts, fdc, color="tab:green", label="open descriptors")
    fds.plot(ts, [s["conns"] for s in samples], color="tab:olive", linewidth=0.8, label="connections")
    fitted(fds, fdc, verdict.fdSlope / 60, f"trend {verdict.fdSlope:+.2f} /min (bound {verdict.fdBound:.1f})")
    fds.set_ylabel("count")
    fds.legend(loc="lower right")
    for key, label in (
        ("http", "HTTP requests"),
        ("events", "SSE events"),
        ("udp", "UDP echoes"),
        ("uxd", "UXD echoes"),
    ):
        load.plot(*rates(samples, key), label=label)
    load.set_ylabel("per second")
    load.set_xlabel("seconds (shaded: the window the trends are fitted over; line: end of the load)")
    echo = load.twinx()
    ets, erates = rates(samples, "echoed")
    echo.plot(ets, [r / 2**20 for r in erates], color="0.6", linewidth=0.8, label="TCP echo (MiB/s, right)")
    echo.set_ylabel("TCP echo MiB/s")
    lines, labels = load.get_legend_handles_labels()
    elines, elabels = echo.get_legend_handles_labels()
    load.legend(lines + elines, labels + elabels, loc="lower right", fontsize="small", ncol=3)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def mib(value: float) -> str:
    """Bytes as MiB with one decimal."""
    return f"{value / 2**20:.1f} MiB"


def summary(server: dict, verdict: Verdict, settings: str) -> str:
    """The summary in markdown: settings, traffic, resources, and every check against its bound."""
    samples = loadSamples(server)
    served = server["served"]
    span = samples[-1]["t"] - samples[0]["t"] if len(samples) > 1 else 1.0
    rss = [s["rss"] for s in samples] or [0]
    fds = [s["fds"] for s in samples] or [0]
    lines = [
        "# Soak run",
        "",
        f"**{'PASS' if verdict.passed else 'FAIL'}**: {verdict.duration:.0f} s of load; {settings}.",
        "",
        "## Served",
        "",
        "| what | count | per second |",
        "| --- | ---: | ---: |",
        f"| HTTP requests (application) | {served['http']:,} | {served['http'] / span:,.0f} |",
        f"| SSE events ({served['streams']:,} whole streams) | {served['events']:,} | {served['events'] / span:,.0f} |",
        f"| TCP bytes echoed | {served['echoed']:,} | {served['echoed'] / span:,.0f} |",
        f"| UDP datagrams echoed | {served['udp']:,} | {served['udp'] / span:,.0f} |",
        f"| UXD datagrams echoed | {served['uxd']:,} | {served['uxd'] / span:,.0f} |",
        "",
        "## Clients",
        "",
        "| kind | went right |",
        "| --- | ---: |",
        *(f"| {kind} | {count:,} |" for kind, count in sorted(verdict.clientOk.items())),
        "",
        "| errors, by kind | count |",
        "| --- | ---: |",
        *(
            f"| {kind} | {count:,} |"
            for kind, count in sorted(
                {**verdict.clientErrors, **{f"server: {k}": v for k, v in verdict.serverErrors.items()}}.items()
            )
        ),
    ]
    if not verdict.clientErrors and not verdict.serverErrors:
        lines.append("| none | 0 |")
    lines += [
        "",
        "## Resources of the server process",
        "",
        f"- RSS: start {mib(rss[0])}, end {mib(rss[-1])}, max {mib(max(rss))}; "
        f"slope {verdict.rssSlope:+.2f} KiB/s over t = {verdict.window[0]:.0f}..{verdict.window[1]:.0f} s",
        f"- descriptors: start {fds[0]}, end {fds[-1]}, max {max(fds)}; slope {verdict.fdSlope:+.2f} per minute; "
        f"{server.get('drained_fds')} after the load (before it: {server.get('baseline_fds')})",
        f"- Python allocated blocks: slope {verdict.blockSlope:+.1f} per second (shown, not bounded)",
        "",
        "## Checks",
        "",
        "| check | measured | bound | result |",
        "| --- | --- | --- | --- |",
        *(f"| {c.name} | {c.measured} | {c.bound} | {'pass' if c.passed else '**FAIL**'} |" for c in verdict.checks),
        "",
        f"![memory, descriptors and rates over time]({PLOT})",
        "",
    ]
    if server.get("growth"):
        lines += [
            "## Where memory grew (tracemalloc, second half of the load)",
            "",
            "```text",
            *server["growth"],
            "```",
            "",
        ]
    if server.get("notes"):
        lines += ["## First messages logged by the server", "", "```text", *server["notes"], "```", ""]
    if verdict.clientNotes:
        lines += ["## First errors seen by the clients", "", "```text", *verdict.clientNotes, "```", ""]
    return "\n".join(lines)
