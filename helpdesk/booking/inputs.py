"""The booking domain's input models: the one place its input rules live.

The JSON API and the citizen's form both validate through :class:`BookingCreate` (names are
tidied, a phone number or e-mail is required, both are normalised); its problems carry the
error codes of :data:`helpdesk.web.errors.MESSAGES` as their type (``name_required``,
``contact_required``, ``invalid_phone``, ``invalid_email``), so every caller words them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from helpdesk import Language
from helpdesk.booking.contact import InvalidContact, normalise_email, normalise_phone
from helpdesk.booking.service import BookingRequest, Needs
from helpdesk.dbtypes import RowId

BookingChannel = Literal["web", "kiosk", "chat", "counter", "phone"]
#: The codes a booking's input may be refused with (each also a field problem's type).
INPUT_CODES = ("name_required", "contact_required", "invalid_phone", "invalid_email")


def _contact(value: str | None, normalise: Callable[[str], str]) -> str | None:
    """An empty phone or e-mail is none; a given one is normalised or refused."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return normalise(value)
    except InvalidContact as exc:
        raise PydanticCustomError(exc.code, exc.code) from exc


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

    def needs(self) -> Needs:
        return Needs(
            interpreter=self.interpreter,
            wheelchair=self.wheelchair,
            own_device=self.own_device,
            note=self.note,
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

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not name:
            raise PydanticCustomError("name_required", "a name is required")
        return name

    @field_validator("phone")
    @classmethod
    def _a_phone(cls, value: str | None) -> str | None:
        return _contact(value, normalise_phone)

    @field_validator("email")
    @classmethod
    def _an_email(cls, value: str | None) -> str | None:
        return _contact(value, normalise_email)

    @model_validator(mode="after")
    def _reachable(self) -> BookingCreate:
        if self.phone is None and self.email is None:
            raise PydanticCustomError("contact_required", "a phone number or e-mail is required")
        return self

    def request(self, topic: str | None = None) -> BookingRequest:
        """What :func:`helpdesk.booking.service.book` takes (``topic`` replaces the body's)."""
        return BookingRequest(
            slot_id=self.slot_id,
            name=self.name,
            language=self.language,
            phone=self.phone,
            email=self.email,
            topic=topic if topic is not None else self.topic,
            needs=self.needs.needs(),
            channel=self.channel,
        )


class BookingMove(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    slot_id: RowId


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
