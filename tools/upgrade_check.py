"""Upgrades the published single hio in place to these distributions, as a user would, and checks the result.

Usage: python tools/upgrade_check.py WHEELHOUSE VERSION [PUBLISHED]

In a fresh venv made with the standard ``venv`` module (so with pip, as users
have), it installs the published hio (0.6.19 by default) from the package
index, then runs ``pip install -U hio==VERSION`` with the wheelhouse as an
extra place to find ours. pip installs the pieces before it uninstalls the
old release, whose record lists the same files, so ``import hio`` is expected
to fail with a message that ends in the repair command. That command is run
exactly as printed (the wheelhouse reaches pip through PIP_FIND_LINKS), and
then every documented module must import, the CLI must run and ``pip check``
must pass. Exits non-zero, saying why, at the first thing that does not hold.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import venv

MODULES = [
    "hio",
    "hio.hioing",
    "hio.help",
    "hio.help.ogling",
    "hio.core.coring",
    "hio.base",
    "hio.base.tyming",
    "hio.base.doing",
    "hio.base.filing",
    "hio.core",
    "hio.core.wiring",
    "hio.core.tcp",
    "hio.core.tcp.clienting",
    "hio.core.tcp.serving",
    "hio.core.udp",
    "hio.core.uxd",
    "hio.core.serial",
    "hio.core.http",
    "hio.cli",
    "hio.daemon",
]


def run(args: list[str], env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs ``args``, echoing the command; fails the check on a non-zero exit when ``check``."""
    print("$", shlex.join(args), flush=True)
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    if check and done.returncode != 0:
        sys.exit(f"upgrade: {shlex.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def main(wheelhouse: str, version: str, published: str = "0.6.19") -> None:
    with tempfile.TemporaryDirectory(prefix="hio-upgrade-") as where:
        venv.create(where, with_pip=True)
        python = os.path.join(where, "bin", "python")
        pip = [python, "-m", "pip", "--disable-pip-version-check", "--no-input"]
        # 0.6.19 asks for Python 3.12.6 or newer; it only has to be installed here, never imported
        run([*pip, "install", "--ignore-requires-python", f"hio=={published}"])
        shown = run([*pip, "show", "hio"]).stdout
        if f"Version: {published}" not in shown:
            sys.exit(f"upgrade: the published hio {published} did not install:\n{shown}")
        run([*pip, "install", "-U", "--find-links", wheelhouse, f"hio=={version}"])
        env = {**os.environ, "PIP_FIND_LINKS": wheelhouse, "PIP_NO_INDEX": "1"}
        first = run([python, "-c", "import hio"], check=False)
        if first.returncode != 0:
            print(first.stderr.rstrip(), flush=True)
            last = first.stderr.strip().splitlines()[-1].strip()
            if "pip install" not in last:
                sys.exit("upgrade: import hio failed without a repair command")
            run(shlex.split(last), env=env)
        else:
            print("import hio works right after the upgrade: no repair needed", flush=True)
        imported = run(
            [
                python,
                "-c",
                f"import hio, importlib; [importlib.import_module(m) for m in {MODULES!r}]; print(hio.__version__)",
            ]
        )
        if imported.stdout.strip() != version:
            sys.exit(f"upgrade: hio reports version {imported.stdout.strip()!r}, not {version}")
        run([python, "-m", "hio", "--version"])
        run([*pip, "check"])
        print(f"upgrade: hio {published} -> {version}: every documented module imports", flush=True)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
