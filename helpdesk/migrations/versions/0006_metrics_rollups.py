"""metrics rollups per dimension: session_rollup keyed by place first, an all-places
session_rollup_all, triage_rollup with one row per day and attribute value

Rollups are derived data: the tables are recreated and refilled from the source tables.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 17:55:31.432892
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _session_rollup() -> None:
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


def upgrade() -> None:
    op.drop_table("session_rollup")
    op.drop_table("triage_rollup")
    _session_rollup()
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
    from helpdesk.metrics.rollup import rebuild

    rebuild(
        Session(bind=op.get_bind()),
        os.environ.get("HELPDESK_TIMEZONE", "").strip() or "Europe/Copenhagen",
    )


def downgrade() -> None:
    op.drop_table("triage_rollup")
    op.drop_table("session_rollup_all")
    op.drop_table("session_rollup")
    op.create_table(
        "session_rollup",
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dimension", "day", "location_id", "value"),
    )
    op.create_table(
        "triage_rollup",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("helpful", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "language", "outcome", "helpful"),
    )
