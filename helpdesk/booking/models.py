"""Tables of the booking package.

Overbooking is impossible by construction: a slot row carries ``capacity`` and ``booked`` with a
CHECK constraint ``0 <= booked <= capacity``, and a booking takes a seat with one conditional
``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` in the same transaction that
inserts it (see :mod:`helpdesk.booking.service`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk.clock import utcnow
from helpdesk.dbtypes import UTCDateTime

LOCATION_KINDS = ("citizen-service", "library", "outreach")
BOOKING_STATUSES = ("booked", "cancelled", "arrived", "no_show")
#: Statuses that hold a seat in their slot.
SEATED_STATUSES = ("booked", "arrived", "no_show")
CHANNELS = ("web", "kiosk", "chat", "counter", "phone", "walk-in")


def translated(texts: dict[str, str] | None, language: str) -> str:
    """The text in ``language``, else English, else Danish, else empty."""
    texts = texts or {}
    for candidate in (language, "en", "da"):
        if texts.get(candidate):
            return texts[candidate]
    return ""


class Location(SQLModel, table=True):
    """Where sessions happen: Borgerservice, a library, or an outreach site."""

    __tablename__ = "location"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('citizen-service', 'library', 'outreach')", name="ck_location_kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    #: Street address; None where it must not be published (a crisis centre).
    address: str | None = Field(default=None, max_length=200)
    postcode: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=60)
    latitude: float | None = None
    longitude: float | None = None
    #: Step-free access and an accessible toilet.
    step_free: bool = True
    #: Shown in public lists; an unlisted site (a shelter, a crisis centre) is bookable only
    #: from a link that names it (``/book?location=slug``), e.g. from its own kiosk or staff.
    listed: bool = True
    active: bool = True
    #: Accessibility and finding the way, per language ({"da": ..., "en": ...}).
    notes: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Help without a booking (drop-in hours), per language: offered when no time fits.
    drop_in: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SessionType(SQLModel, table=True):
    """A kind of session: "digital-help", "citizen-service". The slug is the one a guide names
    in its ``session_type``: that is how a topic leads to a session type."""

    __tablename__ = "session_type"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="ck_session_type_duration"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True, index=True)
    duration_minutes: int
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    descriptions: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    #: An inactive type makes no slots (kept, not deleted, for its bookings and statistics).
    active: bool = True


class StaffMember(SQLModel, table=True):
    """A person who holds sessions, with the languages they speak (not necessarily an account)."""

    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True


class ScheduleStaff(SQLModel, table=True):
    """Who works a schedule: the slots it makes offer these staff members' languages."""

    __tablename__ = "schedule_staff"

    schedule_id: int = Field(foreign_key="schedule.id", primary_key=True, ondelete="CASCADE")
    staff_member_id: int = Field(
        foreign_key="staff_member.id", primary_key=True, ondelete="CASCADE"
    )


class AccountPlace(SQLModel, table=True):
    """A place a staff account is limited to. An account with no rows here sees every place;
    one with rows sees citizens' bookings (names, phones) only at those places."""

    __tablename__ = "account_place"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    location_id: int = Field(foreign_key="location.id", primary_key=True, ondelete="CASCADE")


class Schedule(SQLModel, table=True):
    """A weekly opening: on ``weekday`` from ``starts`` to ``ends`` (local time), sessions of one
    type back to back, ``capacity`` at a time (seats or staff). An outreach visit is a dated
    schedule: ``valid_from == valid_until``, on that day's weekday."""

    __tablename__ = "schedule"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_schedule_weekday"),
        CheckConstraint("capacity > 0", name="ck_schedule_capacity"),
        CheckConstraint("ends > starts", name="ck_schedule_times"),
    )

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    session_type_id: int = Field(foreign_key="session_type.id", ondelete="CASCADE")
    #: Monday is 0.
    weekday: int
    starts: dt.time
    ends: dt.time
    capacity: int = 1
    valid_from: dt.date
    valid_until: dt.date | None = None
    active: bool = True


