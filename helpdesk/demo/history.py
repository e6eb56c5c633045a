"""A realistic, anonymous history of session logs and triage events, for demos and benchmarks.

``helpdesk serve --demo`` loads a year of it (once) so that the coordinator's dashboard looks
alive on a fresh machine; ``bench/metrics.py`` loads a million sessions and five million triage
events. It is made fast by drawing everything with numpy and writing with SQLAlchemy Core
``executemany`` in chunks (no ORM objects), and deterministic for a seed (except the triage
events' feedback tokens, which must stay unguessable and unique across runs).

The shape follows what Aarhus's help desks see: Dokk1 (the main library with Borgerservice) is
busiest; weekdays are busier than Saturdays (libraries open, Borgerservice closed) and Sundays;
January and March are busy (the preliminary tax assessment, then the annual statement), spring
brings passports before the summer holidays, July is quiet; most sessions are in Danish, then
Arabic, Ukrainian, Turkish, Somali, Persian, Polish and English; older citizens dominate; first
visits are less often solved and fewer first-timers can manage alone next time.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tomllib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk import LANGUAGES
from helpdesk.booking.models import Location
from helpdesk.clock import utcnow
from helpdesk.events.models import TriageEvent
from helpdesk.helplog.models import (
    AGE_BANDS,
    CHANNELS,
    FIRST_VISIT,
    OTHER_TOPIC,
    OUTCOMES,
    SELF_RELIANCE,
    HelpLog,
    HelpLogTopic,
)
from helpdesk.helplog.service import OTHER_LANGUAGE, week_of
from helpdesk.kb.models import GuideRecord

logger = logging.getLogger(__name__)

CHUNK = 10_000
#: Rows drawn at once (a block of days): bounds memory whatever the volume.
BLOCK = 500_000
QUESTIONS_FILE = Path(__file__).with_name("questions.toml")
GUIDES_DIR = Path(__file__).resolve().parents[1] / "kb" / "guides"
#: The demo's volume: about what Aarhus's desks and self-service see on an ordinary day.
DEMO_SESSIONS_PER_DAY = 40.0
DEMO_TRIAGE_PER_DAY = 400.0
DEMO_SEED = 20261124

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# --- the shape of the history ------------------------------------------------------------------

#: Relative volume Monday..Sunday: desks (Borgerservice closed at weekends; libraries open on
#: Saturday) and self-service (online every day, a little less at weekends).
SESSION_WEEKDAYS = np.array([1.25, 1.2, 1.15, 1.2, 0.9, 0.35, 0.1])
TRIAGE_WEEKDAYS = np.array([1.2, 1.15, 1.1, 1.1, 0.95, 0.7, 0.8])
#: Relative volume January..December.
MONTHS = np.array([1.15, 1.0, 1.3, 1.1, 1.1, 0.95, 0.55, 0.85, 1.05, 1.05, 1.05, 0.8])
#: Relative weight of each place, by slug; other places by kind.
LOCATION_WEIGHTS = {
    "dokk1": 10.0,
    "borgerservice": 8.0,
    "gellerup": 4.0,
    "hasle": 2.2,
    "viby": 2.5,
    "tilst": 1.5,
    "risskov": 1.5,
    "herberget": 0.8,
    "solbakken": 0.8,
    "krisecenter": 0.3,
}
KIND_WEIGHTS = {"citizen-service": 6.0, "library": 1.5, "outreach": 0.5}
#: Places where many citizens speak Arabic, Somali or Turkish.
MULTILINGUAL_PLACES = {"gellerup", "hasle"}

SESSION_LANGUAGES = (*LANGUAGES, OTHER_LANGUAGE)
#: da, en, ar, uk, tr, pl, so, fa, other; an ordinary place and a multilingual one.
SESSION_LANGUAGE_P = np.array(
    [
        [0.64, 0.04, 0.08, 0.07, 0.05, 0.03, 0.04, 0.03, 0.02],
        [0.36, 0.03, 0.22, 0.06, 0.11, 0.02, 0.12, 0.06, 0.02],
    ]
)
TRIAGE_LANGUAGE_P = np.array([[0.55, 0.09, 0.09, 0.08, 0.05, 0.04, 0.05, 0.05]])
INTERPRETER_P = {"da": 0.0, "en": 0.01, OTHER_LANGUAGE: 0.3}
#: Channel (booked, walk_in, outreach, phone) by kind of place.
CHANNEL_P = {
    "citizen-service": [0.55, 0.33, 0.0, 0.12],
    "library": [0.3, 0.6, 0.0, 0.1],
    "outreach": [0.0, 0.0, 1.0, 0.0],
}
#: Age bands 15-24 .. 75+, unknown: most places; a nursing home; a shelter.
AGE_P = np.array(
    [
        [0.04, 0.07, 0.09, 0.10, 0.15, 0.24, 0.23, 0.08],
        [0.0, 0.0, 0.01, 0.01, 0.03, 0.15, 0.75, 0.05],
        [0.12, 0.2, 0.2, 0.18, 0.14, 0.06, 0.02, 0.08],
    ]
)
FIRST_VISIT_P = np.array([[0.42, 0.48, 0.10]])
#: Outcome (solved, partly, referred, arranged, not solved) by first visit (yes, no, unknown).
OUTCOME_P = np.array(
    [
        [0.50, 0.22, 0.10, 0.06, 0.12],
        [0.63, 0.19, 0.07, 0.05, 0.06],
        [0.55, 0.21, 0.09, 0.05, 0.10],
    ]
)
#: "Can do it alone next time?" (yes, with help, no) by outcome; older citizens less often yes.
SELF_RELIANCE_P = np.array(
    [
        [0.46, 0.42, 0.12],
        [0.22, 0.50, 0.28],
        [0.12, 0.38, 0.50],
        [0.15, 0.30, 0.55],
        [0.06, 0.34, 0.60],
    ]
)
OLDER_YES_FACTOR = 0.65
#: Duration in minutes by channel: mean and spread.
DURATION_MEAN = np.array([28.0, 18.0, 40.0, 12.0])
DURATION_SD = np.array([9.0, 9.0, 15.0, 5.0])
TOPIC_COUNT_P = np.array([[0.74, 0.21, 0.05]])
OTHER_SHARE = 0.06
OTHER_TEXTS = (
    "Folkepension",
    "Parkeringslicens",
    "Skoleindskrivning på Aula",
    "Netbank",
    "Rejsekort",
    "Ret årsopgørelsen",
    "Skift af læge",
    "Boligstøtte, tilbagebetaling",
    "Printe et dokument",
    "Sygesikring i udlandet",
    "Tablet: opdatering",
    "Billeder på telefonen",
)
NOTES = (
    "Kom igen i næste uge med NemID-brevet.",
    "Pårørende var med.",
    "Henvist til Udbetaling Danmark.",
    "Telefonen var for gammel til MitID-appen.",
    "Brug for tolk næste gang.",
    "Viste hvordan man finder Digital Post i appen.",
)
#: Topics in season: month (1-12) -> factor, by guide slug.
SEASONS: dict[str, dict[int, float]] = {
    "tax-annual-statement": {3: 6.0, 4: 2.5, 5: 1.5},
    "tax-preliminary": {11: 3.0, 12: 2.5, 1: 3.0},
    "passport-book": {3: 1.6, 4: 2.2, 5: 2.5, 6: 1.8, 7: 0.6},
    "passport-child": {4: 2.0, 5: 2.4, 6: 1.6},
    "vote-early": {11: 3.0},
    "housing-benefit": {1: 1.8, 8: 1.6},
    "health-card": {6: 1.5, 7: 1.5},
}
#: Everyday weight of a topic (others weigh 1).
TOPIC_WEIGHTS = {
    "mitid-create-app": 6.0,
    "mitid-locked": 5.0,
    "mitid-new-phone": 4.5,
    "mitid-lost-phone": 3.0,
    "mitid-code-display": 3.0,
    "digital-post-read": 5.0,
    "digital-post-notifications": 2.5,
    "digital-post-access-others": 2.5,
    "digital-post-exemption": 2.0,
    "power-of-attorney": 2.0,
    "smartphone-basics": 3.5,
    "email-account": 2.0,
    "passport-book": 2.0,
    "health-online": 2.0,
    "change-address": 1.8,
    "aula-login": 1.5,
    "tax-annual-statement": 1.5,
    "tax-preliminary": 1.2,
    "scam-fraud": 1.2,
}

# Triage events.
TRIAGE_CHANNELS = ("kiosk", "web", "chat", "counter")
TRIAGE_CHANNEL_P = np.array([[0.22, 0.43, 0.27, 0.08]])
TRIAGE_OUTCOMES = ("guide", "clarify", "human")
TRIAGE_OUTCOME_P = np.array([[0.66, 0.18, 0.16]])
HUMAN_REASONS = ("no_match", "asked_for_person", "sensitive")
HUMAN_REASON_P = np.array([[0.55, 0.35, 0.10]])
#: P(answered "did this help?") and P(yes | answered), by outcome.
ANSWERED_P = np.array([0.38, 0.22, 0.05])
HELPFUL_P = np.array([0.74, 0.55, 0.30])
#: Share of events in each local hour: desks (kiosk, counter) and online (web, chat).
DESK_HOURS = np.array([0] * 8 + [1, 3, 5, 6, 5, 5, 6, 5, 4, 3, 1] + [0] * 5, dtype=float)
ONLINE_HOURS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2, 3.5, 4.5, 5, 5, 4.5, 5, 5, 4.5, 4, 4, 4, 4.5, 4, 3, 2, 1]
)
TYPO_SHARE = 0.3


# --- drawing -----------------------------------------------------------------------------------


def _normalised(rows: npt.ArrayLike) -> Floats:
    array = np.atleast_2d(np.asarray(rows, dtype=float))
    return array / array.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def _draw(rng: np.random.Generator, probabilities: Floats, groups: Ints | None, n: int) -> Ints:
    """One category per row: row i is drawn from ``probabilities[groups[i]]`` (or row 0 when
    there are no groups). Vectorised per group, so memory stays at a few arrays of ``n``."""
    cumulative = np.cumsum(_normalised(probabilities), axis=1)
    cumulative[:, -1] = 1.0
    uniform = rng.random(n)
    if groups is None:
        drawn = np.searchsorted(cumulative[0], uniform, side="right")
    else:
        drawn = np.empty(n, dtype=np.int64)
        for group in range(cumulative.shape[0]):
            where = groups == group
            drawn[where] = np.searchsorted(cumulative[group], uniform[where], side="right")
    result: Ints = np.minimum(drawn, cumulative.shape[1] - 1).astype(np.int64)
    return result


def _spread(rng: np.random.Generator, total: int, weights: Floats) -> Ints:
    """Exactly ``total`` items over the days, in proportion to the weights."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    return rng.multinomial(total, weights / weights.sum()).astype(np.int64)


