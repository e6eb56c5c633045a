"""Administration of the booking world: places, staff, session types, opening schedules and
closures, used by the JSON API, the admin pages, the CSV import and the demo loader alike.

Every change is one transaction on the caller's session (the caller commits; on an error
nothing is written): the change itself, its slots made or withdrawn at once
(:func:`helpdesk.booking.schedule.materialise_slots`, so that every process sees the change with
its next query), the bookings in withdrawn slots cancelled with their seats given back
(:func:`helpdesk.booking.service.cancel_seat`), and an audit-log entry. The cancelled bookings
come back as :class:`~helpdesk.booking.notify.AffectedBooking` for staff to see and for
:func:`helpdesk.booking.notify.notify_affected` to tell the citizens after the commit: a booking
is never dropped silently.

Bad input raises :class:`AdminError`: ``admin_invalid`` (422) or a conflict (409:
``slug_taken``, ``schedule_overlap``) with a problem per field, or a ``*_not_found`` (404).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import Session, col, select

from helpdesk.booking.admin_inputs import (
    ClosureIn,
    LocationIn,
    LocationPatch,
    ScheduleIn,
    SchedulePatch,
    SessionTypeIn,
    SessionTypePatch,
    StaffIn,
    StaffPatch,
)
from helpdesk.booking.holidays import HolidayRules
from helpdesk.booking.models import (
    Booking,
    Closure,
    Location,
    Schedule,
    ScheduleStaff,
    SessionType,
    Slot,
    StaffMember,
    translated,
)
from helpdesk.booking.notify import AffectedBooking, channel_for
from helpdesk.booking.places import account_places
from helpdesk.booking.schedule import MaterialiseReport, materialise_slots
from helpdesk.booking.service import cancel_seat
from helpdesk.clock import utcnow
from helpdesk.errors import DomainError, FieldError
from helpdesk.kb.content import SLUG_PATTERN
from helpdesk.kb.store import add_audit
from helpdesk.settings import Settings

T = TypeVar("T")
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
MIN_DURATION, MAX_DURATION = 5, 480
#: Problem types that make the whole change a conflict (409) rather than bad input (422).
CONFLICTS = ("slug_taken", "schedule_overlap")


class AdminError(DomainError):
    """An administrative change refused: ``problems`` name each field and what is wrong."""

    def __init__(self, code: str, problems: Sequence[FieldError] = (), **params: object) -> None:
        super().__init__(code, **params)
        self.problems = list(problems)


def _refuse(problems: list[FieldError]) -> None:
    if problems:
        conflict = next((p.type for p in problems if p.type in CONFLICTS), None)
        raise AdminError(conflict or "admin_invalid", problems)


@dataclass(frozen=True)
class AdminContext:
    """Who changes what, and the rules the slots are made by."""

    actor: str
    settings: Settings
    now: dt.datetime = field(default_factory=utcnow)
    #: Part of a larger change (the CSV import): the slots are brought in line once, at its end.
    batch: bool = False
    #: The acting account, whose place limit decides whose contact details it is shown.
    user_id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def rules(self) -> HolidayRules:
        return holiday_rules(self.settings)


def holiday_rules(settings: Settings) -> HolidayRules:
    """The holidays the settings close every place on."""
    raw = settings.closed_constitution_day_from
    return HolidayRules(
        public_holidays=settings.public_holidays,
        christmas_eve=settings.closed_christmas_eve,
        constitution_day_from=dt.time.fromisoformat(raw) if raw else None,
    )


@dataclass
class AdminResult(Generic[T]):
    """A change's object, the bookings it cancelled, and what happened to the slots."""

    item: T
    affected: list[AffectedBooking]
    slots: MaterialiseReport
    #: For a schedule's DELETE: False when the schedule made slots and is kept, inactive.
    deleted: bool = False


# --- keeping slots and bookings in step --------------------------------------------------------


def _withdrawn_booking_ids(session: Session, now: dt.datetime) -> set[int]:
    """Bookings still ahead whose slot is closed (no new bookings; these stand until told)."""
    rows = session.exec(
        select(Booking.id)
        .join(Slot, col(Slot.id) == col(Booking.slot_id))
        .where(
            col(Booking.status) == "booked",
            col(Booking.starts_at) > now,
            col(Slot.closed).is_(True),
        )
    ).all()
    return {row for row in rows if row is not None}


