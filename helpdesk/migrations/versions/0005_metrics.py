"""metrics: daily rollups per attribute value (sessions per place and for all places, triage
events) and a partial index for the unmet-demand questions

The rollups are derived data. This migration only creates them: triage events recorded before
it are rolled up by the service at start-up (``helpdesk.metrics.rollup.rebuild_if_behind``), so
that no migration depends on application code.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 17:29:07.955813
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMET = "question IS NOT NULL AND (outcome = 'human' OR helpful = false)"


def upgrade() -> None:
    op.create_table(
        "session_rollup",
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dimension", "location_id", "day", "value"),
    )
    op.create_table(
        "session_rollup_all",
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "day", "value"),
    )
    op.create_table(
        "triage_rollup",
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "day", "value"),
    )
    with op.batch_alter_table("triage_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_triage_event_unmet",
            ["created_at"],
            unique=False,
            sqlite_where=sa.text(UNMET),
            postgresql_where=sa.text(UNMET),
        )


def downgrade() -> None:
    with op.batch_alter_table("triage_event", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_triage_event_unmet", sqlite_where=sa.text(UNMET), postgresql_where=sa.text(UNMET)
        )
    op.drop_table("triage_rollup")
    op.drop_table("session_rollup_all")
    op.drop_table("session_rollup")
