#!/usr/bin/env python3
"""The README's two commands: ``python3 dev.py serve`` and ``python3 dev.py test``.

Needs nothing but python3: it creates ``.venv`` when missing, installs the locked dependencies
(``requirements/serve.lock`` for serve, ``requirements/test.lock`` for test: hashes checked) and
liftplan itself when the lock or ``pyproject.toml`` changed (and removes what that lock does not
list), then runs the service or the test suite inside that environment. Extra arguments are
passed on (``python3 dev.py test -k migrations``).

``python3 dev.py lock`` writes both lock files again from ``pyproject.toml`` with uv (installed
into a throwaway environment), keeping the versions already locked that still fit; ``python3
dev.py lock --upgrade`` takes the newest versions that fit.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".liftplan-installed"
LOCKS = {"serve": ROOT / "requirements" / "serve.lock", "test": ROOT / "requirements" / "test.lock"}
# An environment made from test.lock holds all of serve.lock too (the test lock is solved first
# and constrains the serve lock, so the versions are the same).
SATISFIES = {"serve": ("serve", "test"), "test": ("test",)}
UV = "uv==0.13.9"
# Installed by the venv itself or as liftplan: never "unlisted" (see ensure_environment).
KEEP = {"pip", "setuptools", "wheel", "liftplan"}


def locked_digest(kind: str) -> str:
    """What the environment was installed from: the lock file and pyproject.toml (the scripts)."""
    digest = hashlib.sha256(LOCKS[kind].read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())
    return f"{kind} {digest.hexdigest()}"


def ensure_environment(kind: str = "test") -> None:
    """``.venv`` with the dependencies of ``kind`` (``serve`` or ``test``) as locked, and liftplan."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under whatever python3 is first
        sys.exit(f"liftplan needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    installed = STAMP.read_text() if STAMP.exists() else ""
    if any(installed == locked_digest(enough) for enough in SATISFIES[kind]):
        return
    print(f"installing liftplan and its locked dependencies ({LOCKS[kind].name}) into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "--require-hashes", "-r", str(LOCKS[kind])], check=True)
    subprocess.run([*pip, "install", "--no-deps", "-e", str(ROOT)], check=True)
    # As a sync would: a package the lock no longer lists (dropped, or a test tool in an
    # environment now made for serve) is removed, so .venv holds what the lock says and no more.
    unlisted = sorted(installed_names() - lock_names(LOCKS[kind]) - KEEP)
    if unlisted:
        print(f"removing what {LOCKS[kind].name} does not list: {', '.join(unlisted)}", flush=True)
        subprocess.run([*pip, "uninstall", "-y", *unlisted], check=True)
    STAMP.write_text(locked_digest(kind))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_names(path: Path) -> set[str]:
    """Every package a lock file pins, whatever its markers."""
    pins = (re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", line) for line in path.read_text().splitlines())
    return {canonical(pin.group(1)) for pin in pins if pin}


def installed_names() -> set[str]:
    listed = subprocess.run(
        [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "list", "--format=json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return {canonical(package["name"]) for package in json.loads(listed.stdout)}


def lock(upgrade: bool) -> int:
    """Both lock files from pyproject.toml, for Python 3.11 on any platform, with hashes."""
    with tempfile.TemporaryDirectory(prefix="liftplan-lock-") as tools:
        venv.EnvBuilder(with_pip=True).create(tools)
        pip = [str(Path(tools, "bin", "python")), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", UV], check=True)
        compile_ = [
            str(Path(tools, "bin", "uv")),
            "pip",
            "compile",
            "pyproject.toml",
            "--universal",
            "--python-version",
            "3.11",
            "--generate-hashes",
            "--no-config",
            "--quiet",
            "--custom-compile-command",
            "python3 dev.py lock",
        ]
        test, serve = (str(path.relative_to(ROOT)) for path in (LOCKS["test"], LOCKS["serve"]))
        upgrading = ["--upgrade"] if upgrade else []
        subprocess.run([*compile_, "--extra", "test", *upgrading, "-o", test], cwd=ROOT, check=True)
        subprocess.run([*compile_, "-c", test, "-o", serve], cwd=ROOT, check=True)
    print(f"wrote {test} and {serve}; `python3 dev.py test` installs them")
    return 0


def main() -> int:
    commands = {"serve": [str(VENV / "bin" / "liftplan"), "serve"], "test": [str(PYTHON), "-m", "pytest"]}
    if len(sys.argv) >= 2 and sys.argv[1] == "lock" and set(sys.argv[2:]) <= {"--upgrade"}:
        return lock(upgrade="--upgrade" in sys.argv[2:])
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    ensure_environment(sys.argv[1])
    args = [*commands[sys.argv[1]], *sys.argv[2:]]
    os.chdir(ROOT)
    os.execv(args[0], args)


if __name__ == "__main__":
    sys.exit(main())
