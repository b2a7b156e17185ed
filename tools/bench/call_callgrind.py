"""Instructions per request of the client's protocol core, counted by callgrind.

Usage: ``python call_callgrind.py [REQUESTS [PYTHON [MODE]]]`` (default 3000,
this interpreter and ``outcomes``; ``events`` counts the event interface
instead, see call_load.py). Runs ``call_load.py`` under ``valgrind --tool=callgrind``
twice, with REQUESTS and with twice as many requests passed through one
``hio.core.http.calling.Call`` on bytes alone (no socket): the request
queued, a keep-alive response fed in, its outcome read, the connection
kept. The difference of the two counts over REQUESTS is what one more
request costs, start-up and imports cancelling out. Prints one JSON object:
instructions per request, and the wall time per request of the larger run
outside callgrind (best of three).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from callgrinding import total

HERE = Path(__file__).resolve().parent
LOAD = str(HERE / "call_load.py")


def instructions(python: str, n: int, mode: str = "outcomes") -> int:
    """Instructions of one whole run of call_load.py N 1 MODE under callgrind."""
    return total([python, LOAD, str(n), "1", mode])


def main(n: int, python: str, mode: str = "outcomes") -> dict:
    one, two = instructions(python, n, mode), instructions(python, 2 * n, mode)
    timed = subprocess.run([python, LOAD, str(2 * n), "3", mode], check=True, capture_output=True, text=True)
    return {
        "mode": mode,
        "requests": n,
        "instructions_per_request": round((two - one) / n),
        "seconds_per_request": float(timed.stdout.split()[-1]),
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    python = sys.argv[2] if len(sys.argv) > 2 else sys.executable
    print(json.dumps(main(count, python, sys.argv[3] if len(sys.argv) > 3 else "outcomes")))
