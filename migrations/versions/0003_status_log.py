"""The status log in PostgreSQL: status changes and their events commit together.

Before this, a status change was committed and then published to Redis in a separate step, so a
process stopped in between left watchers wrong for good. ``status_events`` holds every change,
numbered per program in commit order; ``status_event_heads`` holds each program's last number.
A relay copies committed events to Redis; resuming watchers read them back from here.

Existing programs start with an empty log (sequence 0): their current state is what a watcher's
first snapshot shows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Created by 0002; never created or dropped here.
generation_status = postgresql.ENUM(name="generation_status", create_type=False)


def upgrade() -> None:
    op.create_table(
        "status_event_heads",
        sa.Column("program_id", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name="fk_status_event_heads_program_id_programs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", name="pk_status_event_heads"),
    )
    op.create_table(
        "status_events",
        sa.Column("program_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("status", generation_status, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False
        ),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name="fk_status_events_program_id_programs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("program_id", "seq", name="pk_status_events"),
    )
    op.create_index(
        "ix_status_events_unrelayed",
        "status_events",
        ["program_id", "seq"],
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.create_index("ix_status_events_at", "status_events", ["at"], postgresql_using="brin")


def downgrade() -> None:
    op.drop_index("ix_status_events_at", table_name="status_events")
    op.drop_index("ix_status_events_unrelayed", table_name="status_events")
    op.drop_table("status_events")
    op.drop_table("status_event_heads")