class Change:
    """Around a change: what was withdrawn before, so that only what the change withdrew is
    cancelled and told."""

    def __init__(self, session: Session, context: AdminContext) -> None:
        self.session, self.context = session, context
        self.before = _withdrawn_booking_ids(session, context.now)

    def finish(
        self, action: str, target: str, summary: str
    ) -> tuple[MaterialiseReport, list[AffectedBooking]]:
        session, context = self.session, self.context
        session.flush()
        if context.batch:
            add_audit(session, actor=context.actor, action=action, target=target, summary=summary)
            session.flush()
            return MaterialiseReport(0, 0, 0, 0), []
        report = materialise_slots(
            session, context.zone, context.settings.booking_weeks_ahead, context.now, context.rules
        )
        hit = sorted(_withdrawn_booking_ids(session, context.now) - self.before)
        affected: list[AffectedBooking] = []
        if hit:
            bookings = session.exec(
                select(Booking)
                .where(col(Booking.id).in_(hit))
                .order_by(col(Booking.id))
                .with_for_update()
                .execution_options(populate_existing=True)
            ).all()
            places = {p.id: p for p in session.exec(select(Location)).all()}
            types = {t.id: t for t in session.exec(select(SessionType)).all()}
            allowed = account_places(session, context.user_id) if context.user_id else None
            for booking in bookings:
                if not cancel_seat(session, booking, context.now):
                    continue
                place, kind = places[booking.location_id], types[booking.session_type_id]
                assert booking.id is not None
                affected.append(
                    AffectedBooking(
                        booking_id=booking.id,
                        reference=booking.reference,
                        language=booking.language,
                        starts_at=booking.starts_at,
                        location_slug=place.slug,
                        location_name=place.name,
                        session_type_slug=kind.slug,
                        session_type_name=translated(kind.names, booking.language) or kind.slug,
                        name=booking.name,
                        phone=booking.phone,
                        email=booking.email,
                        notified_by=channel_for(context.settings, booking.email, booking.phone),
                        visible=allowed is None or booking.location_id in allowed,
                    )
                )
        if affected:
            summary += f"; {len(affected)} booking(s) cancelled and listed for notice"
        add_audit(session, actor=context.actor, action=action, target=target, summary=summary)
        session.flush()
        return report, affected


# --- shared checks -----------------------------------------------------------------------------


def _slug_problems(slug: str) -> list[FieldError]:
    if not re.fullmatch(SLUG_PATTERN, slug):
        return [FieldError(("slug",), "a-z, digits and single hyphens", "slug_format")]
    return []


def _date_problems(**days: dt.date | None) -> list[FieldError]:
    return [
        FieldError((name,), "from 2000 to 2100", "date_out_of_range")
        for name, day in days.items()
        if day is not None and not EARLIEST <= day <= LATEST
    ]


def _changes(patch: Any, *, nullable: Sequence[str] = ()) -> dict[str, Any]:
    """The fields a PATCH gave (null only where the field may be empty)."""
    return {
        name: getattr(patch, name)
        for name in patch.model_fields_set
        if getattr(patch, name) is not None or name in nullable
    }


def _described(changes: dict[str, Any]) -> str:
    return ", ".join(sorted(changes)) or "nothing"


# --- places ------------------------------------------------------------------------------------


def list_locations(session: Session) -> list[Location]:
    return list(session.exec(select(Location).order_by(col(Location.name))).all())


def get_location(session: Session, slug: str) -> Location:
    location = session.exec(select(Location).where(Location.slug == slug)).first()
    if location is None:
        raise AdminError("location_not_found")
    return location


def _kind(kind: str) -> str:
    return "citizen-service" if kind == "citizen_service" else kind


