"""Telling citizens that their booking had to be cancelled (a closure, a changed schedule, a place
or a session type taken out of service), with a link to pick a new time.

One function for it, :func:`notify_affected`: an administrative change
(:mod:`helpdesk.booking.admin`) collects the bookings it hit as :class:`AffectedBooking` in its
transaction and, after the commit, hands them here (never inside the transaction: a slow mail
server cannot hold the change). :func:`channel_for` says beforehand how each citizen will be
told, so that staff see at once whom nobody can reach: e-mail when the citizen gave an address
and mail is configured, else a text message when they gave a phone number and SMS is configured
(:mod:`helpdesk.booking.sms`), else ``None``: staff call them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime

from helpdesk.bidi import isolate_text_in, ltr_text_in
from helpdesk.booking.details import day_and_time
from helpdesk.booking.mail import REFERENCE, SIGNATURE, WHAT, WHEN, WHERE, mail_enabled, send
from helpdesk.booking.sms import cancelled_text, send_sms, sms_enabled
from helpdesk.clock import utcnow
from helpdesk.i18n import N_, gettext_for
from helpdesk.settings import Settings

logger = logging.getLogger(__name__)

SUBJECT_WITHDRAWN = N_("Your booking %(reference)s is cancelled: please choose a new time")
GREETING_WITHDRAWN = N_(
    "We are sorry: we had to cancel your booking, because the place is closed or the opening "
    "hours have changed."
)
REASON = N_("Reason: %(reason)s")
REBOOK = N_("Please choose a new time here: %(url)s")
REBOOK_WITHOUT_LINK = N_(
    "Please choose a new time on the booking pages, or call Borgerservice: staff will book a "
    "time for you."
)


@dataclass(frozen=True)
class AffectedBooking:
    """A booking an administrative change cancelled, with what it takes to tell the citizen."""

    booking_id: int
    reference: str | None
    language: str
    starts_at: dt.datetime
    location_slug: str
    location_name: str
    session_type_slug: str
    #: The session type's name in the citizen's language.
    session_type_name: str
    name: str | None
    phone: str | None
    email: str | None
    #: How the citizen is told: "email", "sms", or None when no channel reaches them (staff
    #: call).
    notified_by: str | None
    #: Whether the account that made the change may see this place's citizens (an account
    #: limited to other places gets the booking without name, phone and e-mail).
    visible: bool = True


def channel_for(settings: Settings, email: str | None, phone: str | None) -> str | None:
    """How a citizen with these contact details is told of a cancelled booking."""
    if email and mail_enabled(settings):
        return "email"
    if phone and sms_enabled(settings):
        return "sms"
    return None


def rebook_url(settings: Settings, affected: AffectedBooking) -> str | None:
    """Where to pick a new time: the booking page of the same place and kind of session (only
    from ``HELPDESK_PUBLIC_BASE_URL``, never from a request's Host header)."""
    if not settings.public_base_url:
        return None
    query = urlencode(
        {
            "lang": affected.language,
            "location": affected.location_slug,
            "session_type": affected.session_type_slug,
        }
    )
    return f"{settings.public_base_url}/book?{query}"


def withdrawn_message(
    settings: Settings, affected: AffectedBooking, zone_name: str, reason: str
) -> EmailMessage:
    """The e-mail in the citizen's language."""
    language = affected.language
    local = affected.starts_at.astimezone(ZoneInfo(zone_name))
    when = babel_datetime(local, "full", tzinfo=local.tzinfo, locale=language)
    reference = ltr_text_in(language, affected.reference or "")
    lines = [
        gettext_for(language, GREETING_WITHDRAWN),
        "",
        gettext_for(language, REFERENCE, reference=reference),
        gettext_for(language, WHEN, when=when),
        gettext_for(language, WHERE, place=isolate_text_in(language, affected.location_name)),
        gettext_for(language, WHAT, session_type=affected.session_type_name),
    ]
    if reason:
        lines.append(gettext_for(language, REASON, reason=isolate_text_in(language, reason)))
    url = rebook_url(settings, affected)
    lines.append("")
    if url:
        lines.append(gettext_for(language, REBOOK, url=ltr_text_in(language, url)))
    else:
        lines.append(gettext_for(language, REBOOK_WITHOUT_LINK))
    lines += ["", "-- ", gettext_for(language, SIGNATURE)]
    message = EmailMessage()
    message["Subject"] = gettext_for(language, SUBJECT_WITHDRAWN, reference=reference)
    message["From"] = settings.smtp_from
    message["To"] = affected.email or ""
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="helpdesk.booking")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    message["Content-Language"] = language
    return message


def withdrawn_text(settings: Settings, affected: AffectedBooking) -> str:
    """The text message in the citizen's language: cancelled, and where to pick a new time."""
    local = affected.starts_at.astimezone(ZoneInfo(settings.timezone))
    return cancelled_text(
        affected.language,
        affected.reference,
        day_and_time(affected.language, local),
        affected.location_name,
        rebook_url(settings, affected),
    )


def notify_affected(
    settings: Settings, affected: Sequence[AffectedBooking], reason: str = ""
) -> int:
    """Tell each citizen whose booking was cancelled, by the channel :func:`channel_for` chose;
    returns how many were sent. Failures are logged (addresses redacted), never raised."""
    sent = 0
    for item in affected:
        if item.notified_by == "email" and item.email:
            message = withdrawn_message(settings, item, settings.timezone, reason)
            sent += 1 if send(settings, message) else 0
        elif item.notified_by == "sms" and item.phone:
            sent += 1 if send_sms(settings, item.phone, withdrawn_text(settings, item)) else 0
    if sent < len(affected):
        logger.info(
            "%d of %d cancelled bookings could not be told", len(affected) - sent, len(affected)
        )
    return sent
