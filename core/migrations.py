"""Run alembic from code. Alembic's commands are synchronous and start their own event loop, so
async callers run them in a worker thread (``await asyncio.to_thread(upgrade, url)``)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revisions() -> frozenset[str]:
    """The revisions the code's migrations end at (one, unless branches are left unmerged)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())
