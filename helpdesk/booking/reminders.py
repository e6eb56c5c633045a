"""Reminders before a booked session (``HELPDESK_REMINDER_HOURS``, by default the day before):
a text message to the phone number and an e-mail to the address the booking was made with,
whichever are given and configured, in the citizen's language, with the cancel-or-move link.

**Once, across all processes.** The run that looks for due reminders is a job under a lease
(:mod:`helpdesk.jobs`, through :mod:`helpdesk.lifecycle`), but the guarantee is per booking: a
worker takes a booking's reminder with one conditional statement,

    UPDATE booking SET reminded_at = :now
     WHERE id = :id AND reminded_at IS NULL AND status = 'booked' AND starts_at > :now ...

committed on its own, and sends only if that changed the row. Two workers that both find the
booking (a lease run out under a slow run, a second host) cannot both send: the database lets
one of them change the row. Sending happens after that commit, never inside a transaction.

**Failures.** If every way of reaching the citizen failed (the gateway down, the mail server
refusing), the claim is given back and ``reminder_failures`` raised: the next run tries again,
and after :data:`MAX_FAILURES` runs the reminder is given up. If one way worked, the reminder
counts as sent. A worker killed between taking and sending leaves that reminder unsent: never
twice, at the price of rarely none.

A booking made less than :data:`QUIET` ago gets no reminder yet (its confirmation is fresh); a
booking made shortly before its session gets none at all once the session has begun.
``reminded_at`` and ``reminder_failures`` are cleared with the contact details
(:func:`helpdesk.booking.service.purge_contact_details`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from helpdesk.bidi import isolate_text_in, ltr_text_in
from helpdesk.booking import mail
from helpdesk.booking.details import BookingDetails, booking_details
from helpdesk.booking.models import Booking
from helpdesk.booking.receipt import manage_link
from helpdesk.booking.sms import SmsProvider, send_sms, sms_provider
from helpdesk.clock import utcnow
from helpdesk.db import session_scope
from helpdesk.i18n import N_, gettext_for
from helpdesk.kb.content import Guide
from helpdesk.settings import Settings

logger = logging.getLogger(__name__)

#: A booking made this recently gets its reminder at a later run, if still due.
QUIET = dt.timedelta(hours=1)
#: Runs at which sending may fail before the reminder is given up.
MAX_FAILURES = 5
#: Reminders one run sends at most (the rest at the next run).
BATCH = 500

SMS_TEXT = N_(
    "Reminder of your booking: %(session_type)s, %(when)s, %(place)s. Reference: %(reference)s."
)
SMS_MANAGE = N_("Cannot come? Cancel or move the booking: %(url)s")
SMS_MANAGE_WITHOUT_LINK = N_(
    "Cannot come? Please cancel under “Cancel or move a booking” on the booking pages."
)


@dataclass
class ReminderReport:
    #: Bookings whose reminder this run took and sent (by at least one way).
    reminders_sent: int = 0
    reminder_sms: int = 0
    reminder_emails: int = 0
    #: Taken, but every way failed: given back for the next run.
    reminders_failed: int = 0
    #: Due, but another worker took them first.
    reminders_taken_elsewhere: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def sms_text(details: BookingDetails, manage_url: str | None) -> str:
    """The reminder as a text message, in the booking's language; numbers, the reference and
    the link isolated left to right in Arabic and Persian."""
    language = details.language
    parts = [
        gettext_for(
            language,
            SMS_TEXT,
            session_type=details.session_type_name,
            when=details.when,
            place=isolate_text_in(language, details.place),
            reference=ltr_text_in(language, details.reference or ""),
        ),
        gettext_for(language, mail.DURATION, minutes=details.duration_minutes),
        gettext_for(language, SMS_MANAGE, url=ltr_text_in(language, manage_url))
        if manage_url
        else gettext_for(language, SMS_MANAGE_WITHOUT_LINK),
    ]
    return " ".join(parts)


def due_reminders(
    engine: Engine, hours: int, now: dt.datetime, *, sms: bool, email: bool, limit: int = BATCH
) -> list[int]:
    """Bookings whose reminder is due and not yet sent, soonest first (ids)."""
    reachable = []
    if sms:
        reachable.append(col(Booking.phone).is_not(None))
    if email:
        reachable.append(col(Booking.email).is_not(None))
    if hours <= 0 or not reachable:
        return []
    with session_scope(engine) as session:
        rows = session.exec(
            select(Booking.id)
            .where(
                col(Booking.starts_at) > now,
                col(Booking.starts_at) <= now + dt.timedelta(hours=hours),
                col(Booking.status) == "booked",
                col(Booking.reminded_at).is_(None),
                col(Booking.purged_at).is_(None),
                col(Booking.reminder_failures) < MAX_FAILURES,
                col(Booking.created_at) <= now - QUIET,
                or_(*reachable),
            )
            .order_by(col(Booking.starts_at), col(Booking.id))
            .limit(limit)
        ).all()
    return [booking_id for booking_id in rows if booking_id is not None]


def take(engine: Engine, booking_id: int, now: dt.datetime) -> bool:
    """Take a booking's reminder for this worker: True for exactly one worker, ever (until the
    claim is given back)."""
    with session_scope(engine) as session:
        result = session.execute(
            update(Booking)
            .where(
                col(Booking.id) == booking_id,
                col(Booking.reminded_at).is_(None),
                col(Booking.status) == "booked",
                col(Booking.starts_at) > now,
                col(Booking.purged_at).is_(None),
            )
            .values(reminded_at=now)
        )
        return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def give_back(engine: Engine, booking_id: int, taken_at: dt.datetime) -> None:
    """Every way of sending failed: free the reminder for the next run, one failure more."""
    with session_scope(engine) as session:
        session.execute(
            update(Booking)
            .where(col(Booking.id) == booking_id, col(Booking.reminded_at) == taken_at)
            .values(reminded_at=None, reminder_failures=col(Booking.reminder_failures) + 1)
        )


def send_due_reminders(
    settings: Settings,
    engine: Engine,
    guides: Mapping[str, Guide] | None = None,
    now: dt.datetime | None = None,
    *,
    provider: SmsProvider | None = None,
) -> ReminderReport:
    """Send every due reminder (up to :data:`BATCH`) by the ways configured: SMS
    (``HELPDESK_SMS_URL``) and e-mail (``HELPDESK_SMTP_HOST``). ``guides`` name what to bring
    in the e-mail. Never raises for a failed message; each is logged (redacted)."""
    now = now or utcnow()
    provider = provider or sms_provider(settings)
    mailing = mail.mail_enabled(settings)
    report = ReminderReport()
    zone = ZoneInfo(settings.timezone)
    due = due_reminders(
        engine, settings.reminder_hours, now, sms=provider is not None, email=mailing
    )
    for booking_id in due:
        if not take(engine, booking_id, now):
            report.reminders_taken_elsewhere += 1
            continue
        with session_scope(engine) as session:
            booking = session.get(Booking, booking_id)
            assert booking is not None
            details = booking_details(session, booking, booking.language, zone, guides or {})
            phone, email = booking.phone, booking.email
        manage_url = manage_link(settings, details.language)
        sms_sent = bool(
            provider is not None
            and phone
            and send_sms(settings, phone, sms_text(details, manage_url), provider)
        )
        email_sent = bool(
            mailing
            and email
            and mail.send(
                settings,
                mail.confirmation_message(settings, details, email, manage_url, None, "reminder"),
            )
        )
        report.reminder_sms += sms_sent
        report.reminder_emails += email_sent
        if sms_sent or email_sent:
            report.reminders_sent += 1
        else:
            give_back(engine, booking_id, now)
            report.reminders_failed += 1
    if report.reminders_failed:
        logger.warning(
            "%d reminder(s) could not be sent; they are tried again at the next run",
            report.reminders_failed,
        )
    return report
