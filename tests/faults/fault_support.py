"""What the fault tests share besides fixtures: the servers they own, a coach's token, every
session's status as PostgreSQL holds it, and a folder for the logs of the processes they run."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import create_session_factory
from models import Role
from services.access.users import create_user
from tests.servers import OwnPostgres, OwnRedis


@dataclass
class OwnServers:
    postgres: OwnPostgres
    redis: OwnRedis
    template: str


_coaches = iter(range(1, 10_000))


async def coach_token(engine: AsyncEngine) -> str:
    async with create_session_factory(engine)() as db, db.begin():
        _, token = await create_user(db, f"coach{next(_coaches)}@example.com", "Coach", Role.COACH)
    return token


async def statuses(engine: AsyncEngine, program_id: int) -> dict[int, str]:
    """Every session's status in PostgreSQL (empty while it is unreachable)."""
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id, generation_status::text FROM sessions WHERE program_id = :p"),
                {"p": program_id},
            )
            return {session_id: status for session_id, status in rows.all()}
    except Exception:
        return {}


def log_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir(exist_ok=True)
    return path
