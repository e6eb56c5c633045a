"""The admin API's answers (``/api/v1/admin``) and their mapping from the domain's objects."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from helpdesk.booking.admin import AdminResult, ClosureView, ScheduleView
from helpdesk.booking.models import Location, SessionType, StaffMember
from helpdesk.booking.notify import AffectedBooking
from helpdesk.booking.schedule import MaterialiseReport


class LocationAdminOut(BaseModel):
    slug: str
    name: str
    kind: str
    address: str | None
    postcode: str
    city: str
    step_free: bool
    listed: bool
    active: bool
    latitude: float | None
    longitude: float | None
    notes: dict[str, str]
    drop_in: dict[str, str]
    booking_link: str = Field(description="The place's own booking page (for unlisted places).")


class StaffOut(BaseModel):
    id: int
    name: str
    languages: list[str]
    active: bool


class SessionTypeAdminOut(BaseModel):
    slug: str
    duration_minutes: int
    names: dict[str, str]
    descriptions: dict[str, str]
    active: bool


class ScheduleOut(BaseModel):
    id: int
    location: str
    session_type: str
    weekday: int
    starts: str
    ends: str
    capacity: int
    staff: list[int]
    valid_from: dt.date
    valid_to: dt.date | None
    dated: bool = Field(description="A dated visit (valid_from == valid_to).")
    active: bool


class ClosureOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: int
    location: str | None
    from_: dt.date = Field(alias="from")
    to: dt.date
    reason: str


class AffectedOut(BaseModel):
    reference: str | None
    starts: dt.datetime = Field(description="Local time with its offset.")
    location: str
    session_type: str
    language: str
    name: str | None = Field(description="null for an account limited to other places")
    phone: str | None
    email: str | None
    notified_by: str | None = Field(
        description="How the citizen is told (email, sms), or null: nobody can reach them "
        "by message, so staff call them."
    )


class SlotChanges(BaseModel):
    created: int
    updated: int
    closed: int
    reopened: int


class Change(BaseModel):
    affected_bookings: list[AffectedOut] = Field(
        description="Bookings the change cancelled (their slots were withdrawn); each citizen "
        "is told by notified_by, the rest are for staff to call."
    )
    slots: SlotChanges


class LocationChange(Change):
    location: LocationAdminOut


class StaffChange(Change):
    staff: StaffOut


class SessionTypeChange(Change):
    session_type: SessionTypeAdminOut


class ScheduleChange(Change):
    schedule: ScheduleOut
    deleted: bool = Field(
        default=False,
        description="After DELETE: true when removed, false when kept inactive because it made "
        "slots.",
    )


class ClosureChange(Change):
    closure: ClosureOut


class LocationAdminList(BaseModel):
    locations: list[LocationAdminOut]


class StaffList(BaseModel):
    staff: list[StaffOut]


class SessionTypeAdminList(BaseModel):
    session_types: list[SessionTypeAdminOut]


class ScheduleList(BaseModel):
    schedules: list[ScheduleOut]


class ClosureList(BaseModel):
    closures: list[ClosureOut]


def location_out(location: Location, base_url: str) -> LocationAdminOut:
    return LocationAdminOut(
        slug=location.slug,
        name=location.name,
        kind=location.kind,
        address=location.address,
        postcode=location.postcode,
        city=location.city,
        step_free=location.step_free,
        listed=location.listed,
        active=location.active,
        latitude=location.latitude,
        longitude=location.longitude,
        notes=dict(location.notes or {}),
        drop_in=dict(location.drop_in or {}),
        booking_link=f"{base_url}/book?location={location.slug}",
    )


def staff_out(member: StaffMember) -> StaffOut:
    return StaffOut(
        id=member.id or 0, name=member.name, languages=member.languages, active=member.active
    )


def session_type_out(session_type: SessionType) -> SessionTypeAdminOut:
    return SessionTypeAdminOut(
        slug=session_type.slug,
        duration_minutes=session_type.duration_minutes,
        names=dict(session_type.names or {}),
        descriptions=dict(session_type.descriptions or {}),
        active=session_type.active,
    )


def schedule_out(view: ScheduleView) -> ScheduleOut:
    schedule = view.schedule
    return ScheduleOut(
        id=schedule.id or 0,
        location=view.location.slug,
        session_type=view.session_type.slug,
        weekday=schedule.weekday,
        starts=schedule.starts.strftime("%H:%M"),
        ends=schedule.ends.strftime("%H:%M"),
        capacity=schedule.capacity,
        staff=view.staff_ids,
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_until,
        dated=view.dated,
        active=schedule.active,
    )


def closure_out(view: ClosureView) -> ClosureOut:
    closure = view.closure
    return ClosureOut(
        id=closure.id or 0,
        location=view.location.slug if view.location else None,
        from_=closure.starts_on,
        to=closure.ends_on,
        reason=closure.reason,
    )


def affected_out(item: AffectedBooking, zone: ZoneInfo) -> AffectedOut:
    return AffectedOut(
        reference=item.reference,
        starts=item.starts_at.astimezone(zone),
        location=item.location_slug,
        session_type=item.session_type_slug,
        language=item.language,
        name=item.name if item.visible else None,
        phone=item.phone if item.visible else None,
        email=item.email if item.visible else None,
        notified_by=item.notified_by,
    )


def change_fields(result: AdminResult[Any], zone: ZoneInfo) -> dict[str, Any]:
    report: MaterialiseReport = result.slots
    return {
        "affected_bookings": [affected_out(item, zone) for item in result.affected],
        "slots": SlotChanges(**report.as_dict()),
    }
