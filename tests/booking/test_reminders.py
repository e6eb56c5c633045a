"""Reminders before a booked session: by SMS through a real HTTP gateway on loopback and by
e-mail through a real SMTP server, once per booking however many workers run at once, retried
after a failure, with nothing personal in the log."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
from dataclasses import replace

import pytest
from sqlalchemy import update
from sqlmodel import col

from helpdesk import lifecycle
from helpdesk.bidi import LRI
from helpdesk.booking.models import Booking
from helpdesk.booking.reference import format_reference
from helpdesk.booking.reminders import MAX_FAILURES, ReminderReport, send_due_reminders
from helpdesk.booking.service import BookingRequest, book
from helpdesk.booking.sms import HttpSmsGateway, SmsError, send_sms
from helpdesk.db import session_scope
from helpdesk.jobs import JobRun
from helpdesk.settings import Settings
from tests.booking.conftest import World
from tests.booking.gateway import Gateway
from tests.booking.test_mail import Inbox
from tests.conftest import clear_tables

BASE = "https://hjaelp.example.dk"
_seconds = itertools.count()


def reminder_settings(
    settings: Settings, gateway: Gateway | None = None, **more: object
) -> Settings:
    return replace(
        settings,
        public_base_url=BASE,
        sms_url=gateway.url if gateway else "",
        sms_token="gateway-token" if gateway else "",
        sms_sender="AarhusKomm",
        **more,  # type: ignore[arg-type]
    )


def booked(
    world: World,
    *,
    hours_ahead: float = 20,
    made_hours_ago: float = 2,
    language: str = "da",
    phone: str | None = "+4520304050",
    email: str | None = None,
    start: dt.datetime | None = None,
) -> Booking:
    """A booking of a session ``hours_ahead`` from now, made ``made_hours_ago``."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # A second apart, so that each booking has a slot of its own.
    start = start or now + dt.timedelta(hours=hours_ahead, seconds=next(_seconds))
    slot_id = world.slot(capacity=50, start=start)
    with session_scope(world.engine) as session:
        return book(
            session,
            BookingRequest(slot_id, "Amina Haddad", language, phone=phone, email=email, topic=None),
            now=now - dt.timedelta(hours=made_hours_ago),
        ).booking


def run(settings: Settings, world: World) -> ReminderReport:
    return send_due_reminders(settings, world.engine)


def test_a_reminder_goes_by_sms_and_e_mail_once_in_the_citizens_language(
    settings: Settings, world: World, gateway: Gateway, mailbox: tuple[Inbox, int]
) -> None:
    inbox, port = mailbox
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    config = reminder_settings(settings, gateway, **smtp)
    booking = booked(world, language="uk", email="olena@example.dk")
    reference = format_reference(booking.reference or "")

    report = run(config, world)
    assert (report.reminders_sent, report.reminder_sms, report.reminder_emails) == (1, 1, 1)
    [(body, authorization)] = gateway.received
    assert body["to"] == "+4520304050"
    assert body["from"] == "AarhusKomm"
    assert authorization == "Bearer gateway-token"
    text = body["message"]
    # Ukrainian, with the reference, the place, the plural of 30 minutes and the link.
    assert text.startswith("Нагадування"), text
    assert reference in text
    assert "Dokk1" in text
    assert "30 хвилин" in text
    assert f"{BASE}/book/manage?lang=uk" in text
    [message] = await_mail(inbox, 1)
    assert message["To"] == "olena@example.dk"
    assert message["Content-Language"] == "uk"
    assert "Нагадування" in str(message["Subject"])
    content = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert reference in content
    assert "30 хвилин" in content
    assert f"{BASE}/book/manage?lang=uk" in content
    assert not list(message.iter_attachments())  # no second calendar file

    # Once: the next run (and the one after) find nothing to send.
    assert run(config, world).reminders_sent == 0
    assert run(config, world).reminders_sent == 0
    assert len(gateway.received) == 1
    assert world.get_booking(booking.id or 0).reminded_at is not None


def await_mail(inbox: Inbox, count: int) -> list[object]:
    import asyncio

    return asyncio.run(inbox.wait_for(count))  # type: ignore[return-value]


def test_arabic_reminder_isolates_the_reference_and_the_link(
    settings: Settings, world: World, gateway: Gateway
) -> None:
    booking = booked(world, language="ar", phone="+4531323334")
    assert run(reminder_settings(settings, gateway), world).reminder_sms == 1
    [text] = gateway.to("+4531323334")
    reference = format_reference(booking.reference or "")
    assert f"{LRI}{reference}" in text
    assert f"{LRI}{BASE}/book/manage?lang=ar" in text
    assert "دقيقة" in text  # 30 minutes, in Arabic's plural form for it


