"""Booking, cancelling and moving, with the guarantee that a slot is never overbooked.

The guarantee lives in the database, not in Python: taking a seat is one conditional statement,

    UPDATE slot SET booked = booked + 1
     WHERE id = :slot AND booked < capacity AND NOT closed AND starts_at > :now

in the same transaction as the INSERT of the booking. Concurrent bookers of the last seat are
serialised by the row lock (PostgreSQL re-checks the condition on the updated row; SQLite has
one writer at a time), so exactly one of them sees a row count of 1; the others see 0 and get
"full" with alternatives. A CHECK constraint ``booked <= capacity`` backs this up. Cancelling
gives the seat back in the transaction that cancels, and moving takes the new seat and gives
back the old one in one transaction. Locks are taken in one order (the booking row, then slots
by id) so that concurrent moves cannot deadlock.

Each public function here runs whole transactions on the session it is given and commits them
itself (a function that changed nothing may leave a read open for the caller to end); on any
error nothing is left half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import case, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk import telemetry
from helpdesk.booking import limits as booking_limits
from helpdesk.booking.contact import contact_matches
from helpdesk.booking.models import (
    SEATED_STATUSES,
    AccountPlace,
    Booking,
    Location,
    SessionType,
    Slot,
)
from helpdesk.booking.places import may_see_place
from helpdesk.booking.reference import new_reference, parse_reference
from helpdesk.clock import utcnow
from helpdesk.errors import DomainError
from helpdesk.privacy import redact

MAX_REFERENCE_ATTEMPTS = 5
ALTERNATIVES = 5


class BookingError(DomainError):
    """A booking operation that cannot be done; a full or closed slot lists ``alternatives``."""

    def __init__(self, code: str, alternatives: Sequence[Slot] = (), **params: object) -> None:
        super().__init__(code, **params)
        self.alternatives = list(alternatives)


class BookingLimitReached(BookingError):
    """Refused by a booking limit (helpdesk.booking.limits); ``retry_after`` in seconds."""

    def __init__(self, code: str, retry_after: int) -> None:
        super().__init__(code)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Needs:
    interpreter: bool = False
    wheelchair: bool = False
    own_device: bool = False
    #: Free text; a CPR number in it is redacted before it is stored (and in a walk-in's note,
    #: phone numbers and e-mails too).
    note: str | None = None


@dataclass(frozen=True)
class BookingRequest:
    """What a citizen asks for. ``phone``/``email`` are already normalised."""

    slot_id: int
    name: str
    language: str
    phone: str | None = None
    email: str | None = None
    topic: str | None = None
    needs: Needs = field(default_factory=Needs)
    channel: str = "web"

    def fingerprint(self) -> str:
        """A hash of the request, to tell a repeated submit from a different one."""
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class BookingChange:
    booking: Booking
    #: False when there was nothing to do (already cancelled, moved to the slot it is in).
    changed: bool


@dataclass(frozen=True)
class BookingOutcome:
    booking: Booking
    #: True when an Idempotency-Key matched an earlier booking, which is returned again.
    replayed: bool = False


def clean_text(text: str | None, limit: int, *, contact_details: bool = False) -> str | None:
    """Free text as stored: CPR numbers (and with ``contact_details``, phone numbers and
    e-mails) redacted, whitespace tidied, cut to ``limit``. A booking keeps its contact details
    in their own fields; a walk-in keeps none anywhere."""
    if text is None:
        return None
    cleaned = " ".join(redact(text, contact_details=contact_details).split())[:limit]
    return cleaned or None


def _seat_taken(session: Session, slot_id: int, now: dt.datetime) -> bool:
    result = session.execute(
        update(Slot)
        .where(
            col(Slot.id) == slot_id,
            col(Slot.booked) < col(Slot.capacity),
            col(Slot.closed).is_(False),
            col(Slot.starts_at) > now,
        )
        .values(booked=col(Slot.booked) + 1)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def _seat_given_back(session: Session, slot_id: int) -> None:
    session.execute(
        update(Slot)
        .where(col(Slot.id) == slot_id, col(Slot.booked) > 0)
        .values(booked=col(Slot.booked) - 1)
    )


def cancel_seat(session: Session, booking: Booking, now: dt.datetime) -> bool:
    """Mark a booking cancelled and give its seat back, in the caller's transaction (no commit).

    Only a booking still ``booked`` is changed (a concurrent cancel or move wins); False then.
    """
    result = session.execute(
        update(Booking)
        .where(col(Booking.id) == booking.id, col(Booking.status) == "booked")
        .values(
            status="cancelled",
            cancelled_at=now,
            updated_at=now,
            version=col(Booking.version) + 1,
        )
    )
    changed = int(result.rowcount or 0) == 1  # type: ignore[attr-defined]
    if changed and booking.slot_id is not None:
        _seat_given_back(session, booking.slot_id)
    return changed


def _why_not_bookable(
    session: Session, slot_id: int, now: dt.datetime, running_ok: bool = False
) -> BookingError:
    """After a failed seat update (and a rollback): not bookable at all, or full?

    "Full" is what is left when the slot is open and ahead: the update saw no free seat (one
    may have been freed since; the citizen can simply try again)."""
    slot = session.get(Slot, slot_id, populate_existing=True)
    if slot is None:
        return BookingError("slot_not_found")
    alternatives = alternative_slots(session, slot, now)
    for alternative in alternatives:
        # Detached with their loaded values: they outlive the rollback that follows an error.
        session.expunge(alternative)
    over = slot.ends_at if running_ok else slot.starts_at
    if slot.closed or over <= now:
        return BookingError("slot_unavailable", alternatives)
    return BookingError("slot_full", alternatives)


def alternative_slots(
    session: Session, slot: Slot, now: dt.datetime, limit: int = ALTERNATIVES
) -> list[Slot]:
    """Free slots of the same session type, the same place first, soonest first."""
    query = (
        select(Slot)
        .join(Location, col(Location.id) == col(Slot.location_id))
        .where(
            Slot.session_type_id == slot.session_type_id,
            col(Slot.id) != slot.id,
            col(Slot.closed).is_(False),
            col(Slot.starts_at) > now,
            col(Slot.booked) < col(Slot.capacity),
            col(Location.active).is_(True),
            or_(col(Location.listed).is_(True), col(Location.id) == slot.location_id),
        )
        .order_by(
            case((col(Slot.location_id) == slot.location_id, 0), else_=1),
            col(Slot.starts_at),
            col(Slot.id),
        )
        .limit(limit)
    )
    return list(session.exec(query).all())


def _replay(session: Session, key: str, fingerprint: str) -> BookingOutcome | None:
    booking = session.exec(select(Booking).where(Booking.idempotency_key == key)).first()
    if booking is None:
        return None
    if booking.request_fingerprint != fingerprint:
        raise BookingError("idempotency_key_reused")
    return BookingOutcome(booking, replayed=True)


def book(
    session: Session,
    request: BookingRequest,
    *,
    idempotency_key: str | None = None,
    topic_session_type: str | None = None,
    limits: booking_limits.BookingLimits | None = None,
    now: dt.datetime | None = None,
) -> BookingOutcome:
    """Book a seat in a slot, or raise :class:`BookingError` (counted for /metrics either way)."""
    try:
        outcome = _book(
            session,
            request,
            idempotency_key=idempotency_key,
            topic_session_type=topic_session_type,
            limits=limits,
            now=now,
        )
    except BookingError as refused:
        telemetry.BOOKINGS.labels("refused", refused.code).inc()
        raise
    if not outcome.replayed:
        telemetry.BOOKINGS.labels("made", "").inc()
    return outcome


def _book(
    session: Session,
    request: BookingRequest,
    *,
    idempotency_key: str | None,
    topic_session_type: str | None,
    limits: booking_limits.BookingLimits | None,
    now: dt.datetime | None,
) -> BookingOutcome:
    """Book a seat in a slot, or raise :class:`BookingError`.

    ``topic_session_type`` is the session type the topic's guide calls for, if a topic is given;
    a slot of another type is refused. With an ``idempotency_key``, a repeat of the same request
    returns the booking made the first time (also when the two arrive at the same moment: the
    key is unique in the database, and the loser's transaction, seat included, is rolled back).
    With ``limits`` (public booking), :class:`BookingLimitReached` when the contact or the
    address has booked enough; a replayed request is not counted again.
    """
    now = now or utcnow()
    if request.phone is None and request.email is None:
        raise BookingError("contact_required")
    fingerprint = request.fingerprint()
    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    slot = session.get(Slot, request.slot_id)
    if slot is None:
        session.rollback()
        raise BookingError("slot_not_found")
    session_type = session.get(SessionType, slot.session_type_id)
    assert session_type is not None
    if topic_session_type is not None and topic_session_type != session_type.slug:
        session.rollback()
        raise BookingError("topic_needs_other_session_type")
    if slot.booked >= slot.capacity or slot.closed or slot.starts_at <= now:
        # Known to be unbookable from what was just read: answer without taking the write
        # lock, so a crowd at a full slot does not queue behind the lucky ones. (Only the
        # refusal is decided here; a seat is only ever granted by the conditional UPDATE.)
        session.rollback()
        raise _why_not_bookable(session, request.slot_id, now)
    for _ in range(MAX_REFERENCE_ATTEMPTS):
        if not _seat_taken(session, slot.id or 0, now):
            session.rollback()
            raise _why_not_bookable(session, request.slot_id, now)
        if limits is not None:
            refusal = booking_limits.check(session, limits, request.phone, request.email, now)
            if refusal is not None:
                session.rollback()
                raise BookingLimitReached(refusal.code, refusal.retry_after)
        booking = Booking(
            reference=new_reference(),
            slot_id=slot.id,
            location_id=slot.location_id,
            session_type_id=slot.session_type_id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status="booked",
            channel=request.channel,
            language=request.language,
            topic=request.topic,
            needs_interpreter=request.needs.interpreter,
            needs_wheelchair=request.needs.wheelchair,
            needs_own_device=request.needs.own_device,
            name=clean_text(request.name, 120),
            phone=request.phone,
            email=request.email,
            needs_note=clean_text(request.needs.note, 500),
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint if idempotency_key else None,
            client_hash=limits.address_hash if limits is not None else None,
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
        try:
            session.commit()
        except IntegrityError:
            # The whole transaction is undone, the seat with it. Either the same
            # Idempotency-Key won a race (return that booking), or the reference collided
            # (astronomically rare: try another).
            session.rollback()
            if idempotency_key is not None:
                replay = _replay(session, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
            taken = session.exec(
                select(Booking.id).where(Booking.reference == booking.reference)
            ).first()
            session.rollback()
            if taken is None:
                raise
            continue
        return BookingOutcome(booking)
    raise RuntimeError("could not find a free booking reference")  # pragma: no cover


def find_booking(session: Session, reference: str, contact: str) -> Booking:
    """The booking with this reference, if ``contact`` is the phone or e-mail given with it.

    Anything else is "not found": a reference alone reveals nothing, and whether it exists
    cannot be probed.
    """
    code = parse_reference(reference)
    booking = (
        session.exec(select(Booking).where(Booking.reference == code)).first() if code else None
    )
    matched = contact_matches(
        contact, booking.phone if booking else None, booking.email if booking else None
    )
    if booking is None or not matched:
        raise BookingError("booking_not_found")
    return booking


def cancel(
    session: Session, reference: str, contact: str, now: dt.datetime | None = None
) -> BookingChange:
    """Cancel and give the seat back, in one transaction. Cancelling twice is harmless."""
    now = now or utcnow()
    booking = find_booking(session, reference, contact)
    if booking.status == "cancelled":
        return BookingChange(booking, changed=False)
    if booking.status != "booked" or booking.starts_at <= now:
        session.rollback()
        raise BookingError("booking_not_changeable")
    changed = cancel_seat(session, booking, now)
    session.commit()
    if changed:
        telemetry.BOOKINGS.labels("cancelled", "").inc()
    session.refresh(booking)
    return BookingChange(booking, changed)


def move(
    session: Session,
    reference: str,
    contact: str,
    new_slot_id: int,
    now: dt.datetime | None = None,
) -> BookingChange:
    """Move a booking to another slot of the same session type, atomically: the new seat is
    taken and the old one given back in one transaction, or nothing changes."""
    now = now or utcnow()
    booking = find_booking(session, reference, contact)
    if booking.status != "booked" or booking.starts_at <= now:
        session.rollback()
        raise BookingError("booking_not_changeable")
    old_slot_id = booking.slot_id
    if new_slot_id == old_slot_id:
        return BookingChange(booking, changed=False)
    new_slot = session.get(Slot, new_slot_id)
    if new_slot is None:
        session.rollback()
        raise BookingError("slot_not_found")
    if new_slot.session_type_id != booking.session_type_id:
        session.rollback()
        raise BookingError("move_other_session_type")
    # 1. The booking row: a concurrent cancel or move of the same booking makes this match
    #    nothing, and this move is abandoned.
    result = session.execute(
        update(Booking)
        .where(
            col(Booking.id) == booking.id,
            col(Booking.status) == "booked",
            col(Booking.slot_id) == old_slot_id,
        )
        .values(
            slot_id=new_slot.id,
            location_id=new_slot.location_id,
            starts_at=new_slot.starts_at,
            ends_at=new_slot.ends_at,
            updated_at=now,
            version=col(Booking.version) + 1,
        )
    )
    if int(result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise BookingError("booking_changed")
    # 2. The two slots, lower id first (one lock order for everyone: no deadlocks).
    assert new_slot.id is not None
    if old_slot_id is not None and old_slot_id < new_slot.id:
        _seat_given_back(session, old_slot_id)
    if not _seat_taken(session, new_slot.id, now):
        session.rollback()
        raise _why_not_bookable(session, new_slot.id, now)
    if old_slot_id is not None and old_slot_id > new_slot.id:
        _seat_given_back(session, old_slot_id)
    session.commit()
    session.refresh(booking)
    return BookingChange(booking, changed=True)


# --- staff side --------------------------------------------------------------------------------

STAFF_STATUSES = ("booked", "arrived", "no_show")


def set_attendance(
    session: Session, booking_id: int, status: str, *, viewer_id: int | None = None
) -> Booking:
    """Mark a booking arrived or no-show (or back to booked, to undo a mistake).

    All three hold their seat, so the slot's count does not change; a cancelled booking stays
    cancelled. With ``viewer_id``, a booking at a place that staff account may not see is
    treated as not there (its answer would show the citizen's name and phone).
    """
    if status not in STAFF_STATUSES:
        raise BookingError("invalid_request")
    if viewer_id is not None:
        found = session.get(Booking, booking_id)
        if found is not None and not may_see_place(session, viewer_id, found.location_id):
            raise BookingError("booking_not_found")
    result = session.execute(
        update(Booking)
        .where(col(Booking.id) == booking_id, col(Booking.status).in_(STAFF_STATUSES))
        .values(status=status, updated_at=utcnow())
    )
    if int(result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        session.rollback()
        if session.get(Booking, booking_id) is None:
            raise BookingError("booking_not_found")
        raise BookingError("booking_not_changeable")
    session.commit()
    booking = session.get(Booking, booking_id, populate_existing=True)
    assert booking is not None
    return booking


@dataclass(frozen=True)
class WalkIn:
    location_id: int
    session_type_id: int
    language: str
    topic: str | None = None
    needs: Needs = field(default_factory=Needs)
    #: Seat the walk-in in this slot (it must still be running or ahead, and have room).
    slot_id: int | None = None


def register_walk_in(session: Session, walk_in: WalkIn, now: dt.datetime | None = None) -> Booking:
    """Record a citizen who came without a booking (anonymous: no name, no contact).

    With a slot, the walk-in takes one of its seats by the same conditional update as a
    booking, so online bookers cannot overbook it afterwards.
    """
    now = now or utcnow()
    session_type = session.get(SessionType, walk_in.session_type_id)
    location = session.get(Location, walk_in.location_id)
    if session_type is None:
        raise BookingError("unknown_session_type")
    if location is None:
        raise BookingError("location_not_found")
    starts_at = now
    ends_at = now + dt.timedelta(minutes=session_type.duration_minutes)
    if walk_in.slot_id is not None:
        slot = session.get(Slot, walk_in.slot_id)
        if (
            slot is None
            or slot.location_id != walk_in.location_id
            or slot.session_type_id != walk_in.session_type_id
        ):
            session.rollback()
            raise BookingError("slot_not_found")
        taken = session.execute(
            update(Slot)
            .where(
                col(Slot.id) == slot.id,
                col(Slot.booked) < col(Slot.capacity),
                col(Slot.ends_at) > now,
            )
            .values(booked=col(Slot.booked) + 1)
        )
        if int(taken.rowcount or 0) != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise _why_not_bookable(session, slot.id or 0, now, running_ok=True)
        starts_at, ends_at = slot.starts_at, slot.ends_at
    booking = Booking(
        slot_id=walk_in.slot_id,
        location_id=walk_in.location_id,
        session_type_id=walk_in.session_type_id,
        starts_at=starts_at,
        ends_at=ends_at,
        status="arrived",
        channel="walk-in",
        language=walk_in.language,
        topic=walk_in.topic,
        needs_interpreter=walk_in.needs.interpreter,
        needs_wheelchair=walk_in.needs.wheelchair,
        needs_own_device=walk_in.needs.own_device,
        needs_note=clean_text(walk_in.needs.note, 500, contact_details=True),
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    session.commit()
    return booking


def day_bookings(
    session: Session,
    location_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    viewer_id: int,
) -> list[tuple[Booking, SessionType]]:
    """A location's bookings and walk-ins between two instants (a local day), by time, as the
    staff account ``viewer_id`` may see them: an account limited to other places is refused
    (``forbidden``), and the query itself keeps only places the account may see."""
    if not may_see_place(session, viewer_id, location_id):
        raise BookingError("forbidden")
    limited = select(AccountPlace.user_id).where(AccountPlace.user_id == viewer_id)
    allowed = select(AccountPlace.location_id).where(AccountPlace.user_id == viewer_id)
    query = (
        select(Booking, SessionType)
        .join(SessionType, col(SessionType.id) == col(Booking.session_type_id))
        .where(
            Booking.location_id == location_id,
            col(Booking.starts_at) >= start,
            col(Booking.starts_at) < end,
            or_(~limited.exists(), col(Booking.location_id).in_(allowed)),
        )
        .order_by(col(Booking.starts_at), col(Booking.id))
    )
    return list(session.exec(query).all())


# --- retention ---------------------------------------------------------------------------------


def purge_contact_details(
    session: Session, retention_days: int, now: dt.datetime | None = None
) -> int:
    """Delete contact details of bookings whose session ended more than ``retention_days`` ago.

    Name, phone, e-mail and the free-text note go, and with them the reference, the
    idempotency key and fingerprint, the address hash (the handles that could lead back to a
    person) and the reminder's state. What stays
    is anonymous: place, session type, time, language, topic, the needs ticked, the status.
    """
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=retention_days)
    result = session.execute(
        update(Booking)
        .where(col(Booking.ends_at) < cutoff, col(Booking.purged_at).is_(None))
        .values(
            name=None,
            phone=None,
            email=None,
            needs_note=None,
            reference=None,
            idempotency_key=None,
            request_fingerprint=None,
            client_hash=None,
            # The reminder's state (when it was sent, how often it failed) goes with them.
            reminded_at=None,
            reminder_failures=0,
            purged_at=now,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def seat_counts_agree(session: Session) -> list[dict[str, Any]]:
    """Slots whose ``booked`` differs from their seated bookings (an audit; should be empty)."""
    seated = (
        select(Booking.slot_id, func.count().label("n"))
        .where(col(Booking.status).in_(SEATED_STATUSES), col(Booking.slot_id).is_not(None))
        .group_by(col(Booking.slot_id))
        .subquery()
    )
    rows = session.execute(
        select(Slot.id, Slot.booked, func.coalesce(seated.c.n, 0))
        .outerjoin(seated, seated.c.slot_id == col(Slot.id))
        .where(col(Slot.booked) != func.coalesce(seated.c.n, 0))
    ).all()
    return [{"slot_id": r[0], "booked": r[1], "seated": r[2]} for r in rows]
