"""``/metrics`` of the API and of a real worker process, in Prometheus' text format, after a program
is generated: the names operators will graph and their values."""

import json
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from core.embedded_redis import free_port
from core.settings import Settings
from tests.api_client import Api, running_api
from tests.processes import service_env, worker_process
from tests.program_requests import create_program
from tests.waiting import eventually

PROGRESS = "query Progress($id: ID!) { program(id: $id) { generationProgress { finished complete } } }"
WATCH = "subscription Watch($p: ID!) { programGenerationProgress(programId: $p) { total } }"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_api_and_worker_metrics_after_a_generated_program(
    api: Api, api_settings: Settings, token: str, library: None, tmp_path: Path
) -> None:
    program_id = await create_program(api, token, weeks=2, daysPerWeek=3)  # 6 sessions, operation "Create"
    before = await scrape(f"{api.base_url}/metrics")
    assert before[("liftplan_queue_depth", ())] == 6
    assert before[("liftplan_sessions", (("status", "PENDING"),))] == 6
    assert before[("liftplan_sessions", (("status", "COMPLETE"),))] == 0
    assert before[("liftplan_graphql_request_duration_seconds_count", (("operation", "Create"),))] == 1
    assert ("liftplan_status_events_total", (("stage", "written"),)) in before

    port = free_port()
    assert api_settings.database_url and api_settings.redis_url
    env = service_env(
        api_settings.database_url, api_settings.redis_url, worker_metrics_port=port, worker_poll_delay_s=0.01
    )
    worker = worker_process("worker", env, tmp_path).start()
    try:

        async def finished() -> bool:
            body = await api.graphql(PROGRESS, {"id": program_id}, token)
            return bool(body["data"]["program"]["generationProgress"]["finished"])

        await eventually(finished, timeout=60, what="the program generated")

        async def worker_counted() -> dict[tuple[str, tuple[tuple[str, str], ...]], float] | None:
            try:
                found = await scrape(f"http://127.0.0.1:{port}/metrics")
            except httpx.TransportError:
                return None
            return found if found[("liftplan_jobs_total", (("outcome", "succeeded"),))] == 6 else None

        seen = await eventually(worker_counted, timeout=30, what="the worker's metrics")
    finally:
        assert worker.stop() == 0
    assert seen[("liftplan_jobs_total", (("outcome", "started"),))] == 6
    for outcome in ("failed", "retried", "interrupted"):
        assert seen[("liftplan_jobs_total", (("outcome", outcome),))] == 0
    assert seen[("liftplan_job_duration_seconds_count", (("outcome", "succeeded"),))] == 6
    assert seen[("liftplan_job_duration_seconds_sum", (("outcome", "succeeded"),))] > 0
    assert seen[("liftplan_queue_depth", ())] == 0
    assert seen[("liftplan_status_events_total", (("stage", "written"),))] == 12  # IN_PROGRESS, COMPLETE
    assert seen[("liftplan_status_events_total", (("stage", "relayed"),))] >= 1
    for action in ("requeued", "released", "failed"):
        assert seen[("liftplan_reconciler_actions_total", (("action", action),))] == 0

    async def census_complete() -> bool:  # the census is cached for a few seconds
        after = await scrape(f"{api.base_url}/metrics")
        return after[("liftplan_sessions", (("status", "COMPLETE"),))] == 6

    await eventually(census_complete, timeout=20, what="6 COMPLETE sessions in /metrics")


async def test_open_sockets_and_live_subscriptions_are_gauges(api: Api, token: str) -> None:
    program_id = await create_program(api, token, weeks=1, daysPerWeek=1)
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": WATCH, "variables": {"p": program_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        assert json.loads(await ws.recv())["type"] == "next"
        live = await scrape(f"{api.base_url}/metrics")
        assert live[("liftplan_open_websockets", ())] == 1
        assert live[("liftplan_live_subscriptions", ())] == 1

    async def closed() -> bool:
        after = await scrape(f"{api.base_url}/metrics")
        return (
            after[("liftplan_open_websockets", ())] == 0 and after[("liftplan_live_subscriptions", ())] == 0
        )

    await eventually(closed, timeout=10, what="the socket gone from /metrics")


async def test_operation_names_are_a_bounded_label(api_settings: Settings, token: str, redis: Redis) -> None:
    async with running_api(api_settings.model_copy(update={"metrics_max_operations": 2})) as api:
        for name in ("First", "Second", "Third", "Fourth"):
            await api.graphql(f"query {name} {{ viewer {{ email }} }}", token=token)
        await api.graphql("{ viewer { email } }", token=token)
        await api.graphql("query First { viewer { email } }", token=token)
        found = await scrape(f"{api.base_url}/metrics")
    counts = {
        dict(labels)["operation"]: value
        for (name, labels), value in found.items()
        if name == "liftplan_graphql_request_duration_seconds_count"
    }
    assert counts == {"First": 2, "Second": 1, "other": 2, "anonymous": 1}
