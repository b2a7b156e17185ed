"""``import hio`` after an upgrade in place from the single hio distribution.

``pip install -U hio`` over hio 0.6 installs the pieces, then uninstalls the
old release, whose record lists the same files. The meta-package finds the
pieces whose files are gone and says which, and the one pip command that puts
them back. The whole upgrade, with pip and the published release, is run by
the ``upgrade`` nox session (tools/upgrade_check.py); these tests take the
same situation apart without the network.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hio
from hio import _intact

SOURCES = Path(__file__).resolve().parents[2]  # packages/


def test_each_piece_is_known_by_a_module_it_ships():
    """The module looked for names a file that the distribution named really ships."""
    assert sorted(_intact.PIECES) == sorted(
        path.name for path in SOURCES.iterdir() if path.name.startswith("hio-") and (path / "pyproject.toml").exists()
    )
    for name, module in _intact.PIECES.items():
        assert (SOURCES / name / "src" / "hio" / module).is_file(), (name, module)


def test_intact_installation_has_no_missing_pieces():
    assert _intact.missingPieces(hio.__path__) == []


def test_missing_pieces_are_found_across_portions(tmp_path):
    first, second = tmp_path / "a" / "hio", tmp_path / "b" / "hio"
    for name, module in _intact.PIECES.items():
        where = first if name in ("hio-help", "hio-tcp") else second
        (where / module).parent.mkdir(parents=True, exist_ok=True)
        (where / module).write_text("")
    assert _intact.missingPieces([str(first), str(second)]) == []
    (second / "base" / "doing.py").unlink()
    (first / "core" / "tcp" / "clienting.py").unlink()
    assert _intact.missingPieces([str(first), str(second)]) == ["hio-doing", "hio-tcp"]


def test_repair_command_is_one_pip_command_for_this_interpreter():
    command = _intact.repairCommand(["hio-help", "hio-tcp"], "1.2.3", python="/opt/my python/bin/python")
    assert command == (
        "'/opt/my python/bin/python' -m pip install --force-reinstall --no-deps hio-help==1.2.3 hio-tcp==1.2.3"
    )
    assert shlex.split(command)[0] == "/opt/my python/bin/python"
    assert _intact.repairCommand(["hio-udp"], "1.2.3").startswith(shlex.quote(sys.executable) + " -m pip ")


def test_import_hio_with_pieces_gone_says_what_happened_and_how_to_repair(tmp_path):
    """A copy of the installed hio tree with two pieces' files removed, imported by a fresh interpreter."""
    site = tmp_path / "site"
    for portion in hio.__path__:
        shutil.copytree(portion, site / "hio", dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    meta = site / "hio-9.9.9.dist-info"
    meta.mkdir()
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: hio\nVersion: 9.9.9\n")
    shutil.rmtree(site / "hio" / "help")
    (site / "hio" / "hioing.py").unlink()
    (site / "hio" / "core" / "http" / "serving.py").unlink()
    done = subprocess.run(
        [sys.executable, "-S", "-c", "import hio"],  # no site-packages: only the broken copy is on the path
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[-2].startswith(
        "ImportError: hio 9.9.9 cannot be imported: the files of hio-help, hio-http are missing"
    )
    assert lines[-1].strip() == (
        f"{shlex.quote(sys.executable)} -m pip install --force-reinstall --no-deps hio-help==9.9.9 hio-http==9.9.9"
    )


def test_the_check_raises_import_error_naming_hio(tmp_path):
    with pytest.raises(ImportError, match="the files of hio-help, hio-timing") as caught:
        _intact.check([str(tmp_path)], "1.0.0")
    assert caught.value.name == "hio"
    assert "--force-reinstall --no-deps hio-help==1.0.0" in str(caught.value)
