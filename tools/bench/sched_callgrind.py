"""Instructions per scheduler switch, counted by callgrind, for any interpreter's hio.

Usage: ``python sched_callgrind.py [PYTHON [SWITCHES [ENGINES [SIZES]]]]`` (ENGINES and SIZES
comma-separated, such as ``hio-dodoer 10,100``): runs ``sched.py``
with PYTHON (default this interpreter; give the interpreter of a venv that
holds the published hio to count that one) under ``valgrind --tool=callgrind``
for each engine (hio-doify, hio-doer, hio-dodoer) and N of 10, 100, 1,000 and
10,000, twice: with SWITCHES switches (default 100,000) and with twice as
many. The difference of the two counts, over the difference of switches (of
the four runs of the load that sched.py makes: a warm-up and the best of
three), is what one more switch costs, start-up, imports and the memory
measure of sched.py cancelling out. Prints one JSON object: instructions per switch by
engine and N.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from callgrinding import total

HERE = Path(__file__).resolve().parent
ENGINES = ("hio-doify", "hio-doer", "hio-dodoer")
SIZES = (10, 100, 1_000, 10_000)
RUNS = 4  # sched.py runs the load four times: a warm-up, then the best of three


def instructions(python: str, engine: str, n: int, m: int) -> int:
    """Instructions of one whole run of sched.py ENGINE N M under callgrind."""
    return total([python, str(HERE / "sched.py"), engine, str(n), str(m)])


def main(python: str, switches: int, engines: tuple = ENGINES, sizes: tuple = SIZES) -> dict:
    result: dict = {"python": python, "switches": switches}
    for engine in engines:
        for n in sizes:
            m = max(1, switches // n)
            once, twice = instructions(python, engine, n, m), instructions(python, engine, n, 2 * m)
            result[f"{engine} N={n}"] = round((twice - once) / (RUNS * n * m))
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    engines = tuple(args[2].split(",")) if len(args) > 2 else ENGINES
    sizes = tuple(int(size) for size in args[3].split(",")) if len(args) > 3 else SIZES
    print(
        json.dumps(
            main(args[0] if args else sys.executable, int(args[1]) if len(args) > 1 else 100_000, engines, sizes)
        )
    )
