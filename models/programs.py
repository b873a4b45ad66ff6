import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Identity,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, created_at_column, text_enum, updated_at_column
from models.enums import Goal, Level, Phase


class Program(Base):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("days_per_week BETWEEN 1 AND 7", name="days_per_week_range"),
        CheckConstraint("weeks BETWEEN 1 AND 52", name="weeks_range"),
        CheckConstraint("minutes_per_session BETWEEN 15 AND 240", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[Goal] = mapped_column(text_enum(Goal))
    level: Mapped[Level] = mapped_column(text_enum(Level, 16))
    days_per_week: Mapped[int] = mapped_column(Integer)
    weeks: Mapped[int] = mapped_column(Integer)
    minutes_per_session: Mapped[int] = mapped_column(Integer)
    equipment: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    start_date: Mapped[dt.date] = mapped_column(Date)
    created_at = created_at_column()
    updated_at = updated_at_column()


class Microcycle(Base):
    """One training week of a program."""

    __tablename__ = "microcycles"
    __table_args__ = (UniqueConstraint("program_id", "index", name="uq_microcycles_program_index"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # week number, from 1
    phase: Mapped[Phase] = mapped_column(text_enum(Phase, 16))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default="false")
