"""Keeping the daily rollups (:mod:`helpdesk.metrics.models`) in step with their sources.

Whoever writes session logs or triage events through the ORM (``session.add``, changing
``helpful``, deleting) keeps the rollups right without knowing about them: a flush hook adds and
subtracts the same changes in the same transaction, so a rollback undoes both. Bulk loads that
bypass the ORM (the demo history generator, the bench) call :func:`rebuild` afterwards.

The hook sees what the ORM flushes, not what the database does by itself: a bulk ``INSERT`` or
``DELETE`` statement, or topics removed by ``ON DELETE CASCADE`` when a session log is deleted
(nothing in the service deletes session logs). :func:`rebuild` repairs any of that.

Triage events are counted by local day, so the hook needs the service's time zone. It is
given with the session factory the hook is registered on (:func:`keep_in_step`, called by
:func:`helpdesk.lifecycle.open_database`): only the service's own sessions are watched, each
service with its own zone, and nothing is switched on by importing this module.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction, sessionmaker

from helpdesk.events.models import TriageEvent
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from helpdesk.metrics.dimensions import ROLLED_UP
from helpdesk.metrics.models import (
    SessionRollup,
    SessionRollupAll,
    TriageRollup,
    TriageRollupPlace,
)

#: The triage-event attributes counted per value.
TRIAGE_DIMENSIONS: tuple[str, ...] = ("channel", "language", "outcome", "helpful")
#: The session-log attributes counted per value (topic is counted from help_log_topic).
SESSION_DIMENSIONS = ROLLED_UP

SESSION_TABLE: Table = SessionRollup.__table__  # type: ignore[attr-defined]
SESSION_ALL_TABLE: Table = SessionRollupAll.__table__  # type: ignore[attr-defined]
TRIAGE_TABLE: Table = TriageRollup.__table__  # type: ignore[attr-defined]
TRIAGE_PLACE_TABLE: Table = TriageRollupPlace.__table__  # type: ignore[attr-defined]


def week_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week ``day`` is in."""
    return day - dt.timedelta(days=day.weekday())


def local_day(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).date()


def helpful_value(helpful: bool | None) -> str:
    return "unanswered" if helpful is None else ("yes" if helpful else "no")


def _session_value(dimension: str, value: Any) -> str:
    if dimension == "interpreter":
        return "yes" if value else "no"
    return str(value)


# --- the flush hook ----------------------------------------------------------------------------

SessionKey = tuple[str, dt.date, int, str]
TriageKey = tuple[str, dt.date, str]
#: (dimension, day, place, value): events asked at a place (a kiosk that sent it).
TriagePlaceKey = tuple[str, dt.date, int, str]


def _old(obj: object, attribute: str) -> Any:
    """The value an attribute had before this flush (the current one if it did not change)."""
    history = inspect(obj).attrs[attribute].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, attribute)


def _session_keys(log: HelpLog, *, before: bool = False) -> list[SessionKey]:
    def get(name: str) -> Any:
        return _old(log, name) if before else getattr(log, name)

    day, location = get("held_on"), get("location_id")
    return [(d, day, location, _session_value(d, get(d))) for d in SESSION_DIMENSIONS]


def _topic_key(topic: HelpLogTopic, *, before: bool = False) -> SessionKey:
    def get(name: str) -> Any:
        return _old(topic, name) if before else getattr(topic, name)

    return ("topic", get("held_on"), get("location_id"), get("topic"))


def _triage_keys(
    event_row: TriageEvent, zone: ZoneInfo, *, before: bool = False
) -> list[TriageKey]:
    def get(name: str) -> Any:
        return _old(event_row, name) if before else getattr(event_row, name)

    day = local_day(get("created_at"), zone)
    values = {
        "channel": get("channel"),
        "language": get("language"),
        "outcome": get("outcome"),
        "helpful": helpful_value(get("helpful")),
    }
    return [(dimension, day, values[dimension]) for dimension in TRIAGE_DIMENSIONS]


def _triage_place_keys(
    event_row: TriageEvent, zone: ZoneInfo, *, before: bool = False
) -> list[TriagePlaceKey]:
    location = _old(event_row, "location_id") if before else event_row.location_id
    if location is None:
        return []
    return [
        (dimension, day, location, value)
        for dimension, day, value in _triage_keys(event_row, zone, before=before)
    ]


def keep_in_step(factory: sessionmaker[Any], timezone: str) -> None:
    """Keep the rollups in step with what sessions made by ``factory`` flush, counting triage
    events by calendar day in ``timezone``. Register once per factory (a second registration
    would count everything twice)."""
    zone = ZoneInfo(timezone)

    def count_flushed(session: OrmSession, _context: UOWTransaction) -> None:
        _count_flushed(session, zone)

    event.listen(factory, "after_flush", count_flushed)


