"""The movement library's version: one counter, bumped by every statement that writes ``movements``.

A cached answer that shows movements (names, patterns, equipment) is valid only for the library
it was computed from. The counter is bumped by a statement-level trigger, so every writer counts
(the importer, the seeder, a hand-written ``UPDATE``), in the writer's own transaction: the new
version is visible exactly when the new rows are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "movement_library_version",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_movement_library_version"),
    )
    op.execute("INSERT INTO movement_library_version (id, version) VALUES (1, 0)")
    op.execute(
        """
        CREATE FUNCTION bump_movement_library_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE movement_library_version SET version = version + 1 WHERE id = 1;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER movements_bump_library_version "
        "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON movements "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_movement_library_version()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER movements_bump_library_version ON movements")
    op.execute("DROP FUNCTION bump_movement_library_version()")
    op.drop_table("movement_library_version")
