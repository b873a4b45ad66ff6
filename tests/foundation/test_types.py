"""The code type-checks: mypy with Strawberry's and pydantic's plugins, configured in pyproject.toml
(`[tool.mypy]`), is clean over everything it names, and that configuration does catch what it is
there to catch (a wrong type, an untyped function, an ignore without a code or without a need)."""

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A cold run checks ~300 modules and the libraries they import (about a minute on a busy machine).
MYPY_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mypy's cache for this run, under the base temporary directory: never in the repository, and
    shared by every check here, so only the first one is cold."""
    return tmp_path_factory.getbasetemp() / "mypy-cache"


def mypy(cache_dir: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    """``python -m mypy`` from the repository root with its pyproject.toml configuration; the
    configured files unless ``paths`` name others."""
    config = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(cache_dir)]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *config, "--no-color-output", "--no-error-summary", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=MYPY_TIMEOUT_S,
    )


@pytest.mark.timeout(MYPY_TIMEOUT_S)
def test_mypy_finds_nothing_in_the_configured_files(cache_dir: Path) -> None:
    started = time.monotonic()
    result = mypy(cache_dir)
    print(f"mypy took {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"


BAD_SNIPPETS = {
    "return-value": """
        def name(number: int) -> str:
            return number
    """,
    "no-untyped-def": """
        def twice(value):
            return value * 2
    """,
    "ignore-without-code": """
        count: int = "three"  # type: ignore
    """,
    "unused-ignore": """
        count: int = 3  # type: ignore[assignment]
    """,
    # Strawberry's plugin (and its dataclass transform) type the generated __init__.
    "call-arg": """
        import strawberry

        @strawberry.type
        class Week:
            index: int

        Week(index=1, phase="deload")
    """,
    # The project's own code is checked against: a resolver's context has no such attribute.
    "attr-defined": """
        from resolvers.context import Context

        def settings_of(context: Context) -> object:
            return context.settings_that_do_not_exist
    """,
}


IGNORE = re.compile(r"# type: ignore\[[^\]]+\](.*)$")


def unexplained_ignores(source: str) -> list[int]:
    """The lines of ``source`` whose ``# type: ignore[...]`` has no reason: a comment after it on
    the same line or a comment line just above."""
    lines = source.splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        ignore = IGNORE.search(line)
        above = lines[number - 2].strip() if number > 1 else ""
        if ignore and not ignore.group(1).strip().startswith("#") and not above.startswith("#"):
            found.append(number)
    return found


def test_every_type_ignore_says_why() -> None:
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        # Not into hidden directories: .venv, the data directories .liftplan*, caches.
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        files += [Path(folder) / name for name in names if name.endswith(".py")]
    missing = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(files)
        if path != Path(__file__)
        for number in unexplained_ignores(path.read_text())
    ]
    assert not missing, "a `# type: ignore[...]` without its reason (a comment after it or above):\n" + (
        "\n".join(missing)
    )


def test_an_ignore_without_a_reason_is_found() -> None:
    source = "\n".join(
        [
            "x = f()  # type: ignore[misc]",
            "# why",
            "y = g()  # type: ignore[misc]",
            "z = h()  # type: ignore[misc]  # why",
        ]
    )
    assert unexplained_ignores(source) == [1]


@pytest.mark.timeout(MYPY_TIMEOUT_S)
@pytest.mark.parametrize("code", sorted(BAD_SNIPPETS))
def test_mypy_reports_a_mistake_of_each_kind(code: str, cache_dir: Path, tmp_path: Path) -> None:
    snippet = tmp_path / f"bad_{code.replace('-', '_')}.py"
    snippet.write_text(textwrap.dedent(BAD_SNIPPETS[code]))
    result = mypy(cache_dir, str(snippet))
    assert result.returncode == 1, f"mypy passed a snippet with a {code} mistake:\n{result.stdout}"
    assert f"[{code}]" in result.stdout, result.stdout