@cache
def _questions() -> tuple[tuple[tuple[str, str], ...], Floats]:
    """The demo questions as (language, text), with a weight each (its cluster's, shared)."""
    with QUESTIONS_FILE.open("rb") as handle:
        clusters = tomllib.load(handle)["cluster"]
    questions: list[tuple[str, str]] = []
    weights: list[float] = []
    for cluster in clusters:
        variants = cluster["questions"]
        for question in variants:
            questions.append((question["lang"], question["text"]))
            weights.append(float(cluster["weight"]) / len(variants))
    return tuple(questions), np.array(weights)


def _typo(text_: str, rng: np.random.Generator) -> str:
    """A plausible slip of the finger: a letter dropped, doubled or swapped with the next."""
    if len(text_) < 6:
        return text_
    at = int(rng.integers(1, len(text_) - 2))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return text_[:at] + text_[at + 1 :]
    if kind == 1:
        return text_[:at] + text_[at] + text_[at:]
    return text_[:at] + text_[at + 1] + text_[at] + text_[at + 2 :]


def _topic_slugs(connection: Connection) -> list[str]:
    """The live knowledge base's guides, or the guide files when nothing is imported yet."""
    slugs = sorted(connection.execute(select(GuideRecord.slug)).scalars())  # type: ignore[call-overload]
    if slugs:
        return slugs
    return sorted(p.name for p in GUIDES_DIR.iterdir() if (p / "guide.toml").exists())


