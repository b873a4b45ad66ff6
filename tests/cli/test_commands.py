"""The admin commands of main.py, run as a person would: subprocesses against real servers."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import User
from services.access.users import user_for_token
from services.unit_of_work import UnitOfWorkFactory
from tests.cli.main_process import ROOT, main_py
from tests.factories import make_program
from tests.generating import generate_all_program_sessions

FREE_EXERCISE_SAMPLE = ROOT / "tests/movements/data/small_exercises.json"


async def test_create_user_prints_a_token_once_and_revoke_disables_it(
    database_url: str, redis_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    created = main_py(
        database_url, redis_url, "create-user", "--email", "Coach@Example.com", "--role", "coach"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.split("token (shown once): ")[1].strip()
    async with session_factory() as db:
        user = await user_for_token(db, token)
        assert user is not None and user.email == "coach@example.com"
        stored = await db.scalar(select(User.api_token_hash).where(User.id == user.id))
        assert stored is not None and token not in stored

    again = main_py(database_url, redis_url, "create-user", "--email", "coach@example.com")
    assert again.returncode == 2 and "exists already" in again.stderr

    revoked = main_py(database_url, redis_url, "revoke-token", "--email", "coach@example.com")
    assert revoked.returncode == 0
    async with session_factory() as db:
        assert await user_for_token(db, token) is None
    unknown = main_py(database_url, redis_url, "revoke-token", "--email", "nobody@example.com")
    assert unknown.returncode == 2 and "NOT_FOUND" in unknown.stderr


async def test_show_program_prints_each_week_as_a_table(
    database_url: str,
    redis_url: str,
    session_factory: async_sessionmaker[AsyncSession],
    units: UnitOfWorkFactory,
    library: None,
) -> None:
    async with session_factory() as db, db.begin():
        program_id = (await make_program(db, weeks=2, days_per_week=3, name="Table test")).id
    await generate_all_program_sessions(units, program_id)

    shown = main_py(database_url, redis_url, "show-program", str(program_id), "--week", "2", "--width", "160")

    assert shown.returncode == 0, shown.stderr
    assert f"Program {program_id}: Table test" in shown.stdout
    assert "Week 2 (" in shown.stdout and "Week 1 (" not in shown.stdout
    assert shown.stdout.count("COMPLETE") == 3
    # The week's summary for a coach (issue 15): sets per major muscle, push:pull, intensity.
    summary = " ".join(shown.stdout.split())
    assert "Week 2: sets per muscle: chest" in summary and "push:pull" in summary
    assert "average intensity:" in summary
    missing = main_py(database_url, redis_url, "show-program", "999999")
    assert missing.returncode == 2 and "program 999999 does not exist" in missing.stderr


async def test_seed_and_import_movements(database_url: str, redis_url: str) -> None:
    seeded = main_py(database_url, redis_url, "seed")
    assert seeded.returncode == 0 and "351 inserted" in seeded.stdout, seeded.stdout + seeded.stderr
    imported = main_py(database_url, redis_url, "import-movements", str(FREE_EXERCISE_SAMPLE), "-v")
    assert imported.returncode == 0, imported.stderr
    assert "unknown values:" in imported.stdout and "skipped" in imported.stdout
    garbage = main_py(database_url, redis_url, "import-movements", str(ROOT / "pyproject.toml"))
    assert (
        garbage.returncode == 2 and "not a JSON file" in garbage.stderr and "Traceback" not in garbage.stderr
    )
    absent = main_py(database_url, redis_url, "import-movements", "/no/such/file.json")
    assert absent.returncode == 2 and "No such file" in absent.stderr
