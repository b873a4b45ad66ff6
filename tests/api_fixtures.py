"""Fixtures for tests of the API over real HTTP: its settings, the app running per test, and users
with tokens. A pytest plugin (the root conftest lists it), so every test package has them."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from models import Role
from services.access.users import create_user
from tests.api_client import Api, UserMaker, running_api


@pytest.fixture
def api_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        generation_retry_base_s=0.05,
        worker_poll_delay_s=0.01,
    )


@pytest.fixture
async def api(api_settings: Settings, redis: object) -> AsyncIterator[Api]:
    async with running_api(api_settings) as api:
        yield api


@pytest.fixture
def make_token(session_factory: async_sessionmaker[AsyncSession]) -> UserMaker:
    """Create a user and return their API token."""
    counter = iter(range(1, 10_000))

    async def make(role: Role = Role.COACH) -> str:
        async with session_factory() as db, db.begin():
            _, token = await create_user(db, f"api{next(counter)}@example.com", "API user", role)
        return token

    return make


@pytest.fixture
async def token(make_token: UserMaker) -> str:
    return await make_token()
