"""The status log: every generation-status change of a session, in commit order per program.

A change and its event are written in one transaction, so the log never disagrees with the
sessions. ``status_event_heads`` holds each program's last sequence number; bumping it is the
last statement of the writing transaction, and its row lock makes sequence numbers gap-free and
ordered as the transactions commit (see ``services.live.status_log``).
"""

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.enums import GenerationStatus
from models.sessions import generation_status_type


class StatusEventHead(Base):
    """The newest sequence number of a program's status log (0, or no row, before its first event)."""

    __tablename__ = "status_event_heads"

    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")


class StatusEventRow(Base):
    """One status change of one session, numbered ``seq`` within its program."""

    __tablename__ = "status_events"
    __table_args__ = (
        # What the relay still has to deliver: small, since it is emptied as events are relayed.
        Index(
            "ix_status_events_unrelayed",
            "program_id",
            "seq",
            postgresql_where=text("relayed_at IS NULL"),
        ),
        # Pruning by age; BRIN because rows arrive in time order, so it costs next to nothing to keep.
        Index("ix_status_events_at", "at", postgresql_using="brin"),
    )

    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # No foreign key: the log is history, and sessions only go away with their program.
    session_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[GenerationStatus] = mapped_column(generation_status_type)
    error: Mapped[str | None] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("clock_timestamp()"))
    relayed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
