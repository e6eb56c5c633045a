"""Text messages (SMS) to citizens, through a gateway when one is configured
(``HELPDESK_SMS_URL``); without it there is no SMS at all, and nothing pretends otherwise.

One small interface, :class:`SmsProvider`, and one adapter, :class:`HttpSmsGateway`: a JSON POST
of ``{"to": "+4512345678", "message": "...", "from": "Aarhus"}`` with ``Authorization: Bearer
<HELPDESK_SMS_TOKEN>``, which is what most Danish SMS gateways take (or a small proxy in front
of one); any 2xx answer means the gateway has the message. Another gateway is one more class
with a ``send`` method.

Everything that texts a citizen goes through :func:`send_sms` (the reminders, the notice of a
cancelled burst, and closure notices later): it never raises, and logs a failure with the phone
number redacted. Sent after the transaction that decided it, never inside it: a slow gateway
cannot hold a seat or a lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from helpdesk.bidi import isolate_text_in, ltr_text_in
from helpdesk.booking.details import BookingDetails
from helpdesk.i18n import N_, gettext_for
from helpdesk.privacy import redact
from helpdesk.settings import Settings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0

CANCELLED = N_("Your booking %(reference)s, %(when)s, %(place)s, has been cancelled.")
BOOK_AGAIN = N_("You are welcome to book a new time: %(url)s")
BOOK_AGAIN_WITHOUT_LINK = N_("You are welcome to book a new time.")


class SmsError(Exception):
    """The gateway did not take the message: unreachable, timed out, or refused it."""


class SmsProvider(Protocol):
    def send(self, to: str, message: str) -> None:
        """Hand one message for ``to`` (E.164, "+4512345678") to the gateway, or raise
        :class:`SmsError`."""


@dataclass(frozen=True)
class HttpSmsGateway:
    """An SMS gateway that takes a JSON POST (see the module's docstring)."""

    url: str
    token: str = field(default="", repr=False)
    sender: str = "Aarhus"
    timeout: float = TIMEOUT_SECONDS

    def send(self, to: str, message: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = httpx.post(
                self.url,
                json={"to": to, "message": message, "from": self.sender},
                headers=headers,
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            # Only the kind of failure: the exception's text carries the request (and its URL).
            raise SmsError(f"the gateway could not be reached ({type(exc).__name__})") from None
        if not response.is_success:
            raise SmsError(f"the gateway answered {response.status_code}")


def sms_provider(settings: Settings) -> SmsProvider | None:
    """The configured gateway, or None when SMS is off (``HELPDESK_SMS_URL`` empty)."""
    if not settings.sms_url:
        return None
    return HttpSmsGateway(settings.sms_url, settings.sms_token, settings.sms_sender)


def sms_enabled(settings: Settings) -> bool:
    return bool(settings.sms_url)


def cancellation_text(details: BookingDetails, book_url: str | None) -> str:
    """A text message that the booking is cancelled (by staff: a burst of suspicious bookings,
    a closure), in the booking's language, with where to book again."""
    return cancelled_text(
        details.language, details.reference, details.when, details.place, book_url
    )


def cancelled_text(
    language: str, reference: str | None, when: str, place: str, book_url: str | None
) -> str:
    """:func:`cancellation_text` from its parts (a closure's notice has no BookingDetails)."""
    parts = [
        gettext_for(
            language,
            CANCELLED,
            reference=ltr_text_in(language, reference or ""),
            when=when,
            place=isolate_text_in(language, place),
        ),
        gettext_for(language, BOOK_AGAIN, url=ltr_text_in(language, book_url))
        if book_url
        else gettext_for(language, BOOK_AGAIN_WITHOUT_LINK),
    ]
    return " ".join(parts)


def send_sms(
    settings: Settings, to: str, message: str, provider: SmsProvider | None = None
) -> bool:
    """Text ``message`` to ``to``; True if the gateway took it. With SMS off (no provider
    given and none configured) nothing is sent and the answer is False. Failures are logged
    with the number redacted, never raised."""
    provider = provider or sms_provider(settings)
    if provider is None:
        return False
    try:
        provider.send(to, message)
    except SmsError as exc:
        logger.warning("SMS to %s not sent: %s", redact(to), exc)
        return False
    return True
