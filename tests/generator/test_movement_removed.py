"""A movement deleted from the library while a session is written: PostgreSQL refuses the exercise
(foreign key), the attempt is retried as transient, and no reason or event carries SQL."""

import logging

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import GenerationStatus, Movement, SessionExercise
from services.adapters.outages import describe_error
from services.adapters.transient_errors import is_connection_loss, is_transient
from services.generation.session_generator import populate_session_by_id
from services.generation.session_writes import MovementRemoved
from services.library.movement_index import MovementIndex, MovementIndexCache
from services.unit_of_work import UnitOfWorkFactory
from tests.generator.drafted_sessions import session_with_draft_of
from tests.generator.recorded_outcomes import SQL_WORDS, event_errors, session_row

Factory = async_sessionmaker[AsyncSession]


class DeletesAMovementOnce(MovementIndexCache):
    """The library index, after which (the session's version read, the names about to be resolved)
    another transaction deletes ``name`` from the library and commits: the race, made certain."""

    def __init__(self, factory: Factory, name: str) -> None:
        super().__init__()
        self._factory = factory
        self._name: str | None = name

    async def at_version(self, db: AsyncSession, version: int) -> MovementIndex:
        index = await super().at_version(db, version)
        if self._name is not None:
            async with self._factory() as other, other.begin():
                deleted = await other.execute(
                    delete(Movement).where(Movement.name == self._name).returning(Movement.id)
                )
                assert len(deleted.all()) == 1
            self._name = None
        return index


async def test_a_movement_deleted_mid_write_is_retried_and_the_retry_drafts_without_it(
    session_factory: Factory, units: UnitOfWorkFactory, library: None, caplog: pytest.LogCaptureFixture
) -> None:
    session_id, names = await session_with_draft_of(session_factory, 9)
    movements = DeletesAMovementOnce(session_factory, names[1])

    with pytest.raises(MovementRemoved) as raised:
        await populate_session_by_id(units, session_id, movements=movements)

    assert is_transient(raised.value) and not is_connection_loss(raised.value)
    assert "removed from the library" in str(raised.value)
    # What PostgreSQL said, as any reason built from it reads: the driver's words, no statement.
    cause = describe_error(raised.value.__cause__ or raised.value)
    assert cause.startswith('ForeignKeyViolationError: insert or update on table "session_exercises"'), cause
    # Left IN_PROGRESS with no reason and nothing half-written, for the retry.
    assert await session_row(session_factory, session_id) == (GenerationStatus.IN_PROGRESS, 1, None, 0)

    with caplog.at_level(logging.WARNING):
        retried = await populate_session_by_id(units, session_id, movements=movements)

    # The retry drafts from the library as it is now (issue 15: drafting reads the library), so
    # it completes without the removed movement instead of failing on a name it cannot resolve.
    assert retried.status is GenerationStatus.COMPLETE and retried.missing_movements == ()
    status, attempts, error, exercises = await session_row(session_factory, session_id)
    assert (status, attempts, error) == (GenerationStatus.COMPLETE, 2, None) and exercises >= 3
    async with session_factory() as db:
        drafted = await db.scalars(
            select(Movement.name).join(SessionExercise).where(SessionExercise.session_id == session_id)
        )
        assert names[1] not in set(drafted.all())
    for reason in await event_errors(session_factory):
        assert not any(word in reason for word in SQL_WORDS), reason
