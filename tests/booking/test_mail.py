"""Confirmation e-mails through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.bidi import LRI, PDI
from helpdesk.booking.contact import normalise_phone
from helpdesk.booking.details import BookingDetails
from helpdesk.booking.ics import calendar_description
from helpdesk.booking.mail import confirmation_message
from helpdesk.booking.reference import parse_reference
from helpdesk.settings import Settings
from tests.booking.conftest import World


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    async def wait_for(self, count: int, seconds: float = 15.0) -> list[EmailMessage]:
        for _ in range(int(seconds * 20)):
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} e-mail(s) arrived, expected {count}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def mail_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_confirmation_cancellation_and_move_are_mailed(
    app: Starlette, settings: Settings, world: World, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    mail_settings = replace(
        settings,
        import_kb_on_start=False,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_from="Digital hjælp <noreply@aarhus.example>",
        public_base_url="https://hjaelp.example",
    )
    first = world.slot(capacity=1, session_type=world.citizen)
    second = world.slot(capacity=1, session_type=world.citizen)
    async for client in mail_client(mail_settings):
        response = await client.post(
            "/api/v1/bookings",
            json={
                "slot_id": first,
                "name": "Anna",
                "email": "anna@example.dk",
                "language": "da",
                "topic": "passport-book",
            },
        )
        assert response.status_code == 201, response.text
        reference = response.json()["reference"]
        [confirmation] = await handler.wait_for(1)
        contact = {"X-Booking-Contact": "anna@example.dk"}
        moved = await client.patch(
            f"/api/v1/bookings/{reference}", json={"slot_id": second}, headers=contact
        )
        assert moved.status_code == 200
        await handler.wait_for(2)
        assert (
            await client.delete(f"/api/v1/bookings/{reference}", headers=contact)
        ).status_code == 200
        await handler.wait_for(3)
        # A repeated cancel changes nothing and sends nothing.
        await client.delete(f"/api/v1/bookings/{reference}", headers=contact)
        await asyncio.sleep(0.3)
    assert len(handler.messages) == 3
    assert confirmation["To"] == "anna@example.dk"
    assert confirmation["From"] == "Digital hjælp <noreply@aarhus.example>"
    assert confirmation["Content-Language"] == "da"
    assert reference in confirmation["Subject"]
    text = confirmation.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert reference in body
    assert "Hack Kampmanns Plads 2" in body
    assert "https://hjaelp.example/book/manage?lang=da" in body
    attachments = list(confirmation.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["text/calendar"]
    event = Calendar.from_ical(attachments[0].get_payload(decode=True)).walk("VEVENT")[0]
    assert reference in str(event["DESCRIPTION"])
    moved_mail, cancelled_mail = handler.messages[1], handler.messages[2]
    assert reference in moved_mail["Subject"]
    assert list(cancelled_mail.iter_attachments()) == []


async def test_a_broken_mail_server_does_not_fail_the_booking(
    app: Starlette, settings: Settings, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    closed_port = free_port()  # nothing listens here
    mail_settings = replace(
        settings,
        import_kb_on_start=False,
        smtp_host="127.0.0.1",
        smtp_port=closed_port,
        smtp_security="none",
    )
    slot_id = world.slot()
    async for client in mail_client(mail_settings):
        response = await client.post(
            "/api/v1/bookings",
            json={"slot_id": slot_id, "name": "Bo", "email": "bo@example.dk", "language": "en"},
        )
    assert response.status_code == 201
    assert world.get_slot(slot_id).booked == 1
    assert any("not sent" in record.getMessage() for record in caplog.records)


def _details(language: str) -> BookingDetails:
    starts = dt.datetime(2026, 12, 14, 9, 0, tzinfo=dt.UTC)
    local = starts.astimezone(ZoneInfo("Europe/Copenhagen"))
    return BookingDetails(
        reference="K7M-4QX",
        status="booked",
        version=1,
        language=language,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=30),
        local_start=local,
        local_end=local + dt.timedelta(minutes=30),
        location_slug="dokk1",
        location_name="Dokk1",
        location_address="Hack Kampmanns Plads 2, 8000 Aarhus C",
        location_notes="اتصل بنا على +45 89 40 10 40",
        session_type_slug="digital-help",
        session_type_name="مساعدة رقمية",
        duration_minutes=30,
        topic=None,
        topic_title=None,
        bring=["هاتفك ورمز MitID", "للمساعدة: 70 10 18 18"],
        needs_interpreter=False,
        needs_wheelchair=False,
        needs_own_device=False,
    )


def test_numbers_in_an_arabic_mail_and_calendar_are_isolated_left_to_right() -> None:
    settings = Settings(database_url="sqlite://", smtp_host="localhost")
    url = "https://example.dk/book/manage"
    message = confirmation_message(settings, _details("ar"), "a@example.dk", url, None)
    body = message.get_content()
    assert f"{LRI}K7M-4QX{PDI}" in message["Subject"]
    assert f"{LRI}K7M-4QX{PDI}" in body
    assert f"{LRI}+45 89 40 10 40{PDI}" in body
    assert f"- للمساعدة: {LRI}70 10 18 18{PDI}" in body
    assert f"{LRI}{url}{PDI}" in body
    description = calendar_description(_details("ar"), url)
    assert f"{LRI}K7M-4QX{PDI}" in description
    assert f"{LRI}70 10 18 18{PDI}" in description


def test_left_to_right_text_gets_no_invisible_characters() -> None:
    settings = Settings(database_url="sqlite://", smtp_host="localhost")
    details = replace(_details("da"), location_notes="Ring +45 89 40 10 40")
    message = confirmation_message(settings, details, "a@example.dk", "https://x.dk", None)
    text = message["Subject"] + message.get_content()
    assert LRI not in text
    assert PDI not in text
    assert "K7M-4QX" in text


def test_a_reference_copied_with_its_isolates_still_finds_the_booking() -> None:
    assert parse_reference(f"{LRI}K7M-4QX{PDI}") == "K7M4QX"
    assert normalise_phone(f"{LRI}+45 20 12 34 56{PDI}") == "+4520123456"