def create_location(
    session: Session, context: AdminContext, data: LocationIn
) -> AdminResult[Location]:
    problems = _slug_problems(data.slug)
    if session.exec(select(Location.id).where(Location.slug == data.slug)).first() is not None:
        problems.append(FieldError(("slug",), "already taken", "slug_taken"))
    _refuse(problems)
    kind = _kind(data.kind)
    values = data.model_dump(exclude={"kind", "listed"})
    location = Location(
        **values, kind=kind, listed=data.listed if data.listed is not None else kind != "outreach"
    )
    change = Change(session, context)
    session.add(location)
    report, affected = change.finish(
        "location_create", f"location:{data.slug}", f"{kind} {data.name!r} created"
    )
    return AdminResult(location, affected, report)


LOCATION_NULLABLE = ("address", "latitude", "longitude")


def update_location(
    session: Session, context: AdminContext, slug: str, patch: LocationPatch
) -> AdminResult[Location]:
    location = get_location(session, slug)
    changes = _changes(patch, nullable=LOCATION_NULLABLE)
    if "kind" in changes:
        changes["kind"] = _kind(changes["kind"])
    return _apply(session, context, location, changes, "location_update", f"location:{slug}")


def _apply(
    session: Session,
    context: AdminContext,
    row: T,
    changes: dict[str, Any],
    action: str,
    target: str,
) -> AdminResult[T]:
    """Set a patch's fields on a row, in one change: slots re-planned, bookings it hits
    collected, the audit entry written."""
    change = Change(session, context)
    for name, value in changes.items():
        setattr(row, name, value)
    session.add(row)
    report, affected = change.finish(action, target, f"changed {_described(changes)}")
    return AdminResult(row, affected, report)


# --- staff -------------------------------------------------------------------------------------


def list_staff(session: Session) -> list[StaffMember]:
    return list(session.exec(select(StaffMember).order_by(col(StaffMember.name))).all())


def get_staff(session: Session, staff_id: int) -> StaffMember:
    member = session.get(StaffMember, staff_id)
    if member is None:
        raise AdminError("staff_not_found")
    return member


def create_staff(
    session: Session, context: AdminContext, data: StaffIn
) -> AdminResult[StaffMember]:
    change = Change(session, context)
    member = StaffMember(name=data.name, languages=sorted(set(data.languages)))
    session.add(member)
    session.flush()
    report, affected = change.finish(
        "staff_create", f"staff:{member.id}", f"languages {','.join(member.languages)}"
    )
    return AdminResult(member, affected, report)


def update_staff(
    session: Session, context: AdminContext, staff_id: int, patch: StaffPatch
) -> AdminResult[StaffMember]:
    member = get_staff(session, staff_id)
    changes = _changes(patch)
    if "languages" in changes:
        changes["languages"] = sorted(set(changes["languages"]))
    return _apply(session, context, member, changes, "staff_update", f"staff:{staff_id}")


# --- session types -----------------------------------------------------------------------------


def list_session_types(session: Session) -> list[SessionType]:
    return list(session.exec(select(SessionType).order_by(col(SessionType.slug))).all())


def get_session_type(session: Session, slug: str) -> SessionType:
    found = session.exec(select(SessionType).where(SessionType.slug == slug)).first()
    if found is None:
        raise AdminError("session_type_not_found")
    return found


def _duration_problems(minutes: int | None) -> list[FieldError]:
    if minutes is not None and not MIN_DURATION <= minutes <= MAX_DURATION:
        return [
            FieldError(
                ("duration_minutes",),
                f"{MIN_DURATION} to {MAX_DURATION} minutes",
                "duration_out_of_range",
                {"low": MIN_DURATION, "high": MAX_DURATION},
            )
        ]
    return []


def create_session_type(
    session: Session, context: AdminContext, data: SessionTypeIn
) -> AdminResult[SessionType]:
    problems = _slug_problems(data.slug) + _duration_problems(data.duration_minutes)
    if session.exec(select(SessionType.id).where(SessionType.slug == data.slug)).first():
        problems.append(FieldError(("slug",), "already taken", "slug_taken"))
    _refuse(problems)
    change = Change(session, context)
    session_type = SessionType(**data.model_dump())
    session.add(session_type)
    report, affected = change.finish(
        "session_type_create", f"session_type:{data.slug}", f"{data.duration_minutes} minutes"
    )
    return AdminResult(session_type, affected, report)


