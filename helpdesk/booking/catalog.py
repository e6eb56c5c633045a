"""The read side of booking: places, session types and free times, as citizens look for them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from helpdesk.booking.models import Location, SessionType, Slot


@dataclass(frozen=True)
class SlotView:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: dt.datetime
    local_end: dt.datetime
    location: Location
    session_type: SessionType
    capacity: int
    remaining: int
    languages: list[str]


def locations(session: Session, include_unlisted: bool = False) -> list[Location]:
    query = select(Location).where(col(Location.active).is_(True))
    if not include_unlisted:
        query = query.where(col(Location.listed).is_(True))
    # Borgerservice first, then the libraries, then outreach; by name within each.
    order = {"citizen-service": 0, "library": 1, "outreach": 2}
    return sorted(session.exec(query).all(), key=lambda loc: (order.get(loc.kind, 3), loc.name))


def location_by_slug(session: Session, slug: str) -> Location | None:
    return session.exec(
        select(Location).where(Location.slug == slug, col(Location.active).is_(True))
    ).first()


def session_types(session: Session) -> list[SessionType]:
    """The kinds of session offered (not those an admin took out of service)."""
    return list(
        session.exec(
            select(SessionType)
            .where(col(SessionType.active).is_(True))
            .order_by(col(SessionType.slug))
        ).all()
    )


def session_type_by_slug(session: Session, slug: str) -> SessionType | None:
    return session.exec(select(SessionType).where(SessionType.slug == slug)).first()


def slot_views(session: Session, slots: Iterable[Slot], zone: ZoneInfo) -> list[SlotView]:
    slots = list(slots)
    location_ids = {s.location_id for s in slots}
    type_ids = {s.session_type_id for s in slots}
    places = {
        loc.id: loc
        for loc in session.exec(select(Location).where(col(Location.id).in_(location_ids))).all()
    }
    types = {
        t.id: t
        for t in session.exec(select(SessionType).where(col(SessionType.id).in_(type_ids))).all()
    }
    return [
        SlotView(
            id=slot.id or 0,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            local_start=slot.starts_at.astimezone(zone),
            local_end=slot.ends_at.astimezone(zone),
            location=places[slot.location_id],
            session_type=types[slot.session_type_id],
            capacity=slot.capacity,
            remaining=slot.remaining,
            languages=slot.language_list,
        )
        for slot in slots
    ]


def find_slots(
    session: Session,
    zone: ZoneInfo,
    now: dt.datetime,
    *,
    session_type: SessionType | None = None,
    location: Location | None = None,
    language: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    available_only: bool = True,
    limit: int = 200,
) -> list[SlotView]:
    """Open slots from ``start`` (at the earliest now) to ``end``, soonest first.

    Unlisted places (a shelter, a crisis centre) appear only when asked for by ``location``.
    """
    query = (
        select(Slot)
        .join(Location, col(Location.id) == col(Slot.location_id))
        .where(
            col(Slot.closed).is_(False),
            col(Slot.starts_at) > max(now, start or now),
            col(Location.active).is_(True),
        )
    )
    if end is not None:
        query = query.where(col(Slot.starts_at) < end)
    if session_type is not None:
        query = query.where(Slot.session_type_id == session_type.id)
    if location is not None:
        query = query.where(Slot.location_id == location.id)
    else:
        query = query.where(col(Location.listed).is_(True))
    if language is not None:
        query = query.where(col(Slot.languages).contains(f",{language},"))
    if available_only:
        query = query.where(col(Slot.booked) < col(Slot.capacity))
    query = query.order_by(col(Slot.starts_at), col(Location.name), col(Slot.id)).limit(limit)
    return slot_views(session, session.exec(query).all(), zone)


def distance_km(a: Location, b: Location) -> float:
    """Great-circle distance; unknown coordinates count as far away."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return math.inf
    lat1, lon1, lat2, lon2 = map(
        math.radians,
        (a.latitude or 0.0, a.longitude or 0.0, b.latitude or 0.0, b.longitude or 0.0),
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class PlaceTimes:
    location: Location
    slots: list[SlotView]
    distance_km: float | None


def by_place(
    slots: Sequence[SlotView], near: Location | None = None, per_place: int = 4
) -> list[PlaceTimes]:
    """Free times grouped by place: the place ``near`` first, then the nearest, else soonest."""
    groups: dict[int, list[SlotView]] = {}
    for slot in slots:
        groups.setdefault(slot.location.id or 0, []).append(slot)
    places = []
    for items in groups.values():
        location = items[0].location
        distance = distance_km(near, location) if near is not None else None
        places.append(
            PlaceTimes(location, items[:per_place], None if distance == math.inf else distance)
        )

    def order(place: PlaceTimes) -> tuple[int, float, dt.datetime]:
        is_near = near is not None and place.location.id == near.id
        distance = place.distance_km if place.distance_km is not None else math.inf
        return (0 if is_near else 1, distance if near else 0.0, place.slots[0].starts_at)

    return sorted(places, key=order)
