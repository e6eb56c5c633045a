"""log_help: validation against the database and the knowledge base, redaction, bookings."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from helpdesk.booking.models import Booking
from helpdesk.booking.service import BookingRequest, book
from helpdesk.db import session_scope
from helpdesk.helplog import models
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from helpdesk.helplog.service import (
    AgeBand,
    Channel,
    FirstVisit,
    HelpLogError,
    HelpLogIn,
    Outcome,
    SelfReliance,
    log_help,
    week_of,
)
from tests.booking.conftest import World

TODAY = dt.date(2026, 11, 25)  # a Wednesday
KNOWN = {"mitid-locked", "passport-book", "digital-post-read"}


def data(world: World, **overrides: Any) -> HelpLogIn:
    fields: dict[str, Any] = {
        "location": world.dokk1.id,
        "channel": "walk_in",
        "topics": ["mitid-locked"],
        "language": "ar",
        "interpreter": True,
        "age_band": "65-74",
        "first_visit": "yes",
        "outcome": "solved",
        "self_reliance": "with_help",
        "duration_minutes": 25,
    }
    fields.update(overrides)
    return HelpLogIn.model_validate(fields)


def log(world: World, body: HelpLogIn, today: dt.date = TODAY) -> HelpLog:
    with session_scope(world.engine) as session:
        return log_help(session, body, known_topics=KNOWN, logged_by=None, today=today).log


def stored(world: World) -> list[HelpLog]:
    with Session(world.engine) as session:
        return list(session.exec(select(HelpLog).order_by(col(HelpLog.id))).all())


def test_value_lists_agree_with_the_model() -> None:
    assert typing.get_args(Channel) == models.CHANNELS
    assert typing.get_args(AgeBand) == models.AGE_BANDS
    assert typing.get_args(FirstVisit) == models.FIRST_VISIT
    assert typing.get_args(Outcome) == models.OUTCOMES
    assert typing.get_args(SelfReliance) == models.SELF_RELIANCE


def test_a_walk_in_is_stored_with_its_topics_and_week(logs: World) -> None:
    body = data(
        logs, topics=["mitid-locked", "passport-book", "mitid-locked"], held_on="2026-11-22"
    )
    saved = log(logs, body)
    row = stored(logs)[0]
    assert row.id == saved.id
    assert (row.held_on, row.week) == (dt.date(2026, 11, 22), dt.date(2026, 11, 16))
    assert (row.location_id, row.channel, row.language, row.interpreter) == (
        logs.dokk1.id,
        "walk_in",
        "ar",
        True,
    )
    assert (row.age_band, row.first_visit, row.outcome, row.self_reliance) == (
        "65-74",
        "yes",
        "solved",
        "with_help",
    )
    with Session(logs.engine) as session:
        topics = session.exec(select(HelpLogTopic).order_by(col(HelpLogTopic.topic))).all()
    assert [(t.topic, t.held_on, t.location_id) for t in topics] == [
        ("mitid-locked", dt.date(2026, 11, 22), logs.dokk1.id),
        ("passport-book", dt.date(2026, 11, 22), logs.dokk1.id),
    ]


def test_held_on_defaults_to_today_and_week_is_monday(logs: World) -> None:
    log(logs, data(logs))
    row = stored(logs)[0]
    assert row.held_on == TODAY
    assert row.week == dt.date(2026, 11, 23) == week_of(TODAY)
    assert week_of(dt.date(2026, 11, 23)) == dt.date(2026, 11, 23)
    assert week_of(dt.date(2026, 11, 29)) == dt.date(2026, 11, 23)


def test_personal_data_in_note_and_other_topic_is_not_stored(logs: World) -> None:
    body = data(
        logs,
        topics=["other"],
        other_topic="Pension for 010203-1234, ring 20 12 34 56",
        note="Borger med CPR 1203451234 og mail amal.haddad@example.dk, tlf +45 20123456.",
    )
    log(logs, body)
    row = stored(logs)[0]
    assert row.other_topic == "Pension for [CPR], ring [PHONE]"
    assert row.note == "Borger med CPR [CPR] og mail [EMAIL], tlf [PHONE]."
    for secret in ("010203", "1234", "20 12 34 56", "amal.haddad", "example.dk", "20123456"):
        assert secret not in (row.note or "") + (row.other_topic or "")


def test_other_topic_only_with_the_topic_other(logs: World) -> None:
    log(logs, data(logs, other_topic="ignored, no 'other' topic"))
    assert stored(logs)[0].other_topic is None
    with pytest.raises(HelpLogError) as caught:
        log(logs, data(logs, topics=["other"], other_topic="   "))
    assert (caught.value.code, caught.value.field) == ("other_topic_required", "other_topic")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"topics": ["no-such-guide"]}, "unknown_topic", "topics"),
        ({"location": 999_999}, "location_not_found", "location"),
        ({"location": "no-such-place"}, "location_not_found", "location"),
        ({"booking": 999_999}, "session_booking_not_found", "booking"),
        ({"held_on": "2026-11-26"}, "held_on_out_of_range", "held_on"),
        ({"held_on": "2026-10-24"}, "held_on_out_of_range", "held_on"),
    ],
)
def test_refusals(logs: World, overrides: dict[str, Any], code: str, field: str) -> None:
    with pytest.raises(HelpLogError) as caught:
        log(logs, data(logs, **overrides))
    assert (caught.value.code, caught.value.field) == (code, field)
    assert stored(logs) == []


def test_location_by_slug_and_oldest_day_allowed(logs: World) -> None:
    log(logs, data(logs, location="gellerup", held_on="2026-10-25"))
    row = stored(logs)[0]
    assert (row.location_id, row.held_on) == (logs.gellerup.id, dt.date(2026, 10, 25))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topics": []}, "topics"),
        ({"topics": [f"t{i}" for i in range(11)]}, "topics"),
        ({"channel": "web"}, "channel"),
        ({"language": "de"}, "language"),
        ({"age_band": "80+"}, "age_band"),
        ({"outcome": "great"}, "outcome"),
        ({"self_reliance": "maybe"}, "self_reliance"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"note": "x" * 2001}, "note"),
        ({"other_topic": "x" * 201}, "other_topic"),
        ({"name": "Amal"}, "name"),
    ],
)
def test_input_model_refuses(logs: World, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        data(logs, **overrides)
    assert field in {str(error["loc"][0]) for error in caught.value.errors()}


def _booking(world: World, **extra: Any) -> int:
    slot_id = world.slot(capacity=1, days=0.0001)
    with session_scope(world.engine) as session:
        request = BookingRequest(
            slot_id=slot_id, name="Amal Haddad", language="ar", phone="+4520123456", **extra
        )
        outcome = book(session, request)
        assert outcome.booking.id is not None
        return outcome.booking.id


def test_logging_a_booking_marks_it_arrived_and_only_once(logs: World) -> None:
    booking_id = _booking(logs, topic="passport-book")
    log(logs, data(logs, channel="booked", booking=booking_id))
    assert logs.get_booking(booking_id).status == "arrived"
    assert stored(logs)[0].booking_id == booking_id
    with pytest.raises(HelpLogError) as caught:
        log(logs, data(logs, channel="booked", booking=booking_id))
    assert (caught.value.code, caught.value.field) == ("session_already_logged", "booking")
    assert len(stored(logs)) == 1


def test_a_no_show_stays_no_show_and_a_cancelled_booking_is_refused(logs: World) -> None:
    no_show = _booking(logs)
    with session_scope(logs.engine) as session:
        session.get(Booking, no_show).status = "no_show"  # type: ignore[union-attr]
    log(logs, data(logs, booking=no_show))
    assert logs.get_booking(no_show).status == "no_show"
    cancelled = _booking(logs)
    with session_scope(logs.engine) as session:
        session.get(Booking, cancelled).status = "cancelled"  # type: ignore[union-attr]
    with pytest.raises(HelpLogError) as caught:
        log(logs, data(logs, booking=cancelled))
    assert caught.value.code == "booking_cancelled"
