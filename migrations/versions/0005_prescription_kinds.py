"""Prescription kinds: an exercise asks for reps, a hold of some seconds, or a distance.

Holds (planks, wall sits, isometrics) and carries or crawls were written as "3 x 8-12 reps". A
session exercise now says its kind; a hold or a carry keeps ``reps_min = reps_max = 1`` (one hold,
one trip, per set), so the reps columns, their check and the API's non-null ``repsMin`` stay as
they were, and gets its seconds or meters in a column of its own. Existing rows are reps.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRESCRIPTION_FIELDS_CHECK = (
    "(prescription_kind = 'reps' AND duration_seconds IS NULL AND distance_meters IS NULL)"
    " OR (prescription_kind = 'seconds' AND duration_seconds > 0 AND distance_meters IS NULL)"
    " OR (prescription_kind = 'distance' AND distance_meters > 0 AND duration_seconds IS NULL)"
)


def upgrade() -> None:
    op.add_column(
        "session_exercises",
        sa.Column("prescription_kind", sa.String(16), server_default="reps", nullable=False),
    )
    op.add_column("session_exercises", sa.Column("duration_seconds", sa.Integer(), nullable=True))
    op.add_column("session_exercises", sa.Column("distance_meters", sa.Integer(), nullable=True))
    op.create_check_constraint(
        "ck_session_exercises_prescription_fields", "session_exercises", PRESCRIPTION_FIELDS_CHECK
    )


def downgrade() -> None:
    op.drop_constraint("ck_session_exercises_prescription_fields", "session_exercises", type_="check")
    op.drop_column("session_exercises", "distance_meters")
    op.drop_column("session_exercises", "duration_seconds")
    op.drop_column("session_exercises", "prescription_kind")
