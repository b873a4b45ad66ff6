"""Programs, their weeks, creation, progress and the live progress stream."""

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

import strawberry

from models import Microcycle as MicrocycleRow
from models import Program as ProgramRow
from models.enums import GenerationStatus as Status
from resolvers import programs as resolve
from resolvers import sessions as resolve_sessions
from resolvers import subscriptions
from resolvers.context import GraphQLInfo
from schema.enums import Equipment, GenerationStatus, Goal, Level, Phase
from schema.errors import subscription_error
from schema.mutation_errors import ErrorCode, UserError, mutation_error
from schema.sessions import Session
from services.live.generation_progress import GenerationProgress as Progress
from services.programs.creation import (
    MAX_DAYS,
    MAX_MINUTES,
    MAX_NAME_LENGTH,
    MAX_WEEKS,
    MIN_DAYS,
    MIN_MINUTES,
    MIN_WEEKS,
    START_DATE_YEARS,
)
from services.programs.reads import MAX_PAGE_SIZE


@strawberry.type(description="How far generation has come: sessions counted per status.")
class GenerationProgress:
    @strawberry.field(description="Sessions in the program; the four counts below add up to it.")
    def total(self: Progress) -> int:
        return self.total

    @strawberry.field(description="Sessions PENDING: queued, not started.")
    def pending(self: Progress) -> int:
        return self.count(Status.PENDING)

    @strawberry.field(description="Sessions IN_PROGRESS: being generated now.")
    def in_progress(self: Progress) -> int:
        return self.count(Status.IN_PROGRESS)

    @strawberry.field(description="Sessions COMPLETE: generated.")
    def complete(self: Progress) -> int:
        return self.count(Status.COMPLETE)

    @strawberry.field(description="Sessions FAILED: generation gave up (see Session.generationError).")
    def failed(self: Progress) -> int:
        return self.count(Status.FAILED)

    @strawberry.field(
        description="COMPLETE sessions as a percentage of all sessions, 0.0 to 100.0, one decimal."
    )
    def percent_complete(self: Progress) -> float:
        return round(self.percent_complete, 1)

    @strawberry.field(
        description="True when no session is PENDING or IN_PROGRESS (every one COMPLETE or FAILED)."
    )
    def finished(self: Progress) -> bool:
        return self.finished


@strawberry.type(description="One week of a program.")
class Microcycle:
    id: strawberry.ID = strawberry.field(description="The week's id.")
    index: int = strawberry.field(description="Week number, from 1.")
    phase: Phase = strawberry.field(description="The week's training phase.")
    is_active: bool = strawberry.field(description="True for week 1, the week a new program starts in.")

    @strawberry.field(description="The week's sessions in calendar order (dayIndex 1 first).")
    async def sessions(self: MicrocycleRow, info: GraphQLInfo) -> list[Session]:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve_sessions.microcycle_sessions(info, self)  # type: ignore[return-value]


@strawberry.type(description="A generated training program.")
class Program:
    id: strawberry.ID = strawberry.field(description="The program's id.")
    name: str = strawberry.field(description="The name its owner gave it.")
    goal: Goal = strawberry.field(description="What it trains for.")
    level: Level = strawberry.field(description="The experience it is written for.")
    days_per_week: int = strawberry.field(
        description=f"Training days in each week, {MIN_DAYS} to {MAX_DAYS}."
    )
    weeks: int = strawberry.field(description=f"How many weeks it lasts, {MIN_WEEKS} to {MAX_WEEKS}.")
    minutes_per_session: int = strawberry.field(
        description=f"Target length of each session in minutes, {MIN_MINUTES} to {MAX_MINUTES}."
    )
    start_date: dt.date = strawberry.field(description="The date of the first session of week 1.")
    created_at: dt.datetime = strawberry.field(description="When it was created, with its UTC offset.")

    @strawberry.field(
        description="The equipment available to it, in name order; BODYWEIGHT counts even when not listed."
    )
    def equipment(self: ProgramRow) -> list[Equipment]:
        return [Equipment(e) for e in self.equipment]

    @strawberry.field(description="Its weeks in order, week 1 first.")
    async def microcycles(self: ProgramRow, info: GraphQLInfo) -> list[Microcycle]:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.microcycles(info, self)  # type: ignore[return-value]

    @strawberry.field(
        description="Every session in calendar order (scheduledDate, then dayIndex), or those in ``status``."
    )
    async def sessions(
        self: ProgramRow,
        info: GraphQLInfo,
        status: Annotated[
            GenerationStatus | None,
            strawberry.argument(description="Only sessions in this status; null for every session."),
        ] = None,
    ) -> list[Session]:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.sessions(info, self, status)  # type: ignore[return-value]

    @strawberry.field(description="How many of its sessions are in each generation status now.")
    async def generation_progress(self: ProgramRow, info: GraphQLInfo) -> GenerationProgress:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.generation_progress(info, self.id)  # type: ignore[return-value]


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when more programs follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Pass as ``after`` for the next page; null when the page is empty."
    )


