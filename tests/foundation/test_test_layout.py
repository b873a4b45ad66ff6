"""The tests' own layout, read from their source: helpers shared between tests live in plain modules
(``tests/api_client.py``, ``tests/program_requests.py``, ...) and fixtures in conftests or the root
conftest's plugins, so no module imports a ``test_*`` module or a conftest; and no ``assert`` tests
something that is true whatever the code does (a constant, a tuple, an imported name)."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    """``tests/api/test_x.py`` -> ``tests.api.test_x`` (``path`` relative to the project)."""
    return ".".join(path.with_suffix("").parts)


def imported_modules(path: Path, tree: ast.Module) -> Iterator[str]:
    """Every module an import may name: ``from a.b import c`` yields ``a.b`` and ``a.b.c`` (``c`` may be
    a module); relative imports are resolved against ``path``'s package."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module_name(path).split(".")[: -node.level]
                base = ".".join([*package, node.module] if node.module else package)
            else:
                base = node.module or ""
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def imported_names(tree: ast.Module) -> set[str]:
    """Names an import binds in the module (``import datetime as dt`` binds ``dt``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
    return names


def root_name(expression: ast.expr) -> str | None:
    """``dt`` for ``dt.datetime.min``; None for anything but a name or a chain of attributes."""
    while isinstance(expression, ast.Attribute):
        expression = expression.value
    return expression.id if isinstance(expression, ast.Name) else None


def cannot_fail(test: ast.expr, imported: set[str]) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)  # ``assert False`` fails on purpose
    if isinstance(test, ast.Tuple | ast.List | ast.Lambda):
        return isinstance(test, ast.Lambda) or bool(test.elts)
    return isinstance(test, ast.Name | ast.Attribute) and root_name(test) in imported


def broken_rules(path: Path, source: str) -> list[str]:
    tree = ast.parse(source)
    found = []
    for module in sorted(set(imported_modules(path, tree))):
        last = module.split(".")[-1]
        if module.split(".")[0] == "tests" and last.startswith("test_"):
            found.append(f"imports the test module {module}: move what it shares to a plain module")
        if last == "conftest":
            found.append(f"imports {module}: fixtures reach tests from conftests and plugins, not by import")
    imported = imported_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and cannot_fail(node.test, imported):
            found.append(f"line {node.lineno}: `assert {ast.unparse(node.test)}` cannot fail")
    return found


def test_no_module_imports_a_test_module_or_a_conftest_and_every_assert_can_fail() -> None:
    found = {}
    for path in sorted((ROOT / "tests").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if broken := broken_rules(relative, path.read_text(encoding="utf-8")):
            found[str(relative)] = broken
    assert found == {}


BROKEN = {
    "a test module's helper": (
        "tests/web/test_rest_route.py",
        "from tests.api.test_programs_api import create_program\n",
        "imports the test module tests.api.test_programs_api",
    ),
    "a test module, relatively": (
        "tests/api/test_metrics.py",
        "from .test_query_count import counting_statements\n",
        "imports the test module tests.api.test_query_count",
    ),
    "a test module by name": (
        "tests/api/test_metrics.py",
        "from tests.api import test_query_count\n",
        "imports the test module tests.api.test_query_count",
    ),
    "another package's conftest": (
        "tests/web/conftest.py",
        "from tests.api.conftest import api, token\n",
        "imports tests.api.conftest",
    ),
    "the root conftest": (
        "tests/faults/conftest.py",
        "from tests.conftest import admin_execute\n",
        "imports tests.conftest",
    ),
    "a conftest, relatively": (
        "tests/faults/test_soak.py",
        "from .conftest import coach_token\n",
        "imports tests.faults.conftest",
    ),
    "an imported name": (
        "tests/jobs/test_generation_jobs.py",
        "import datetime as dt\n\n\ndef test_x() -> None:\n    assert dt.datetime\n",
        "`assert dt.datetime` cannot fail",
    ),
    "a constant": (
        "tests/jobs/test_x.py",
        "def test_x() -> None:\n    assert True\n",
        "`assert True` cannot fail",
    ),
    "a tuple": (
        "tests/jobs/test_x.py",
        "def test_x(n: int) -> None:\n    assert (n == 2, 'two')\n",
        "cannot fail",
    ),
}


@pytest.mark.parametrize("path, source, expected", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_rule_is_found(path: str, source: str, expected: str) -> None:
    found = broken_rules(Path(path), source)
    assert any(expected in broken for broken in found), found


def test_plain_modules_and_real_asserts_pass() -> None:
    source = (
        "from tests.api_client import Api\nfrom tests.program_requests import create_program\n"
        "from . import ws_client\nimport datetime as dt\n\n\n"
        "def test_x(api: Api) -> None:\n    assert api.base_url\n    assert dt.datetime.now()\n"
        "    assert False, 'never here'\n"
    )
    assert broken_rules(Path("tests/api/test_x.py"), source) == []
