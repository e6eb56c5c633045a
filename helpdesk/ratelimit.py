"""Per-address request limits (triage, booking look-ups): fixed windows counted in the database.

Why the database and a fixed window: the service runs in several processes (and on several
hosts), so an in-process counter would let each process allow the full limit. One row per
(bucket, keyed address hash, window start) is raised with a single atomic
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING hits`` on SQLite and PostgreSQL alike: no read
before the write, so concurrent requests cannot both see the last free hit. A fixed window can
let up to twice the limit through around a window's edge; for generous limits against floods
that is fine, and it costs one small row per address and window instead of one per request.
Rows hold no address (a keyed hash only) and are deleted after a day with the daily purge.

A transaction per request made that write the most expensive part of a triage answer, so each
process puts a :class:`RateCounter` in front of it: an address it has seen in this window is
counted here and written in one statement every :data:`SYNC_SECONDS` or every tenth of the
limit, whichever comes first, and always when the count comes near the limit. In one process
the limit is exact; across P processes it can be exceeded by at most P tenths of it within a
window (each process's unwritten hits), which is well inside what the limits are for.

Booking itself is limited separately, by counting bookings (helpdesk.booking.limits).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Column, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col

from helpdesk.clock import utcnow
from helpdesk.dbtypes import UTCDateTime

RETENTION = dt.timedelta(days=1)
KEY_SALT = b"helpdesk-rate-limit:"
#: Hits counted in a process are written at least this often (seconds) ...
SYNC_SECONDS = 1.0
#: ... and whenever they reach this share of the limit.
SYNC_SHARE = 0.1
#: Windows a process remembers before it forgets the ended ones.
REMEMBERED_WINDOWS = 4096


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
    #: Allowed by this process's count, whose hits are due to be written: the caller writes
    #: them behind the answer (:meth:`RateCounter.write_behind`), without making it wait.
    write_behind: bool = False


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
    hits: int = 1,
) -> RateDecision:
    """Count ``hits`` requests and say whether the window is within ``limit``; commits."""
    return _decision(
        add_hits(session, bucket, key, window, now or utcnow(), hits), limit, window, now
    )


def add_hits(
    session: Session, bucket: str, key: str, window: dt.timedelta, now: dt.datetime, hits: int
) -> int:
    """Add ``hits`` to the window's row in one atomic statement; the window's total. Commits."""
    start = window_start(now, window)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = RateLimitWindow.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(bucket=bucket, key_hash=key, window_start=start, hits=hits)
        .on_conflict_do_update(
            index_elements=["bucket", "key_hash", "window_start"],
            set_={"hits": table.c.hits + hits},
        )
        .returning(table.c.hits)
    )
    total = int(session.execute(statement).scalar_one())
    session.commit()
    return total


def _decision(
    total: int, limit: int, window: dt.timedelta, now: dt.datetime | None = None
) -> RateDecision:
    if total <= limit:
        return RateDecision(True)
    now = now or utcnow()
    retry = int((window_start(now, window) + window - now).total_seconds()) + 1
    return RateDecision(False, max(1, retry))


@dataclass
class _Tally:
    """One window of one address, as this process knows it."""

    written: int  # the window's total in the database when this process last wrote
    pending: int = 0  # hits counted here since then
    written_at: float = 0.0  # when (monotonic seconds)
    writing: bool = False  # a write behind the answers is under way
    in_flight: int = 0  # the hits it is writing
    #: Held while this window's hits are written: a write that decides waits for one behind
    #: the answers, so that its total counts those hits too (the limit stays exact).
    write_lock: threading.Lock = field(default_factory=threading.Lock)


class RateCounter:
    """This process's front of :func:`add_hits` (see the module's docstring for why).

    Use in two steps, so that a request decided here never waits for a thread or the database:
    :meth:`decide_here` counts the hit and decides, or returns None; then :meth:`write` (in a
    thread, with a session) writes what this process has counted, this hit included, and
    decides on the database's total. Only an address first seen in its window, or near its
    limit, waits for that write; otherwise the periodic write is a decision's ``write_behind``,
    done after the answer (:meth:`write_behind`). A request that waited for a write while
    another transaction held the database (SQLite has one writer at a time) was what made
    triage's slowest answers take a second.
    """

    def __init__(
        self,
        sync_seconds: float = SYNC_SECONDS,
        sync_share: float = SYNC_SHARE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sync_seconds = sync_seconds
        self.sync_share = sync_share
        self.clock = clock
        self._tallies: dict[tuple[str, str, dt.datetime], _Tally] = {}
        self._lock = threading.Lock()

    def decide_here(
        self, bucket: str, key: str, limit: int, window: dt.timedelta, now: dt.datetime
    ) -> RateDecision | None:
        tally = self._tallies.get((bucket, key, window_start(now, window)))
        if tally is None:
            return None  # first seen in this window: the database knows more
        with self._lock:
            if tally.written > limit:
                # Refused by the database's count already: nothing to add to it.
                return _decision(tally.written, limit, window, now)
            if tally.written + tally.in_flight + tally.pending + 1 > limit:
                return None  # near the limit: decided on the database's count
            tally.pending += 1
            step = max(1, int(limit * self.sync_share))
            due = self.clock() - tally.written_at >= self.sync_seconds
            if (due or tally.pending >= step) and not tally.writing:
                tally.writing = True
                return RateDecision(True, write_behind=True)
            return RateDecision(True)

    def write_behind(
        self, session: Session, bucket: str, key: str, window: dt.timedelta, now: dt.datetime
    ) -> None:
        """Write the hits this process counted for the window (after a ``write_behind``
        decision); if the write fails they stay counted here for the next one."""
        window_key = (bucket, key, window_start(now, window))
        with self._lock:
            tally = self._tallies.get(window_key)
        if tally is None:
            return
        with tally.write_lock:
            with self._lock:
                hits, tally.pending, tally.in_flight = tally.pending, 0, tally.pending
            try:
                total = add_hits(session, bucket, key, window, now, hits) if hits else None
            except BaseException:
                with self._lock:
                    tally.pending += hits
                    tally.in_flight = 0
                    tally.writing = False
                raise
            with self._lock:
                if total is not None:
                    tally.written = max(tally.written, total)
                tally.in_flight = 0
                tally.written_at = self.clock()
                tally.writing = False

    def write(
        self,
        session: Session,
        bucket: str,
        key: str,
        limit: int,
        window: dt.timedelta,
        now: dt.datetime,
    ) -> RateDecision:
        window_key = (bucket, key, window_start(now, window))
        with self._lock:
            tally = self._tallies.get(window_key)
        with tally.write_lock if tally else contextlib.nullcontext():
            with self._lock:
                hits = 1 + (tally.pending if tally else 0)
                if tally:
                    tally.pending = 0
            total = add_hits(session, bucket, key, window, now, hits)
        with self._lock:
            if window_key not in self._tallies and len(self._tallies) >= REMEMBERED_WINDOWS:
                self._forget_ended(now)
            tally = self._tallies.setdefault(window_key, _Tally(written=total))
            tally.written = max(tally.written, total)
            tally.written_at = self.clock()
        return _decision(total, limit, window, now)

    def _forget_ended(self, now: dt.datetime) -> None:
        ended = [key for key in self._tallies if key[2] < now - RETENTION / 24]
        for key in ended:
            del self._tallies[key]
        if len(self._tallies) >= REMEMBERED_WINDOWS:
            self._tallies.clear()  # a flood of addresses: start afresh, the database counts on


def purge_rate_windows(session: Session, now: dt.datetime | None = None) -> int:
    cutoff = (now or utcnow()) - RETENTION
    result = session.execute(
        delete(RateLimitWindow).where(col(RateLimitWindow.window_start) < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