class Closure(SQLModel, table=True):
    """Days a location (or, without one, every location) is closed: holidays, staff days."""

    __tablename__ = "closure"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ck_closure_dates"),)

    id: int | None = Field(default=None, primary_key=True)
    location_id: int | None = Field(
        default=None, foreign_key="location.id", index=True, ondelete="CASCADE"
    )
    starts_on: dt.date
    ends_on: dt.date
    reason: str = Field(default="", max_length=200)


class Slot(SQLModel, table=True):
    """A bookable time with a number of seats. ``booked`` never exceeds ``capacity``: the
    database refuses it."""

    __tablename__ = "slot"
    __table_args__ = (
        UniqueConstraint("location_id", "session_type_id", "starts_at", name="uq_slot_start"),
        CheckConstraint(
            "booked >= 0 AND booked <= capacity", name="ck_slot_booked_within_capacity"
        ),
        CheckConstraint("ends_at > starts_at", name="ck_slot_times"),
        Index("ix_slot_starts_at", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="location.id", ondelete="CASCADE")
    session_type_id: int = Field(foreign_key="session_type.id", ondelete="CASCADE")
    schedule_id: int | None = Field(
        default=None, foreign_key="schedule.id", index=True, ondelete="SET NULL"
    )
    starts_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    capacity: int
    booked: int = 0
    #: Languages the staff of this slot speak, as ",da,en,ar," (searchable with LIKE everywhere).
    languages: str = Field(default=",", max_length=100)
    #: Closed after it was made (a closure was added): no new bookings; existing ones stand until
    #: staff have told the citizens.
    closed: bool = False

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class Booking(SQLModel, table=True):
    """A citizen's booking (or a walk-in registered by staff).

    Contact details (``name``, ``phone``, ``email``, ``needs_note``) are deleted
    ``HELPDESK_BOOKING_RETENTION_DAYS`` after the session, with the reference and the idempotency
    key; the rest is anonymous statistics.
    """

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint(
            "status IN ('booked', 'cancelled', 'arrived', 'no_show')", name="ck_booking_status"
        ),
        Index("ix_booking_location_starts_at", "location_id", "starts_at"),
        Index("ix_booking_starts_at", "starts_at"),
        # The booking limits (helpdesk.booking.limits) count by these.
        Index("ix_booking_client_hash_created_at", "client_hash", "created_at"),
        Index("ix_booking_phone", "phone"),
        Index("ix_booking_email", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: Short code read aloud ("K7M-4QX" shown, "K7M4QX" stored); None once purged.
    reference: str | None = Field(default=None, max_length=12, unique=True)
    slot_id: int | None = Field(default=None, foreign_key="slot.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    session_type_id: int = Field(foreign_key="session_type.id")
    starts_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default="booked", max_length=16)
    channel: str = Field(default="web", max_length=16)
    language: str = Field(max_length=8)
    #: The guide the citizen came from (a slug), if any.
    topic: str | None = Field(default=None, max_length=80)
    needs_interpreter: bool = False
    needs_wheelchair: bool = False
    needs_own_device: bool = False
    # Contact details: deleted after the retention period.
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    needs_note: str | None = Field(default=None, max_length=500)
    #: A keyed hash of the network address the booking came from (never the address itself),
    #: for the per-address limit and the coordinator's view of bursts; purged with the contact
    #: details.
    client_hash: str | None = Field(default=None, max_length=64)
    #: The client's Idempotency-Key and a hash of what was asked with it.
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    request_fingerprint: str | None = Field(default=None, max_length=64)
    #: Raised on every change (the iCalendar SEQUENCE).
    version: int = 1
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    cancelled_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    purged_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    #: When a worker took the booking's reminder (helpdesk.booking.reminders): set by one
    #: conditional UPDATE, so that only one process ever sends it; cleared again if every way
    #: of sending failed (tried again at the next run). Purged with the contact details.
    reminded_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    #: Runs at which sending the reminder failed; after a few the reminder is given up.
    reminder_failures: int = 0

    @property
    def needs(self) -> dict[str, Any]:
        return {
            "interpreter": self.needs_interpreter,
            "wheelchair": self.needs_wheelchair,
            "own_device": self.needs_own_device,
            "note": self.needs_note,
        }
