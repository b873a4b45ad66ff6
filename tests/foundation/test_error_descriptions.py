"""What a failure says about itself on a session, in events and in logs: no SQL, no values."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.adapters.outages import describe_error


async def test_a_driver_error_is_described_without_sql_or_the_value_sent(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as db:
        with pytest.raises(DBAPIError) as caught:
            await db.execute(text("SELECT CAST(:value AS integer) AS n"), {"value": "secret-token-42"})
    described = describe_error(caught.value)
    assert described.startswith("DataError: invalid input for query argument $1"), described
    assert "secret-token-42" not in described and "SELECT" not in described
