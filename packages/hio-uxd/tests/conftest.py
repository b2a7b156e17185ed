"""Shared fixtures for the hio.core.uxd tests.

Every test runs with the Peer's persistent and alternate head directories
moved into a fresh short temporary directory (Unix domain socket paths must
stay short), so no test writes outside it or the temporary directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from types import SimpleNamespace

import pytest

from hio.core.uxd import uxding


@pytest.fixture(autouse=True)
def heads(monkeypatch):
    """Namespace with .head and .alt: the persistent and alternate head directories of every Peer."""
    top = tempfile.mkdtemp(prefix="uxdt")
    spaces = SimpleNamespace(top=top, head=os.path.join(top, "h"), alt=os.path.join(top, "a"))
    os.mkdir(spaces.head)
    os.mkdir(spaces.alt)
    monkeypatch.setattr(uxding.Peer, "HeadDirPath", spaces.head)
    monkeypatch.setattr(uxding.Peer, "AltHeadDirPath", spaces.alt)
    yield spaces
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def umask():
    """umask(mask): sets the process umask for the test; the former umask is restored after."""
    former = os.umask(0o022)
    os.umask(former)

    def setter(mask):
        os.umask(mask)
        return mask

    yield setter
    os.umask(former)
