"""Draft a whole program the way the session generator walks it: every week, every day."""

from collections.abc import Sequence

from services.generation.session_drafting import ProgramParams, SessionDraft
from services.generation.training_splits import phase_for, split_for
from services.generation.week_planner import draft_session
from services.library.movement_catalogue import MovementSpec


def draft_program(params: ProgramParams, catalogue: Sequence[MovementSpec]) -> list[list[SessionDraft]]:
    """``result[week - 1][day - 1]`` is the draft of that 1-based week and day."""
    return [
        [
            draft_session(params, week, day, focus, phase_for(week, params.weeks), catalogue)
            for day, focus in enumerate(split_for(params.days_per_week), start=1)
        ]
        for week in range(1, params.weeks + 1)
    ]


def week_volume(sessions: list[SessionDraft]) -> int:
    """Total volume of a week: sum of sets x reps_max over every exercise."""
    return sum(ex.sets * ex.reps_max for session in sessions for ex in session.exercises)


def main_lifts(session: SessionDraft) -> list[str]:
    return [ex.movement_name for ex in session.exercises if ex.is_main_lift]


def accessories(session: SessionDraft) -> list[str]:
    return [ex.movement_name for ex in session.exercises if not ex.is_main_lift]
