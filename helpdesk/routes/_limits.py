"""Per-address limits as routes apply them: who the caller is (network address), the limit for
that address (higher from ``HELPDESK_TRUSTED_NETWORKS``), and the 429 answer with Retry-After.

The counting is in :mod:`helpdesk.ratelimit` (fixed windows in the database, counted in batches
by the app's :class:`~helpdesk.ratelimit.RateCounter`) and, for booking,
in :mod:`helpdesk.booking.limits` (bookings counted inside the booking transaction).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Coroutine
from typing import Any

from starlette.requests import Request

from helpdesk.booking.limits import BookingLimits, client_hash
from helpdesk.clock import utcnow
from helpdesk.ratelimit import RateCounter, RateDecision, key_hash
from helpdesk.routes._db import in_session
from helpdesk.settings import Settings
from helpdesk.web.client import UNKNOWN, client_address
from helpdesk.web.errors import ApiError

logger = logging.getLogger(__name__)

#: Triage and look-ups from a trusted network (a library's kiosks behind one address) get this
#: many times the per-address limit.
TRUSTED_FACTOR = 10


def known_address(request: Request) -> str | None:
    """The caller's address as :func:`helpdesk.web.client.client_address` works it out (a trusted
    proxy's forwarded address), or None when the server does not know it."""
    address = client_address(request)
    return None if address == UNKNOWN else address


def booking_limits(request: Request) -> BookingLimits:
    """The limits for a public booking from this caller."""
    settings: Settings = request.app.state.settings
    address = known_address(request)
    trusted = address is not None and settings.is_trusted_address(address)
    return BookingLimits(
        per_contact=settings.booking_max_per_contact,
        per_address_hour=(
            settings.booking_max_per_trusted_address_hour
            if trusted
            else settings.booking_max_per_address_hour
        ),
        address_hash=client_hash(settings.secret_key, address) if address else None,
    )


def _limit(settings: Settings, bucket: str) -> tuple[int, dt.timedelta]:
    if bucket == "triage":
        return settings.triage_max_per_address_minute, dt.timedelta(minutes=1)
    if bucket == "lookup":
        return settings.lookup_max_per_address_hour, dt.timedelta(hours=1)
    raise ValueError(bucket)


async def check_rate(request: Request, bucket: str) -> RateDecision:
    """Count this request against its address's limit for ``bucket`` ("triage", "lookup")."""
    settings: Settings = request.app.state.settings
    address = known_address(request)
    if address is None:
        return RateDecision(True)
    limit, window = _limit(settings, bucket)
    if settings.is_trusted_address(address):
        limit *= TRUSTED_FACTOR
    key = key_hash(settings.secret_key, address)
    counter: RateCounter = request.app.state.rate_counter
    now = utcnow()
    decided = counter.decide_here(bucket, key, limit, window, now)
    if decided is not None:
        if decided.write_behind:
            _behind_the_answer(
                in_session(request, lambda s: counter.write_behind(s, bucket, key, window, now))
            )
        return decided
    return await in_session(request, lambda s: counter.write(s, bucket, key, limit, window, now))


#: The writes under way behind answers (a task nobody holds may be collected before it ends).
_writing: set[asyncio.Task[None]] = set()


def _behind_the_answer(write: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(write)
    _writing.add(task)
    task.add_done_callback(_written)


def _written(task: asyncio.Task[None]) -> None:
    _writing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        # The hits stay counted in the process and go with the next write.
        logger.warning("writing rate-limit counts failed", exc_info=task.exception())


async def enforce_rate(request: Request, bucket: str) -> None:
    """For the API: raise 429 ``rate_limited`` with Retry-After when over the limit."""
    decision = await check_rate(request, bucket)
    if not decision.allowed:
        raise ApiError(429, "rate_limited", headers={"Retry-After": str(decision.retry_after)})