def _location_weight(slug: str, kind: str) -> float:
    return LOCATION_WEIGHTS.get(slug, KIND_WEIGHTS.get(kind, 1.0))


def _utc_offsets(days: Sequence[dt.date], zone: ZoneInfo) -> Ints:
    """Seconds to subtract from local wall time to get UTC, per day (taken at noon)."""
    offsets = []
    for day in days:
        offset = dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset()
        offsets.append(int(offset.total_seconds()) if offset else 0)
    return np.array(offsets, dtype=np.int64)


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the connection's transaction: a Core executemany on SQLite; COPY on
    PostgreSQL, where psycopg's executemany costs a round trip per row (COPY is about six
    times faster, and a bulk load of millions of rows is what this is for)."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    dbapi_connection: Any = connection.connection.dbapi_connection
    names = ", ".join(columns)  # our own column names, never input
    with (
        dbapi_connection.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in columns])


# --- the generator -----------------------------------------------------------------------------


def generate_history(
    target: Session | Engine,
    *,
    start: dt.date,
    days: int,
    sessions_per_day: float,
    triage_per_day: float,
    seed: int,
    question_retention_days: int = 90,
    now: dt.datetime | None = None,
    timezone: str = "Europe/Copenhagen",
) -> dict[str, int]:
    """Write ``round(sessions_per_day * days)`` session logs (with their topics) and
    ``round(triage_per_day * days)`` triage events for the ``days`` days from ``start``.

    Needs the places (``location`` rows) to exist. Questions are kept only on events within
    ``question_retention_days`` of ``now`` that were handed to a person or did not help, as
    the service itself would have them. With an Engine the whole history is one transaction;
    with a Session it joins the session's transaction and the caller commits.
    """

    def generate(connection: Connection) -> dict[str, int]:
        return _generate(
            connection,
            start,
            days,
            sessions_per_day,
            triage_per_day,
            seed,
            question_retention_days,
            now or utcnow(),
            ZoneInfo(timezone),
        )

    if isinstance(target, Engine):
        with target.begin() as connection:
            return generate(connection)
    return generate(target.connection())


