"""The input models of administration (:mod:`helpdesk.booking.admin`): places, staff, session
types, opening schedules and closures, as the JSON API, the admin pages and the CSV import give
them. Types and lengths are checked here; the rules that need the database or several fields
(a slug taken, ends before starts, an overlap) are the service's, each a field problem of its
own type."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from helpdesk import Language
from helpdesk.dbtypes import InputModel, RowId
from helpdesk.privacy import redact_cpr

#: The API's kinds of place; ``citizen_service`` is the same as ``citizen-service``.
LocationKind = Literal["library", "citizen-service", "citizen_service", "outreach"]
#: Free text staff type (a place's notes and drop-in hours, a closure's reason): shown to citizens
#: and mailed to them, so a CPR number pasted into it is redacted before it is stored (public
#: phone numbers stay).
Text = Annotated[str, Field(max_length=1000), AfterValidator(redact_cpr)]
Reason = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(redact_cpr)]
Slug = Annotated[str, Field(min_length=1, max_length=60)]


class AdminInput(InputModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class LocationIn(AdminInput):
    slug: Slug = Field(description="Short name in links: a-z, digits, single hyphens.")
    name: str = Field(min_length=1, max_length=120)
    kind: LocationKind
    address: str | None = Field(default=None, max_length=200)
    postcode: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=60)
    step_free: bool = True
    listed: bool | None = Field(
        default=None,
        description="Shown in the public list of places; by default yes, except for outreach "
        "places (bookable only from their own link, /book?location=slug).",
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    notes: dict[Language, Text] = Field(
        default_factory=dict, description="Accessibility and finding the way, per language."
    )
    drop_in: dict[Language, Text] = Field(
        default_factory=dict, description="Drop-in hours (help without a booking), per language."
    )


class LocationPatch(AdminInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: LocationKind | None = None
    address: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=60)
    step_free: bool | None = None
    listed: bool | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    notes: dict[Language, Text] | None = None
    drop_in: dict[Language, Text] | None = None
    active: bool | None = Field(
        default=None,
        description="false takes the place out of service: its slots are withdrawn and the "
        "bookings in them cancelled and notified (a place is never deleted).",
    )


class StaffIn(AdminInput):
    name: str = Field(min_length=1, max_length=120)
    languages: list[Language] = Field(
        min_length=1, max_length=8, description="The languages the slots they work offer."
    )


class StaffPatch(AdminInput):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=8)
    active: bool | None = None


class SessionTypeIn(AdminInput):
    slug: Slug = Field(description="The slug guides name in their session_type.")
    duration_minutes: int = Field(description="Length of one session, 5 to 480 minutes.")
    names: dict[Language, Text] = Field(default_factory=dict)
    descriptions: dict[Language, Text] = Field(default_factory=dict)


class SessionTypePatch(AdminInput):
    duration_minutes: int | None = None
    names: dict[Language, Text] | None = None
    descriptions: dict[Language, Text] | None = None
    active: bool | None = None


class ScheduleIn(AdminInput):
    location: Slug
    session_type: Slug
    weekday: int | None = Field(
        default=None, ge=0, le=6, description="0 is Monday; not needed with date."
    )
    date: dt.date | None = Field(
        default=None,
        description="A dated visit (an outreach place's way): the weekday, valid_from and "
        "valid_to all become this day.",
    )
    starts: dt.time = Field(description="Local time, HH:MM.")
    ends: dt.time = Field(description="Local time, HH:MM; after starts.")
    capacity: int = Field(description="Seats at a time, at least 1.")
    staff: list[RowId] = Field(default_factory=list, max_length=50)
    valid_from: dt.date | None = Field(default=None, description="Default: today.")
    valid_to: dt.date | None = Field(default=None, description="Default: no end.")


class SchedulePatch(AdminInput):
    session_type: Slug | None = None
    weekday: int | None = Field(default=None, ge=0, le=6)
    date: dt.date | None = None
    starts: dt.time | None = None
    ends: dt.time | None = None
    capacity: int | None = None
    staff: list[RowId] | None = Field(default=None, max_length=50)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class ClosureIn(AdminInput):
    location: Slug | None = Field(description="A place's slug, or null for every place.")
    from_: dt.date = Field(alias="from", description="First closed day.")
    to: dt.date = Field(description="Last closed day (on or after from).")
    reason: Reason