def update_session_type(
    session: Session, context: AdminContext, slug: str, patch: SessionTypePatch
) -> AdminResult[SessionType]:
    session_type = get_session_type(session, slug)
    changes = _changes(patch)
    _refuse(_duration_problems(changes.get("duration_minutes")))
    return _apply(
        session, context, session_type, changes, "session_type_update", f"session_type:{slug}"
    )


# --- opening schedules and dated visits --------------------------------------------------------


@dataclass
class ScheduleView:
    """A schedule as the API and pages show it: with its place's and type's slugs and staff."""

    schedule: Schedule
    location: Location
    session_type: SessionType
    staff_ids: list[int]

    @property
    def dated(self) -> bool:
        return self.schedule.valid_until == self.schedule.valid_from


def _view(session: Session, schedule: Schedule) -> ScheduleView:
    location = session.get(Location, schedule.location_id)
    session_type = session.get(SessionType, schedule.session_type_id)
    assert location is not None
    assert session_type is not None
    staff = session.exec(
        select(ScheduleStaff.staff_member_id)
        .where(ScheduleStaff.schedule_id == schedule.id)
        .order_by(col(ScheduleStaff.staff_member_id))
    ).all()
    return ScheduleView(schedule, location, session_type, list(staff))


def list_schedules(
    session: Session, location: str | None = None, *, include_inactive: bool = False
) -> list[ScheduleView]:
    query = select(Schedule)
    if location is not None:
        query = query.where(Schedule.location_id == get_location(session, location).id)
    if not include_inactive:
        query = query.where(col(Schedule.active).is_(True))
    schedules = session.exec(
        query.order_by(
            col(Schedule.location_id),
            col(Schedule.valid_from),
            col(Schedule.weekday),
            col(Schedule.starts),
        )
    ).all()
    return [_view(session, s) for s in schedules]


def get_schedule(session: Session, schedule_id: int) -> ScheduleView:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise AdminError("schedule_not_found")
    return _view(session, schedule)


@dataclass
class _Planned:
    location: Location | None
    session_type: SessionType | None
    weekday: int | None
    starts: dt.time
    ends: dt.time
    capacity: int
    staff: list[int]
    valid_from: dt.date
    valid_until: dt.date | None


def _check_schedule(session: Session, plan: _Planned, own_id: int | None) -> None:
    """Every problem of the schedule at once; the conflict with another schedule last, so that
    it is checked only against a schedule that is otherwise valid."""
    problems: list[FieldError] = []
    if plan.location is None:
        problems.append(FieldError(("location",), "no such place", "location_not_found"))
    if plan.session_type is None:
        problems.append(FieldError(("session_type",), "unknown", "unknown_session_type"))
    if plan.weekday is None:
        problems.append(FieldError(("weekday",), "a weekday or a date", "weekday_required"))
    if plan.ends <= plan.starts:
        problems.append(FieldError(("ends",), "must be after starts", "ends_before_starts"))
    if plan.capacity < 1:
        problems.append(FieldError(("capacity",), "at least 1", "capacity_too_small"))
    problems += _date_problems(valid_from=plan.valid_from, valid_to=plan.valid_until)
    if plan.valid_until is not None and plan.valid_until < plan.valid_from:
        problems.append(FieldError(("valid_to",), "before valid_from", "to_before_from"))
    if plan.staff:
        known = set(
            session.exec(
                select(StaffMember.id).where(
                    col(StaffMember.id).in_(plan.staff), col(StaffMember.active).is_(True)
                )
            ).all()
        )
        for index, staff_id in enumerate(plan.staff):
            if staff_id not in known:
                problems.append(
                    FieldError(("staff", index), "no such active staff", "unknown_staff")
                )
    if (
        plan.location is not None
        and plan.location.kind == "outreach"
        and plan.valid_until != plan.valid_from
    ):
        problems.append(FieldError(("date",), "outreach visits are dated", "outreach_needs_date"))
    _refuse(problems)
    assert plan.location is not None
    assert plan.session_type is not None
    others = session.exec(
        select(Schedule).where(
            Schedule.location_id == plan.location.id,
            Schedule.session_type_id == plan.session_type.id,
            Schedule.weekday == plan.weekday,
            col(Schedule.active).is_(True),
            col(Schedule.id) != (own_id or 0),
        )
    ).all()
    for other in others:
        times_meet = other.starts < plan.ends and plan.starts < other.ends
        days_meet = (other.valid_until is None or other.valid_until >= plan.valid_from) and (
            plan.valid_until is None or plan.valid_until >= other.valid_from
        )
        if times_meet and days_meet:
            _refuse(
                [
                    FieldError(
                        ("starts",),
                        f"overlaps schedule {other.id}",
                        "schedule_overlap",
                        {"id": other.id},
                    )
                ]
            )


