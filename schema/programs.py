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
from schema.errors import UserError, error_fields, subscription_error
from schema.sessions import Session
from services.errors import DomainError
from services.live.generation_progress import GenerationProgress as Progress


@strawberry.type(description="How far generation has come: sessions counted per status.")
class GenerationProgress:
    @strawberry.field
    def total(self: Progress) -> int:  # type: ignore[misc]
        return self.total

    @strawberry.field
    def pending(self: Progress) -> int:  # type: ignore[misc]
        return self.count(Status.PENDING)

    @strawberry.field
    def in_progress(self: Progress) -> int:  # type: ignore[misc]
        return self.count(Status.IN_PROGRESS)

    @strawberry.field
    def complete(self: Progress) -> int:  # type: ignore[misc]
        return self.count(Status.COMPLETE)

    @strawberry.field
    def failed(self: Progress) -> int:  # type: ignore[misc]
        return self.count(Status.FAILED)

    @strawberry.field(description="COMPLETE sessions as a percentage of all sessions.")
    def percent_complete(self: Progress) -> float:  # type: ignore[misc]
        return round(self.percent_complete, 1)

    @strawberry.field(description="True when no session is PENDING or IN_PROGRESS.")
    def finished(self: Progress) -> bool:  # type: ignore[misc]
        return self.finished


@strawberry.type(description="One week of a program.")
class Microcycle:
    id: strawberry.ID
    index: int = strawberry.field(description="Week number, from 1.")
    phase: Phase
    is_active: bool

    @strawberry.field
    async def sessions(self: MicrocycleRow, info: GraphQLInfo) -> list[Session]:  # type: ignore[misc]
        return await resolve_sessions.microcycle_sessions(info, self)  # type: ignore[return-value]


@strawberry.type(description="A generated training program.")
class Program:
    id: strawberry.ID
    name: str
    goal: Goal
    level: Level
    days_per_week: int
    weeks: int
    minutes_per_session: int
    start_date: dt.date
    created_at: dt.datetime

    @strawberry.field
    def equipment(self: ProgramRow) -> list[Equipment]:  # type: ignore[misc]
        return [Equipment(e) for e in self.equipment]

    @strawberry.field
    async def microcycles(self: ProgramRow, info: GraphQLInfo) -> list[Microcycle]:  # type: ignore[misc]
        return await resolve.microcycles(info, self)  # type: ignore[return-value]

    @strawberry.field(description="Every session in calendar order, optionally only those in ``status``.")
    async def sessions(
        self: ProgramRow,  # type: ignore[misc]
        info: GraphQLInfo,
        status: GenerationStatus | None = None,
    ) -> list[Session]:
        return await resolve.sessions(info, self, status)  # type: ignore[return-value]

    @strawberry.field
    async def generation_progress(self: ProgramRow, info: GraphQLInfo) -> GenerationProgress:  # type: ignore[misc]
        return await resolve.generation_progress(info, self.id)  # type: ignore[return-value]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="Programs newest first; pass ``pageInfo.endCursor`` as ``after`` for more.")
class ProgramConnection:
    nodes: list[Program]
    page_info: PageInfo


@strawberry.input
class CreateProgramInput:
    name: str
    goal: Goal
    level: Level
    days_per_week: int = strawberry.field(description="1 to 7.")
    weeks: int = strawberry.field(description="1 to 52.")
    minutes_per_session: int = strawberry.field(description="15 to 240.")
    equipment: list[Equipment] = strawberry.field(description="Available equipment; bodyweight is implied.")
    start_date: dt.date | None = strawberry.field(default=None, description="Defaults to today.")


@strawberry.type
class CreateProgramSuccess:
    program: Program


@strawberry.type
class CreateProgramError(UserError):
    pass


CreateProgramResult = Annotated[
    CreateProgramSuccess | CreateProgramError, strawberry.union("CreateProgramResult")
]


@strawberry.type
class RepairProgramSuccess:
    sessions: list[Session] = strawberry.field(description="The sessions enqueued, now PENDING.")


@strawberry.type
class RepairProgramError(UserError):
    pass


RepairProgramResult = Annotated[
    RepairProgramSuccess | RepairProgramError, strawberry.union("RepairProgramResult")
]


@strawberry.type
class ProgramQueries:
    @strawberry.field
    async def program(self, info: GraphQLInfo, id: strawberry.ID) -> Program:
        return await resolve.program(info, id)  # type: ignore[return-value]

    @strawberry.field(description="Programs you may see, newest first.")
    async def programs(
        self, info: GraphQLInfo, first: int = resolve.DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> ProgramConnection:
        page = await resolve.programs(info, first, after)
        return ProgramConnection(
            nodes=page.programs,  # type: ignore[arg-type]
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )


@strawberry.type
class ProgramMutations:
    @strawberry.mutation(description="Create a program and enqueue generation of every session.")
    async def create_program(self, info: GraphQLInfo, input: CreateProgramInput) -> CreateProgramResult:
        try:
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
        except DomainError as exc:
            return CreateProgramError(**error_fields(exc))  # type: ignore[arg-type]
        return CreateProgramSuccess(program=program)  # type: ignore[arg-type]

    @strawberry.mutation(
        description=(
            "Admins: enqueue every session of the program that is not generated (PENDING, IN_PROGRESS, "
            "FAILED, or COMPLETE without exercises). Follow it with programGenerationProgress."
        )
    )
    async def repair_program(self, info: GraphQLInfo, program_id: strawberry.ID) -> RepairProgramResult:
        try:
            sessions = await resolve.repair(info, program_id)
        except DomainError as exc:
            return RepairProgramError(**error_fields(exc))  # type: ignore[arg-type]
        return RepairProgramSuccess(sessions=sessions)  # type: ignore[arg-type]


@strawberry.type
class ProgramSubscriptions:
    @strawberry.subscription(
        description="Progress now and after every change; ends when generation finished."
    )
    async def program_generation_progress(
        self, info: GraphQLInfo, program_id: strawberry.ID
    ) -> AsyncIterator[GenerationProgress]:
        try:
            async for progress in subscriptions.program_generation_progress(info, program_id):
                yield progress  # type: ignore[misc]
        except Exception as exc:
            raise subscription_error(exc) from None
