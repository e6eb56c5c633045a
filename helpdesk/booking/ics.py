"""The booking as an iCalendar file (RFC 5545), made with the icalendar library.

The UID is stable for a booking and SEQUENCE rises with every change, so a calendar that
imports the file again after a move or a cancellation updates the event instead of adding one.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from helpdesk.bidi import isolate_text_in, ltr_text_in
from helpdesk.booking.details import BookingDetails
from helpdesk.booking.mail import MANAGE_WITHOUT_LINK
from helpdesk.clock import utcnow
from helpdesk.i18n import N_, gettext_for

PRODUCT_ID = "-//Aarhus Kommune//helpdesk booking//EN"
UID_DOMAIN = "booking.helpdesk"

SUMMARY = N_("%(session_type)s at %(place)s")
REFERENCE_LINE = N_("Booking reference: %(reference)s")
BRING_HEADING = N_("Please bring:")
MANAGE_LINE = N_(
    "To cancel or move the booking, go to %(url)s and give the reference and the phone "
    "number or e-mail you booked with."
)
REMINDER = N_("Tomorrow: %(session_type)s at %(place)s")


def calendar_description(details: BookingDetails, manage_url: str | None) -> str:
    language = details.language
    reference = ltr_text_in(language, details.reference or "")
    lines = [gettext_for(language, REFERENCE_LINE, reference=reference)]
    if details.bring:
        lines += [
            "",
            gettext_for(language, BRING_HEADING),
            *(f"- {isolate_text_in(language, item)}" for item in details.bring),
        ]
    if details.location_notes:
        lines += ["", isolate_text_in(language, details.location_notes)]
    if manage_url:
        url = ltr_text_in(language, manage_url)
        lines += ["", gettext_for(language, MANAGE_LINE, url=url)]
    else:
        lines += ["", gettext_for(language, MANAGE_WITHOUT_LINK)]
    return "\n".join(lines)


def booking_calendar(
    details: BookingDetails, uid: str, manage_url: str | None, now: dt.datetime | None = None
) -> bytes:
    """A calendar with one event for the booking (``uid``: stable per booking)."""
    language = details.language
    params = {"session_type": details.session_type_name, "place": details.location_name}
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", details.starts_at)
    event.add("dtend", details.ends_at)
    event.add("sequence", details.version)
    event.add("status", "CANCELLED" if details.status == "cancelled" else "CONFIRMED")
    event.add("summary", gettext_for(language, SUMMARY, **params))
    event.add("location", isolate_text_in(language, details.place))
    event.add("description", calendar_description(details, manage_url))
    if details.status != "cancelled":
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", gettext_for(language, REMINDER, **params))
        alarm.add("trigger", dt.timedelta(days=-1))
        event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
