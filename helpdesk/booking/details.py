"""A booking as shown to the citizen (confirmation page, .ics file, e-mail), in their language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from sqlmodel import Session

from helpdesk.booking.models import Booking, Location, SessionType, translated
from helpdesk.booking.reference import format_reference
from helpdesk.kb.content import Guide


@dataclass(frozen=True)
class BookingDetails:
    reference: str | None
    """As shown: "K7M-4QX"."""
    status: str
    version: int
    language: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: dt.datetime
    local_end: dt.datetime
    location_slug: str
    location_name: str
    location_address: str | None
    location_notes: str
    session_type_slug: str
    session_type_name: str
    duration_minutes: int
    topic: str | None
    topic_title: str | None
    bring: list[str]
    needs_interpreter: bool
    needs_wheelchair: bool
    needs_own_device: bool

    @property
    def place(self) -> str:
        """One line: "Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C"."""
        return ", ".join(part for part in (self.location_name, self.location_address) if part)

    @property
    def when(self) -> str:
        """ "tirsdag den 8. december 2026 10.00": the day in full and the local time, in the
        booking's language and in its own order (Babel's pattern for a date and a time), for
        text messages (the e-mail's own line adds the time zone)."""
        return day_and_time(self.language, self.local_start)


def full_address(location: Location) -> str | None:
    if not location.address:
        return None
    town = " ".join(part for part in (location.postcode, location.city) if part)
    return ", ".join(part for part in (location.address, town) if part)


def booking_details(
    session: Session,
    booking: Booking,
    language: str,
    zone: ZoneInfo,
    guides: Mapping[str, Guide],
) -> BookingDetails:
    location = session.get(Location, booking.location_id)
    session_type = session.get(SessionType, booking.session_type_id)
    assert location is not None
    assert session_type is not None
    guide = guides.get(booking.topic) if booking.topic else None
    topic_title, bring = None, []
    if guide is not None:
        _, version = guide.translation(language)
        topic_title, bring = version.title, list(version.bring)
    return BookingDetails(
        reference=format_reference(booking.reference) if booking.reference else None,
        status=booking.status,
        version=booking.version,
        language=language,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        local_start=booking.starts_at.astimezone(zone),
        local_end=booking.ends_at.astimezone(zone),
        location_slug=location.slug,
        location_name=location.name,
        location_address=full_address(location),
        location_notes=translated(location.notes, language),
        session_type_slug=session_type.slug,
        session_type_name=translated(session_type.names, language) or session_type.slug,
        duration_minutes=session_type.duration_minutes,
        topic=booking.topic,
        topic_title=topic_title,
        bring=bring,
        needs_interpreter=booking.needs_interpreter,
        needs_wheelchair=booking.needs_wheelchair,
        needs_own_device=booking.needs_own_device,
    )


def day_and_time(language: str, local: dt.datetime) -> str:
    """A local time as a text message says it: "tirsdag den 8. december 2026 10.00"."""
    pattern = str(get_datetime_format("long", locale=language)).replace("'", "")
    date = format_date(local, "full", locale=language)
    time = format_time(local, "short", tzinfo=local.tzinfo, locale=language)
    return pattern.replace("{1}", date).replace("{0}", time)
