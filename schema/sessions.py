"""Sessions, their exercises, regeneration and the live status stream."""

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

import strawberry

from models import Session as SessionRow
from models import SessionExercise as SessionExerciseRow
from resolvers import sessions as resolve
from resolvers import subscriptions
from resolvers.context import GraphQLInfo
from schema.enums import Focus, GenerationStatus, PrescriptionKind
from schema.errors import subscription_error
from schema.movements import Movement
from schema.mutation_errors import ErrorCode, UserError, mutation_error
from services.live.status_log import StatusEvent
from services.programs.regeneration import MAX_SESSION_IDS


@strawberry.type(description="One prescribed exercise, in session order.")
class SessionExercise:
    position: int = strawberry.field(description="Its place in the session, from 1.")
    sets: int = strawberry.field(description="Working sets.")
    reps_min: int = strawberry.field(description="Fewest repetitions per set (1 for a hold or a distance).")
    reps_max: int = strawberry.field(
        description="Most repetitions per set, at least repsMin (equal to it for a fixed count)."
    )
    target_percent_1rm: int | None = strawberry.field(
        description="Load as a percentage of one-rep max (main lifts of STRENGTH programs); else null."
    )
    rest_seconds: int = strawberry.field(description="Rest between sets, in seconds.")
    notes: str | None = strawberry.field(
        description="How to perform it (tempo, per side...); null when none."
    )
    duration_seconds: int | None = strawberry.field(
        description="Seconds to hold per set when prescriptionKind is SECONDS, else null."
    )
    distance_meters: int | None = strawberry.field(
        description="Meters to cover per set when prescriptionKind is DISTANCE, else null."
    )

    @strawberry.field(description="Whether a set is counted in reps, held for seconds or covers a distance.")
    def prescription_kind(self: SessionExerciseRow) -> PrescriptionKind:
        return PrescriptionKind(self.prescription_kind.value)

    @strawberry.field(
        description=(
            "Target effort as rate of perceived exertion (1-10, 10 = failure), one decimal; "
            "null when targetPercent1rm is given."
        )
    )
    def target_rpe(self: SessionExerciseRow) -> float | None:
        return float(self.target_rpe) if self.target_rpe is not None else None

    @strawberry.field(description="The movement to perform.")
    def movement(self: SessionExerciseRow, info: GraphQLInfo) -> Movement:
        # Sync on purpose: usually the movement is at hand (else graphql-core awaits what it gets).
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return resolve.movement(info, self.movement_id)  # type: ignore[return-value]


@strawberry.type(description="One training day of a program.")
class Session:
    id: strawberry.ID = strawberry.field(description="The session's id.")
    program_id: strawberry.ID = strawberry.field(description="The program it belongs to.")
    microcycle_id: strawberry.ID = strawberry.field(description="The week (Microcycle) it belongs to.")
    day_index: int = strawberry.field(
        description="Training day of its week, from 1 to the program's daysPerWeek."
    )
    scheduled_date: dt.date = strawberry.field(description="The date to train it.")
    focus: Focus = strawberry.field(description="What it trains.")
    generation_status: GenerationStatus = strawberry.field(description="Where its generation is.")
    generation_error: str | None = strawberry.field(
        description="Why generation failed, in words for a person; null unless generationStatus is FAILED."
    )
    generation_attempts: int = strawberry.field(
        description="Tries of the current generation run; 0 until a worker takes it, reset by regeneration."
    )
    generated_at: dt.datetime | None = strawberry.field(
        description="When its exercises were last generated; null if never."
    )

    @strawberry.field(description="The workout, in order; empty until generated.")
    async def exercises(self: SessionRow, info: GraphQLInfo) -> list[SessionExercise]:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.exercises(info, self.id)  # type: ignore[return-value]

    @strawberry.field(
        description="How many exercises it holds, without reading them: 0 until generated. A COMPLETE "
        "session with 0 is damaged (what repairProgram puts right)."
    )
    async def exercise_count(self: SessionRow, info: GraphQLInfo) -> int:
        return await resolve.exercise_count(info, self.id)


