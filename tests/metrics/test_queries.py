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
    metrics,
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
