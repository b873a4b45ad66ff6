"""Live generation status: where the watcher starts (a snapshot or a replay), then each change.

On our WebSockets a subscription is handed to ``ctx.live``, which serves every identical one with
one execution per event; otherwise (no such socket) it is served here, one watcher at a time.
"""

from collections.abc import AsyncIterator

from resolvers.context import GraphQLInfo
from services.access.ownership import visible_program
from services.errors import DomainError, InvalidInput
from services.ids import parse_id
from services.live.generation_progress import GenerationProgress, ProgressTracker
from services.live.status_hub import ListenerDropped
from services.live.status_log import InvalidCursor, StatusEvent, parse_cursor
from services.live.status_watch import watch_program


class StreamInterrupted(DomainError):
    code = "STREAM_INTERRUPTED"


async def session_status_changed(
    info: GraphQLInfo, program_id: str, after: str | None
) -> AsyncIterator[StatusEvent]:
    ctx = info.context
    user = ctx.require_user()
    pid = parse_id(program_id, "programId")
    try:
        position = parse_cursor(after) if after is not None else None
    except InvalidCursor as exc:
        raise InvalidInput(str(exc), field="after") from None
    with ctx.subscriptions.slot(user.id):
        async with ctx.session_factory() as db:
            await visible_program(db, user, pid)
        try:
            if ctx.live is not None and await ctx.live.serve_status_events(info, pid, position):
                return  # served, once per event for every identical subscription, until it ended
            async with watch_program(ctx.hub, ctx.session_factory, pid, position) as watch:
                if watch.snapshot is not None:
                    for event in watch.snapshot.sessions:
                        yield event
                async for event in watch:
                    yield event
        except ListenerDropped as exc:
            raise StreamInterrupted(f"{exc}; subscribe again with after: <last cursor>") from None


async def program_generation_progress(
    info: GraphQLInfo, program_id: str
) -> AsyncIterator[GenerationProgress]:
    ctx = info.context
    user = ctx.require_user()
    pid = parse_id(program_id, "programId")
    with ctx.subscriptions.slot(user.id):
        async with ctx.session_factory() as db:
            await visible_program(db, user, pid)
        try:
            if ctx.live is not None and await ctx.live.serve_progress(info, pid):
                return
            async with watch_program(ctx.hub, ctx.session_factory, pid, None) as watch:
                assert watch.snapshot is not None
                tracker = ProgressTracker(watch.snapshot)
                yield tracker.progress
                if tracker.progress.finished:
                    return
                async for event in watch:
                    tracker.apply(event)
                    yield tracker.progress
                    if tracker.progress.finished:
                        return
        except ListenerDropped as exc:
            raise StreamInterrupted(f"{exc}; subscribe again") from None
