"""administration: a session type can be deactivated (its schedules then make no slots)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_type", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("session_type", schema=None) as batch_op:
        batch_op.alter_column("active", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("session_type", schema=None) as batch_op:
        batch_op.drop_column("active")
