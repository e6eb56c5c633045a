"""A citizen's contact details: checked, normalised, and compared in constant time."""

from __future__ import annotations

import hmac

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from helpdesk.bidi import strip_bidi_controls
from helpdesk.errors import DomainError

DEFAULT_REGION = "DK"


class InvalidContact(DomainError, ValueError):
    """``invalid_phone`` or ``invalid_email`` (a ValueError too, so a pydantic validator may
    raise it)."""


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """ "12 34 56 78", "+45 12345678", "0045-12345678" → "+4512345678" (E.164).

    Numbers without a country code are Danish; foreign numbers need their +code.
    """
    try:
        number = phonenumbers.parse(strip_bidi_controls(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidContact("invalid_phone") from exc
    # "Possible" (the right length for its country), not "valid": the library's list of
    # allocated ranges lags behind reality, and refusing a real number is worse.
    if not phonenumbers.is_possible_number(number):
        raise InvalidContact("invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """A syntactically valid address, lower-cased (no DNS look-up: that needs the network)."""
    try:
        valid = validate_email(strip_bidi_controls(raw).strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContact("invalid_email") from exc
    return str(valid.normalized).lower()


def display_phone(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    if number.country_code == 45:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def contact_matches(given: str, phone: str | None, email: str | None) -> bool:
    """Whether ``given`` (a phone number or an e-mail, as typed) is the contact stored.

    Both stored values are always compared, in constant time, so that the answer takes as long
    whichever matched (or neither).
    """
    given = given.strip()
    candidates: list[str] = []
    for normalise in (normalise_email,) if "@" in given else (normalise_phone,):
        try:
            candidates.append(normalise(given))
        except InvalidContact:
            candidates.append("")
    wanted = candidates[0].encode()
    matched = False
    for stored in (phone, email):
        same = hmac.compare_digest(wanted, (stored or "\0").encode())
        matched = matched or (same and bool(stored))
    return matched
