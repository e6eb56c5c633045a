"""The coordinator's dashboard, its CSV exports, and GET /api/v1/metrics.

Thin: the figures come from :mod:`helpdesk.metrics`, already under the small-number rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.models import Location
from helpdesk.clock import utcnow
from helpdesk.i18n import gettext_for
from helpdesk.metrics import dashboard, labels
from helpdesk.metrics.dashboard import Names, pivot_weeks
from helpdesk.metrics.dimensions import GROUP_BY, SESSION_DIMENSIONS
from helpdesk.metrics.queries import Period, bookings_by_place, metrics
from helpdesk.metrics.suppression import SUPPRESSED_TEXT
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._common import DATE_SCHEMA, NO_STORE, guides, query_date, zone
from helpdesk.routes._db import in_session
from helpdesk.routes.api import BAD_INPUT
from helpdesk.routes.metrics_schemas import MetricsResponse, MetricsRow
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.web.access import requires
from helpdesk.web.errors import MESSAGES, ApiError
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

#: The default period: the last 90 days, today included; the same span as the default
#: retention of question texts, so unmet demand covers the whole period.
DEFAULT_DAYS = 90
#: Tables that can be downloaded as CSV (``/coordinator/export/<name>.csv``).
EXPORTS: tuple[str, ...] = (
    *SESSION_DIMENSIONS,
    "weekly_total",
    "weekly",
    "triage_channel",
    "triage_language",
    "triage_outcome",
    "triage_feedback",
    "triage_weekly_total",
    "triage_weekly",
    "triage_location",
    "bookings",
    "booking_location",
    "unmet",
)


def today(zone_info: ZoneInfo) -> dt.date:
    return utcnow().astimezone(zone_info).date()


def _date(raw: str | None, default: dt.date) -> dt.date:
    return query_date(raw) or default


def parse_period(params: Mapping[str, str], current: dt.date) -> Period:
    """``from`` and ``to`` (YYYY-MM-DD, local, both included); the last 90 days by default."""
    end = _date(params.get("to"), current)
    start = _date(params.get("from"), end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise ApiError(422, "invalid_period")
    return Period(start, end)


def presets(current: dt.date) -> list[tuple[str, Period]]:
    return [
        (labels.PRESET_30, Period(current - dt.timedelta(days=29), current)),
        (labels.PRESET_90, Period(current - dt.timedelta(days=89), current)),
        (labels.PRESET_YEAR, Period(current - dt.timedelta(days=364), current)),
        (labels.PRESET_THIS_YEAR, Period(current.replace(month=1, day=1), current)),
    ]


def _location(session: Session, slug: str | None) -> Location | None:
    if not slug:
        return None
    location = catalog.location_by_slug(session, slug)
    if location is None:
        raise ApiError(422, "location_not_found")
    return location


async def _names(request: Request, session_places: list[Location], language: str) -> Names:
    known = await guides(request)
    return Names(
        topics={slug: guide.translation(language)[1].title for slug, guide in known.items()},
        places={place.slug: place.name for place in session_places},
    )


# --- the dashboard -----------------------------------------------------------------------------


@dataclass
class Formatter:
    """What the template needs to turn figures into words in the page language."""

    language: str
    names: Names

    def dimension(self, name: str) -> str:
        return dashboard.dimension_label(name, self.language)

    def value(self, dimension: str, value: str) -> str:
        return dashboard.value_label(dimension, value, self.language, self.names)

    def lang(self, code: str) -> str | None:
        """The code for a ``lang`` attribute: only real language tags (not "other")."""
        return code if code in LANGUAGES else None

    def count(self, count: int | None) -> str:
        if count is None:
            return SUPPRESSED_TEXT
        return str(format_decimal(count, locale=self.language))

    def percent(self, share: float | None) -> str:
        if share is None:
            return SUPPRESSED_TEXT
        return str(format_percent(share, "#,##0.0 %", locale=self.language))


@requires("coordinator")
async def dashboard_page(request: Request) -> Response:
    language = page_language(request)
    zone_info = zone(request)
    current = today(zone_info)
    error = None
    try:
        period = parse_period(request.query_params, current)
    except ApiError as problem:
        error = gettext_for(language, MESSAGES[problem.code])
        period = parse_period({}, current)
    wanted = request.query_params.get("location") or None

    def work(session: Session) -> tuple[list[Location], Location | None, dashboard.Dashboard]:
        places = catalog.locations(session, include_unlisted=True)
        location = next((p for p in places if p.slug == wanted), None)
        board = dashboard.build(session, period, zone_info, location.id if location else None)
        return places, location, board

    places, location, board = await in_session(request, work)
    if wanted and location is None:
        error = gettext_for(language, MESSAGES["location_not_found"])
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if location:
        query["location"] = location.slug
    context: dict[str, Any] = {
        "period": period,
        "places": places,
        "location": location,
        "board": board,
        "tables": board.tables,
        "weeks": pivot_weeks(board.tables["weekly"], board.tables["weekly_total"]),
        "triage_weeks": pivot_weeks(
            board.tables["triage_weekly"], board.tables["triage_weekly_total"]
        ),
        "place_bookings": bookings_by_place(board.tables["booking_location"]),
        "fmt": Formatter(language, await _names(request, places, language)),
        "titles": labels.TABLE_TITLES,
        "presets": [
            (label, urlencode({**query, "from": p.start.isoformat(), "to": p.end.isoformat()}))
            for label, p in presets(current)
        ],
        "export_query": urlencode(query),
        "error": error,
    }
    return render(request, "coordinator/dashboard.html", context, language, headers=NO_STORE)


@requires("coordinator")
async def export_csv(request: Request) -> Response:
    name = request.path_params["table"]
    if name not in EXPORTS:
        raise ApiError(404, "not_found")
    language = page_language(request)
    zone_info = zone(request)
    period = parse_period(request.query_params, today(zone_info))
    slug = request.query_params.get("location") or None

    def work(session: Session) -> tuple[list[Location], dashboard.Dashboard]:
        location = _location(session, slug)
        places = catalog.locations(session, include_unlisted=True)
        return places, dashboard.build(
            session, period, zone_info, location.id if location else None
        )

    places, board = await in_session(request, work)
    if name == "unmet":
        body = dashboard.clusters_csv(board.clusters, language)
    else:
        names = await _names(request, places, language)
        body = dashboard.table_csv(board.tables[name], language, names)
    filename = f"{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": language,
            **NO_STORE,
        },
    )


# --- the JSON API ------------------------------------------------------------------------------


def _group_by(request: Request) -> list[str]:
    names = [
        part.strip()
        for raw in request.query_params.getlist("group_by")
        for part in raw.split(",")
        if part.strip()
    ]
    allowed = ", ".join(GROUP_BY)
    if not names:
        raise ApiError(422, "group_by_required", allowed=allowed)
    unknown = [name for name in names if name not in GROUP_BY]
    if unknown:
        raise ApiError(422, "unknown_group_by", names=", ".join(unknown)[:200], allowed=allowed)
    return list(dict.fromkeys(names))


@operation(
    Operation(
        summary="Session counts by topic, place, channel, language, age band, outcome, "
        "self-reliance and/or week, with small numbers suppressed (coordinator)",
        query=[
            QueryParam(
                "from",
                "First day, YYYY-MM-DD (local, 2000 to 2100); default 89 days before `to`.",
                DATE_SCHEMA,
            ),
            QueryParam(
                "to",
                "Last day, YYYY-MM-DD (local, 2000 to 2100), included; default today.",
                DATE_SCHEMA,
            ),
            QueryParam(
                "group_by",
                "One or more of: " + ", ".join(GROUP_BY) + " (repeated, or comma-separated).",
                {
                    "type": "array",
                    "items": {"type": "string", "enum": list(GROUP_BY)},
                    "minItems": 1,
                },
                required=True,
            ),
            QueryParam("location", "Only this place (its slug)."),
        ],
        responses={
            200: ("Counts per group; null where suppressed", MetricsResponse),
            401: ("Not signed in", ErrorResponse),
            403: ("Not a coordinator", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["metrics"],
    )
)
@requires("coordinator")
async def metrics_api(request: Request) -> JSONResponse:
    period = parse_period(request.query_params, today(zone(request)))
    group_by = _group_by(request)
    slug = request.query_params.get("location") or None

    def work(session: Session) -> MetricsResponse:
        location = _location(session, slug)
        # An unknown group_by is refused above; metrics() refuses it too (UnknownGroup, a
        # DomainError answered 422 through helpdesk.web.errors.STATUS).
        table = metrics(
            session, period.start, period.end, group_by, location.id if location else None
        )
        return MetricsResponse(
            from_=period.start,
            to=period.end,
            group_by=group_by,
            location=location.slug if location else None,
            total=table.total,
            total_suppressed=table.total is None,
            rows=[
                MetricsRow(
                    group=dict(zip(group_by, cell.key, strict=True)),
                    count=cell.count,
                    suppressed=cell.suppressed,
                )
                for cell in table.cells
            ],
        )

    body = await in_session(request, work)
    return JSONResponse(body.model_dump(mode="json", by_alias=True), headers=NO_STORE)


routes = [
    Route("/coordinator", dashboard_page, methods=["GET"], name="coordinator"),
    Route(
        "/coordinator/export/{table}.csv",
        export_csv,
        methods=["GET"],
        name="coordinator_export",
    ),
    Route("/api/v1/metrics", metrics_api, methods=["GET"], name="metrics"),
]
