"""Per-request DataLoaders, one per relationship. Each batch opens its own database session:
GraphQL resolves sibling fields concurrently and an ``AsyncSession`` must not be shared."""

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from models import GenerationStatus, Microcycle, Movement, Session, SessionExercise
from resolvers.loop_turns import TurnLoader
from services.programs import reads as program_reads

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


class Loaders:
    """One request's loaders, each built when first used.

    A WebSocket's context lives as long as the socket, and most sockets only watch (served by
    ``web.live_groups``, which has loaders of its own): building all eight for each of a
    thousand sockets cost about 4 KB apiece for nothing.
    """

    def __init__(self, factory: Factory, *, cache: bool) -> None:
        self._factory = factory
        self._cache = cache

    def _loader(
        self, read: Callable[[AsyncSession, Sequence[K]], Awaitable[Sequence[V]]]
    ) -> DataLoader[K, V]:
        return TurnLoader(_batch(self._factory, read), cache=self._cache, tag=self)

    @cached_property
    def microcycles_by_program(self) -> DataLoader[int, list[Microcycle]]:
        return self._loader(program_reads.microcycles_by_program)

    @cached_property
    def sessions_by_microcycle(self) -> DataLoader[int, list[Session]]:
        return self._loader(program_reads.sessions_by_microcycle)

    @cached_property
    def sessions_by_program(self) -> DataLoader[tuple[int, GenerationStatus | None], list[Session]]:
        return self._loader(program_reads.sessions_by_program)

    @cached_property
    def exercises_by_session(self) -> DataLoader[int, list[SessionExercise]]:
        load = _exercises_with_their_movements(self._factory, self.movement_by_id)
        return TurnLoader(load, cache=self._cache, tag=self)

    @cached_property
    def exercise_count_by_session(self) -> DataLoader[int, int]:
        return self._loader(program_reads.exercise_counts_by_session)

    @cached_property
    def movement_by_id(self) -> DataLoader[int, Movement | None]:
        return self._loader(program_reads.movements_by_ids)

    def loaded_movement(self, movement_id: int) -> Movement | None:
        """The movement if this request has it already (the exercises' loader primes theirs), else
        None. Lets an exercise's ``movement`` resolve without an await: a view of 500 exercises
        otherwise schedules 500 futures for answers it already holds."""
        if not self._cache or "movement_by_id" not in self.__dict__:
            return None
        future = self.movement_by_id.cache_map.get(movement_id)
        if future is None or not future.done() or future.cancelled() or future.exception() is not None:
            return None
        return future.result()

    @cached_property
    def status_counts_by_program(self) -> DataLoader[int, dict[GenerationStatus, int]]:
        return self._loader(program_reads.status_counts_by_program)


def build_loaders(factory: Factory, *, cache: bool = True) -> Loaders:
    """``cache=False`` for subscriptions, whose context outlives any one answer."""
    return Loaders(factory, cache=cache)
