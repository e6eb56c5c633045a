"""Bursts of suspicious bookings: many bookings from one network address in a short time.

A booking keeps only a keyed hash of the address it came from (``Booking.client_hash``), so a
burst is named by that hash, never by an address. The per-address limit
(helpdesk.booking.limits) stops one address early; a burst shows what got through (from a
trusted network with its higher limit, or by a patient client hour after hour), and a
coordinator can cancel all of it in one action: the seats are free at once, and the caller
tells the citizens (an e-mail, and a text message when SMS is configured).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from helpdesk.booking.models import Booking
from helpdesk.booking.service import cancel_seat
from helpdesk.clock import utcnow
from helpdesk.kb.store import add_audit

#: Bookings from one address this close together (each within this of the one before) belong
#: to one burst.
BURST_GAP = dt.timedelta(minutes=30)
#: This many bookings make a burst worth a coordinator's look.
BURST_MINIMUM = 5
#: How far back bookings are looked at (by when they were made).
LOOKBACK = dt.timedelta(days=14)


@dataclass
class Burst:
    client_hash: str
    first: dt.datetime
    last: dt.datetime
    booking_ids: list[int] = field(default_factory=list)
    #: Of those, still booked and ahead: what cancelling would cancel.
    active: int = 0
    location_ids: set[int] = field(default_factory=set)

    @property
    def size(self) -> int:
        return len(self.booking_ids)

    @property
    def label(self) -> str:
        """A short name for the address hash (enough to tell bursts apart on the page)."""
        return self.client_hash[:12]


def find_bursts(
    session: Session,
    now: dt.datetime | None = None,
    *,
    gap: dt.timedelta = BURST_GAP,
    minimum: int = BURST_MINIMUM,
    lookback: dt.timedelta = LOOKBACK,
) -> list[Burst]:
    """Bursts among the bookings made in the last ``lookback``, biggest and newest first."""
    now = now or utcnow()
    rows = session.exec(
        select(Booking)
        .where(
            col(Booking.client_hash).is_not(None),
            col(Booking.created_at) > now - lookback,
        )
        .order_by(col(Booking.client_hash), col(Booking.created_at), col(Booking.id))
    ).all()
    bursts: list[Burst] = []
    current: Burst | None = None
    for booking in rows:
        assert booking.client_hash is not None
        assert booking.id is not None
        if (
            current is None
            or current.client_hash != booking.client_hash
            or booking.created_at - current.last > gap
        ):
            current = Burst(booking.client_hash, booking.created_at, booking.created_at)
            bursts.append(current)
        current.last = booking.created_at
        current.booking_ids.append(booking.id)
        current.location_ids.add(booking.location_id)
        if booking.status == "booked" and booking.starts_at > now:
            current.active += 1
    found = [burst for burst in bursts if burst.size >= minimum]
    return sorted(found, key=lambda b: (-b.active, -b.size, -b.last.timestamp()))


def cancel_burst(
    session: Session,
    client_hash: str,
    first: dt.datetime,
    last: dt.datetime,
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> list[Booking]:
    """Cancel every booking still ahead that the address made between ``first`` and ``last``
    (the burst as shown), give the seats back, and record it in the audit log; one transaction.
    Returns the bookings cancelled (to tell the citizens)."""
    now = now or utcnow()
    bookings = list(
        session.exec(
            select(Booking)
            .where(
                Booking.client_hash == client_hash,
                col(Booking.created_at) >= first,
                col(Booking.created_at) <= last,
                col(Booking.status) == "booked",
                col(Booking.starts_at) > now,
            )
            .order_by(col(Booking.id))
            .with_for_update()
        ).all()
    )
    cancelled: list[Booking] = []
    for booking in bookings:
        if not cancel_seat(session, booking, now):
            continue  # cancelled meanwhile by the citizen
        cancelled.append(booking)
    add_audit(
        session,
        actor=actor,
        action="cancel_burst",
        target=f"bookings:address {client_hash[:12]}",
        summary=(
            f"{len(cancelled)} booking(s) cancelled, made {first.isoformat(timespec='seconds')} "
            f"to {last.isoformat(timespec='seconds')}"
        ),
    )
    session.commit()
    for booking in cancelled:
        session.refresh(booking)
    return cancelled
