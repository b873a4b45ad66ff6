"""SQLAlchemy tables and enums. PostgreSQL is the source of truth for every status."""

from models.base import Base
from models.enums import (
    Equipment,
    Focus,
    GenerationStatus,
    Goal,
    Level,
    Pattern,
    Phase,
    PrescriptionKind,
    Role,
)
from models.movements import Movement, MovementLibraryVersion
from models.programs import Microcycle, Program
from models.sessions import SESSION_CALENDAR_ORDER, Session, SessionExercise
from models.status_events import StatusEventHead, StatusEventRow
from models.users import User

__all__ = [
    "SESSION_CALENDAR_ORDER",
    "Base",
    "Equipment",
    "Focus",
    "GenerationStatus",
    "Goal",
    "Level",
    "Microcycle",
    "Movement",
    "MovementLibraryVersion",
    "Pattern",
    "Phase",
    "PrescriptionKind",
    "Program",
    "Role",
    "Session",
    "SessionExercise",
    "StatusEventHead",
    "StatusEventRow",
    "User",
]
