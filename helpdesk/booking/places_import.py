"""Places and their opening hours from a CSV file (``helpdesk admin import-places FILE``), so that
a municipality can load its libraries in one go. Example: ``docs/places-example.csv``.

One row per opening (weekly hours, or a dated visit with ``date``); a place's columns are read
from the first row of its slug (later rows may repeat them or leave them empty), and a row
without ``session_type`` is a place without hours. Columns::

    slug,name,kind,address,postcode,city,step_free,listed,notes_da,notes_en,drop_in_da,
    drop_in_en,session_type,weekday,date,starts,ends,capacity,staff,valid_from,valid_to

``notes_xx`` and ``drop_in_xx`` may be given for any of the eight languages; ``weekday`` is 0-6
(Monday 0) or the day's English or Danish name; ``staff`` names existing staff (their names or
ids, separated by ``;``); true/false columns take yes/no, ja/nej, true/false, 1/0.

Everything goes through :mod:`helpdesk.booking.admin` (the API's own checks and audit entries)
in one transaction: every bad row is reported by its line number, and if there is any, nothing
is imported. A place that exists is updated; hours that exist already (same place, kind,
weekday or date, times and seats) are left as they are, so importing a file twice changes
nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from helpdesk import LANGUAGES
from helpdesk.booking import admin
from helpdesk.booking.admin_inputs import LocationIn, LocationPatch, ScheduleIn
from helpdesk.booking.models import Location, Schedule, SessionType, StaffMember
from helpdesk.booking.notify import AffectedBooking
from helpdesk.errors import field_errors

PLACE_COLUMNS = ("name", "kind", "address", "postcode", "city", "step_free", "listed")
REQUIRED_COLUMNS = ("slug", "name", "kind")
WEEKDAY_NAMES = {
    **{
        name: number
        for number, names in enumerate(
            (
                ("monday", "mon", "mandag", "man"),
                ("tuesday", "tue", "tirsdag", "tir"),
                ("wednesday", "wed", "onsdag", "ons"),
                ("thursday", "thu", "torsdag", "tor"),
                ("friday", "fri", "fredag", "fre"),
                ("saturday", "sat", "lørdag", "lør"),
                ("sunday", "sun", "søndag", "søn"),
            )
        )
        for name in names
    },
    **{str(number): number for number in range(7)},
}
TRUE, FALSE = {"yes", "ja", "true", "1", "y", "j"}, {"no", "nej", "false", "0", "n"}


class ImportFailed(Exception):
    """The file was not imported: ``problems`` are "line N: field: what is wrong"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportReport:
    places_created: int = 0
    places_updated: int = 0
    schedules_created: int = 0
    schedules_unchanged: int = 0
    slots_created: int = 0
    affected: list[AffectedBooking] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "places_created": self.places_created,
            "places_updated": self.places_updated,
            "schedules_created": self.schedules_created,
            "schedules_unchanged": self.schedules_unchanged,
            "slots_created": self.slots_created,
            "bookings_cancelled": len(self.affected),
        }


def _clean(row: dict[str | None, Any]) -> dict[str, str]:
    return {
        str(key).strip(): str(value or "").strip()
        for key, value in row.items()
        if key is not None and not isinstance(value, list)
    }


def _flag(value: str, column: str) -> bool | None:
    lowered = value.lower()
    if not lowered:
        return None
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(f"{column}: give yes or no, not {value!r}")


def _place_data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {name: row.get(name) or None for name in PLACE_COLUMNS}
    data["step_free"] = _flag(row.get("step_free", ""), "step_free")
    data["listed"] = _flag(row.get("listed", ""), "listed")
    data["notes"] = {c: row[f"notes_{c}"] for c in LANGUAGES if row.get(f"notes_{c}")}
    data["drop_in"] = {c: row[f"drop_in_{c}"] for c in LANGUAGES if row.get(f"drop_in_{c}")}
    return {key: value for key, value in data.items() if value not in (None, {})}


def _staff_ids(session: Session, raw: str) -> list[int]:
    ids: list[int] = []
    for part in (p.strip() for p in raw.split(";")):
        if not part:
            continue
        if part.isdigit():
            ids.append(int(part))
            continue
        member = session.exec(
            select(StaffMember).where(col(StaffMember.name) == part, col(StaffMember.active))
        ).first()
        if member is None or member.id is None:
            raise ValueError(f"staff: no active member of staff is called {part!r}")
        ids.append(member.id)
    return ids