def _generate(
    connection: Connection,
    *args: Any,
) -> dict[str, int]:
    if connection.dialect.name != "sqlite":
        return _generate_rows(connection, *args)
    # A bigger page cache for this connection while it loads, so that the indexes being
    # filled stay in memory; then back to the default (the connection returns to the pool).
    connection.exec_driver_sql("PRAGMA cache_size = -262144")
    try:
        return _generate_rows(connection, *args)
    finally:
        connection.exec_driver_sql("PRAGMA cache_size = -2000")


def _generate_rows(
    connection: Connection,
    start: dt.date,
    days: int,
    sessions_per_day: float,
    triage_per_day: float,
    seed: int,
    retention_days: int,
    now: dt.datetime,
    zone: ZoneInfo,
) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    places = connection.execute(
        select(Location.id, Location.slug, Location.kind)  # type: ignore[call-overload]
        .where(Location.active)
        .order_by(Location.id)
    ).all()
    if not places:
        raise ValueError("no places: load them first (helpdesk.demo.booking.load_demo)")
    topics = _topic_slugs(connection)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    weekdays = np.array([d.weekday() for d in dates], dtype=np.int64)
    months = np.array([d.month for d in dates], dtype=np.int64)
    closed = holidays.country_holidays("DK", years=sorted({d.year for d in dates}))
    holiday = np.array([0.15 if d in closed else 1.0 for d in dates])

    session_days = _spread(
        rng,
        round(sessions_per_day * days),
        SESSION_WEEKDAYS[weekdays] * MONTHS[months - 1] * holiday,
    )
    event_days = _spread(
        rng,
        round(triage_per_day * days),
        TRIAGE_WEEKDAYS[weekdays] * MONTHS[months - 1] * np.sqrt(holiday),
    )
    counts = {"session_logs": 0, "session_topics": 0, "triage_events": 0, "questions": 0}
    # Draw and write a block of days at a time, so that memory stays bounded at any volume.
    low = 0
    while low < days:
        high = low + 1
        while (
            high < days
            and (session_days[low : high + 1].sum() + event_days[low : high + 1].sum()) <= BLOCK
        ):
            high += 1
        block = slice(low, high)
        _write_sessions(
            connection,
            rng,
            places,
            topics,
            dates[block],
            weekdays[block],
            months[block],
            session_days[block],
            zone,
            counts,
        )
        _write_events(
            connection,
            rng,
            places,
            topics,
            dates[block],
            months[block],
            event_days[block],
            zone,
            now,
            retention_days,
            counts,
        )
        low = high
    if counts["session_logs"] and connection.dialect.name == "postgresql":
        # Ids were given explicitly: move the sequence past them.
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('help_log', 'id'), "
                "(SELECT max(id) FROM help_log))"
            )
        )
    return counts


