"""reminders and places of self-service: a booking's reminder state, the place a triage event
was asked at, and triage counts per place

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "reminder_failures", sa.Integer(), nullable=False, server_default=sa.text("0")
            )
        )
    with op.batch_alter_table("triage_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_triage_event_location_id_location",
            "location",
            ["location_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "triage_rollup_place",
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dimension", "location_id", "day", "value"),
    )


def downgrade() -> None:
    op.drop_table("triage_rollup_place")
    with op.batch_alter_table("triage_event", schema=None) as batch_op:
        batch_op.drop_constraint("fk_triage_event_location_id_location", type_="foreignkey")
        batch_op.drop_column("location_id")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("reminder_failures")
        batch_op.drop_column("reminded_at")
