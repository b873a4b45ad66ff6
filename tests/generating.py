"""Generate a whole program in the test process, session by session (the worker does this in jobs)."""

from collections.abc import Sequence

from services.generation.session_generator import GenerationOutcome, UnitsOfWork, populate_session_by_id
from services.library.movement_catalogue import MovementSpec
from services.library.movement_index import MovementIndexCache
from services.programs.reads import program_session_ids


async def generate_all_program_sessions(
    units: UnitsOfWork,
    program_id: int,
    *,
    catalogue: Sequence[MovementSpec] | None = None,
    movements: MovementIndexCache | None = None,
) -> list[GenerationOutcome]:
    """Generate every session of every microcycle (not only the active one), in calendar order."""
    async with units() as uow:
        session_ids = await program_session_ids(uow.db, program_id)
    movements = movements or MovementIndexCache()
    return [
        await populate_session_by_id(units, session_id, catalogue=catalogue, movements=movements)
        for session_id in session_ids
    ]
