"""Everything the coordinator's dashboard shows, in one call, and the same tables as CSV."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session

from helpdesk import LANGUAGES
from helpdesk.csv_export import write_csv
from helpdesk.i18n import gettext_for, native_name
from helpdesk.metrics import labels
from helpdesk.metrics.queries import (
    KeyFigures,
    Period,
    SelfServiceFigures,
    Table,
    booking_place_table,
    booking_table,
    key_figures,
    self_service_figures,
    self_service_tables,
    session_tables,
    weekly_sessions,
)
from helpdesk.metrics.suppression import SUPPRESSED_TEXT, Cell, share
from helpdesk.metrics.unmet import OTHER, Cluster, unmet_demand

T = TypeVar("T")


@dataclass
class Dashboard:
    period: Period
    tables: dict[str, Table]
    figures: KeyFigures
    self_service: SelfServiceFigures
    clusters: list[Cluster]
    #: Seconds each part took (for bench/metrics.py).
    timings: dict[str, float] = field(default_factory=dict)


def build(
    session: Session, period: Period, zone: ZoneInfo, location_id: int | None = None
) -> Dashboard:
    timings: dict[str, float] = {}

    def timed(name: str, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        result = work()
        timings[name] = time.perf_counter() - started
        return result

    tables: dict[str, Table] = {}
    tables.update(timed("sessions", lambda: session_tables(session, period, location_id)))
    tables.update(timed("weekly", lambda: weekly_sessions(session, period, location_id)))
    tables.update(timed("self_service", lambda: self_service_tables(session, period, location_id)))
    tables["bookings"] = timed(
        "bookings", lambda: booking_table(session, period, zone, location_id)
    )
    tables["booking_location"] = timed(
        "booking_location", lambda: booking_place_table(session, period, zone)
    )
    clusters = timed(
        "unmet", lambda: unmet_demand(session, period.start, period.end, location_id, zone=zone)
    )
    return Dashboard(
        period=period,
        tables=tables,
        figures=key_figures(tables),
        self_service=self_service_figures(tables, tables["bookings"]),
        clusters=clusters,
        timings=timings,
    )


# --- naming values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """What the database knows by slug: guide titles and place names, in the page language."""

    topics: Mapping[str, str]
    places: Mapping[str, str]


def value_label(dimension: str, value: str, language: str, names: Names) -> str:
    if dimension in ("topic",) and value in names.topics:
        return names.topics[value]
    if dimension in ("location", "triage_location") and value in names.places:
        return names.places[value]
    if dimension == "language":
        if value in LANGUAGES:
            return native_name(value)
        return gettext_for(language, labels.OTHER_LANGUAGE) if value == "other" else value
    label = labels.VALUES.get(dimension, {}).get(value)
    return gettext_for(language, label) if label else value


def dimension_label(dimension: str, language: str) -> str:
    return gettext_for(language, labels.DIMENSIONS.get(dimension, dimension))


# --- CSV ---------------------------------------------------------------------------------------


def table_csv(table: Table, language: str, names: Names) -> str:
    """A table as CSV: one column per dimension, the count ("<5" when hidden) and, for a
    one-dimensional table, the share in per cent. UTF-8 with a byte-order mark, so that Excel
    reads Danish letters right."""
    header = [dimension_label(d, language) for d in table.dimensions]
    header.append(gettext_for(language, labels.COUNT))
    one_dimension = len(table.dimensions) == 1
    if one_dimension:
        header.append(gettext_for(language, labels.SHARE) + " (%)")
    rows = [header]
    for cell in table.cells:
        row = [
            value_label(d, v, language, names)
            for d, v in zip(table.dimensions, cell.key, strict=True)
        ]
        row.append(cell.text)
        if one_dimension:
            share = table.share(*cell.key)
            row.append(SUPPRESSED_TEXT if share is None and cell.count is None else _percent(share))
        rows.append(row)
    total = gettext_for(language, labels.TOTAL)
    rows.append([total, *([""] * (len(table.dimensions) - 1)), _count_text(table.total)])
    return write_csv(rows)


def clusters_csv(clusters: list[Cluster], language: str) -> str:
    header = [
        gettext_for(language, labels.DIMENSIONS["cluster"]),
        gettext_for(language, labels.COUNT),
        gettext_for(language, labels.DIMENSIONS["language"]),
        gettext_for(language, labels.EXAMPLES),
    ]
    rows = [header]
    for cluster in clusters:
        title = (
            gettext_for(language, labels.OTHER_QUESTIONS)
            if cluster.id == OTHER
            else (cluster.examples[0] if cluster.examples else cluster.id)
        )
        rows.append(
            [
                title,
                _count_text(cluster.count),
                ", ".join(cluster.languages),
                " | ".join(cluster.examples),
            ]
        )
    return write_csv(rows)


def _count_text(count: int | None) -> str:
    return SUPPRESSED_TEXT if count is None else str(count)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


@dataclass(frozen=True)
class WeekRow:
    week: str
    total: Cell[tuple[str, ...]]
    cells: dict[str, Cell[tuple[str, ...]]]

    def share(self, value: str) -> float | None:
        cell = self.cells.get(value)
        if cell is None:
            return 0.0 if self.total.count else None
        return share(cell.count, self.total.count)


def pivot_weeks(table: Table, totals: Table) -> list[WeekRow]:
    """A week-by-value table as one row per week, with the week's total (published on its own
    and suppressed by the same rule), for display and charts."""
    weeks: dict[str, dict[str, Cell[tuple[str, ...]]]] = {}
    for cell in table.cells:
        weeks.setdefault(cell.key[0], {})[cell.key[1]] = cell
    return [
        WeekRow(week=total.key[0], total=total, cells=weeks.get(total.key[0], {}))
        for total in sorted(totals.cells, key=lambda c: c.key)
    ]
