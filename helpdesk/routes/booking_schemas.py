"""Request and response bodies of the booking API (the one definition OpenAPI uses)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from helpdesk.booking.models import Booking
from helpdesk.dbtypes import RowId
from helpdesk.routes.schemas import ErrorDetail, Language

BookingChannel = Literal["web", "kiosk", "chat", "counter", "phone"]
BookingStatus = Literal["booked", "cancelled", "arrived", "no_show"]


class PlaceOut(BaseModel):
    slug: str
    name: str
    kind: Literal["citizen-service", "library", "outreach"]
    address: str | None = Field(description="Street address; null where it is confidential.")
    postcode: str
    city: str
    step_free: bool = Field(description="Step-free access and an accessible toilet.")
    latitude: float | None
    longitude: float | None
    notes: str = Field(description="Accessibility and finding the way, in the language asked.")
    drop_in: str = Field(description="Help without a booking, if any.")


class PlaceList(BaseModel):
    language: Language
    locations: list[PlaceOut]


class SessionTypeOut(BaseModel):
    slug: str
    name: str
    description: str
    duration_minutes: int
    topics: list[str] = Field(description="Guides (slugs) whose matters this session type handles.")


class SessionTypeList(BaseModel):
    language: Language
    session_types: list[SessionTypeOut]


class SlotOut(BaseModel):
    id: int
    start: dt.datetime = Field(description="Local time with its UTC offset.")
    end: dt.datetime
    location: str = Field(description="The place's slug.")
    session_type: str
    capacity: int
    remaining: int
    languages: list[Language] = Field(description="Languages the staff of this slot speak.")


class SlotList(BaseModel):
    slots: list[SlotOut]


class NeedsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    interpreter: bool = False
    wheelchair: bool = False
    own_device: bool = Field(default=False, description="Bringing their own phone or computer.")
    note: str | None = Field(
        default=None,
        max_length=300,
        description="Anything else staff should know. A CPR number in it is removed.",
    )


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    slot_id: RowId
    name: str = Field(max_length=120, description="The name to ask for; a first name is enough.")
    phone: str | None = Field(default=None, max_length=40, description="Phone, or e-mail, or both.")
    email: str | None = Field(default=None, max_length=254)
    language: Language = Field(description="The language the citizen wants the session in.")
    topic: str | None = Field(
        default=None, max_length=80, description="The guide (slug) the citizen came from."
    )
    needs: NeedsIn = Field(default_factory=NeedsIn)
    channel: BookingChannel = "web"


class BookingMove(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    slot_id: RowId


class NeedsOut(BaseModel):
    interpreter: bool
    wheelchair: bool
    own_device: bool
    note: str | None

    @classmethod
    def of(cls, booking: Booking) -> NeedsOut:
        return cls(
            interpreter=booking.needs_interpreter,
            wheelchair=booking.needs_wheelchair,
            own_device=booking.needs_own_device,
            note=booking.needs_note,
        )


class SessionTypeRef(BaseModel):
    slug: str
    name: str


class BookingOut(BaseModel):
    reference: str = Field(description='Short code to read aloud, e.g. "K7M-4QX".')
    status: BookingStatus
    start: dt.datetime
    end: dt.datetime
    location: PlaceOut
    session_type: SessionTypeRef
    language: Language
    topic: str | None
    topic_title: str | None
    what_to_bring: list[str] = Field(description="From the topic's guide, in `language`.")
    needs: NeedsOut
    name: str | None
    phone: str | None
    email: str | None
    confirmation_url: str = Field(description="The receipt page (no personal data on it).")
    calendar_url: str = Field(description="The booking as an .ics file.")
    manage_url: str = Field(description="Where to cancel or move with reference and contact.")


class SlotConflict(BaseModel):
    error: ErrorDetail
    alternatives: list[SlotOut] = Field(description="Free slots of the same kind, soonest first.")


class StaffBookingOut(BaseModel):
    id: int
    reference: str | None
    status: BookingStatus
    channel: str
    start: dt.datetime
    end: dt.datetime
    session_type: str
    language: Language
    topic: str | None
    needs: NeedsOut
    name: str | None
    phone: str | None
    email: str | None


class StaffDay(BaseModel):
    location: str
    date: dt.date
    bookings: list[StaffBookingOut]


class AttendanceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: Literal["booked", "arrived", "no_show"]


class WalkInCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    location: str
    session_type: str
    language: Language
    topic: str | None = Field(default=None, max_length=80)
    needs: NeedsIn = Field(default_factory=NeedsIn)
    slot_id: RowId | None = Field(default=None, description="Seat the walk-in in this slot.")
