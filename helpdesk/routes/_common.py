"""What many route modules share: the no-store header, the service's time zone, the guides."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from zoneinfo import ZoneInfo

from starlette.requests import Request

from helpdesk.kb.content import Guide
from helpdesk.routes._kb import current_snapshot

#: Pages and answers with personal or per-user data: never kept by a browser or proxy cache.
NO_STORE = {"Cache-Control": "no-store"}


@cache
def zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(request: Request) -> ZoneInfo:
    """The service's time zone (opening hours, days, times shown)."""
    return zone_named(request.app.state.settings.timezone)


async def guides(request: Request) -> Mapping[str, Guide]:
    """The live knowledge base's guides by slug."""
    return (await current_snapshot(request)).guides
