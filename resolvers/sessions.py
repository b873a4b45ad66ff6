"""Session queries, their exercises, and regeneration."""

from collections.abc import Sequence

from jobs.enqueue import enqueue_session_generation
from models import Microcycle, Movement, Session, SessionExercise
from resolvers.context import GraphQLInfo
from resolvers.ids import parse_id
from services.access import visible_session
from services.rate_limits import spend
from services.regeneration import reset_to_pending, sessions_to_regenerate
from services.status_events import StatusEventPublisher


async def session(info: GraphQLInfo, id: str) -> Session:
    ctx = info.context
    async with ctx.session_factory() as db:
        return await visible_session(db, ctx.require_user(), parse_id(id, "id"))


async def microcycle_sessions(info: GraphQLInfo, microcycle: Microcycle) -> list[Session]:
    return await info.context.loaders.sessions_by_microcycle.load(microcycle.id)


async def exercises(info: GraphQLInfo, session_id: int) -> list[SessionExercise]:
    return await info.context.loaders.exercises_by_session.load(session_id)


async def movement(info: GraphQLInfo, movement_id: int) -> Movement:
    found = await info.context.loaders.movement_by_id.load(movement_id)
    if found is None:  # RESTRICT on the foreign key makes this impossible short of corruption
        raise LookupError(f"movement {movement_id} of an exercise is missing")
    return found


async def regenerate(
    info: GraphQLInfo, program_id: str, session_ids: Sequence[str] | None, include_complete: bool
) -> list[Session]:
    """Reset the chosen sessions to PENDING, commit, publish, then enqueue their jobs."""
    ctx = info.context
    user = ctx.require_user()
    await spend(ctx.redis, user.id, "regenerateSessions", ctx.settings.rate_limit_per_minute)
    program = parse_id(program_id, "programId")
    ids = [parse_id(s, "sessionIds") for s in session_ids] if session_ids is not None else None
    async with ctx.session_factory() as db, db.begin():
        chosen = await sessions_to_regenerate(db, user, program, ids, include_complete)
        changes = await reset_to_pending(db, chosen)
    publish = StatusEventPublisher(ctx.redis, maxlen=ctx.settings.status_stream_maxlen)
    for change in changes:
        await publish(change)
    await enqueue_session_generation(ctx.arq, [s.id for s in chosen])
    return chosen