def _location_or_none(session: Session, slug: str) -> Location | None:
    return session.exec(select(Location).where(Location.slug == slug)).first()


def _type_or_none(session: Session, slug: str) -> SessionType | None:
    return session.exec(select(SessionType).where(SessionType.slug == slug)).first()


def _set_staff(session: Session, schedule_id: int, staff: list[int]) -> None:
    session.execute(delete(ScheduleStaff).where(col(ScheduleStaff.schedule_id) == schedule_id))
    for staff_id in dict.fromkeys(staff):
        session.add(ScheduleStaff(schedule_id=schedule_id, staff_member_id=staff_id))


def _today(context: AdminContext) -> dt.date:
    return context.now.astimezone(context.zone).date()


def create_schedule(
    session: Session, context: AdminContext, data: ScheduleIn
) -> AdminResult[ScheduleView]:
    valid_from = data.date or data.valid_from or _today(context)
    valid_until = data.date or data.valid_to
    plan = _Planned(
        location=_location_or_none(session, data.location),
        session_type=_type_or_none(session, data.session_type),
        weekday=data.date.weekday() if data.date else data.weekday,
        starts=data.starts,
        ends=data.ends,
        capacity=data.capacity,
        staff=list(data.staff),
        valid_from=valid_from,
        valid_until=valid_until,
    )
    _check_schedule(session, plan, None)
    assert plan.location is not None
    assert plan.session_type is not None
    assert plan.location.id is not None
    assert plan.session_type.id is not None
    assert plan.weekday is not None
    change = Change(session, context)
    schedule = Schedule(
        location_id=plan.location.id,
        session_type_id=plan.session_type.id,
        weekday=plan.weekday,
        starts=plan.starts,
        ends=plan.ends,
        capacity=plan.capacity,
        valid_from=plan.valid_from,
        valid_until=plan.valid_until,
    )
    session.add(schedule)
    session.flush()
    assert schedule.id is not None
    _set_staff(session, schedule.id, plan.staff)
    report, affected = change.finish(
        "schedule_create",
        f"schedule:{schedule.id}",
        f"{plan.location.slug} {plan.session_type.slug} weekday {plan.weekday} "
        f"{plan.starts:%H:%M}-{plan.ends:%H:%M} x{plan.capacity} from {plan.valid_from}",
    )
    return AdminResult(_view(session, schedule), affected, report)


def update_schedule(
    session: Session, context: AdminContext, schedule_id: int, patch: SchedulePatch
) -> AdminResult[ScheduleView]:
    view = get_schedule(session, schedule_id)
    schedule = view.schedule
    changes = _changes(patch, nullable=("valid_to",))
    date = changes.get("date")
    plan = _Planned(
        location=view.location,
        session_type=(
            _type_or_none(session, changes["session_type"])
            if "session_type" in changes
            else view.session_type
        ),
        weekday=date.weekday() if date else changes.get("weekday", schedule.weekday),
        starts=changes.get("starts", schedule.starts),
        ends=changes.get("ends", schedule.ends),
        capacity=changes.get("capacity", schedule.capacity),
        staff=list(changes.get("staff", view.staff_ids)),
        valid_from=date or changes.get("valid_from", schedule.valid_from),
        valid_until=date or changes.get("valid_to", schedule.valid_until),
    )
    _check_schedule(session, plan, schedule_id)
    assert plan.session_type is not None
    assert plan.session_type.id is not None
    assert plan.weekday is not None
    change = Change(session, context)
    schedule.session_type_id = plan.session_type.id
    schedule.weekday = plan.weekday
    schedule.starts, schedule.ends = plan.starts, plan.ends
    schedule.capacity = plan.capacity
    schedule.valid_from, schedule.valid_until = plan.valid_from, plan.valid_until
    session.add(schedule)
    if "staff" in changes:
        _set_staff(session, schedule_id, plan.staff)
    report, affected = change.finish(
        "schedule_update", f"schedule:{schedule_id}", f"changed {_described(changes)}"
    )
    return AdminResult(_view(session, schedule), affected, report)


