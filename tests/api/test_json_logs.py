"""``LIFTPLAN_LOG_FORMAT=json``: real ``serve`` and ``worker`` processes log one JSON object per
line, and the records of a request or a job carry its identity as fields."""

import json
import re
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Role
from services.access.users import create_user
from tests.processes import ApiProcess, service_env, worker_process
from tests.program_requests import CREATE_PROGRAM, program_input
from tests.waiting import eventually

PROGRESS = "query Progress($id: ID!) { program(id: $id) { generationProgress { finished } } }"
TEXT_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")


def records(log: str) -> list[dict[str, object]]:
    """Every log record of a process's output; anything else there is ``print``ed (the banner)."""
    assert not [line for line in log.splitlines() if TEXT_RECORD.match(line)], "a text record"
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


async def test_json_logs_carry_request_and_job_fields(
    database_url: str,
    redis_url: str,
    redis: object,
    library: None,
    session_factory: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    async with session_factory() as db, db.begin():
        _, token = await create_user(db, "json@example.com", "JSON", Role.COACH)
    env = service_env(database_url, redis_url, liftplan_log_format="json", log_level="DEBUG")
    api = ApiProcess("api", env, tmp_path).start()
    worker = worker_process("worker", env, tmp_path)
    try:
        api.wait_ready()
        worker.start()
        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=api.base_url, timeout=30, headers=auth) as client:
            create = {"query": CREATE_PROGRAM, "variables": {"input": program_input(weeks=1, daysPerWeek=2)}}
            created = await client.post("/graphql", json=create, headers={"X-Request-ID": "create-1"})
            assert created.headers["x-request-id"] == "create-1"
            program_id = created.json()["data"]["createProgram"]["program"]["id"]
            fresh = await client.get("/healthz")
            assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])  # one of its own

            async def finished() -> bool:
                body = await client.post(
                    "/graphql", json={"query": PROGRESS, "variables": {"id": program_id}}
                )
                return bool(body.json()["data"]["program"]["generationProgress"]["finished"])

            await eventually(finished, timeout=60, what="the program generated")
            rest = await client.post(
                f"/programs/{program_id}/regenerate-sessions", json={}, headers={"X-Request-ID": "rest-1"}
            )
            assert rest.status_code == 200
    finally:
        assert worker.stop() == 0
        assert api.stop() == 0  # SIGTERM: a clean stop (cli/announcing_server.py)

    api_records = records(api.log())
    assert api_records and all({"time", "level", "logger", "message"} <= set(r) for r in api_records)
    assert any(
        r.get("request_id") == "create-1" and "POST /graphql 200" in str(r["message"]) for r in api_records
    )
    assert any(
        r.get("request_id") == "rest-1" and r.get("program_id") == int(program_id) for r in api_records
    )
    assert not [
        r for r in api_records if str(r["logger"]).startswith(("uvicorn", "arq")) and r["level"] == "INFO"
    ]

    job_records = [r for r in records(worker.log()) if "job_id" in r]
    sessions = {r["session_id"] for r in job_records}
    assert len(sessions) == 2, job_records
    for record in job_records:
        assert record["job_id"] == f"generate-session:{record['session_id']}" and record["attempt"] == 1
    assert any(str(r["message"]).startswith("job ended: COMPLETE") for r in job_records)
