"""The legacy story: a database at 0001 holding broken program 265, migrated to head."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cli.legacy_demo import load_legacy_story
from core.database import create_engine
from core.migrations import upgrade


@pytest.fixture
async def legacy_database_url(empty_database_url: str) -> str:
    await asyncio.to_thread(upgrade, empty_database_url, "0001")
    await load_legacy_story(empty_database_url)
    return empty_database_url


@pytest.fixture
async def legacy_engine(legacy_database_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, legacy_database_url, "head")
    engine = create_engine(legacy_database_url, pool_size=3)
    yield engine
    await engine.dispose()
