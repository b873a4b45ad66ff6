"""What ``bench.performance`` measures against: a database and Redis DB of its own, a real
``main.py serve`` (and ``main.py worker`` processes while programs are generated), users and
their tokens, and small helpers to talk GraphQL over the lean client's raw connections."""

import asyncio
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from arq.connections import RedisSettings
from redis.asyncio import Redis

from bench.common import BenchError, admin_execute, check_dedicated, with_database
from bench.http_load import Connection, get_request, post_request
from bench.watcher_processes import Service
from core.database import create_engine, create_session_factory
from core.embedded_redis import free_port
from core.migrations import upgrade
from models import Role
from services.access.users import create_user
from services.library.movement_library import seed_movement_library

HOST = "127.0.0.1"
TEST_REDIS_DBS = (11, 14, 15)
CREATE_PROGRAM = """mutation($i: CreateProgramInput!) {
  createProgram(input: $i) {
    ... on CreateProgramSuccess { program { id } }
    ... on CreateProgramError { code message }
  }
}"""


def program_input(name: str, weeks: int, days: int) -> dict[str, object]:
    return {
        "name": name,
        "goal": "HYPERTROPHY",
        "level": "INTERMEDIATE",
        "daysPerWeek": days,
        "weeks": weeks,
        "minutesPerSession": 60,
        "equipment": ["BARBELL", "DUMBBELL", "BENCH", "PULL_UP_BAR", "CABLE", "MACHINE"],
    }


@dataclass
class PerfEnv:
    database_url: str
    redis_url: str
    log_dir: Path
    port: int = 0
    tokens: dict[str, str] = field(default_factory=dict)  # account -> token
    user_ids: dict[str, int] = field(default_factory=dict)
    api: Service | None = None
    workers: list[Service] = field(default_factory=list)

    @property
    def name(self) -> str:
        if RedisSettings.from_dsn(self.redis_url).database in TEST_REDIS_DBS:
            raise BenchError(f"refusing to flush {self.redis_url}: the test suites use DBs 11, 14 and 15")
        return check_dedicated(self.database_url, self.redis_url)

    @property
    def dsn(self) -> str:
        return with_database(self.database_url, self.name)

    async def prepare(self, accounts: list[str]) -> None:
        """A fresh database (migrated, library seeded), an empty Redis DB, one coach per account."""
        name = self.name
        await admin_execute(
            self.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
        await asyncio.to_thread(upgrade, self.dsn)
        redis = Redis.from_url(self.redis_url)
        try:
            await redis.flushdb()
        finally:
            await redis.aclose()
        engine = create_engine(self.dsn, pool_size=1)
        try:
            async with create_session_factory(engine)() as db, db.begin():
                await seed_movement_library(db)
                for account in accounts:
                    user, token = await create_user(db, f"{account}@perf-bench.example", account, Role.COACH)
                    self.tokens[account], self.user_ids[account] = token, user.id
        finally:
            await engine.dispose()

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SERVE_WORKER"}}
        env.update(
            DATABASE_URL=self.dsn,
            REDIS_URL=self.redis_url,
            PORT=str(self.port),
            LOG_LEVEL="WARNING",
            RATE_LIMIT_PER_MINUTE="1000000",  # one user creates every program here
        )
        return env

    async def start_api(self, timeout_s: float = 60.0) -> None:
        self.port = free_port()
        self.api = Service(["main.py", "serve"], self.env(), self.log_dir / "api.log")
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                connection = await Connection.open(HOST, self.port)
                try:
                    status, _ = await connection.request(get_request(HOST, self.port, "/readyz"))
                finally:
                    await connection.close()
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.api.process.poll() is not None:
                raise BenchError(f"the API did not start within {timeout_s:g} s; see {self.api.log}")
            await asyncio.sleep(0.2)

    def start_workers(self, count: int) -> None:
        for n in range(count):
            self.workers.append(Service(["main.py", "worker"], self.env(), self.log_dir / f"worker-{n}.log"))

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.workers = []

    def stop(self) -> None:
        self.stop_workers()
        if self.api is not None:
            self.api.stop()
            self.api = None

    async def drop(self) -> None:
        redis = Redis.from_url(self.redis_url)
        try:
            await redis.flushdb()
        finally:
            await redis.aclose()
        await admin_execute(self.database_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def graphql_bytes(self, account: str, query: str, variables: Mapping[str, object] | None = None) -> bytes:
        body: dict[str, object] = {"query": query, "variables": variables or {}}
        return post_request(HOST, self.port, "/graphql", body, self.tokens[account])

    async def graphql(
        self, account: str, query: str, variables: dict[str, object] | None = None
    ) -> dict[str, Any]:
        connection = await Connection.open(HOST, self.port)
        try:
            async with asyncio.timeout(120):
                status, body = await connection.request(self.graphql_bytes(account, query, variables))
        finally:
            await connection.close()
        answer: dict[str, Any] = json.loads(body)
        if status != 200 or answer.get("errors"):
            raise BenchError(f"GraphQL answered {status}: {body[:500]!r}")
        return answer

    async def create_program(self, account: str, name: str, weeks: int, days: int) -> int:
        answer = await self.graphql(account, CREATE_PROGRAM, {"i": program_input(name, weeks, days)})
        result = answer["data"]["createProgram"]
        if "program" not in result:
            raise BenchError(f"createProgram failed: {result}")
        return int(result["program"]["id"])

    async def until_generated(self, timeout_s: float) -> None:
        """Until no session of any program is left to generate (those with jobs queued)."""
        connection = await asyncpg.connect(self.dsn)
        try:
            deadline = time.monotonic() + timeout_s
            while left := await connection.fetchval(
                "SELECT count(*) FROM sessions WHERE generation_status <> 'COMPLETE' AND program_id IN "
                "(SELECT id FROM programs WHERE owner_id = ANY($1::bigint[]))",
                list(self.generated_owners),
            ):
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"{left} sessions not generated after {timeout_s:g} s; see {self.log_dir}"
                    )
                await asyncio.sleep(0.5)
        finally:
            await connection.close()

    async def delete_programs(self, account: str, keep: Sequence[int] = ()) -> None:
        """Drop an account's programs but ``keep``: nothing generates what is not read later (the
        reconciler would pick up the floors' PENDING ones; queued jobs of the others find nothing)."""
        connection = await asyncpg.connect(self.dsn)
        try:
            await connection.execute(
                "DELETE FROM programs WHERE owner_id = $1 AND NOT id = ANY($2::bigint[])",
                self.user_ids[account],
                list(keep),
            )
        finally:
            await connection.close()

    @property
    def generated_owners(self) -> list[int]:
        """The accounts whose programs the workers generate (not the floors' account)."""
        return [uid for account, uid in self.user_ids.items() if account != "floor"]