@strawberry.type(description="Programs newest first; pass ``pageInfo.endCursor`` as ``after`` for more.")
class ProgramConnection:
    nodes: list[Program] = strawberry.field(description="This page's programs, newest first.")
    page_info: PageInfo = strawberry.field(description="How to ask for the next page.")


@strawberry.input(description="What a new program is made of; each field out of range is an INVALID_INPUT.")
class CreateProgramInput:
    name: str = strawberry.field(
        description=f"1 to {MAX_NAME_LENGTH} characters; spaces around it are dropped."
    )
    goal: Goal = strawberry.field(description="What it trains for.")
    level: Level = strawberry.field(description="The athlete's experience; limits which movements are used.")
    days_per_week: int = strawberry.field(
        description=f"Training days in each week, {MIN_DAYS} to {MAX_DAYS}."
    )
    weeks: int = strawberry.field(description=f"How many weeks, {MIN_WEEKS} to {MAX_WEEKS}.")
    minutes_per_session: int = strawberry.field(
        description=f"Target length of each session in minutes, {MIN_MINUTES} to {MAX_MINUTES}."
    )
    equipment: list[Equipment] = strawberry.field(description="Available equipment; bodyweight is implied.")
    start_date: dt.date | None = strawberry.field(
        default=None,
        description=(
            f"The first training day, within {START_DATE_YEARS} years of today; null or left out: today."
        ),
    )


@strawberry.type(description="The program was created; every session is PENDING, queued for generation.")
class CreateProgramSuccess:
    program: Program = strawberry.field(
        description="The new program; follow its generation with programGenerationProgress."
    )


@mutation_error("Why createProgram created nothing.")
class CreateProgramError(UserError):
    codes = (ErrorCode.INVALID_INPUT,)


CreateProgramResult = Annotated[
    CreateProgramSuccess | CreateProgramError,
    strawberry.union("CreateProgramResult", description="The program created, or why it was not."),
]


@strawberry.type(description="The repair was enqueued: the sessions it found not generated.")
class RepairProgramSuccess:
    sessions: list[Session] = strawberry.field(description="The sessions enqueued, now PENDING.")


@mutation_error("Why repairProgram enqueued nothing.")
class RepairProgramError(UserError):
    codes = (ErrorCode.FORBIDDEN, ErrorCode.INVALID_INPUT, ErrorCode.NOT_FOUND)


RepairProgramResult = Annotated[
    RepairProgramSuccess | RepairProgramError,
    strawberry.union("RepairProgramResult", description="The sessions enqueued, or why none were."),
]


@strawberry.type
class ProgramQueries:
    @strawberry.field(description="One program; NOT_FOUND when it does not exist or is not yours to see.")
    async def program(
        self, info: GraphQLInfo, id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")]
    ) -> Program:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.program(info, id)  # type: ignore[return-value]

    @strawberry.field(
        description="The programs you may see (an admin: every one), newest first, a page at a time."
    )
    async def programs(
        self,
        info: GraphQLInfo,
        first: Annotated[
            int, strawberry.argument(description=f"Page size, 1 to {MAX_PAGE_SIZE}.")
        ] = resolve.DEFAULT_PAGE_SIZE,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The previous page's pageInfo.endCursor; null for the first page."
            ),
        ] = None,
    ) -> ProgramConnection:
        page = await resolve.programs(info, first, after)
        return ProgramConnection(
            nodes=page.programs,  # type: ignore[arg-type]  # the domain object, served as the type
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


@strawberry.type
class ProgramMutations:
    @strawberry.mutation(description="Create a program and enqueue generation of every session.")
    async def create_program(
        self,
        info: GraphQLInfo,
        input: Annotated[CreateProgramInput, strawberry.argument(description="The program to lay out.")],
    ) -> CreateProgramResult:
        program = await resolve.create(
            info,
            name=input.name,
            goal=input.goal,
            level=input.level,
            days_per_week=input.days_per_week,
            weeks=input.weeks,
            minutes_per_session=input.minutes_per_session,
            equipment=input.equipment,
            start_date=input.start_date,
        )
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return CreateProgramSuccess(program=program)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=(
            "Admins: enqueue every session of the program that is not generated (PENDING, IN_PROGRESS, "
            "FAILED, or COMPLETE without exercises). Follow it with programGenerationProgress."
        )
    )
    async def repair_program(
        self,
        info: GraphQLInfo,
        program_id: Annotated[strawberry.ID, strawberry.argument(description="The program to repair.")],
    ) -> RepairProgramResult:
        sessions = await resolve.repair(info, program_id)
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return RepairProgramSuccess(sessions=sessions)  # type: ignore[arg-type]


@strawberry.type
class ProgramSubscriptions:
    @strawberry.subscription(
        description="Progress now and after every change; ends when generation finished."
    )
    async def program_generation_progress(
        self,
        info: GraphQLInfo,
        program_id: Annotated[strawberry.ID, strawberry.argument(description="The program to follow.")],
    ) -> AsyncIterator[GenerationProgress]:
        try:
            async for progress in subscriptions.program_generation_progress(info, program_id):
                yield progress  # type: ignore[misc]  # the domain object, served as the type
        except Exception as exc:
            raise subscription_error(exc) from None
