"""Shared fixtures for the hio.base.filing and hio.core.wiring tests.

Every head directory a Filer or WireLog could use (persistent, alternate and
temporary) is pointed into the test's ``tmp_path``, so no test ever writes
into the real ``/usr/local/var``, the home directory or the system temp
directory.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from hio.base.filing import Filer
from hio.core.wiring import WireLog


@pytest.fixture
def heads(tmp_path, monkeypatch):
    """Points Filer's and WireLog's head, alternate head and temp head into tmp_path."""
    heads = SimpleNamespace(
        head=tmp_path / "head",
        alt=tmp_path / "alt",
        temp=tmp_path / "temp",
    )
    heads.temp.mkdir()
    for cls in (Filer, WireLog):
        monkeypatch.setattr(cls, "HeadDirPath", str(heads.head))
        monkeypatch.setattr(cls, "AltHeadDirPath", str(heads.alt))
        monkeypatch.setattr(cls, "TempHeadDir", str(heads.temp))
    return heads


@pytest.fixture
def umask():
    """Sets the process umask for one test and restores the previous one after it."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)
