"""Booking confirmations by e-mail, when an SMTP server is configured (``HELPDESK_SMTP_*``).

Sent after the booking is committed and never inside its transaction: a slow or broken mail
server cannot hold a seat or fail a booking. Without SMTP the confirmation page and the .ics
file are the receipt.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from babel.dates import format_datetime as babel_datetime

from helpdesk.bidi import isolate_text_in, ltr_text_in
from helpdesk.booking.details import BookingDetails
from helpdesk.clock import utcnow
from helpdesk.i18n import N_, Nn_, gettext_for
from helpdesk.settings import Settings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20

SUBJECT = N_("Your booking %(reference)s: %(when)s")
SUBJECT_MOVED = N_("Your booking %(reference)s has moved: %(when)s")
SUBJECT_CANCELLED = N_("Your booking %(reference)s is cancelled")
SUBJECT_REMINDER = N_("Reminder: your booking %(reference)s, %(when)s")
GREETING = N_("Thank you for your booking.")
GREETING_MOVED = N_("Your booking has been moved to a new time.")
GREETING_CANCELLED = N_("Your booking has been cancelled. You are welcome to book a new time.")
GREETING_REMINDER = N_("A reminder of your booking. We look forward to seeing you.")
DURATION = Nn_(
    "It takes about %(minutes)s minute.", "It takes about %(minutes)s minutes.", "minutes"
)
#: The same words as on the receipt page.
PLEASE_CANCEL = N_("If you cannot come, please cancel so that someone else can have the time.")
WHEN = N_("When: %(when)s")
WHERE = N_("Where: %(place)s")
WHAT = N_("What: %(session_type)s")
REFERENCE = N_("Reference: %(reference)s")
BRING = N_("Please bring:")
MANAGE = N_("To cancel or move the booking: %(url)s (with the reference and this e-mail address).")
#: Without a public base URL there is no trustworthy absolute link to give.
MANAGE_WITHOUT_LINK = N_(
    "To cancel or move the booking, choose “Cancel or move a booking” on the booking pages "
    "and give the reference and the phone number or e-mail you booked with."
)
CALENDAR_HINT = N_("The attached file adds the time to your calendar.")
SIGNATURE = N_("Digital help, Borgerservice and the libraries in Aarhus")


def mail_enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def confirmation_message(
    settings: Settings,
    details: BookingDetails,
    to_address: str,
    manage_url: str | None,
    calendar: bytes | None,
    kind: str = "booked",
) -> EmailMessage:
    """The e-mail in the citizen's language; ``kind`` is "booked", "moved", "cancelled" or
    "reminder" (the day before: with how long it takes, and a plea to cancel if need be)."""
    language = details.language
    when = babel_datetime(
        details.local_start, "full", tzinfo=details.local_start.tzinfo, locale=language
    )
    # In Arabic and Persian the reference, numbers and links are isolated left to right
    # (U+2066 … U+2069), or "+45 89 40 10 40" would read "40 10 40 89 45+".
    reference = ltr_text_in(language, details.reference or "")
    subject, greeting = {
        "booked": (SUBJECT, GREETING),
        "moved": (SUBJECT_MOVED, GREETING_MOVED),
        "cancelled": (SUBJECT_CANCELLED, GREETING_CANCELLED),
        "reminder": (SUBJECT_REMINDER, GREETING_REMINDER),
    }[kind]
    lines = [
        gettext_for(language, greeting),
        "",
        gettext_for(language, REFERENCE, reference=reference),
        gettext_for(language, WHEN, when=when),
        gettext_for(language, WHERE, place=isolate_text_in(language, details.place)),
        gettext_for(language, WHAT, session_type=details.session_type_name),
    ]
    if kind == "reminder":
        lines.append(gettext_for(language, DURATION, minutes=details.duration_minutes))
    if details.location_notes:
        lines += ["", isolate_text_in(language, details.location_notes)]
    if details.bring and kind != "cancelled":
        bring = (f"- {isolate_text_in(language, item)}" for item in details.bring)
        lines += ["", gettext_for(language, BRING), *bring]
    if kind != "cancelled":
        if kind == "reminder":
            lines += ["", gettext_for(language, PLEASE_CANCEL)]
        if manage_url:
            url = ltr_text_in(language, manage_url)
            lines += ["", gettext_for(language, MANAGE, url=url)]
        else:
            lines += ["", gettext_for(language, MANAGE_WITHOUT_LINK)]
        if calendar is not None:
            lines.append(gettext_for(language, CALENDAR_HINT))
    lines += ["", "-- ", gettext_for(language, SIGNATURE)]
    message = EmailMessage()
    message["Subject"] = gettext_for(language, subject, reference=reference, when=when)
    message["From"] = settings.smtp_from
    message["To"] = to_address
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="helpdesk.booking")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    if calendar is not None:
        message.add_attachment(
            calendar,
            maintype="text",
            subtype="calendar",
            filename=f"booking-{reference}.ics",
            params={"method": "PUBLISH"},
        )
    message["Content-Language"] = language  # after the body: set_content drops Content-* headers
    return message


def send(settings: Settings, message: EmailMessage) -> bool:
    """Send by SMTP; True if the server accepted it. Failures are logged (addresses redacted by
    the logging filter), never raised: the booking stands either way."""
    try:
        if settings.smtp_security == "ssl":
            context = ssl.create_default_context()
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password)
            client.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("booking e-mail to %s not sent: %s", message["To"], exc)
        return False