@strawberry.type(description="A session's status changed (or, first, its status when subscribing).")
class SessionStatusEvent:
    session_id: strawberry.ID = strawberry.field(description="The session whose status this is.")
    program_id: strawberry.ID = strawberry.field(description="Its program.")
    status: GenerationStatus = strawberry.field(description="The session's status from this event on.")
    error: str | None = strawberry.field(
        description="With FAILED: why (as Session.generationError); else null."
    )
    attempt: int = strawberry.field(description="Session.generationAttempts at this event.")
    at: dt.datetime = strawberry.field(description="When the change was committed, with its UTC offset.")
    cursor: str = strawberry.field(
        description="This event's place in the program's log: pass it as ``after`` to resume after it."
    )
    snapshot: bool = strawberry.field(
        description=(
            "True for the session states sent first when there was no ``after`` cursor or it could "
            "not be resumed exactly (older than the log keeps): replace what you know with them. "
            "False for changes, which follow each other without gaps."
        )
    )

    @strawberry.field(description="The session as it is now (read fresh for every event).")
    async def session(self: StatusEvent, info: GraphQLInfo) -> Session | None:
        async with info.context.session_factory() as db:
            row = await db.get(SessionRow, self.session_id)
        return row  # type: ignore[return-value]  # the domain object, served as the type


@strawberry.type(description="Regeneration was enqueued for the sessions chosen.")
class RegenerateSessionsSuccess:
    sessions: list[Session] = strawberry.field(description="The sessions enqueued, with their status now.")


@mutation_error("Why regenerateSessions enqueued nothing.")
class RegenerateSessionsError(UserError):
    codes = (ErrorCode.INVALID_INPUT, ErrorCode.NOT_FOUND)


RegenerateSessionsResult = Annotated[
    RegenerateSessionsSuccess | RegenerateSessionsError,
    strawberry.union("RegenerateSessionsResult", description="The sessions enqueued, or why none were."),
]


@strawberry.type
class SessionQueries:
    @strawberry.field(description="One session; NOT_FOUND when it does not exist or is not yours to see.")
    async def session(
        self, info: GraphQLInfo, id: Annotated[strawberry.ID, strawberry.argument(description="Its id.")]
    ) -> Session:
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return await resolve.session(info, id)  # type: ignore[return-value]


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description=(
            "Enqueue generation for the program's sessions that are not COMPLETE, or for the listed "
            "ones; COMPLETE sessions only with includeComplete."
        )
    )
    async def regenerate_sessions(
        self,
        info: GraphQLInfo,
        program_id: Annotated[strawberry.ID, strawberry.argument(description="The program.")],
        session_ids: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(
                description=(
                    f"Only these sessions of the program (1 to {MAX_SESSION_IDS}; an id not in it is "
                    "NOT_FOUND); null or left out: all of them. COMPLETE ones only with includeComplete."
                )
            ),
        ] = None,
        include_complete: Annotated[
            bool,
            strawberry.argument(description="COMPLETE sessions too (their exercises get replaced)."),
        ] = False,
    ) -> RegenerateSessionsResult:
        chosen = await resolve.regenerate(info, program_id, session_ids, include_complete)
        # The domain object (a model row, a service's dataclass), served as the Strawberry type.
        return RegenerateSessionsSuccess(sessions=chosen)  # type: ignore[arg-type]


@strawberry.type
class SessionSubscriptions:
    @strawberry.subscription(
        description=(
            "Every session's current status first (``snapshot: true``), or, with ``after``, exactly the "
            "changes after that cursor; then each change as it happens, in commit order, once."
        )
    )
    async def session_status_changed(
        self,
        info: GraphQLInfo,
        program_id: Annotated[strawberry.ID, strawberry.argument(description="The program to watch.")],
        after: Annotated[
            str | None,
            strawberry.argument(
                description="The cursor of the last event you saw, to resume after it; null to start afresh."
            ),
        ] = None,
    ) -> AsyncIterator[SessionStatusEvent]:
        try:
            async for event in subscriptions.session_status_changed(info, program_id, after):
                yield event  # type: ignore[misc]  # the domain object, served as the type
        except Exception as exc:
            raise subscription_error(exc) from None