def _topic_probabilities(topics: Sequence[str]) -> Floats:
    """Per month (12 rows), the weight of each topic; the last column is "other"."""
    table = np.ones((12, len(topics) + 1))
    for j, slug in enumerate(topics):
        table[:, j] = TOPIC_WEIGHTS.get(slug, 1.0)
        for month, factor in SEASONS.get(slug, {}).items():
            table[month - 1, j] *= factor
    guides = table[:, :-1].sum(axis=1)
    table[:, -1] = guides * OTHER_SHARE / (1 - OTHER_SHARE)
    return _normalised(table)


def _write_sessions(
    connection: Connection,
    rng: np.random.Generator,
    places: Sequence[Any],
    topics: Sequence[str],
    dates: Sequence[dt.date],
    weekdays: Ints,
    months: Ints,
    per_day: Ints,
    zone: ZoneInfo,
    counts: dict[str, int],
) -> None:
    n = int(per_day.sum())
    if n == 0:
        return
    day = np.repeat(np.arange(len(dates)), per_day)
    weekend = weekdays[day] >= 5
    # Places: outreach visits happen on weekdays only.
    weights = np.array([[_location_weight(p.slug, p.kind) for p in places]] * 2)
    weights[1] = [
        w if p.kind != "outreach" else 0.0 for w, p in zip(weights[1], places, strict=True)
    ]
    if weights[1].sum() == 0:
        weights[1] = weights[0]
    place = _draw(rng, weights, weekend.astype(np.int64), n)
    kinds = [p.kind if p.kind in CHANNEL_P else "library" for p in places]
    kind_names = sorted(set(kinds))
    kind_of_place = np.array([kind_names.index(k) for k in kinds])
    channel = _draw(rng, np.array([CHANNEL_P[k] for k in kind_names]), kind_of_place[place], n)
    multilingual = np.array([p.slug in MULTILINGUAL_PLACES for p in places], dtype=np.int64)
    language = _draw(rng, SESSION_LANGUAGE_P, multilingual[place], n)
    interpreter_p = np.array([INTERPRETER_P.get(code, 0.18) for code in SESSION_LANGUAGES])
    interpreter = rng.random(n) < interpreter_p[language]
    age_group = np.array(
        [1 if p.slug == "solbakken" else 2 if p.slug == "herberget" else 0 for p in places]
    )
    age = _draw(rng, AGE_P, age_group[place], n)
    first = _draw(rng, FIRST_VISIT_P, None, n)
    outcome = _draw(rng, OUTCOME_P, first, n)
    older = (age == AGE_BANDS.index("65-74")) | (age == AGE_BANDS.index("75+"))
    reliance_p = np.vstack([SELF_RELIANCE_P, SELF_RELIANCE_P * [OLDER_YES_FACTOR, 1.0, 1.0]])
    reliance = _draw(rng, reliance_p, outcome + older * len(OUTCOMES), n)
    duration = rng.normal(DURATION_MEAN[channel], DURATION_SD[channel])
    duration = np.clip(np.round(duration / 5) * 5, 5, 120).astype(np.int64)
    # Topics: one to three different ones, in season.
    topic_p = _topic_probabilities(topics)
    month = months[day] - 1
    picks = np.stack([_draw(rng, topic_p, month, n) for _ in range(3)], axis=1)
    how_many = _draw(rng, TOPIC_COUNT_P, None, n) + 1
    other_index = len(topics)
    other_text = rng.integers(0, len(OTHER_TEXTS), n)
    note = np.where(rng.random(n) < 0.03, rng.integers(0, len(NOTES), n), -1)
    minute_of_day = rng.integers(9 * 60, 17 * 60, n)
    offsets = _utc_offsets(dates, zone)
    epoch = np.array([(d - dt.date(1970, 1, 1)).days * 86400 for d in dates], dtype=np.int64)
    created = epoch[day] + minute_of_day * 60 + duration * 60 - offsets[day]

    last_id = connection.execute(select(func.max(HelpLog.id))).scalar_one_or_none()
    first_id = (last_id or 0) + 1
    weeks = [week_of(d) for d in dates]
    slugs = [*topics, OTHER_TOPIC]
    place_ids = [p.id for p in places]
    topic_rows: list[dict[str, Any]] = []
    log_table = HelpLog.__table__  # type: ignore[attr-defined]
    topic_table = HelpLogTopic.__table__  # type: ignore[attr-defined]

    columns = (
        day,
        place,
        channel,
        language,
        interpreter,
        age,
        first,
        outcome,
        reliance,
        duration,
        how_many,
        other_text,
        note,
        created,
    )
    for low in range(0, n, CHUNK):
        high = min(n, low + CHUNK)
        batch: list[dict[str, Any]] = []
        for i, (d, p, c, lang, interp, a, f, o, r, minutes, k, oth, nt, ts) in enumerate(
            zip(*(column[low:high].tolist() for column in columns), strict=True), start=low
        ):
            log_id = first_id + i
            chosen = list(dict.fromkeys(picks[i, :k].tolist()))
            for t in chosen:
                topic_rows.append(
                    {
                        "log_id": log_id,
                        "topic": slugs[t],
                        "held_on": dates[d],
                        "location_id": place_ids[p],
                    }
                )
            batch.append(
                {
                    "id": log_id,
                    "held_on": dates[d],
                    "week": weeks[d],
                    "location_id": place_ids[p],
                    "channel": CHANNELS[c],
                    "language": SESSION_LANGUAGES[lang],
                    "interpreter": interp,
                    "age_band": AGE_BANDS[a],
                    "first_visit": FIRST_VISIT[f],
                    "outcome": OUTCOMES[o],
                    "self_reliance": SELF_RELIANCE[r],
                    "duration_minutes": minutes,
                    "other_topic": OTHER_TEXTS[oth] if other_index in chosen else None,
                    "note": NOTES[nt] if nt >= 0 else None,
                    "booking_id": None,
                    "logged_by": None,
                    "created_at": dt.datetime.fromtimestamp(ts, dt.UTC),
                }
            )
        _insert(connection, log_table, batch)
        _insert(connection, topic_table, topic_rows)
        counts["session_logs"] += len(batch)
        counts["session_topics"] += len(topic_rows)
        topic_rows.clear()