def _schedule_data(session: Session, slug: str, row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "location": slug,
        "session_type": row.get("session_type"),
        "starts": row.get("starts") or None,
        "ends": row.get("ends") or None,
        "capacity": row.get("capacity") or "1",
        "staff": _staff_ids(session, row.get("staff", "")),
    }
    if row.get("date"):
        data["date"] = row["date"]
    elif row.get("weekday"):
        weekday = WEEKDAY_NAMES.get(row["weekday"].lower())
        if weekday is None:
            raise ValueError(
                f"weekday: give 0-6 (Monday 0) or a day's name, not {row['weekday']!r}"
            )
        data["weekday"] = weekday
    for column in ("valid_from", "valid_to"):
        if row.get(column):
            data[column] = row[column]
    return {key: value for key, value in data.items() if value is not None}


def _existing_schedule(session: Session, data: ScheduleIn) -> bool:
    location = session.exec(select(Location).where(Location.slug == data.location)).first()
    kind = session.exec(select(SessionType).where(SessionType.slug == data.session_type)).first()
    if location is None or kind is None:
        return False
    weekday = data.date.weekday() if data.date else data.weekday
    query = select(Schedule.id).where(
        Schedule.location_id == location.id,
        Schedule.session_type_id == kind.id,
        Schedule.weekday == weekday,
        Schedule.starts == data.starts,
        Schedule.ends == data.ends,
        Schedule.capacity == data.capacity,
        col(Schedule.active).is_(True),
    )
    if data.date:
        query = query.where(Schedule.valid_from == data.date, Schedule.valid_until == data.date)
    return session.exec(query).first() is not None


def _problems_of(line: int, exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [
            f"line {line}: {'.'.join(str(p) for p in problem.loc) or 'row'}: {problem.message}"
            for problem in field_errors(exc)
        ]
    if isinstance(exc, admin.AdminError):
        if not exc.problems:
            return [f"line {line}: {exc.code}"]
        return [
            f"line {line}: {'.'.join(str(p) for p in problem.loc)}: {problem.message}"
            for problem in exc.problems
        ]
    return [f"line {line}: {exc}"]


def import_places(session: Session, context: admin.AdminContext, text: str) -> ImportReport:
    """Import the CSV ``text`` in the caller's transaction; :class:`ImportFailed` with every bad
    row when any is bad (the caller then rolls back: nothing is imported)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {name.strip() for name in reader.fieldnames or ()}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFailed([f"line 1: missing column(s): {', '.join(missing)}"])
    batch = admin.AdminContext(context.actor, context.settings, context.now, batch=True)
    whole = admin.Change(session, context)
    report = ImportReport()
    problems: list[str] = []
    seen: set[str] = set()
    for row_raw in reader:
        line = reader.line_num
        row = _clean(row_raw)
        if not any(row.values()):
            continue
        slug = row.get("slug", "")
        try:
            if slug not in seen:
                seen.add(slug)
                values = _place_data(row)
                exists = session.exec(select(Location.id).where(Location.slug == slug)).first()
                if exists is None:
                    admin.create_location(
                        session, batch, LocationIn.model_validate({"slug": slug, **values})
                    )
                    report.places_created += 1
                else:
                    admin.update_location(
                        session, batch, slug, LocationPatch.model_validate(values)
                    )
                    report.places_updated += 1
            if row.get("session_type"):
                data = ScheduleIn.model_validate(_schedule_data(session, slug, row))
                if _existing_schedule(session, data):
                    report.schedules_unchanged += 1
                else:
                    admin.create_schedule(session, batch, data)
                    report.schedules_created += 1
        except (ValidationError, admin.AdminError, ValueError) as exc:
            problems += _problems_of(line, exc)
    if problems:
        raise ImportFailed(problems)
    slots, affected = whole.finish(
        "places_import",
        "places:csv",
        f"{report.places_created} place(s) created, {report.places_updated} updated, "
        f"{report.schedules_created} opening(s) added",
    )
    report.slots_created = slots.created
    report.affected = affected
    return report
