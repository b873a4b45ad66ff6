"""Live generation progress: the current state from PostgreSQL first, then each change."""

from collections.abc import AsyncIterator

from resolvers.context import GraphQLInfo
from resolvers.ids import parse_id
from services.access import visible_program
from services.errors import DomainError, InvalidInput
from services.generation_progress import GenerationProgress, current_state, generation_progress
from services.status_events import InvalidCursor, StatusEvent, cursor_is_resumable, latest_cursor
from services.status_hub import ListenerDropped


class StreamInterrupted(DomainError):
    code = "STREAM_INTERRUPTED"


async def session_status_changed(
    info: GraphQLInfo, program_id: str, after: str | None
) -> AsyncIterator[StatusEvent]:
    ctx = info.context
    user = ctx.require_user()
    pid = parse_id(program_id, "programId")
    with ctx.subscriptions.slot(user.id):
        async for event in _session_events(info, pid, after):
            yield event


async def _session_events(info: GraphQLInfo, pid: int, after: str | None) -> AsyncIterator[StatusEvent]:
    ctx = info.context
    async with ctx.session_factory() as db:
        await visible_program(db, ctx.require_user(), pid)
        try:
            resumable = after is not None and await cursor_is_resumable(
                ctx.redis, pid, after, maxlen=ctx.settings.status_stream_maxlen
            )
        except InvalidCursor as exc:
            raise InvalidInput(str(exc), field="after") from None
        if resumable:
            cursor = after
        else:  # no cursor, or one the stream no longer reaches: start from a fresh snapshot
            cursor, snapshot = await current_state(db, ctx.redis, pid)
    if not resumable:
        for event in snapshot:
            yield event
    try:
        async for event in ctx.hub.listen(pid, cursor):
            yield event
    except ListenerDropped as exc:
        raise StreamInterrupted(f"{exc}; subscribe again with after: <last cursor>") from None


async def program_generation_progress(
    info: GraphQLInfo, program_id: str
) -> AsyncIterator[GenerationProgress]:
    ctx = info.context
    pid = parse_id(program_id, "programId")
    async with ctx.session_factory() as db:
        await visible_program(db, ctx.require_user(), pid)
        cursor = await latest_cursor(ctx.redis, pid)
        progress = await generation_progress(db, pid)
    yield progress
    if progress.finished:
        return
    try:
        async for _event in ctx.hub.listen(pid, cursor):
            async with ctx.session_factory() as db:
                progress = await generation_progress(db, pid)
            yield progress
            if progress.finished:
                return
    except ListenerDropped as exc:
        raise StreamInterrupted(f"{exc}; subscribe again") from None
