"""main.py commands given values they cannot use: an error naming them, exit 2, no traceback."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.cli.main_process import main_py
from tests.factories import make_program


async def test_show_program_refuses_a_week_the_program_does_not_have(
    database_url: str, redis_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as db, db.begin():
        program_id = (await make_program(db, weeks=12, days_per_week=3, name="Week test")).id

    for weeks in (["99"], ["0"], ["2", "13"]):
        args = [arg for week in weeks for arg in ("--week", week)]
        shown = main_py(database_url, redis_url, "show-program", str(program_id), *args)

        assert shown.returncode == 2, shown.stdout + shown.stderr
        assert shown.stdout == ""  # not even the header
        assert "error (INVALID_INPUT)" in shown.stderr and "its weeks are 1 to 12" in shown.stderr
        assert "Traceback" not in shown.stderr and "ERROR" not in shown.stderr

    shown = main_py(
        database_url, redis_url, "show-program", str(program_id), "--week", "12", "--width", "160"
    )
    assert shown.returncode == 0 and "Week 12 (" in shown.stdout, shown.stderr


async def test_create_user_refuses_text_postgresql_cannot_store(database_url: str, redis_url: str) -> None:
    # A byte that is not UTF-8 reaches Python's argv as a lone surrogate (surrogateescape).
    for args in (("--email", "coach\udcff@example.com"), ("--email", "c@example.com", "--name", "\udcff")):
        created = main_py(database_url, redis_url, "create-user", *args)

        assert created.returncode == 2, created.stdout + created.stderr
        assert "error (INVALID_INPUT)" in created.stderr and "lone surrogate" in created.stderr
        assert "Traceback" not in created.stderr
