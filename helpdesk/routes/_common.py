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
