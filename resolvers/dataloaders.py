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


def build_loaders(factory: Factory, *, cache: bool = True) -> Loaders:
    """``cache=False`` for subscriptions, whose context outlives any one answer."""
    return Loaders(
        program_by_id=DataLoader(_batch(factory, program_reads.programs_by_ids), cache=cache),
        microcycles_by_program=DataLoader(_batch(factory, program_reads.microcycles_by_program), cache=cache),
        sessions_by_microcycle=DataLoader(_batch(factory, program_reads.sessions_by_microcycle), cache=cache),
        sessions_by_program=DataLoader(_batch(factory, program_reads.sessions_by_program), cache=cache),
        session_by_id=DataLoader(_batch(factory, program_reads.sessions_by_ids), cache=cache),
        exercises_by_session=DataLoader(_batch(factory, program_reads.exercises_by_session), cache=cache),
        movement_by_id=DataLoader(_batch(factory, program_reads.movements_by_ids), cache=cache),
        status_counts_by_program=DataLoader(
            _batch(factory, program_reads.status_counts_by_program), cache=cache
        ),
    )
