import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, text_enum, updated_at_column
from models.enums import Focus, GenerationStatus, PrescriptionKind

generation_status_type = Enum(
    GenerationStatus, name="generation_status", values_callable=lambda ms: [m.value for m in ms]
)


class Session(Base):
    """One training day; its exercises are written by the session generator."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("microcycle_id", "day_index", name="uq_sessions_microcycle_day"),
        Index("ix_sessions_program_status", "program_id", "generation_status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # Denormalised from the microcycle so the API can filter a program's sessions in one index scan.
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    microcycle_id: Mapped[int] = mapped_column(ForeignKey("microcycles.id", ondelete="CASCADE"))
    day_index: Mapped[int] = mapped_column(Integer)  # 1-based day within the week
    scheduled_date: Mapped[dt.date] = mapped_column(Date)
    focus: Mapped[Focus] = mapped_column(text_enum(Focus, 16))
    generation_status: Mapped[GenerationStatus] = mapped_column(
        generation_status_type, server_default=GenerationStatus.PENDING.value
    )
    generation_error: Mapped[str | None] = mapped_column(Text)
    generation_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    generated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at = created_at_column()
    updated_at = updated_at_column()


SESSION_CALENDAR_ORDER = (Session.scheduled_date, Session.day_index, Session.id)
"""The one calendar order of sessions: by date, then day of the week, then id (stable)."""


PRESCRIPTION_FIELDS_CHECK = (
    "(prescription_kind = 'reps' AND duration_seconds IS NULL AND distance_meters IS NULL)"
    " OR (prescription_kind = 'seconds' AND duration_seconds > 0 AND distance_meters IS NULL)"
    " OR (prescription_kind = 'distance' AND distance_meters > 0 AND duration_seconds IS NULL)"
)


class SessionExercise(Base):
    """One prescribed exercise of a session, in order."""

    __tablename__ = "session_exercises"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_session_exercises_session_position"),
        CheckConstraint("sets > 0", name="sets_positive"),
        CheckConstraint("reps_min > 0 AND reps_max >= reps_min", name="reps_range"),
        CheckConstraint(PRESCRIPTION_FIELDS_CHECK, name="prescription_fields"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # RESTRICT: a library entry in use by a plan must not vanish from under it.
    movement_id: Mapped[int] = mapped_column(ForeignKey("movements.id", ondelete="RESTRICT"), index=True)
    sets: Mapped[int] = mapped_column(Integer)
    reps_min: Mapped[int] = mapped_column(Integer)
    reps_max: Mapped[int] = mapped_column(Integer)
    target_rpe: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    target_percent_1rm: Mapped[int | None] = mapped_column(Integer)
    rest_seconds: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    # A hold or a carry is one rep (one hold, one trip) per set, with its seconds or meters here.
    prescription_kind: Mapped[PrescriptionKind] = mapped_column(
        text_enum(PrescriptionKind, 16), server_default="reps"
    )
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    distance_meters: Mapped[int | None] = mapped_column(Integer)
