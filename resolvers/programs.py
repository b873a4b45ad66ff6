"""Program queries and mutations."""

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from models import Equipment, GenerationStatus, Goal, Level, Microcycle, Program, Role, Session
from resolvers.context import GraphQLInfo
from resolvers.loop_turns import pause
from services.access.ownership import visible_program
from services.adapters.redis_rate_limits import spend
from services.errors import Forbidden, InvalidInput
from services.ids import parse_id
from services.live.generation_progress import GenerationProgress
from services.programs import reads as program_reads
from services.programs.creation import ProgramSpec, create_program, validate_program_spec
from services.programs.repair import repair_program

DEFAULT_PAGE_SIZE = 20
CURSOR_PREFIX = "program:"


@dataclass(frozen=True)
class ProgramPage:
    programs: list[Program]
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(program_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{program_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(CURSOR_PREFIX):
            return parse_id(text.removeprefix(CURSOR_PREFIX), "after")
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput(f"not a cursor from this API: {cursor[:40]!r}", field="after")


async def program(info: GraphQLInfo, id: str) -> Program:
    ctx = info.context
    async with ctx.session_factory() as db:
        return await visible_program(db, ctx.require_user(), parse_id(id, "id"), field="id")


async def programs(info: GraphQLInfo, first: int, after: str | None) -> ProgramPage:
    ctx = info.context
    if not 1 <= first <= program_reads.MAX_PAGE_SIZE:
        raise InvalidInput(f"first must be 1 to {program_reads.MAX_PAGE_SIZE}", field="first")
    before_id = decode_cursor(after) if after is not None else None
    async with ctx.session_factory() as db:
        rows, has_next = await program_reads.program_page(db, ctx.require_user(), first, before_id)
    return ProgramPage(rows, has_next, encode_cursor(rows[-1].id) if rows else None)


async def create(
    info: GraphQLInfo,
    *,
    name: str,
    goal: Goal,
    level: Level,
    days_per_week: int,
    weeks: int,
    minutes_per_session: int,
    equipment: Sequence[Equipment],
    start_date: dt.date | None,
) -> Program:
    """Create the program with every session PENDING; its sessions are queued after the commit."""
    ctx = info.context
    user = ctx.require_user()
    spec = ProgramSpec(
        owner_id=user.id,
        name=name,
        goal=goal,
        level=level,
        days_per_week=days_per_week,
        weeks=weeks,
        minutes_per_session=minutes_per_session,
        equipment=frozenset(equipment),
        start_date=start_date or dt.date.today(),
    )
    validate_program_spec(spec)  # bad input costs no rate-limit slot
    await spend(
        ctx.redis, user.id, "createProgram", ctx.settings.rate_limit_per_minute, outage=ctx.units.queue_outage
    )
    async with ctx.units() as uow:
        return await create_program(uow, spec)


async def microcycles(info: GraphQLInfo, program: Program) -> list[Microcycle]:
    found = await info.context.loaders.microcycles_by_program.load(program.id)
    await pause(info.context.loaders)
    return found


async def sessions(info: GraphQLInfo, program: Program, status: GenerationStatus | None) -> list[Session]:
    found = await info.context.loaders.sessions_by_program.load((program.id, status))
    await pause(info.context.loaders)
    return found


async def generation_progress(info: GraphQLInfo, program_id: int) -> GenerationProgress:
    return GenerationProgress(await info.context.loaders.status_counts_by_program.load(program_id))


async def repair(info: GraphQLInfo, program_id: str) -> list[Session]:
    """Admin only: reset every session that is not generated to PENDING and queue them."""
    ctx = info.context
    if ctx.require_user().role is not Role.ADMIN:
        raise Forbidden("repairProgram is for admins")
    pid = parse_id(program_id, "programId")
    async with ctx.units() as uow:
        _plan, sessions = await repair_program(uow, pid)
    return sessions
