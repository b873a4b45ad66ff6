"""Databases on a test PostgreSQL server: the URL of another database on it, and statements run
as its administrator (creating, cloning and dropping databases cannot run inside one)."""

import asyncpg
from sqlalchemy.engine import make_url


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database (plain ``postgresql://`` form)."""
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def admin_execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(with_database(url, "postgres"))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