def _count_flushed(session: OrmSession, zone: ZoneInfo) -> None:
    sessions: Counter[SessionKey] = Counter()
    triage: Counter[TriageKey] = Counter()
    places: Counter[TriagePlaceKey] = Counter()
    for obj in session.new:
        if isinstance(obj, HelpLog):
            sessions.update(_session_keys(obj))
        elif isinstance(obj, HelpLogTopic):
            sessions[_topic_key(obj)] += 1
        elif isinstance(obj, TriageEvent):
            triage.update(_triage_keys(obj, zone))
            places.update(_triage_place_keys(obj, zone))
    for obj in session.deleted:
        if isinstance(obj, HelpLog):
            sessions.subtract(_session_keys(obj, before=True))
        elif isinstance(obj, HelpLogTopic):
            sessions[_topic_key(obj, before=True)] -= 1
        elif isinstance(obj, TriageEvent):
            triage.subtract(_triage_keys(obj, zone, before=True))
            places.subtract(_triage_place_keys(obj, zone, before=True))
    for obj in session.dirty:
        if not session.is_modified(obj):
            continue
        if isinstance(obj, HelpLog):
            sessions.subtract(_session_keys(obj, before=True))
            sessions.update(_session_keys(obj))
        elif isinstance(obj, HelpLogTopic):
            sessions[_topic_key(obj, before=True)] -= 1
            sessions[_topic_key(obj)] += 1
        elif isinstance(obj, TriageEvent):
            triage.subtract(_triage_keys(obj, zone, before=True))
            triage.update(_triage_keys(obj, zone))
            places.subtract(_triage_place_keys(obj, zone, before=True))
            places.update(_triage_place_keys(obj, zone))
    if changes := [(key, n) for key, n in sessions.items() if n]:
        _add_sessions(session.connection(), changes)
    if triage_changes := [(key, n) for key, n in triage.items() if n]:
        _add_triage(session.connection(), triage_changes)
    if place_changes := [(key, n) for key, n in places.items() if n]:
        _add_triage_places(session.connection(), place_changes)


def _upsert(
    connection: Connection, table: Table, count_column: str, rows: list[dict[str, Any]]
) -> None:
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key.columns],
        set_={count_column: table.c[count_column] + statement.excluded[count_column]},
    )
    connection.execute(statement, rows)


def _add_sessions(connection: Connection, changes: Iterable[tuple[SessionKey, int]]) -> None:
    per_place: Counter[SessionKey] = Counter()
    all_places: Counter[tuple[str, dt.date, str]] = Counter()
    for (dimension, day, location, value), n in changes:
        per_place[(dimension, day, location, value)] += n
        all_places[(dimension, day, value)] += n
    _upsert(
        connection,
        SESSION_TABLE,
        "sessions",
        [
            {
                "dimension": dimension,
                "location_id": location,
                "day": day,
                "value": value,
                "week": week_of(day),
                "sessions": n,
            }
            for (dimension, day, location, value), n in sorted(per_place.items())
        ],
    )
    _upsert(
        connection,
        SESSION_ALL_TABLE,
        "sessions",
        [
            {"dimension": d, "day": day, "value": v, "week": week_of(day), "sessions": n}
            for (d, day, v), n in sorted(all_places.items())
        ],
    )


def _add_triage(connection: Connection, changes: Iterable[tuple[TriageKey, int]]) -> None:
    rows = [
        {"dimension": d, "day": day, "value": v, "week": week_of(day), "events": n}
        for (d, day, v), n in sorted(changes)
    ]
    _upsert(connection, TRIAGE_TABLE, "events", rows)


def _add_triage_places(
    connection: Connection, changes: Iterable[tuple[TriagePlaceKey, int]]
) -> None:
    rows = [
        {
            "dimension": d,
            "location_id": location,
            "day": day,
            "value": v,
            "week": week_of(day),
            "events": n,
        }
        for (d, day, location, v), n in sorted(changes)
    ]
    _upsert(connection, TRIAGE_PLACE_TABLE, "events", rows)


# --- rebuilding from the sources ---------------------------------------------------------------


def rebuild(session: OrmSession, timezone: str) -> None:
    """Recompute both rollups from help_log, help_log_topic and triage_event (after a bulk
    load, or to repair). Runs in the caller's transaction."""
    rebuild_sessions(session)
    rebuild_triage(session, timezone)


