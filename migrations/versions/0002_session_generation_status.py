"""Give every session a generation status, so success and failure are recorded per session.

Adds the PostgreSQL enum ``generation_status`` and the session columns, back-fills COMPLETE for
every session that already has exercises and PENDING for the rest, and drops the legacy
free-string ``microcycles.generation_status`` (a week's status is now derived from its sessions).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("PENDING", "IN_PROGRESS", "COMPLETE", "FAILED")
# create_type=False: the type is created and dropped explicitly below, never implicitly.
generation_status = postgresql.ENUM(*STATUSES, name="generation_status", create_type=False)


def upgrade() -> None:
    op.execute("CREATE TYPE generation_status AS ENUM ('PENDING', 'IN_PROGRESS', 'COMPLETE', 'FAILED')")
    op.add_column(
        "sessions",
        sa.Column("generation_status", generation_status, server_default="PENDING", nullable=False),
    )
    op.add_column("sessions", sa.Column("generation_error", sa.Text(), nullable=True))
    op.add_column(
        "sessions", sa.Column("generation_attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("sessions", sa.Column("generated_at", sa.DateTime(timezone=True), nullable=True))
    # A session that has exercises was generated; when is unknown, so generated_at stays NULL.
    op.execute(
        """
        UPDATE sessions SET generation_status = 'COMPLETE'
        WHERE EXISTS (SELECT 1 FROM session_exercises se WHERE se.session_id = sessions.id)
        """
    )
    op.drop_index("ix_sessions_program_id", table_name="sessions")
    op.create_index("ix_sessions_program_status", "sessions", ["program_id", "generation_status"])
    op.drop_column("microcycles", "generation_status")


def downgrade() -> None:
    op.add_column(
        "microcycles",
        sa.Column("generation_status", sa.String(32), server_default="pending", nullable=True),
    )
    op.execute(
        """
        UPDATE microcycles m SET generation_status = CASE
            WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.microcycle_id = m.id)
             AND NOT EXISTS (
                SELECT 1 FROM sessions s
                WHERE s.microcycle_id = m.id AND s.generation_status <> 'COMPLETE'
             ) THEN 'complete'
            ELSE 'pending' END
        """
    )
    op.drop_index("ix_sessions_program_status", table_name="sessions")
    op.create_index("ix_sessions_program_id", "sessions", ["program_id"])
    op.drop_column("sessions", "generated_at")
    op.drop_column("sessions", "generation_attempts")
    op.drop_column("sessions", "generation_error")
    op.drop_column("sessions", "generation_status")
    op.execute("DROP TYPE generation_status")
