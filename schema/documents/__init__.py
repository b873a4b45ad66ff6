"""GraphQL documents liftplan shows as its examples, one copy each: the README shows them (a test
checks the README's copy), GraphiQL opens on the program view, the benchmarks and tests send it."""

from pathlib import Path

DOCUMENTS_DIR = Path(__file__).resolve().parent


def _document(name: str) -> str:
    return (DOCUMENTS_DIR / name).read_text(encoding="utf-8")


PROGRAM_VIEW = _document("program_view.graphql")
"""The front end's program view: a program with its progress, weeks, sessions and exercises in
one request."""
