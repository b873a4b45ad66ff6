"""Every equipment set and level can draft every session template from the real catalogue.

Gaps show up in thin equipment lists (more equipment only adds candidates), so this drafts every
focus variant for every level with no equipment, each single item, each pair, and a full gym; a
gap in data/movements.yaml shows up as a list of combinations and missing patterns.
"""

import itertools

import pytest

from models.enums import Equipment, Goal, Level, Phase
from services.generation.session_drafting import MIN_EXERCISES, DraftError, ProgramParams
from services.generation.training_splits import split_for
from services.generation.week_planner import draft_session

from .catalogues import real_catalogue

REAL = real_catalogue()


@pytest.mark.skipif(REAL is None, reason="data/movements.yaml does not exist yet")
def test_real_catalogue_covers_every_equipment_set_and_level() -> None:
    assert REAL is not None
    gaps: list[str] = []
    thin = [combo for size in (0, 1, 2) for combo in itertools.combinations(Equipment, size)]
    for equipment, level in itertools.product([*thin, tuple(Equipment)], Level):
        # 3 days: full body A/B/C; 4: upper/lower A/B; 7: push/pull/legs A/B and full body.
        for days in (3, 4, 7):
            params = ProgramParams(1, Goal.HYPERTROPHY, level, days, 4, 240, frozenset(equipment))
            for day, focus in enumerate(split_for(days), start=1):
                try:
                    draft = draft_session(params, 1, day, focus, Phase.ACCUMULATION, REAL)
                except DraftError as exc:
                    gaps.append(str(exc))
                else:
                    assert len(draft.exercises) >= MIN_EXERCISES
    assert not gaps, "\n".join(sorted(set(gaps)))
