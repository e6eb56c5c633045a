"""Request and response bodies of the booking API (the one definition OpenAPI uses)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from helpdesk import Language
from helpdesk.booking.models import Booking
from helpdesk.routes.schemas import ErrorDetail

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
