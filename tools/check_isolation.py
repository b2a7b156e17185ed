"""Checks that a test venv holds exactly one hio distribution and what it declares.

Usage: ``python tools/check_isolation.py DIST``. Exits non-zero, naming the
difference, when a hio distribution outside DIST's dependency closure is
installed, one inside it is missing, or any of them is an editable install
or carries a version other than the repository's VERSION.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
from importlib import metadata

VERSION = (pathlib.Path(__file__).resolve().parent.parent / "VERSION").read_text().strip()


def closure(dist: str) -> set[str]:
    """The names of ``dist`` and every hio distribution it needs, read from installed metadata."""
    seen, todo = set(), [dist]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for req in metadata.requires(name) or []:
            dep = re.split(r"[\s;=<>!~\[]", req, maxsplit=1)[0]
            if dep == "hio" or dep.startswith("hio-"):
                todo.append(dep)
    return seen


def editable(name: str) -> bool:
    """True when ``name`` was installed in editable (development) mode."""
    text = metadata.distribution(name).read_text("direct_url.json")
    return bool(text) and json.loads(text).get("dir_info", {}).get("editable", False)


def main(dist: str) -> int:
    installed = {
        d.metadata["Name"].lower()
        for d in metadata.distributions()
        if d.metadata["Name"].lower() == "hio" or d.metadata["Name"].lower().startswith("hio-")
    }
    wanted = closure(dist)
    problems = []
    if installed != wanted:
        problems.append(f"installed {sorted(installed)} but {dist} declares {sorted(wanted)}")
    for name in sorted(installed):
        if metadata.version(name) != VERSION:
            problems.append(f"{name} is {metadata.version(name)}, not {VERSION}")
        if editable(name):
            problems.append(f"{name} is an editable install")
    for problem in problems:
        print(f"isolation: {problem}", file=sys.stderr)
    if not problems:
        print(f"isolation: {dist} venv holds {sorted(installed)} at {VERSION}, non-editable")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
