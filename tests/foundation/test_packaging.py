"""The lock files install what pyproject.toml asks for, with hashes, and serving installs no test
tools; dev.py re-installs when a lock changes; the ``liftplan`` console script is installed."""

import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import dev

ROOT = Path(__file__).resolve().parents[2]
RELOCK = "run `python3 dev.py lock` after changing pyproject.toml's dependencies"


@dataclass
class Locked:
    name: str
    version: str
    hashes: list[str] = field(default_factory=list)


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def read_lock(kind: str) -> dict[str, Locked]:
    """The pins of a lock file that apply to this interpreter and platform, by canonical name."""
    pins: dict[str, Locked] = {}
    current: Locked | None = None
    for line in dev.LOCKS[kind].read_text().splitlines():
        text = line.strip().removesuffix("\\").strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("--hash="):
            assert current is not None, line
            current.hashes.append(text.removeprefix("--hash="))
            continue
        requirement = Requirement(text)
        (pin,) = requirement.specifier
        assert pin.operator == "==", f"{kind}.lock: {text} is not pinned"
        current = Locked(canonicalize_name(requirement.name), pin.version)
        if requirement.marker is None or requirement.marker.evaluate():
            assert current.name not in pins, f"{kind}.lock pins {current.name} twice"
            pins[current.name] = current
    return pins


def needed(requirements: list[str]) -> dict[str, set[Requirement]]:
    """Every distribution these requirements pull in here (as the installed metadata declares
    them, extras followed), with the requirements that asked for it."""
    found: dict[str, set[Requirement]] = {}
    expanded: set[tuple[str, str]] = set()
    todo = [(Requirement(text), "") for text in requirements]
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        found.setdefault(name, set()).add(requirement)
        for wanted in {"", *requirement.extras} - {e for n, e in expanded if n == name}:
            expanded.add((name, wanted))
            todo.extend((Requirement(text), wanted) for text in metadata.requires(name) or [])
    return found


def extras_test() -> list[str]:
    return pyproject()["optional-dependencies"]["test"]


@pytest.mark.parametrize("kind", ["serve", "test"])
def test_a_lock_pins_with_hashes_everything_its_command_needs_and_nothing_else(kind: str) -> None:
    lock = read_lock(kind)
    wanted = pyproject()["dependencies"] + (extras_test() if kind == "test" else [])
    closure = needed(wanted)

    for name, requirements in closure.items():
        assert name in lock, f"{name} is needed but not in {kind}.lock: {RELOCK}"
        for requirement in requirements:
            assert lock[name].version in requirement.specifier, (
                f"{kind}.lock has {name}=={lock[name].version}, {requirement} is asked for: {RELOCK}"
            )
    assert set(lock) == set(closure), f"{kind}.lock pins what nothing needs: {set(lock) - set(closure)}"
    for pin in lock.values():
        assert pin.hashes and all(h.startswith("sha256:") for h in pin.hashes), pin.name


def test_serving_installs_no_test_tools_and_the_same_versions_as_the_tests() -> None:
    serve, test = read_lock("serve"), read_lock("test")
    for tool in ("pytest", "pytest-asyncio", "playwright", "hypothesis", "ruff", "httpx", "orjson"):
        assert tool in test and tool not in serve, tool
    assert {name: pin.version for name, pin in serve.items()} == {
        name: test[name].version for name in serve
    }  # an environment made from test.lock serves as one made from serve.lock (dev.SATISFIES)


def test_the_environment_running_the_tests_was_installed_from_the_test_lock() -> None:
    differing = {
        name: (pin.version, metadata.version(name))
        for name, pin in read_lock("test").items()
        if metadata.version(name) != pin.version
    }
    assert not differing, f"locked vs installed: {differing} (python3 dev.py test installs the lock)"


def test_strawberry_has_an_upper_bound_above_the_locked_version() -> None:
    (strawberry,) = (
        Requirement(text) for text in pyproject()["dependencies"] if text.startswith("strawberry-graphql")
    )
    assert any(spec.operator == "<" for spec in strawberry.specifier), strawberry
    assert read_lock("serve")["strawberry-graphql"].version in strawberry.specifier


def test_the_console_script_is_installed_and_runs_from_anywhere(tmp_path: Path) -> None:
    assert pyproject()["scripts"] == {"liftplan": "main:main"}
    script = Path(sys.executable).parent / "liftplan"  # .venv/bin/liftplan beside .venv/bin/python
    shown = subprocess.run([str(script), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: liftplan ") and "serve" in shown.stdout
    failed = subprocess.run([str(script), "no-such-command"], cwd=tmp_path, capture_output=True, timeout=60)
    assert failed.returncode == 2  # main()'s exit status is the process's


def test_dev_installs_the_lock_again_when_it_changes_and_not_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locks = fake_environment(tmp_path, monkeypatch)
    monkeypatch.setattr(dev, "installed_names", lambda: {"pip", "liftplan"})
    ran: list[list[str]] = []
    monkeypatch.setattr(dev.subprocess, "run", lambda args, check: ran.append(args))

    def installs(kind: str) -> list[list[str]]:
        ran.clear()
        dev.ensure_environment(kind)
        return [args[5:] for args in ran if args[5:] != ["install", "--upgrade", "pip"]]

    assert installs("serve") == [
        ["install", "--require-hashes", "-r", str(locks["serve"])],
        ["install", "--no-deps", "-e", str(dev.ROOT)],
    ]
    assert installs("serve") == []
    assert installs("test")[0] == ["install", "--require-hashes", "-r", str(locks["test"])]
    assert installs("serve") == [] and installs("test") == []  # a test environment serves too
    locks["test"].write_text("test pins, one changed\n")
    assert installs("serve") != [] and installs("test") != []


def test_dev_removes_what_the_lock_no_longer_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locks = fake_environment(tmp_path, monkeypatch)
    locks["serve"].write_text(
        "# a comment==1\nalembic==1.0 \\\n    --hash=sha256:00\nSQLAlchemy==2.0 ; python_version >= '3.11'\n"
    )
    installed = {"pip", "setuptools", "liftplan", "alembic", "sqlalchemy", "pytest", "old-tool"}
    monkeypatch.setattr(dev, "installed_names", lambda: installed)
    ran: list[list[str]] = []
    monkeypatch.setattr(dev.subprocess, "run", lambda args, check: ran.append(args))
    dev.ensure_environment("serve")
    assert ran[-1][5:] == ["uninstall", "-y", "old-tool", "pytest"]


def fake_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """dev.py pointed at lock files and a stand-in venv under ``tmp_path``; the locks, by kind."""
    locks = {kind: tmp_path / f"{kind}.lock" for kind in ("serve", "test")}
    for kind, path in locks.items():
        path.write_text(f"{kind} pins\n")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    monkeypatch.setattr(dev, "LOCKS", locks)
    monkeypatch.setattr(dev, "PYTHON", python)
    monkeypatch.setattr(dev, "STAMP", tmp_path / "venv" / "stamp")
    return locks


def test_the_installed_environment_holds_nothing_the_test_lock_does_not_list() -> None:
    assert sorted(dev.installed_names() - dev.lock_names(dev.LOCKS["test"]) - dev.KEEP) == []
