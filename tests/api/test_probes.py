"""``/healthz`` says the process serves, whatever its dependencies do; ``/readyz`` says whether
PostgreSQL and Redis answer and the schema is at the code's head, without saying why not."""

import asyncio

from alembic.script import ScriptDirectory
from redis.asyncio import Redis

from core.migrations import alembic_config, head_revisions, upgrade
from core.settings import Settings
from tests.api_client import running_api

ALL_OK = {"database": "ok", "redis": "ok", "migrations": "ok"}


def revision_before_head() -> str:
    (head,) = head_revisions()
    down = ScriptDirectory.from_config(alembic_config("")).get_revision(head).down_revision
    assert isinstance(down, str)
    return down


async def test_ready_when_all_is_well(api_settings: Settings, redis: Redis) -> None:
    async with running_api(api_settings) as api:
        ready = await api.client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ok" and ready.json()["checks"] == ALL_OK
        health = await api.client.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}


async def test_readyz_reports_an_unreachable_database_as_503(api_settings: Settings, redis: Redis) -> None:
    broken = api_settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/nowhere"})
    async with running_api(broken) as api:
        response = await api.client.get("/readyz")
        body = response.json()
        assert response.status_code == 503 and body["status"] == "unavailable"
        assert body["checks"] == {"database": "unavailable", "redis": "ok", "migrations": "unavailable"}
        assert body["database"]["ok"] is False and "error" not in body["database"]  # the reason is logged
        assert "127.0.0.1" not in response.text and "nowhere" not in response.text
        assert (await api.client.get("/healthz")).status_code == 200  # alive: a restart would not help


async def test_readyz_is_503_until_migrations_reach_head(
    empty_database_url: str, redis_url: str, redis: Redis
) -> None:
    older = revision_before_head()
    await asyncio.to_thread(upgrade, empty_database_url, older)
    async with running_api(Settings(database_url=empty_database_url, redis_url=redis_url)) as api:
        behind = await api.client.get("/readyz")
        assert behind.status_code == 503 and behind.json()["status"] == "unavailable"
        assert behind.json()["checks"] == {"database": "ok", "redis": "ok", "migrations": "behind"}
        assert older not in behind.text  # revisions are for the log too
        assert (await api.client.get("/healthz")).status_code == 200

        await asyncio.to_thread(upgrade, empty_database_url)  # `main.py migrate`, while it runs
        ready = await api.client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == ALL_OK
