"""Per-address request limits (triage, booking look-ups): fixed windows counted in the database.

Why the database and a fixed window: the service runs in several processes (and on several
hosts), so an in-process counter would let each process allow the full limit. One row per
(bucket, keyed address hash, window start) is raised with a single atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING hits`` on SQLite and PostgreSQL alike: no read
before the write, so concurrent requests cannot both see the last free hit. A fixed window can
let up to twice the limit through around a window's edge; for generous limits against floods
that is fine, and it costs one small row per address and window instead of one per request.
Rows hold no address (a keyed hash only) and are deleted after a day with the daily purge.

Booking itself is limited separately, by counting bookings (helpdesk.booking.limits).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import Column, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col

from helpdesk.clock import utcnow
from helpdesk.dbtypes import UTCDateTime

RETENTION = dt.timedelta(days=1)
KEY_SALT = b"helpdesk-rate-limit:"


class RateLimitWindow(SQLModel, table=True):
    """Requests counted for one address hash in one window of one kind (``bucket``)."""

    __tablename__ = "rate_limit_window"

    bucket: str = Field(max_length=16, primary_key=True)
    key_hash: str = Field(max_length=64, primary_key=True)
    window_start: dt.datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    hits: int = 0


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    #: Seconds until the window ends (when refused).
    retry_after: int = 0


def key_hash(secret_key: str, address: str) -> str:
    return hmac.new(secret_key.encode(), KEY_SALT + address.encode(), hashlib.sha256).hexdigest()


def window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, dt.UTC)


def hit(
    session: Session,
    bucket: str,
    key: str,
    limit: int,
    window: dt.timedelta,
    now: dt.datetime | None = None,
) -> RateDecision:
    """Count one request and say whether it is within ``limit`` per ``window``; commits."""
    now = now or utcnow()
    start = window_start(now, window)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateLimitWindow.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(bucket=bucket, key_hash=key, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=["bucket", "key_hash", "window_start"],
            set_={"hits": table.c.hits + 1},
        )
        .returning(table.c.hits)
    )
    hits = int(session.execute(statement).scalar_one())
    session.commit()
    if hits > limit:
        retry = int((start + window - now).total_seconds()) + 1
        return RateDecision(False, max(1, retry))
    return RateDecision(True)


def purge_rate_windows(session: Session, now: dt.datetime | None = None) -> int:
    cutoff = (now or utcnow()) - RETENTION
    result = session.execute(
        delete(RateLimitWindow).where(col(RateLimitWindow.window_start) < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
