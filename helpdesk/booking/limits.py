"""Limits on public booking, so that nobody can book out the calendar.

* One phone number or e-mail address holds at most ``per_contact`` future bookings (contacts
  are stored normalised: E.164 phone numbers, lower-case e-mail addresses).
* One network address makes at most ``per_address_hour`` bookings an hour (a higher limit for
  addresses in ``HELPDESK_TRUSTED_NETWORKS``, chosen by the caller). Only a keyed hash of the
  address is stored, on the booking, and purged with its contact details.

The counts are made in the database, inside the transaction that books, after the seat has
been taken, so that concurrent requests (in any number of processes) cannot both pass:

* On SQLite the seat UPDATE holds the database's single write lock until the commit, so the
  count that follows sees every booking committed before and none can be committed meanwhile.
* On PostgreSQL (READ COMMITTED) the transaction takes a transaction-scoped advisory lock per
  contact and per address hash (sorted, so two bookers never wait on each other in a cycle)
  before counting; the count, a new statement, then sees every booking committed by whoever
  held the lock before.

Nothing here knows about HTTP; the caller hashes the address and picks the limits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import func, or_, text
from sqlmodel import Session, col, select

from helpdesk.booking.models import Booking

ADDRESS_WINDOW = dt.timedelta(hours=1)
ADDRESS_HASH_SALT = b"helpdesk-booking-address:"


@dataclass(frozen=True)
class BookingLimits:
    """The limits for one booking request."""

    per_contact: int
    per_address_hour: int
    #: Keyed hash of the caller's network address (``client_hash``); None: not counted by
    #: address (no address known).
    address_hash: str | None = None


@dataclass(frozen=True)
class Refusal:
    #: An error code of helpdesk.errors: ``booking_limit_contact`` or ``booking_limit_address``.
    code: str
    #: Seconds until a booking from this contact or address could pass again.
    retry_after: int


def client_hash(secret_key: str, address: str) -> str:
    """A keyed hash of a network address: the same address gives the same hash (to count and
    to group), but the address cannot be recovered from it without the key."""
    return hmac.new(
        secret_key.encode(), ADDRESS_HASH_SALT + address.encode(), hashlib.sha256
    ).hexdigest()


def _lock(session: Session, keys: list[str]) -> None:
    """PostgreSQL: serialise bookers of the same contact or address until commit."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the seat UPDATE already holds the one write lock.
    for key in sorted(set(keys)):
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
        )


def _seconds(delta: dt.timedelta) -> int:
    return max(1, int(delta.total_seconds()) + 1)


def check(
    session: Session,
    limits: BookingLimits,
    phone: str | None,
    email: str | None,
    now: dt.datetime,
) -> Refusal | None:
    """Whether one more booking by this contact and address is allowed; call inside the booking
    transaction after the seat was taken and before the booking is added."""
    keys = [f"booking-contact:{value}" for value in (phone, email) if value]
    if limits.address_hash:
        keys.append(f"booking-address:{limits.address_hash}")
    _lock(session, keys)
    contacts = [
        condition
        for condition in (
            col(Booking.phone) == phone if phone else None,
            col(Booking.email) == email if email else None,
        )
        if condition is not None
    ]
    if contacts:
        held, soonest = session.execute(
            select(func.count(), func.min(Booking.starts_at)).where(
                col(Booking.status) == "booked", col(Booking.starts_at) > now, or_(*contacts)
            )
        ).one()
        if held >= limits.per_contact:
            # A place frees when the soonest booking has started (or is cancelled).
            return Refusal("booking_limit_contact", _seconds(soonest - now))
    if limits.address_hash:
        made, oldest = session.execute(
            select(func.count(), func.min(Booking.created_at)).where(
                col(Booking.client_hash) == limits.address_hash,
                col(Booking.created_at) > now - ADDRESS_WINDOW,
            )
        ).one()
        if made >= limits.per_address_hour:
            return Refusal("booking_limit_address", _seconds(oldest + ADDRESS_WINDOW - now))
    return None