def _write_events(
    connection: Connection,
    rng: np.random.Generator,
    places: Sequence[Any],
    topics: Sequence[str],
    dates: Sequence[dt.date],
    months: Ints,
    per_day: Ints,
    zone: ZoneInfo,
    now: dt.datetime,
    retention_days: int,
    counts: dict[str, int],
) -> None:
    n = int(per_day.sum())
    if n == 0:
        return
    day = np.repeat(np.arange(len(dates)), per_day)
    channel = _draw(rng, TRIAGE_CHANNEL_P, None, n)
    desk = (channel == 0) | (channel == 3)
    hour = _draw(rng, np.vstack([ONLINE_HOURS, DESK_HOURS]), desk.astype(np.int64), n)
    offsets = _utc_offsets(dates, zone)
    epoch = np.array([(d - dt.date(1970, 1, 1)).days * 86400 for d in dates], dtype=np.int64)
    created = epoch[day] + hour * 3600 + rng.integers(0, 3600, n) - offsets[day]
    language = _draw(rng, TRIAGE_LANGUAGE_P, None, n)
    same_ui = rng.random(n) < 0.8
    outcome = _draw(rng, TRIAGE_OUTCOME_P, None, n)
    human_reason = _draw(rng, HUMAN_REASON_P, None, n)
    topic_p = _topic_probabilities(topics)[:, :-1]
    top = _draw(rng, topic_p, months[day] - 1, n)
    score = np.where(
        outcome == 0,
        rng.uniform(0.45, 0.95, n),
        np.where(outcome == 1, rng.uniform(0.25, 0.45, n), rng.uniform(0.02, 0.2, n)),
    )
    has_top = (outcome < 2) | ((human_reason == 0) & (rng.random(n) < 0.5))
    answered = rng.random(n) < ANSWERED_P[outcome]
    helpful_yes = rng.random(n) < HELPFUL_P[outcome]
    helpful = np.where(answered, np.where(helpful_yes, 1, 0), -1)
    cutoff = int((now - dt.timedelta(days=retention_days)).timestamp())
    unmet = (
        (created >= cutoff) & (created <= int(now.timestamp())) & ((outcome == 2) | (helpful == 0))
    )
    questions, weights = _questions()
    question = np.where(unmet, _draw(rng, weights[None, :], None, n), -1)
    typo = rng.random(n) < TYPO_SHARE
    typo_seed = rng.integers(0, 2**31, n)
    event_table = TriageEvent.__table__  # type: ignore[attr-defined]
    reasons = ("matched", "ambiguous")
    # Feedback tokens: a random prefix per run and a counter, so they are unique (across runs
    # too) and unguessable from outside, yet ascending, which keeps the unique index's inserts
    # in one place (random tokens make the B-tree insert everywhere, several times slower).
    run = secrets.token_hex(8)
    token_base = counts["triage_events"]
    # A kiosk stands in a library or at Borgerservice, and says which (the self-service figures
    # per place). Drawn from a generator of its own, so the other draws stay as they were.
    kiosk_places = [p for p in places if p.kind != "outreach"] or list(places)
    kiosk_weights = np.array([[_location_weight(p.slug, p.kind) for p in kiosk_places]])
    kiosk_place = _draw(np.random.default_rng(token_base + n), kiosk_weights, None, n)

    columns = (
        created,
        channel,
        kiosk_place,
        language,
        same_ui,
        outcome,
        human_reason,
        top,
        score,
        has_top,
        helpful,
        question,
        typo,
        typo_seed,
    )
    for low in range(0, n, CHUNK):
        high = min(n, low + CHUNK)
        batch: list[dict[str, Any]] = []
        for i, (ts, c, kp, lang, ui, o, hr, t, s, ht, h, q, ty, ts_seed) in enumerate(
            zip(*(column[low:high].tolist() for column in columns), strict=True)
        ):
            code = LANGUAGES[lang]
            text_ = None
            if q >= 0:
                code, text_ = questions[q]
                if ty:
                    text_ = _typo(text_, np.random.default_rng(ts_seed))
            batch.append(
                {
                    "created_at": dt.datetime.fromtimestamp(ts, dt.UTC),
                    "channel": TRIAGE_CHANNELS[c],
                    "language": code,
                    "ui_language": code if ui else "da",
                    "outcome": TRIAGE_OUTCOMES[o],
                    "reason": reasons[o] if o < 2 else HUMAN_REASONS[hr],
                    "top_slug": topics[t] if ht else None,
                    "top_score": round(s, 3) if ht else None,
                    "question": text_,
                    "helpful": None if h < 0 else bool(h),
                    "feedback_token": f"{run}{token_base + low + i:016x}",
                    "location_id": kiosk_places[kp].id if TRIAGE_CHANNELS[c] == "kiosk" else None,
                }
            )
        _insert(connection, event_table, batch)
        counts["triage_events"] += len(batch)
        counts["questions"] += sum(1 for row in batch if row["question"] is not None)


def load_demo_history(
    db: Engine, *, question_retention_days: int, timezone: str, now: dt.datetime | None = None
) -> dict[str, int]:
    """A year of history ending yesterday, for ``helpdesk serve --demo``: only into a database
    without session logs (so it is loaded once), and only when the demo places exist."""
    now = now or utcnow()
    with db.connect() as connection:
        if connection.execute(select(HelpLog.id).limit(1)).first() is not None:  # type: ignore[call-overload]
            return {}
        if connection.execute(select(Location.id).limit(1)).first() is None:  # type: ignore[call-overload]
            return {}
    today = now.astimezone(ZoneInfo(timezone)).date()
    return generate_history(
        db,
        start=today - dt.timedelta(days=365),
        days=365,
        sessions_per_day=DEMO_SESSIONS_PER_DAY,
        triage_per_day=DEMO_TRIAGE_PER_DAY,
        seed=DEMO_SEED,
        question_retention_days=question_retention_days,
        now=now,
        timezone=timezone,
    )