def delete_schedule(
    session: Session, context: AdminContext, schedule_id: int
) -> AdminResult[ScheduleView]:
    """End a schedule: its slots ahead are withdrawn (their bookings cancelled and listed). A
    schedule that made slots is kept, inactive, for the statistics; one that made none goes."""
    view = get_schedule(session, schedule_id)
    change = Change(session, context)
    view.schedule.active = False
    session.add(view.schedule)
    report, affected = change.finish(
        "schedule_delete", f"schedule:{schedule_id}", f"{view.location.slug} schedule ended"
    )
    used = session.exec(select(Slot.id).where(Slot.schedule_id == schedule_id)).first()
    deleted = used is None
    if deleted:
        session.execute(delete(ScheduleStaff).where(col(ScheduleStaff.schedule_id) == schedule_id))
        session.delete(view.schedule)
        session.flush()
    return AdminResult(view, affected, report, deleted=deleted)


# --- closures ----------------------------------------------------------------------------------


@dataclass
class ClosureView:
    closure: Closure
    location: Location | None


def list_closures(session: Session, since: dt.date | None = None) -> list[ClosureView]:
    query = select(Closure)
    if since is not None:
        query = query.where(Closure.ends_on >= since)
    closures = session.exec(query.order_by(col(Closure.starts_on), col(Closure.id))).all()
    places = {p.id: p for p in session.exec(select(Location)).all()}
    return [ClosureView(c, places.get(c.location_id)) for c in closures]


def get_closure(session: Session, closure_id: int) -> ClosureView:
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise AdminError("closure_not_found")
    location = session.get(Location, closure.location_id) if closure.location_id else None
    return ClosureView(closure, location)


def _check_place_allowed(session: Session, context: AdminContext, location_id: int | None) -> None:
    """An account limited to some places (a local library's coordinator) may close or reopen
    those, not another place and not every place at once: a closure cancels bookings."""
    allowed = account_places(session, context.user_id) if context.user_id else None
    if allowed is not None and (location_id is None or location_id not in allowed):
        raise AdminError("place_not_allowed")


def create_closure(
    session: Session, context: AdminContext, data: ClosureIn
) -> AdminResult[ClosureView]:
    """Close one place (or every place) from ``from`` to ``to``: the slots of those days are
    withdrawn, and the bookings in them cancelled and listed, in the same transaction."""
    location = _location_or_none(session, data.location) if data.location else None
    problems = _date_problems(**{"from": data.from_, "to": data.to})
    if data.location and location is None:
        problems.append(FieldError(("location",), "no such place", "location_not_found"))
    if data.to < data.from_:
        problems.append(FieldError(("to",), "before from", "to_before_from"))
    _refuse(problems)
    _check_place_allowed(session, context, location.id if location else None)
    change = Change(session, context)
    closure = Closure(
        location_id=location.id if location else None,
        starts_on=data.from_,
        ends_on=data.to,
        reason=data.reason,
    )
    session.add(closure)
    session.flush()
    report, affected = change.finish(
        "closure_create",
        f"closure:{closure.id}",
        f"{location.slug if location else 'all places'} {data.from_} to {data.to}: {data.reason}",
    )
    return AdminResult(ClosureView(closure, location), affected, report)


def delete_closure(
    session: Session, context: AdminContext, closure_id: int
) -> AdminResult[ClosureView]:
    """Reopen: the slots of those days come back (bookings cancelled meanwhile stay so)."""
    view = get_closure(session, closure_id)
    _check_place_allowed(session, context, view.closure.location_id)
    change = Change(session, context)
    session.delete(view.closure)
    report, affected = change.finish(
        "closure_delete",
        f"closure:{closure_id}",
        f"{view.location.slug if view.location else 'all places'} "
        f"{view.closure.starts_on} to {view.closure.ends_on} reopened",
    )
    return AdminResult(view, affected, report, deleted=True)
