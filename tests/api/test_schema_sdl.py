"""The committed schema.graphql is what the code serves: a stale file fails here."""

from schema.root import SDL_PATH, export_sdl


def test_committed_sdl_matches_the_code() -> None:
    assert SDL_PATH.exists(), "run: .venv/bin/liftplan export-schema"
    assert SDL_PATH.read_text() == export_sdl(), "stale: run .venv/bin/liftplan export-schema"
