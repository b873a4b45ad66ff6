"""Legacy schema, as the old app had it.

Sessions carry no generation status at all; microcycles have ``generation_status`` as a free
string ('pending', 'complete', ...). Nothing recorded which session succeeded or failed.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_ARRAY = postgresql.ARRAY(sa.Text())


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("api_token_hash", sa.String(128), nullable=True),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("api_token_hash", name="uq_users_api_token_hash"),
    )
    op.create_table(
        "movements",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("aliases", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("pattern", sa.String(32), nullable=False),
        sa.Column("primary_muscles", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("equipment", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("is_compound", sa.Boolean(), nullable=False),
        sa.Column("is_unilateral", sa.Boolean(), server_default="false", nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_movements"),
        sa.UniqueConstraint("name", name="uq_movements_name"),
        sa.UniqueConstraint("slug", name="uq_movements_slug"),
    )
    op.create_index("ix_movements_pattern", "movements", ["pattern"])
    op.create_table(
        "programs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("goal", sa.String(32), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("days_per_week", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("minutes_per_session", sa.Integer(), nullable=False),
        sa.Column("equipment", TEXT_ARRAY, server_default="{}", nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("days_per_week BETWEEN 1 AND 7", name="ck_programs_days_per_week_range"),
        sa.CheckConstraint("weeks BETWEEN 1 AND 52", name="ck_programs_weeks_range"),
        sa.CheckConstraint("minutes_per_session BETWEEN 15 AND 240", name="ck_programs_minutes_range"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_programs_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_programs"),
    )
    op.create_index("ix_programs_owner_id", "programs", ["owner_id"])
    op.create_table(
        "microcycles",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("program_id", sa.BigInteger(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="false", nullable=False),
        # The legacy free-form status ('pending', 'complete', ...); 0002 replaces it.
        sa.Column("generation_status", sa.String(32), server_default="pending", nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name="fk_microcycles_program_id_programs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_microcycles"),
        sa.UniqueConstraint("program_id", "index", name="uq_microcycles_program_index"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("program_id", sa.BigInteger(), nullable=False),
        sa.Column("microcycle_id", sa.BigInteger(), nullable=False),
        sa.Column("day_index", sa.Integer(), nullable=False),
        sa.Column("scheduled_date", sa.Date(), nullable=False),
        sa.Column("focus", sa.String(16), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["microcycle_id"],
            ["microcycles.id"],
            name="fk_sessions_microcycle_id_microcycles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name="fk_sessions_program_id_programs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("microcycle_id", "day_index", name="uq_sessions_microcycle_day"),
    )
    op.create_index("ix_sessions_program_id", "sessions", ["program_id"])
    op.create_table(
        "session_exercises",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("sets", sa.Integer(), nullable=False),
        sa.Column("reps_min", sa.Integer(), nullable=False),
        sa.Column("reps_max", sa.Integer(), nullable=False),
        sa.Column("target_rpe", sa.Numeric(3, 1), nullable=True),
        sa.Column("target_percent_1rm", sa.Integer(), nullable=True),
        sa.Column("rest_seconds", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint("sets > 0", name="ck_session_exercises_sets_positive"),
        sa.CheckConstraint("reps_min > 0 AND reps_max >= reps_min", name="ck_session_exercises_reps_range"),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movements.id"],
            name="fk_session_exercises_movement_id_movements",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name="fk_session_exercises_session_id_sessions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_session_exercises"),
        sa.UniqueConstraint("session_id", "position", name="uq_session_exercises_session_position"),
    )
    op.create_index("ix_session_exercises_movement_id", "session_exercises", ["movement_id"])


def downgrade() -> None:
    op.drop_table("session_exercises")
    op.drop_table("sessions")
    op.drop_table("microcycles")
    op.drop_table("programs")
    op.drop_table("movements")
    op.drop_table("users")
