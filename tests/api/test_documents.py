"""The example documents of ``schema.documents`` are valid against the served schema, and the
README shows them as they are."""

from pathlib import Path

from graphql import parse, validate

from core.settings import Settings
from schema.documents import PROGRAM_VIEW
from schema.root import build_schema

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_program_view_is_valid_against_the_schema() -> None:
    assert validate(build_schema(Settings())._schema, parse(PROGRAM_VIEW)) == []


def test_the_readme_shows_the_program_view_as_it_is() -> None:
    assert f"```graphql\n{PROGRAM_VIEW}```\n" in README.read_text(encoding="utf-8"), (
        "README's ProgramView differs from schema/documents/program_view.graphql"
    )
