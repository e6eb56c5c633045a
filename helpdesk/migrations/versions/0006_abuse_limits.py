"""abuse limits: a keyed hash of the booking's network address (per-address booking limit, the
coordinator's bursts), indexes for counting by contact and address, and per-address request
windows (triage, booking look-ups)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 08:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(
            "ix_booking_client_hash_created_at", ["client_hash", "created_at"], unique=False
        )
        batch_op.create_index("ix_booking_phone", ["phone"], unique=False)
        batch_op.create_index("ix_booking_email", ["email"], unique=False)
    op.create_table(
        "rate_limit_window",
        sa.Column("bucket", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "key_hash", "window_start"),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_window")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_email")
        batch_op.drop_index("ix_booking_phone")
        batch_op.drop_index("ix_booking_client_hash_created_at")
        batch_op.drop_column("client_hash")
