"""Links to a booking: an unguessable name for its receipt page, keyed with the secret key,
and the absolute "cancel or move" link that e-mails and text messages carry.

The receipt page and its ``.ics`` file are reached by this link alone (the booking pages set no
cookie), so the link must neither be guessable nor reveal the reference or a contact detail.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlmodel import Session

from helpdesk.booking.models import Booking
from helpdesk.dbtypes import parse_row_id
from helpdesk.settings import Settings

RECEIPT_SALT = "helpdesk-booking-receipt"


def receipt_token(settings: Settings, booking: Booking) -> str:
    """An unguessable link name for the booking's receipt: "<id>-<keyed hash>".

    The hash covers the reference, so the link dies when the reference is purged, and it
    reveals neither the reference nor any contact detail (browser history on a kiosk).
    """
    return f"{booking.id}-{_receipt_mac(settings, booking.id, booking.reference)}"


def manage_link(settings: Settings, language: str) -> str | None:
    """The absolute "cancel or move a booking" link for what leaves the service (e-mails, text
    messages, calendar files): only ever from ``HELPDESK_PUBLIC_BASE_URL``, never from a
    request's Host header (which a caller chooses). None without it."""
    base = settings.public_base_url
    return f"{base}/book/manage?lang={language}" if base else None


def book_link(settings: Settings, language: str) -> str | None:
    """The absolute link to book a new time, on the same terms as :func:`manage_link`."""
    base = settings.public_base_url
    return f"{base}/book?lang={language}" if base else None


def _receipt_mac(settings: Settings, booking_id: int | None, reference: str | None) -> str:
    message = f"{RECEIPT_SALT}:{booking_id}:{reference}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def booking_for_receipt(session: Session, settings: Settings, token: str) -> Booking | None:
    """The booking a receipt link names, while it still has its reference (not yet purged)."""
    raw_id, _, mac = token.partition("-")
    booking_id = parse_row_id(raw_id)
    if booking_id is None or len(mac) != 32:
        return None
    booking = session.get(Booking, booking_id)
    if booking is None or booking.reference is None:
        return None
    expected = _receipt_mac(settings, booking.id, booking.reference)
    return booking if hmac.compare_digest(expected, mac) else None
