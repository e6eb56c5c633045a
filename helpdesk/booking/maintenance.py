"""Daily upkeep of the booking data: slots for the coming weeks, and the retention purge."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from helpdesk.accounts.service import purge_login_attempts
from helpdesk.booking.demo import load_demo
from helpdesk.booking.schedule import materialise_slots
from helpdesk.booking.service import purge_contact_details
from helpdesk.db import flush_deleted_data, session_scope
from helpdesk.kb.models import utcnow
from helpdesk.ratelimit import purge_rate_windows
from helpdesk.settings import Settings

logger = logging.getLogger(__name__)


def purge_personal_data(
    db: Engine, settings: Settings, now: dt.datetime | None = None
) -> dict[str, int]:
    """Booking contact details past their retention period, old sign-in attempts and old
    rate-limit windows (address hashes)."""
    now = now or utcnow()
    with session_scope(db) as session:
        contacts = purge_contact_details(session, settings.booking_retention_days, now)
        attempts = purge_login_attempts(session, now)
        windows = purge_rate_windows(session, now)
    # Also covers the triage question texts, which every caller clears just before this.
    flush_deleted_data(db)
    return {
        "booking_contacts_purged": contacts,
        "login_attempts_deleted": attempts,
        "rate_limit_windows_deleted": windows,
    }


def run_booking_maintenance(
    db: Engine, settings: Settings, now: dt.datetime | None = None, *, demo: bool = False
) -> dict[str, int]:
    """Load demo data (when asked), make the coming weeks' slots, purge what is past retention.

    A failure is logged, not raised: a service process must start (and keep serving the
    bookings that exist) even if, say, two processes collided; the next daily run catches up.
    """
    try:
        return _maintain(db, settings, now, demo=demo)
    except Exception:
        logger.exception("booking maintenance failed; it runs again tomorrow")
        return {}


def _maintain(
    db: Engine, settings: Settings, now: dt.datetime | None, *, demo: bool
) -> dict[str, int]:
    now = now or utcnow()
    zone = ZoneInfo(settings.timezone)
    report: dict[str, int] = {}
    if demo:
        with session_scope(db) as session:
            report.update(load_demo(session, zone, settings.booking_weeks_ahead, now))
    with session_scope(db) as session:
        report.update(materialise_slots(session, zone, settings.booking_weeks_ahead, now).as_dict())
    report.update(purge_personal_data(db, settings, now))
    return report
