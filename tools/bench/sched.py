"""Scheduler switch cost: N coroutines, each resumed M times, on one engine.

Usage: ``python sched.py ENGINE N M``; prints one JSON object with the engine,
the switch count, the wall time, nanoseconds per switch and the memory held
per idle coroutine. Engines: ``bare`` (a plain generator round-robin, the
floor), ``hio-doify``, ``hio-doer``, ``hio-dodoer`` (the hio that the running
interpreter imports — ours or the published release, whichever the venv
holds), ``asyncio`` and ``trio``.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc


def bare(n: int, m: int) -> float:
    """Round-robin over plain generators: the least any scheduler can do."""

    def worker():
        for _ in range(m):
            yield

    gens = [worker() for _ in range(n)]
    start = time.perf_counter()
    while gens:
        live = []
        for g in gens:
            try:
                next(g)
                live.append(g)
            except StopIteration:
                pass
        gens = live
    return time.perf_counter() - start


def hio_workers(n: int, m: int, kind: str) -> list:
    """N hio doers that each yield M times, as doified generators or Doer subclasses."""
    from hio.base import doing

    if kind == "doify":

        def worker(tymth=None, tock=0.0, **opts):
            for _ in range(m):
                yield tock
            return True

        return [doing.doify(worker, name=f"w{i}", tock=0.0) for i in range(n)]

    class Worker(doing.Doer):
        def enter(self, **kwa):
            self.count = 0

        def recur(self, tyme):
            self.count += 1
            return self.count >= m

    return [Worker(tock=0.0) for _ in range(n)]


def hio(n: int, m: int, kind: str) -> float:
    """A Doist on artificial tyme running N doers (flat, or ten per nested DoDoer)."""
    from hio.base import doing

    if kind == "dodoer":
        workers = hio_workers(n, m, "doify")
        doers = [doing.DoDoer(doers=workers[i : i + 10], tock=0.0) for i in range(0, n, 10)]
    else:
        doers = hio_workers(n, m, kind)
    doist = doing.Doist(tock=0.0, real=False)
    start = time.perf_counter()
    doist.do(doers=doers)
    return time.perf_counter() - start


def run_asyncio(n: int, m: int) -> float:
    import asyncio

    async def worker():
        for _ in range(m):
            await asyncio.sleep(0)

    async def main():
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(n)))
        return time.perf_counter() - start

    return asyncio.run(main())


def run_trio(n: int, m: int) -> float:
    import trio

    async def worker():
        for _ in range(m):
            await trio.lowlevel.checkpoint()

    async def main():
        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(n):
                nursery.start_soon(worker)
        return time.perf_counter() - start

    return trio.run(main)


def idle_bytes(engine: str, n: int) -> float:
    """Bytes held per idle coroutine: N coroutines started and parked, measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    if engine == "bare":

        def worker():
            while True:
                yield

        held = [worker() for _ in range(n)]
        for g in held:
            next(g)
        after = tracemalloc.get_traced_memory()[0]
    elif engine.startswith("hio"):
        from hio.base import doing

        kind = engine.split("-", 1)[1]
        workers = hio_workers(n, 10**9, "doify" if kind == "dodoer" else kind)
        if kind == "dodoer":
            workers = [doing.DoDoer(doers=workers[i : i + 10], tock=0.0) for i in range(0, n, 10)]
        doist = doing.Doist(tock=0.0, real=False)
        doist.doers = workers
        deeds = doist.enter()
        after = tracemalloc.get_traced_memory()[0]
        held = deeds
    elif engine == "asyncio":
        import asyncio

        async def park(event):
            await event.wait()

        async def main():
            event = asyncio.Event()
            tasks = [asyncio.ensure_future(park(event)) for _ in range(n)]
            await asyncio.sleep(0)
            size = tracemalloc.get_traced_memory()[0]
            event.set()
            await asyncio.gather(*tasks)
            return size

        after = asyncio.run(main())
        held = None
    else:
        import trio

        async def main():
            event = trio.Event()
            sizes = []
            async with trio.open_nursery() as nursery:
                for _ in range(n):
                    nursery.start_soon(event.wait)
                await trio.lowlevel.checkpoint()
                sizes.append(tracemalloc.get_traced_memory()[0])
                event.set()
            return sizes[0]

        after = trio.run(main)
        held = None
    tracemalloc.stop()
    del held
    return (after - before) / n


def main(engine: str, n: int, m: int) -> dict:
    runners = {
        "bare": lambda: bare(n, m),
        "hio-doify": lambda: hio(n, m, "doify"),
        "hio-doer": lambda: hio(n, m, "doer"),
        "hio-dodoer": lambda: hio(n, m, "dodoer"),
        "asyncio": lambda: run_asyncio(n, m),
        "trio": lambda: run_trio(n, m),
    }
    runners[engine]()  # warm up: imports, caches
    best = min(runners[engine]() for _ in range(3))
    switches = n * m
    return {
        "engine": engine,
        "n": n,
        "m": m,
        "switches": switches,
        "seconds": best,
        "ns_per_switch": best / switches * 1e9,
        "bytes_per_idle": idle_bytes(engine, min(n, 10_000)),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
