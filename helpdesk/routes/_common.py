"""What many route modules share: the no-store header, the service's time zone, the guides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache
from zoneinfo import ZoneInfo

from starlette.requests import Request

from helpdesk.kb.content import Guide
from helpdesk.routes._kb import current_snapshot
from helpdesk.web.errors import ApiError

#: Pages and answers with personal or per-user data: never kept by a browser or proxy cache.
NO_STORE = {"Cache-Control": "no-store"}


#: The days a date in a request may name. Others are typing mistakes, and at the ends of the
#: calendar (0001-01-01, 9999-12-31) a day more or a time zone's offset would overflow.
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


_YEAR_DAY = (
    r"(?:20\d\d|2100)-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
    r"|20(?:0[048]|[2468][048]|[13579][26])-02-29"  # 2000 is a leap year, 2100 is not
)
#: A day from :data:`EARLIEST` to :data:`LATEST` as the OpenAPI document states it (a pattern:
#: JSON Schema has no range for dates). query_date accepts exactly these.
DATE_SCHEMA = {"type": "string", "pattern": f"^(?:{_YEAR_DAY})$"}
#: Such a day, or a moment on it: ``T`` and a time, an optional offset or ``Z``.
DAY_OR_MOMENT_SCHEMA = {
    "type": "string",
    "pattern": f"^(?:{_YEAR_DAY})"
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?$",
}


def checked_date(day: dt.date) -> dt.date:
    """``day`` if it is within :data:`EARLIEST` .. :data:`LATEST`, else 422
    ``date_out_of_range``."""
    if not EARLIEST <= day <= LATEST:
        raise ApiError(422, "date_out_of_range")
    return day


def query_date(raw: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` query or form value; None when absent, 422 ``invalid_date`` when it is
    not a date, ``date_out_of_range`` outside the service's years."""
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ApiError(422, "invalid_date") from exc
    return checked_date(day)


@cache
def zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(request: Request) -> ZoneInfo:
    """The service's time zone (opening hours, days, times shown)."""
    return zone_named(request.app.state.settings.timezone)


async def guides(request: Request) -> Mapping[str, Guide]:
    """The live knowledge base's guides by slug."""
    return (await current_snapshot(request)).guides
