"""Session queries, their exercises, and regeneration."""

from collections.abc import Awaitable, Sequence

from models import Microcycle, Movement, Session, SessionExercise
from resolvers.context import GraphQLInfo
from resolvers.loop_turns import pause
from services.access.ownership import visible_session
from services.adapters.redis_rate_limits import spend
from services.ids import parse_id
from services.programs.regeneration import check_session_ids, regenerate_sessions


async def session(info: GraphQLInfo, id: str) -> Session:
    ctx = info.context
    async with ctx.session_factory() as db:
        return await visible_session(db, ctx.require_user(), parse_id(id, "id"), field="id")


async def microcycle_sessions(info: GraphQLInfo, microcycle: Microcycle) -> list[Session]:
    found = await info.context.loaders.sessions_by_microcycle.load(microcycle.id)
    await pause(info.context.loaders)
    return found


async def exercises(info: GraphQLInfo, session_id: int) -> list[SessionExercise]:
    found = await info.context.loaders.exercises_by_session.load(session_id)
    await pause(info.context.loaders)
    return found


async def exercise_count(info: GraphQLInfo, session_id: int) -> int:
    found = await info.context.loaders.exercise_count_by_session.load(session_id)
    await pause(info.context.loaders)
    return found


def movement(info: GraphQLInfo, movement_id: int) -> Movement | Awaitable[Movement]:
    """The movement at once when the request holds it already (the program view always does),
    else an awaitable loading it."""
    known = info.context.loaders.loaded_movement(movement_id)
    return known if known is not None else _load_movement(info, movement_id)


async def _load_movement(info: GraphQLInfo, movement_id: int) -> Movement:
    found = await info.context.loaders.movement_by_id.load(movement_id)
    if found is None:  # RESTRICT on the foreign key makes this impossible short of corruption
        raise LookupError(f"movement {movement_id} of an exercise is missing")
    return found


async def regenerate(
    info: GraphQLInfo, program_id: str, session_ids: Sequence[str] | None, include_complete: bool
) -> list[Session]:
    ctx = info.context
    user = ctx.require_user()
    pid = parse_id(program_id, "programId")
    ids = [parse_id(s, "sessionIds") for s in session_ids] if session_ids is not None else None
    check_session_ids(ids)
    await spend(
        ctx.redis,
        user.id,
        "regenerateSessions",
        ctx.settings.rate_limit_per_minute,
        outage=ctx.units.queue_outage,
    )
    async with ctx.units() as uow:
        return await regenerate_sessions(uow, user, pid, ids, include_complete)
