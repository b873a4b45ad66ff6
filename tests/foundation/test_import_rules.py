"""The layers and rooms, read from the imports themselves: every ``import`` and ``from ... import``
of every module of the application, including those inside functions."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("cli", "core", "jobs", "models", "resolvers", "schema", "services", "web", "migrations")
ENTRY_POINTS = {Path("main.py")}
SHARED = {"services.errors", "services.unit_of_work", "services.text_input", "services.ids"}
# What each room of services/ may import from the others (the rooms' own docstrings say why).
ROOMS_MAY_IMPORT: dict[str, set[str]] = {
    "access": set(),
    "adapters": {"services.live.status_log"},
    "generation": {"services.library", "services.live.status_log", "services.adapters"},
    "library": set(),
    "live": {"services.adapters", "services.programs.reads"},
    "programs": {"services.access", "services.generation.training_splits", "services.live.status_log"},
}


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if (ROOT / node.module.replace(".", "/")).is_dir():  # from a package: its modules
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
            else:
                yield node.module


def application_modules() -> list[Path]:
    paths = [p.relative_to(ROOT) for top in APPLICATION for p in (ROOT / top).rglob("*.py")]
    return sorted(paths + list(ENTRY_POINTS))


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def broken_rules(path: Path, imports: list[str]) -> list[str]:
    top = path.parts[0]
    found = []
    for module in imports:
        root = module.split(".")[0]
        if top == "services" and root in {"strawberry", "arq", "starlette", "uvicorn"}:
            found.append(f"services know no {root}: {module}")
        if top == "services" and root in {"resolvers", "schema", "web", "jobs", "cli"}:
            found.append(f"services import nothing above them: {module}")
        if top in {"resolvers", "web", "schema"} and root == "jobs":
            found.append(f"{top}/ enqueues through core.job_queue, never imports jobs/: {module}")
        if top == "models" and root != "models" and root in APPLICATION:
            found.append(f"models import only models: {module}")
        if root == "cli" and top != "cli" and path not in ENTRY_POINTS:
            found.append(f"only the entry points import cli/: {module}")
    if top == "services" and len(path.parts) > 2:
        room = path.parts[1]
        allowed = ROOMS_MAY_IMPORT[room] | SHARED | {f"services.{room}"}
        found += [
            f"services/{room}/ may not import {module}"
            for module in imports
            if within(module, "services") and not any(within(module, ok) for ok in allowed)
        ]
    return found


def test_every_room_of_services_is_known() -> None:
    rooms = {p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists()}
    assert rooms == set(ROOMS_MAY_IMPORT)


@pytest.mark.parametrize("top", APPLICATION)
def test_imports_follow_the_layers(top: str) -> None:
    broken = {
        str(path): rules
        for path in application_modules()
        if path.parts[0] == top or (top == "cli" and path in ENTRY_POINTS)
        if (rules := broken_rules(path, list(imported_modules(ROOT / path))))
    }
    assert broken == {}


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("services/library/x.py", "import strawberry", "services know no strawberry"),
        ("services/live/x.py", "from arq.worker import Worker", "services know no arq"),
        ("services/access/x.py", "from starlette.requests import Request", "services know no starlette"),
        ("web/x.py", "from jobs.worker import build_worker", "never imports jobs/"),
        ("resolvers/x.py", "import jobs.generation", "never imports jobs/"),
        ("core/x.py", "from cli.serve import serve", "only the entry points import cli/"),
        ("services/library/x.py", "from services.generation.week_planner import plan_week", "may not import"),
        ("services/x.py", "from resolvers.ids import parse_id", "nothing above them"),
    ],
)
def test_a_broken_rule_is_found(tmp_path: Path, path: str, source: str, rule: str) -> None:
    """The rules above catch what they claim to: each of these imports is refused."""
    module = tmp_path / "module.py"
    module.write_text(source + "\n")
    rules = broken_rules(Path(path), list(imported_modules(module)))
    assert any(rule in found for found in rules), rules
