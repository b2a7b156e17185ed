"""Tells, when ``import hio`` finds pieces missing, what happened and the command that repairs it.

``pip install -U hio`` over the single-distribution hio 0.6 or 0.7 installs
the nine pieces first and only then uninstalls the old release, whose
record lists the same files (``hio/hioing.py``, ``hio/base/doing.py``, ...):
pip's order removes what the pieces just wrote. Packaging cannot change
that order, so the meta-package checks one module of each piece at import
and, when one is gone, raises an ImportError naming the pieces to reinstall
and the one pip command that does it.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable
from importlib import metadata

PIECES = {
    "hio-help": "hioing.py",
    "hio-timing": "base/tyming.py",
    "hio-doing": "base/doing.py",
    "hio-filing": "base/filing.py",
    "hio-tcp": "core/tcp/clienting.py",
    "hio-udp": "core/udp/udping.py",
    "hio-uxd": "core/uxd/uxding.py",
    "hio-serial": "core/serial/serialing.py",
    "hio-http": "core/http/serving.py",
}
"""One module of each piece, relative to the ``hio`` directory, that every
release of the single hio distribution also shipped."""


def missingPieces(portions: Iterable[str]) -> list[str]:
    """Returns the names of the pieces whose module is in none of the ``hio`` portions given.

    Parameters:
        portions: the directories of the ``hio`` package (its ``__path__``)
    """
    portions = list(portions)
    return [
        name
        for name, module in PIECES.items()
        if not any(os.path.exists(os.path.join(portion, *module.split("/"))) for portion in portions)
    ]


def repairCommand(pieces: Iterable[str], version: str, python: str | None = None) -> str:
    """Returns the pip command that puts the files of ``pieces`` back, at ``version``.

    Parameters:
        pieces: distribution names, such as "hio-help"
        version: the version of every hio distribution
        python: the interpreter to run pip with, default this one
    """
    words = [python or sys.executable, "-m", "pip", "install", "--force-reinstall", "--no-deps"]
    return shlex.join(words + [f"{name}=={version}" for name in pieces])


def brokenMessage(pieces: list[str], version: str, python: str | None = None) -> str:
    """Returns what ``import hio`` says when ``pieces`` are missing files."""
    installed = [name for name in pieces if _installed(name)]
    why = (
        "pip removed them after installing them, when it uninstalled the old single hio distribution "
        "(an upgrade in place from hio 0.6 or 0.7)"
        if installed
        else "they are not installed"
    )
    return (
        f"hio {version} cannot be imported: the files of {', '.join(pieces)} are missing; {why}. "
        f"Repair with:\n    {repairCommand(pieces, version, python)}"
    )


def _installed(name: str) -> bool:
    """True when distribution ``name`` has metadata on the path."""
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def check(portions: Iterable[str], version: str) -> None:
    """Raises ImportError with the repair command when a piece of hio is missing.

    Parameters:
        portions: the directories of the ``hio`` package (its ``__path__``)
        version: the version of the meta-package, which every piece shares
    """
    pieces = missingPieces(portions)
    if pieces:
        raise ImportError(brokenMessage(pieces, version), name="hio")