def rebuild_sessions(session: OrmSession) -> None:
    connection = session.connection()
    connection.execute(text("DELETE FROM session_rollup"))
    for dimension in SESSION_DIMENSIONS:
        value = (
            "CASE WHEN interpreter THEN 'yes' ELSE 'no' END"
            if dimension == "interpreter"
            else dimension
        )
        # The dimension name is one of the constants above, never input.
        connection.execute(
            text(
                "INSERT INTO session_rollup (dimension, location_id, day, value, week, sessions) "  # noqa: S608
                f"SELECT '{dimension}', location_id, held_on, {value}, MIN(week), COUNT(*) "
                f"FROM help_log GROUP BY held_on, location_id, {value}"
            )
        )
    connection.execute(
        text(
            "INSERT INTO session_rollup (dimension, location_id, day, value, week, sessions) "
            "SELECT 'topic', l.location_id, l.held_on, t.topic, MIN(l.week), COUNT(*) "
            "FROM help_log_topic t JOIN help_log l ON l.id = t.log_id "
            "GROUP BY l.held_on, l.location_id, t.topic"
        )
    )
    connection.execute(text("DELETE FROM session_rollup_all"))
    connection.execute(
        text(
            "INSERT INTO session_rollup_all (dimension, day, value, week, sessions) "
            "SELECT dimension, day, value, MIN(week), SUM(sessions) FROM session_rollup "
            "GROUP BY dimension, day, value"
        )
    )


def rebuild_triage(session: OrmSession, timezone: str) -> None:
    connection = session.connection()
    zone = ZoneInfo(timezone)
    connection.execute(text("DELETE FROM triage_rollup"))
    connection.execute(text("DELETE FROM triage_rollup_place"))
    helpful = "CASE WHEN helpful IS NULL THEN 'unanswered' WHEN helpful THEN 'yes' ELSE 'no' END"
    if connection.dialect.name == "postgresql":
        for dimension in TRIAGE_DIMENSIONS:
            value = helpful if dimension == "helpful" else dimension
            # The dimension name is one of the constants above, never input.
            connection.execute(
                text(
                    "INSERT INTO triage_rollup (dimension, day, value, week, events) "  # noqa: S608
                    f"SELECT '{dimension}', d, v, CAST(date_trunc('week', d) AS date), COUNT(*) "
                    "FROM (SELECT CAST(created_at AT TIME ZONE :zone AS date) AS d, "
                    f"{value} AS v FROM triage_event) AS e GROUP BY d, v"
                ),
                {"zone": zone.key},
            )
            connection.execute(
                text(
                    "INSERT INTO triage_rollup_place "  # noqa: S608
                    "(dimension, location_id, day, value, week, events) "
                    f"SELECT '{dimension}', location_id, d, v, "
                    "CAST(date_trunc('week', d) AS date), COUNT(*) "
                    "FROM (SELECT location_id, CAST(created_at AT TIME ZONE :zone AS date) AS d, "
                    f"{value} AS v FROM triage_event WHERE location_id IS NOT NULL) AS e "
                    "GROUP BY location_id, d, v"
                ),
                {"zone": zone.key},
            )
        return
    # SQLite has no time zones: count by UTC hour in SQL (stored as "YYYY-MM-DD HH:MM:SS"),
    # then fold the hours into local days here (offsets are whole hours in Denmark; a zone
    # with half-hour offsets would be off by up to half an hour at midnight).
    totals: Counter[TriageKey] = Counter()
    places: Counter[TriagePlaceKey] = Counter()
    result = connection.execute(
        text(
            f"SELECT substr(created_at, 1, 13), channel, language, outcome, {helpful}, "  # noqa: S608
            "location_id, COUNT(*) FROM triage_event GROUP BY 1, 2, 3, 4, 5, 6"
        )
    )
    days: dict[str, dt.date] = {}
    for hour, channel, language, outcome, answer, location, n in result:
        day = days.get(hour)
        if day is None:
            moment = dt.datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
            day = days[hour] = local_day(moment, zone)
        values = {"channel": channel, "language": language, "outcome": outcome, "helpful": answer}
        for dimension, value in values.items():
            totals[(dimension, day, value)] += n
            if location is not None:
                places[(dimension, day, location, value)] += n
    if totals:
        _add_triage(connection, totals.items())
    if places:
        _add_triage_places(connection, places.items())


def rebuild_if_behind(session: OrmSession, timezone: str) -> bool:
    """Rebuild the rollups when a source table has rows but its rollup has none: triage events
    recorded before the rollups existed (an upgrade), or a bulk load that bypassed the hook.
    Cheap when all is well (four existence checks). Returns whether it rebuilt."""
    connection = session.connection()

    def has_rows(table: str) -> bool:
        # The table names are constants, never input.
        return connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None  # noqa: S608

    behind = (has_rows("triage_event") and not has_rows("triage_rollup")) or (
        has_rows("help_log") and not has_rows("session_rollup")
    )
    if behind:
        rebuild(session, timezone)
    return behind