def test_only_due_bookings_are_reminded(settings: Settings, world: World, gateway: Gateway) -> None:
    config = reminder_settings(settings, gateway)
    due = booked(world, hours_ahead=23, phone="+4540000001")
    booked(world, hours_ahead=30, phone="+4540000002")  # not yet: more than 24 hours ahead
    booked(world, hours_ahead=20, made_hours_ago=0.2, phone="+4540000003")  # just booked
    cancelled = booked(world, hours_ahead=20, phone="+4540000004")
    with session_scope(world.engine) as session:
        session.execute(
            update(Booking).where(col(Booking.id) == cancelled.id).values(status="cancelled")
        )
    booked(world, phone=None, email="only-mail@example.dk")  # no e-mail configured here
    report = run(config, world)
    assert report.reminders_sent == 1
    assert [m["to"] for m in gateway.messages] == ["+4540000001"]
    assert world.get_booking(due.id or 0).reminded_at is not None
    # Later, the one 30 hours ahead falls due; the one just made is reminded an hour on.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)
    assert send_due_reminders(config, world.engine, now=later).reminders_sent == 2
    assert sorted(m["to"] for m in gateway.messages) == [
        "+4540000001",
        "+4540000002",
        "+4540000003",
    ]


def test_the_hours_before_are_a_setting_and_zero_means_none(
    settings: Settings, world: World, gateway: Gateway
) -> None:
    booked(world, hours_ahead=40, phone="+4540000011")
    assert run(reminder_settings(settings, gateway, reminder_hours=0), world).reminders_sent == 0
    assert run(reminder_settings(settings, gateway), world).reminders_sent == 0
    assert run(reminder_settings(settings, gateway, reminder_hours=48), world).reminders_sent == 1


def test_without_a_gateway_or_smtp_nothing_is_sent_or_marked(
    settings: Settings, world: World, gateway: Gateway
) -> None:
    booking = booked(world, phone="+4540000021", email="someone@example.dk")
    assert run(reminder_settings(settings), world) == ReminderReport()
    assert world.get_booking(booking.id or 0).reminded_at is None
    # send_sms without a gateway says so instead of pretending.
    assert send_sms(reminder_settings(settings), "+4540000021", "hello") is False
    assert gateway.received == []


def test_a_failing_gateway_is_logged_without_the_number_and_retried(
    settings: Settings, world: World, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    config = reminder_settings(settings, gateway)
    booking = booked(world, phone="+4561626364")
    gateway.status = 503
    with caplog.at_level(logging.INFO):
        report = run(config, world)
    assert (report.reminders_sent, report.reminders_failed) == (0, 1)
    kept = world.get_booking(booking.id or 0)
    assert (kept.reminded_at, kept.reminder_failures) == (None, 1)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SMS to [PHONE] not sent: the gateway answered 503" in logged
    for digits in ("61626364", "4561626364", "6162 6364"):
        assert digits not in logged
    # The gateway is back: the next run sends it.
    gateway.status = 200
    assert run(config, world).reminders_sent == 1
    assert len(gateway.to("+4561626364")) == 1
    assert world.get_booking(booking.id or 0).reminder_failures == 1


def test_an_unreachable_gateway_fails_the_same_way_and_is_given_up_after_a_few_runs(
    settings: Settings, world: World
) -> None:
    config = replace(reminder_settings(settings), sms_url="http://127.0.0.1:9/nothing-here")
    booking = booked(world, phone="+4571727374")
    with pytest.raises(SmsError, match="could not be reached"):
        HttpSmsGateway(config.sms_url, timeout=2).send("+4571727374", "hello")
    for _ in range(MAX_FAILURES):
        assert run(config, world).reminders_failed == 1
    assert run(config, world) == ReminderReport()  # given up
    assert world.get_booking(booking.id or 0).reminder_failures == MAX_FAILURES


def test_two_workers_at_once_send_each_reminder_once(
    settings: Settings, world: World, gateway: Gateway
) -> None:
    """Two runs at the same moment (two processes whose lease overlapped, two hosts) both find
    the same due bookings; the conditional UPDATE lets one of them take each."""
    config = reminder_settings(settings, gateway)
    phones = [f"+45500000{n:02d}" for n in range(24)]
    for n, phone in enumerate(phones):
        booked(world, hours_ahead=10 + n / 10, phone=phone)
    gateway.delay = 0.02  # each message takes a moment, so the two runs overlap throughout
    start = threading.Barrier(2)
    reports: list[ReminderReport] = []

    def worker() -> None:
        start.wait()
        reports.append(send_due_reminders(config, world.engine))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(reports) == 2
    assert sorted(m["to"] for m in gateway.messages) == phones  # each exactly once
    assert sum(r.reminders_sent for r in reports) == len(phones)
    assert all(r.reminders_sent > 0 for r in reports), reports  # both really ran
    assert sum(r.reminders_taken_elsewhere for r in reports) > 0


def test_the_reminder_job_runs_under_a_lease(
    settings: Settings, world: World, gateway: Gateway
) -> None:
    clear_tables(world.engine, "job_run")
    config = reminder_settings(settings, gateway)
    booked(world, phone="+4540000031")
    assert lifecycle.reminders_when_due(config, world.engine)
    assert not lifecycle.reminders_when_due(config, world.engine)  # ran less than 15 minutes ago
    assert [m["to"] for m in gateway.messages] == ["+4540000031"]
    with session_scope(world.engine) as session:
        job = session.get(JobRun, lifecycle.REMINDER_JOBS)
        assert job is not None
        assert job.runs == 1
