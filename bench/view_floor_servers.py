"""The program view's floors, each served over HTTP by uvicorn in a process of its own.

``strawberry``: Strawberry executing the README's ProgramView over plain objects (dataclasses
holding programs loaded once from a JSON file: liftplan's own answers to that query), at
``POST /graphql``. ``json``: a starlette route reading the program with asyncpg (five queries, one
connection from a pool) and answering orjson JSON of the same shape, at ``GET /program/{id}``.
Both also answer ``GET /ping`` with a tiny body: the load generator's ceiling.

Run: .venv/bin/python -m bench.view_floor_servers {strawberry --data FILE | json --database-url URL} --port N
"""

import argparse
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from enum import Enum
from typing import Any

import asyncpg
import orjson
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from models import enums
from schema.enums import Equipment, Focus, GenerationStatus, Goal, Level, Pattern, Phase


async def ping(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


# --- floor (a): Strawberry over plain objects ----------------------------------------------------


@strawberry.type
class Movement:
    name: str
    pattern: Pattern
    equipment: list[Equipment]


@strawberry.type
class Exercise:
    position: int
    sets: int
    reps_min: int
    reps_max: int
    target_rpe: float | None
    target_percent1rm: int | None
    rest_seconds: int
    notes: str | None
    movement: Movement


@strawberry.type
class Session:
    id: strawberry.ID
    day_index: int
    scheduled_date: dt.date
    focus: Focus
    generation_status: GenerationStatus
    generation_error: str | None
    exercises: list[Exercise]


@strawberry.type
class Microcycle:
    index: int
    phase: Phase
    is_active: bool
    sessions: list[Session]


@strawberry.type
class Progress:
    total: int
    pending: int
    in_progress: int
    complete: int
    failed: int
    percent_complete: float
    finished: bool


@strawberry.type
class Program:
    id: strawberry.ID
    name: str
    goal: Goal
    level: Level
    days_per_week: int
    weeks: int
    generation_progress: Progress
    microcycles: list[Microcycle]


def load_program(raw: dict[str, Any]) -> Program:
    """liftplan's ProgramView answer (``data.program``) as plain objects."""

    def exercise(e: dict[str, Any]) -> Exercise:
        m = e["movement"]
        movement = Movement(
            name=m["name"],
            pattern=enums.Pattern[m["pattern"]],
            equipment=[enums.Equipment[q] for q in m["equipment"]],
        )
        return Exercise(
            position=e["position"], sets=e["sets"], reps_min=e["repsMin"], reps_max=e["repsMax"],
            target_rpe=e["targetRpe"], target_percent1rm=e["targetPercent1rm"],
            rest_seconds=e["restSeconds"], notes=e["notes"], movement=movement,
        )  # fmt: skip

    def session(s: dict[str, Any]) -> Session:
        return Session(
            id=s["id"], day_index=s["dayIndex"], scheduled_date=dt.date.fromisoformat(s["scheduledDate"]),
            focus=enums.Focus[s["focus"]], generation_status=enums.GenerationStatus[s["generationStatus"]],
            generation_error=s["generationError"], exercises=[exercise(e) for e in s["exercises"]],
        )  # fmt: skip

    p = raw["generationProgress"]
    progress = Progress(
        total=p["total"], pending=p["pending"], in_progress=p["inProgress"], complete=p["complete"],
        failed=p["failed"], percent_complete=p["percentComplete"], finished=p["finished"],
    )  # fmt: skip
    microcycles = [
        Microcycle(
            index=m["index"],
            phase=enums.Phase[m["phase"]],
            is_active=m["isActive"],
            sessions=[session(s) for s in m["sessions"]],
        )
        for m in raw["microcycles"]
    ]
    return Program(
        id=raw["id"], name=raw["name"], goal=enums.Goal[raw["goal"]], level=enums.Level[raw["level"]],
        days_per_week=raw["daysPerWeek"], weeks=raw["weeks"], generation_progress=progress,
        microcycles=microcycles,
    )  # fmt: skip


def strawberry_app(data_file: str) -> Starlette:
    with open(data_file) as f:
        loaded = {str(raw["id"]): load_program(raw) for raw in json.load(f)}

    @strawberry.type
    class Query:
        @strawberry.field
        def program(self, id: strawberry.ID) -> Program | None:
            return loaded.get(id)

    graphql = GraphQL(strawberry.Schema(query=Query), graphql_ide=None)
    return Starlette(routes=[Route("/ping", ping), Route("/graphql", graphql)])


# --- floor (b): asyncpg + orjson -----------------------------------------------------------------


def _name(enum_cls: type[Enum], value: str) -> str:
    return enum_cls(value).name


def json_app(database_url: str) -> Starlette:
    pools: list[asyncpg.Pool] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        pools.append(await asyncpg.create_pool(database_url, min_size=2, max_size=4))
        try:
            yield
        finally:
            await pools[0].close()

    async def program(request: Request) -> Response:
        program_id = int(request.path_params["id"])
        async with pools[0].acquire() as db:
            p = await db.fetchrow(
                "SELECT id, name, goal, level, days_per_week, weeks FROM programs WHERE id = $1", program_id
            )
            if p is None:
                return Response(orjson.dumps({"data": {"program": None}}), media_type="application/json")
            counts = dict(
                await db.fetch(
                    "SELECT generation_status::text, count(*) FROM sessions WHERE program_id = $1 GROUP BY 1",
                    program_id,
                )
            )
            weeks = await db.fetch(
                "SELECT id, index, phase, is_active FROM microcycles WHERE program_id = $1 ORDER BY index",
                program_id,
            )
            sessions = await db.fetch(
                "SELECT id, microcycle_id, day_index, scheduled_date, focus, generation_status::text, "
                "generation_error FROM sessions WHERE program_id = $1 ORDER BY microcycle_id, day_index",
                program_id,
            )
            exercises = await db.fetch(
                "SELECT e.session_id, e.position, e.sets, e.reps_min, e.reps_max, e.target_rpe::float8, "
                "e.target_percent_1rm, e.rest_seconds, e.notes, m.name, m.pattern, m.equipment "
                "FROM session_exercises e JOIN sessions s ON s.id = e.session_id "
                "JOIN movements m ON m.id = e.movement_id WHERE s.program_id = $1 "
                "ORDER BY e.session_id, e.position",
                program_id,
            )
        by_session: dict[int, list[dict[str, Any]]] = {}
        for e in exercises:
            by_session.setdefault(e[0], []).append(
                {
                    "position": e[1], "sets": e[2], "repsMin": e[3], "repsMax": e[4], "targetRpe": e[5],
                    "targetPercent1rm": e[6], "restSeconds": e[7], "notes": e[8],
                    "movement": {
                        "name": e[9], "pattern": _name(enums.Pattern, e[10]),
                        "equipment": [_name(enums.Equipment, q) for q in e[11]],
                    },
                }
            )  # fmt: skip
        by_week: dict[int, list[dict[str, Any]]] = {}
        for s in sessions:
            by_week.setdefault(s[1], []).append(
                {
                    "id": str(s[0]), "dayIndex": s[2], "scheduledDate": s[3],
                    "focus": _name(enums.Focus, s[4]), "generationStatus": s[5],
                    "generationError": s[6], "exercises": by_session.get(s[0], []),
                }
            )  # fmt: skip
        total = sum(counts.values())
        done = counts.get("COMPLETE", 0)
        failed = counts.get("FAILED", 0)
        body = {
            "data": {
                "program": {
                    "id": str(p[0]), "name": p[1], "goal": _name(enums.Goal, p[2]),
                    "level": _name(enums.Level, p[3]), "daysPerWeek": p[4], "weeks": p[5],
                    "generationProgress": {
                        "total": total, "pending": counts.get("PENDING", 0),
                        "inProgress": counts.get("IN_PROGRESS", 0), "complete": done, "failed": failed,
                        "percentComplete": 100.0 * done / total if total else 100.0,
                        "finished": done + failed == total,
                    },
                    "microcycles": [
                        {"index": w[1], "phase": _name(enums.Phase, w[2]), "isActive": w[3],
                         "sessions": by_week.get(w[0], [])}
                        for w in weeks
                    ],
                }
            }
        }  # fmt: skip
        return Response(orjson.dumps(body), media_type="application/json")

    return Starlette(
        routes=[Route("/ping", ping), Route("/program/{id:int}", program)],
        lifespan=lifespan,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=("strawberry", "json"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", help="strawberry: the program as liftplan answered ProgramView (JSON)")
    parser.add_argument("--database-url", help="json: the database to read from")
    args = parser.parse_args()
    app = strawberry_app(args.data) if args.mode == "strawberry" else json_app(args.database_url)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
