"""help log: the assisted help sessions' tables are named for what they are

``session_log`` and ``session_topic`` become ``help_log`` and ``help_log_topic`` (and the topic's
``session_id`` becomes ``log_id``), so that "session" in the code means the database session
only. The tables are made anew and the rows copied, rather than renamed in place, so that the
constraint, index and sequence names follow on SQLite and PostgreSQL alike.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOG_COLUMNS = (
    "id, held_on, week, location_id, channel, language, interpreter, age_band, first_visit, "
    "outcome, self_reliance, duration_minutes, other_topic, note, booking_id, logged_by, "
    "created_at"
)


def _create_log_tables(log: str, topic: str, topic_key: str) -> None:
    op.create_table(
        log,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("interpreter", sa.Boolean(), nullable=False),
        sa.Column("age_band", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("first_visit", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("self_reliance", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("other_topic", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("logged_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "age_band IN ('15-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75+', 'unknown')",
            name=f"ck_{log}_age_band",
        ),
        sa.CheckConstraint(
            "channel IN ('booked', 'walk_in', 'outreach', 'phone')", name=f"ck_{log}_channel"
        ),
        sa.CheckConstraint("first_visit IN ('yes', 'no', 'unknown')", name=f"ck_{log}_first_visit"),
        sa.CheckConstraint(
            "outcome IN ('solved', 'partly_solved', 'referred', 'arranged', 'not_solved')",
            name=f"ck_{log}_outcome",
        ),
        sa.CheckConstraint(
            "self_reliance IN ('yes', 'with_help', 'no')", name=f"ck_{log}_self_reliance"
        ),
        sa.CheckConstraint(
            "duration_minutes >= 0 AND duration_minutes <= 480", name=f"ck_{log}_duration"
        ),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["logged_by"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booking_id"),
    )
    op.create_index(f"ix_{log}_held_on_location", log, ["held_on", "location_id"])
    op.create_table(
        topic,
        sa.Column(topic_key, sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint([topic_key], [f"{log}.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(topic_key, "topic"),
    )
    op.create_index(
        f"ix_{topic}_held_on_location_topic", topic, ["held_on", "location_id", "topic"]
    )


def _move(old: tuple[str, str, str], new: tuple[str, str, str]) -> None:
    """Copy the logs and their topics from the ``old`` tables into the ``new`` ones (each given
    as log table, topic table, topic's key column), then drop the old tables."""
    # Every name below is one of this migration's own table and column names, never input.
    old_log, old_topic, old_key = old
    new_log, new_topic, new_key = new
    _create_log_tables(new_log, new_topic, new_key)
    copy_logs = f"INSERT INTO {new_log} ({LOG_COLUMNS}) SELECT {LOG_COLUMNS} FROM {old_log}"  # noqa: S608
    op.execute(copy_logs)
    op.execute(
        f"INSERT INTO {new_topic} ({new_key}, topic, held_on, location_id) "  # noqa: S608
        f"SELECT {old_key}, topic, held_on, location_id FROM {old_topic}"
    )
    op.drop_index(f"ix_{old_topic}_held_on_location_topic", table_name=old_topic)
    op.drop_table(old_topic)
    op.drop_index(f"ix_{old_log}_held_on_location", table_name=old_log)
    op.drop_table(old_log)
    if op.get_bind().dialect.name == "postgresql":
        # The ids were copied: the new table's sequence continues after them.
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{new_log}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT max(id) FROM {new_log}), 0) + 1, false)"
        )


def upgrade() -> None:
    _move(("session_log", "session_topic", "session_id"), ("help_log", "help_log_topic", "log_id"))


def downgrade() -> None:
    _move(("help_log", "help_log_topic", "log_id"), ("session_log", "session_topic", "session_id"))
