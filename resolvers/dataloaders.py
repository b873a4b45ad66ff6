"""Per-request DataLoaders, one per relationship. Each batch opens its own database session:
GraphQL resolves sibling fields concurrently and an ``AsyncSession`` must not be shared."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from models import GenerationStatus, Microcycle, Movement, Program, Session, SessionExercise
from services import program_reads

K = TypeVar("K")
V = TypeVar("V")
Factory = async_sessionmaker[AsyncSession]


def _batch(
    factory: Factory, read: Callable[[AsyncSession, Sequence[K]], Awaitable[Sequence[V]]]
) -> Callable[[list[K]], Awaitable[Sequence[V]]]:
    async def load(keys: list[K]) -> Sequence[V]:
        async with factory() as db:
            return await read(db, keys)

    return load


@dataclass(frozen=True)
class Loaders:
    program_by_id: DataLoader[int, Program | None]
    microcycles_by_program: DataLoader[int, list[Microcycle]]
    sessions_by_microcycle: DataLoader[int, list[Session]]
    sessions_by_program: DataLoader[tuple[int, GenerationStatus | None], list[Session]]
    session_by_id: DataLoader[int, Session | None]
    exercises_by_session: DataLoader[int, list[SessionExercise]]
    movement_by_id: DataLoader[int, Movement | None]
    status_counts_by_program: DataLoader[int, dict[GenerationStatus, int]]


def _exercises_with_their_movements(
    factory: Factory, movements: DataLoader[int, Movement | None]
) -> Callable[[list[int]], Awaitable[Sequence[list[SessionExercise]]]]:
    """Exercises by session, priming ``movements`` with theirs in the same database session.

    Left to the movement loader, an exercise's ``movement`` is batched with whichever other
    exercises' resolvers reach it in the same loop iteration: usually all of them, sometimes two
    batches. Read here, it is one statement for the whole answer, always (and one more when a
    query asks for exercises without their movements, which the front end's views never do).
    """

    async def load(session_ids: list[int]) -> Sequence[list[SessionExercise]]:
        async with factory() as db:
            exercises = await program_reads.exercises_by_session(db, session_ids)
            ids = sorted({e.movement_id for rows in exercises for e in rows})
            if ids:
                movements.prime_many(
                    dict(zip(ids, await program_reads.movements_by_ids(db, ids), strict=True))
                )
        return exercises

    return load


def build_loaders(factory: Factory, *, cache: bool = True) -> Loaders:
    """``cache=False`` for subscriptions, whose context outlives any one answer."""
    movement_by_id = DataLoader(_batch(factory, program_reads.movements_by_ids), cache=cache)
    exercises = _exercises_with_their_movements(factory, movement_by_id)
    return Loaders(
        program_by_id=DataLoader(_batch(factory, program_reads.programs_by_ids), cache=cache),
        microcycles_by_program=DataLoader(_batch(factory, program_reads.microcycles_by_program), cache=cache),
        sessions_by_microcycle=DataLoader(_batch(factory, program_reads.sessions_by_microcycle), cache=cache),
        sessions_by_program=DataLoader(_batch(factory, program_reads.sessions_by_program), cache=cache),
        session_by_id=DataLoader(_batch(factory, program_reads.sessions_by_ids), cache=cache),
        exercises_by_session=DataLoader(exercises, cache=cache),
        movement_by_id=movement_by_id,
        status_counts_by_program=DataLoader(
            _batch(factory, program_reads.status_counts_by_program), cache=cache
        ),
    )
