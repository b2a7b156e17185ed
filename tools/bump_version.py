"""Sets the one version of every hio distribution.

Usage: ``python tools/bump_version.py NEW`` (or ``nox -s bump -- NEW``).

Rewrites ``VERSION``, the ``version`` of every ``packages/*/pyproject.toml``
and every exact pin of one hio distribution on another (``"hio-filing==OLD"``
becomes ``"hio-filing==NEW"``), touching nothing else in those files. The
metadata stays static: what a file says is what its distribution is.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# A release version as PEP 440 writes it: N(.N)*, then an optional pre-release,
# post-release and development part (0.8.1, 0.9.0rc1, 1.0.0.post1, 1.1.0.dev2).
RELEASE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
# The [project] version line, at the start of a line as the distributions write it.
PROJECT_VERSION = re.compile(r'^version = "[^"]*"$', re.MULTILINE)
# An exact pin of a hio distribution inside a requirement string.
SIBLING_PIN = re.compile(r'"(hio(?:-[a-z]+)?)==[^";\s]*')


def pyprojects(root: pathlib.Path) -> list[pathlib.Path]:
    """The ``pyproject.toml`` of every distribution under ``root / "packages"``."""
    return sorted((root / "packages").glob("*/pyproject.toml"))


def rewrite(text: str, version: str) -> str:
    """``text`` of a distribution's pyproject.toml with its version and sibling pins set to ``version``."""
    text, count = PROJECT_VERSION.subn(f'version = "{version}"', text)
    if count != 1:
        raise ValueError(f"expected one [project] version line, found {count}")
    return SIBLING_PIN.sub(lambda match: f'"{match.group(1)}=={version}', text)


def bump(root: pathlib.Path, version: str) -> list[pathlib.Path]:
    """Sets ``version`` in ``VERSION`` and every distribution under ``root``; returns the files changed."""
    if not RELEASE.match(version):
        raise ValueError(f"{version!r} is not a release version such as 0.8.1")
    changed = []
    updates = {path: rewrite(path.read_text(encoding="utf-8"), version) for path in pyprojects(root)}
    if not updates:
        raise FileNotFoundError(f"no packages/*/pyproject.toml under {root}")
    updates[root / "VERSION"] = f"{version}\n"
    for path, text in updates.items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Set the one version of every hio distribution.")
    parser.add_argument("version", help="the new version, e.g. 0.8.1")
    parser.add_argument("--root", type=pathlib.Path, default=ROOT, help="repository root (default: this repository)")
    args = parser.parse_args(argv)
    try:
        changed = bump(args.root, args.version)
    except (ValueError, FileNotFoundError) as exc:
        parser.error(str(exc))
    for path in changed:
        print(f"updated {path.relative_to(args.root)}")
    print(f"hio version is now {args.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
