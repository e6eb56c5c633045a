"""Every aggregation against the hand-counted world in conftest.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from helpdesk.db import session_scope
from helpdesk.events.service import record_feedback
from helpdesk.helplog.models import HelpLog
from helpdesk.metrics import dashboard, rollup
from helpdesk.metrics.queries import (
    Period,
    Table,
    UnknownGroup,
    booking_place_table,
    bookings_by_place,
    metrics,
    triage_counts,
)
from helpdesk.metrics.unmet import OTHER, unmet_demand
from tests.metrics.conftest import (
    DAYS,
    END,
    RESIDENCE,
    SELF_RELIANCE,
    START,
    WEEK1,
    WEEK2,
    MetricsWorld,
)

ZONE = ZoneInfo("Europe/Copenhagen")
PERIOD = Period(START, END)


def published(table: Table) -> dict[tuple[str, ...], int | None]:
    return {cell.key: cell.count for cell in table.cells}


def build(world: MetricsWorld, location_id: int | None = None) -> dashboard.Dashboard:
    with Session(world.engine) as session:
        return dashboard.build(session, PERIOD, ZONE, location_id)


def test_session_tables(metrics_world: MetricsWorld) -> None:
    tables = build(metrics_world).tables
    assert tables["channel"].total == 30
    assert published(tables["channel"]) == {
        ("booked",): 12,
        ("walk_in",): 10,
        # outreach 6 is hidden with phone 2: otherwise 30 - 12 - 10 - 6 gives phone away.
        ("outreach",): None,
        ("phone",): None,
    }
    assert published(tables["location"]) == {("metrics-a",): 22, ("metrics-b",): 8}
    assert published(tables["language"]) == {("da",): 15, ("ar",): 8, ("uk",): None, ("en",): None}
    assert published(tables["interpreter"]) == {("yes",): 7, ("no",): 23}
    assert published(tables["self_reliance"]) == {("yes",): 12, ("with_help",): 12, ("no",): 6}
    assert published(tables["first_visit"]) == {("yes",): 18, ("no",): None, ("unknown",): None}
    assert published(tables["outcome"]) == {
        ("solved",): 16,
        ("partly_solved",): 7,
        ("referred",): None,
        ("arranged",): None,
        ("not_solved",): None,
    }
    # Every age band is listed, the empty ones as 0.
    assert published(tables["age_band"]) == {
        ("15-24",): 0,
        ("25-34",): 6,
        ("35-44",): 0,
        ("45-54",): 0,
        ("55-64",): 0,
        ("65-74",): 10,
        ("75+",): 8,
        ("unknown",): 6,
    }
    # A session can have two topics: the topic table's shares are of sessions (30).
    assert published(tables["topic"]) == {
        ("mitid-new-phone",): 14,
        ("digital-post-read",): 10,
        ("other",): None,  # 6, hidden with passport-book (3)
        ("passport-book",): None,
    }
    assert tables["topic"].share("mitid-new-phone") == pytest.approx(14 / 30)


def test_rates(metrics_world: MetricsWorld) -> None:
    board = build(metrics_world)
    figures = board.figures
    assert figures.sessions == 30
    assert figures.self_reliance == pytest.approx(12 / 30)
    assert figures.solved == pytest.approx(16 / 30)
    assert figures.interpreter == pytest.approx(7 / 30)
    # Repeat visits (9) and outreach (6) are hidden as second cells, so are their shares.
    assert figures.repeat_visits is None
    assert figures.outreach is None
    assert board.tables["outcome"].share("referred") is None
    assert board.tables["self_reliance"].share("no") == pytest.approx(6 / 30)


def test_one_place(metrics_world: MetricsWorld) -> None:
    tables = build(metrics_world, metrics_world.location_b).tables
    # Place B has the last eight sessions: outreach 22-27 holds six of them, phone two.
    assert tables["channel"].total == 8
    assert published(tables["channel"]) == {
        ("booked",): 0,
        ("walk_in",): 0,
        ("outreach",): None,  # 8 - 6 would give phone away
        ("phone",): None,
    }
    assert published(tables["location"]) == {("metrics-b",): 8}


def test_weekly_trends(metrics_world: MetricsWorld) -> None:
    board = build(metrics_world)
    assert published(board.tables["weekly_total"]) == {(WEEK1,): 17, (WEEK2,): 13}
    # By hand: week 1 has yes 8, with_help 6, no 3; week 2 yes 4, with_help 6, no 3.
    week_of = {i: WEEK1 if DAYS[i] < dt.date(2026, 3, 9) else WEEK2 for i in range(30)}
    expected = Counter((week_of[i], SELF_RELIANCE[i]) for i in range(30))
    assert expected[(WEEK1, "yes")] == 8
    assert expected[(WEEK2, "yes")] == 4
    cells = published(board.tables["weekly"])
    for key, count in cells.items():
        assert count is None or count == expected[key]
    assert cells[(WEEK2, "yes")] is None
    assert cells[(WEEK1, "no")] is None
    rows = dashboard.pivot_weeks(board.tables["weekly"], board.tables["weekly_total"])
    assert [row.week for row in rows] == [WEEK1, WEEK2]
    assert rows[0].total.count == 17
    # The share of "yes" in week 2 (4 of 13) would give a small count away: hidden.
    assert rows[1].share("yes") is None


def test_self_service(metrics_world: MetricsWorld) -> None:
    board = build(metrics_world)
    tables = board.tables
    # 40 events plus the hand-off whose text was purged; two events fall outside by local day.
    assert published(tables["triage_outcome"]) == {("guide",): 25, ("clarify",): 5, ("human",): 11}
    assert published(tables["triage_channel"]) == {
        ("kiosk",): 21,
        ("chat",): 12,
        ("web",): 8,
        ("counter",): 0,
    }
    assert published(tables["triage_language"]) == {
        ("da",): 21,
        ("ar",): 10,
        ("uk",): None,  # 6, hidden with en (4)
        ("en",): None,
    }
    # 16 answers, 12 yes and 4 no: the 4 is small, so the 12 goes too (16 - 12 = 4).
    assert tables["triage_feedback"].total == 16
    assert published(tables["triage_feedback"]) == {("yes",): None, ("no",): None}
    assert published(tables["triage_weekly_total"]) == {(WEEK1,): 21, (WEEK2,): 20}
    figures = board.self_service
    assert figures.questions == 41
    assert figures.answered_by_guide == pytest.approx(25 / 41)
    assert figures.helped is None
    assert figures.handed_off == 11
    # Bookings: 12 made (walk-ins are not bookings), 2 no-shows (small: hidden).
    assert published(tables["bookings"]) == {
        ("booked",): None,
        ("arrived",): 6,
        ("no_show",): None,
        ("cancelled",): None,
    }
    assert figures.bookings == 12
    assert figures.no_shows is None


def test_bookings_by_place(metrics_world: MetricsWorld) -> None:
    board = build(metrics_world, metrics_world.location_a)
    # Bookings 1, 2, 4, 5, 7, 8, 10 and 11 are at A (every third, from 0, is at B).
    assert board.tables["bookings"].total == 8


def test_unmet_demand(metrics_world: MetricsWorld) -> None:
    with Session(metrics_world.engine) as session:
        clusters = unmet_demand(session, START, END, zone=ZONE)
    # Seven ways of asking about a residence permit are one group; seven different questions
    # (each alone) are folded into "other". The purged hand-off is not there, nor the two asked
    # outside the period.
    assert [c.id for c in clusters][-1] == OTHER
    residence = clusters[0]
    assert residence.count == 7
    assert not residence.suppressed
    assert sorted(residence.questions) == sorted(RESIDENCE)
    assert len(residence.examples) == 3
    assert set(residence.languages) <= {"da", "ar", "uk", "en"}
    assert clusters[1].count == 7
    assert clusters[1].examples == []
    assert len(clusters) == 2
    # The id is stable: the same questions give the same id.
    with Session(metrics_world.engine) as session:
        assert unmet_demand(session, START, END, zone=ZONE)[0].id == residence.id


def test_small_unmet_groups_are_hidden(metrics_world: MetricsWorld) -> None:
    with Session(metrics_world.engine) as session:
        # Only the first week: 2 residence questions (events 12, 13) and 2 others (14, 15).
        clusters = unmet_demand(session, START, dt.date(2026, 3, 8), zone=ZONE)
    assert [(c.id, c.count, c.suppressed) for c in clusters] == [(OTHER, None, True)]
    assert clusters[0].examples == []


def test_generic_metrics(metrics_world: MetricsWorld) -> None:
    with Session(metrics_world.engine) as session:
        by_location = metrics(session, START, END, ["location"])
        assert published(by_location) == {("metrics-a",): 22, ("metrics-b",): 8}
        assert by_location.total == 30
        by_week = metrics(session, START, END, ["week"])
        assert published(by_week) == {(WEEK1,): 17, (WEEK2,): 13}
        by_outcome = metrics(session, START, END, ["outcome"], location=metrics_world.location_a)
        # Place A has sessions 0-21: solved 16, partly solved 6.
        assert published(by_outcome) == {("solved",): 16, ("partly_solved",): 6}
        # Two attributes: counted from the logs. Channel x language, by hand:
        # booked (0-11) all da; walk_in 12-14 da, 15-21 ar; outreach 22 ar, 23-27 uk; phone en.
        two = metrics(session, START, END, ["channel", "language"])
        cells = published(two)
        assert set(cells) == {
            ("booked", "da"),
            ("walk_in", "da"),
            ("walk_in", "ar"),
            ("outreach", "ar"),
            ("outreach", "uk"),
            ("phone", "en"),
        }
        # walk_in/da (3), outreach/ar (1) and phone/en (2) are small. The da line (15, published
        # by language) then needs booked/da hidden, the ar line walk_in/ar, the outreach line
        # outreach/uk: at this size nothing of the cross-table can be published.
        assert all(count is None for count in cells.values())
        assert two.total == 30
        topic_week = metrics(session, START, END, ["topic", "week"])
        assert sum(c.count or 0 for c in topic_week.cells) <= 33
        with pytest.raises(UnknownGroup):
            metrics(session, START, END, ["colour"])


def test_rollup_rebuild_matches_the_flush_hook(metrics_world: MetricsWorld) -> None:
    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        queries = {
            "per place": "SELECT dimension, location_id, day, value, week, sessions "
            "FROM session_rollup WHERE sessions <> 0 ORDER BY 1, 2, 3, 4",
            "all places": "SELECT dimension, day, value, week, sessions "
            "FROM session_rollup_all WHERE sessions <> 0 ORDER BY 1, 2, 3",
            "triage": "SELECT dimension, day, value, week, events "
            "FROM triage_rollup WHERE events <> 0 ORDER BY 1, 2, 3",
            "triage per place": "SELECT dimension, location_id, day, value, week, events "
            "FROM triage_rollup_place WHERE events <> 0 ORDER BY 1, 2, 3, 4",
        }
        with metrics_world.engine.connect() as connection:
            return {
                name: [tuple(row) for row in connection.execute(text(sql)).all()]
                for name, sql in queries.items()
            }

    kept = snapshot()
    with session_scope(metrics_world.engine) as session:
        rollup.rebuild(session, "Europe/Copenhagen")
    rebuilt = snapshot()
    assert rebuilt == kept
    assert len(kept["per place"]) > len(kept["all places"]) > 30
    assert len(kept["triage"]) > 10
    assert len(kept["triage per place"]) > 10


def test_rollups_left_behind_are_rebuilt_and_in_step_ones_are_not(
    metrics_world: MetricsWorld,
) -> None:
    # As after an upgrade: triage events and logs recorded before the rollups existed.
    def totals() -> tuple[int, int]:
        with Session(metrics_world.engine) as session:
            built = dashboard.build(session, PERIOD, ZONE)
        return built.tables["channel"].total or 0, built.tables["triage_feedback"].total or 0

    expected = totals()
    with session_scope(metrics_world.engine) as session:
        assert (
            rollup.rebuild_if_behind(session, ZONE.key) is False
        )  # the flush hook kept them in step
    with metrics_world.engine.begin() as connection:
        for table in ("session_rollup", "session_rollup_all", "triage_rollup"):
            connection.execute(text(f"DELETE FROM {table}"))
    assert totals() != expected
    with session_scope(metrics_world.engine) as session:
        assert rollup.rebuild_if_behind(session, "Europe/Copenhagen") is True
    assert totals() == expected


def test_feedback_and_deletion_move_the_rollup(metrics_world: MetricsWorld) -> None:
    with session_scope(metrics_world.engine) as session:
        # Event 20 is a guide answer nobody rated yet; the citizen now says it did not help.
        assert record_feedback(session, "metrics-20", False)
    with Session(metrics_world.engine) as session:
        feedback = dashboard.build(session, PERIOD, ZONE).tables["triage_feedback"]
    assert feedback.total == 17
    with session_scope(metrics_world.engine) as session:
        log = session.exec(select(HelpLog).where(HelpLog.channel == "phone")).first()
        assert log is not None
        session.delete(log)
    with Session(metrics_world.engine) as session:
        assert dashboard.build(session, PERIOD, ZONE).tables["channel"].total == 29


def test_a_small_other_group_hides_no_real_group(metrics_world: MetricsWorld) -> None:
    # To 12 March: five residence questions (events 12, 13, 30-32) and two others (14, 15).
    # No total of unmet questions is published, so the small "other" needs no second cell.
    with Session(metrics_world.engine) as session:
        clusters = unmet_demand(session, START, dt.date(2026, 3, 12), zone=ZONE)
    assert [(c.count, c.suppressed) for c in clusters] == [(5, False), (None, True)]
    assert clusters[1].id == OTHER


# --- per place: the kiosks' questions, and the no-shows --------------------------------------


def test_self_service_at_one_place(metrics_world: MetricsWorld) -> None:
    # Kiosk events 0-13 and the purged hand-off were asked at A: 14 guide answers, 1 hand-off.
    tables = build(metrics_world, metrics_world.location_a).tables
    assert tables["triage_outcome"].total == 15
    assert published(tables["triage_outcome"]) == {
        ("guide",): None,  # 14, hidden with the lone hand-off (1)
        ("clarify",): 0,
        ("human",): None,
    }
    assert published(tables["triage_channel"]) == {
        ("kiosk",): 15,
        ("chat",): 0,
        ("web",): 0,
        ("counter",): 0,
    }
    # 14 in the first week, the purged hand-off (10 March) in the second: both hidden.
    assert published(tables["triage_weekly_total"]) == {(WEEK1,): None, (WEEK2,): None}
    # Kiosk events 14-19 at B: six guide answers, two said "did not help" (a small count).
    tables = build(metrics_world, metrics_world.location_b).tables
    assert published(tables["triage_outcome"]) == {("guide",): 6, ("clarify",): 0, ("human",): 0}
    assert tables["triage_feedback"].total is None  # 2 answers: too few to publish
    assert published(tables["triage_language"]) == {("da",): 6}


def test_questions_by_place(metrics_world: MetricsWorld) -> None:
    table = build(metrics_world).tables["triage_location"]
    assert published(table) == {("none",): 20, ("metrics-a",): 15, ("metrics-b",): 6}
    assert table.total == 41
    # With a place chosen the table still shows every place (the filter narrows the rest).
    narrowed = build(metrics_world, metrics_world.location_b).tables["triage_location"]
    assert published(narrowed) == published(table)


def test_feedback_moves_the_place_rollup_too(metrics_world: MetricsWorld) -> None:
    with session_scope(metrics_world.engine) as session:
        # Event 16, at B, unanswered so far: the citizen says it helped.
        assert record_feedback(session, "metrics-16", True)
    with Session(metrics_world.engine) as session:
        at_b = triage_counts(session, PERIOD, "helpful", location_id=metrics_world.location_b)
    assert at_b == {("yes",): 1, ("no",): 2, ("unanswered",): 3}
    assert build(metrics_world).tables["triage_feedback"].total == 17


def test_no_shows_by_place_are_suppressed_like_everything(metrics_world: MetricsWorld) -> None:
    # The world's twelve bookings: A has 2 booked, 4 arrived, 1 no-show, 1 cancelled; B has
    # 1, 2, 1, 0. All of them small.
    with Session(metrics_world.engine) as session:
        table = booking_place_table(session, PERIOD, ZONE)
    assert table.total == 12
    rows = {row.place: row for row in bookings_by_place(table)}
    assert set(rows) == {"metrics-a", "metrics-b"}
    assert rows["metrics-a"].count("no_show") is None
    assert rows["metrics-b"].count("cancelled") == 0  # zero describes nobody: shown
    assert rows["metrics-a"].no_show_share is None


def test_no_shows_by_place(metrics_world: MetricsWorld) -> None:
    from helpdesk.booking.models import Booking, SessionType

    with session_scope(metrics_world.engine) as session:
        session.execute(text("DELETE FROM booking"))
        kind = session.exec(select(SessionType).where(SessionType.slug == "metrics-help")).one()
        counts = {
            metrics_world.location_a: {"booked": 5, "arrived": 20, "no_show": 5, "cancelled": 5},
            metrics_world.location_b: {"arrived": 8},
        }
        n = 0
        for place, statuses in counts.items():
            for status, many in statuses.items():
                for _ in range(many):
                    n += 1
                    starts = dt.datetime(2026, 3, 3, 8, tzinfo=dt.UTC) + dt.timedelta(hours=n)
                    session.add(
                        Booking(
                            location_id=place,
                            session_type_id=kind.id or 0,
                            starts_at=starts,
                            ends_at=starts + dt.timedelta(minutes=30),
                            status=status,
                            language="da",
                        )
                    )
        # A walk-in is no booking, and a booking outside the period does not count.
        walk_in = dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC)
        outside = dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC)
        for starts, channel in ((walk_in, "walk-in"), (outside, "web")):
            session.add(
                Booking(
                    location_id=metrics_world.location_b,
                    session_type_id=kind.id or 0,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=30),
                    status="no_show",
                    channel=channel,
                    language="da",
                )
            )
    board = build(metrics_world)
    rows = bookings_by_place(board.tables["booking_location"])
    assert [row.place for row in rows] == ["metrics-a", "metrics-b"]  # most no-shows first
    a, b = rows
    assert [a.count(s) for s in ("booked", "arrived", "no_show", "cancelled")] == [5, 20, 5, 5]
    assert a.no_show_share == pytest.approx(5 / 30)  # of the bookings not cancelled
    assert [b.count(s) for s in ("booked", "arrived", "no_show", "cancelled")] == [0, 8, 0, 0]
    assert b.no_show_share == 0
    assert board.tables["booking_location"].total == 43
