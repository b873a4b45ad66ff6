"""Settings for real arq workers on the test Redis, against the per-test database."""

import pytest

from core.settings import Settings


@pytest.fixture
def job_settings(database_url: str, redis_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        generation_retry_base_s=0.05,
        generation_retry_max_s=0.2,
        generation_timeout_s=10,
        worker_poll_delay_s=0.01,
    )
