"""Redaction of personal data typed into free text, before anything is stored or logged.

A CPR number (DDMMYY-XXXX) is redacted in every free-text field; triage questions also lose
phone numbers and e-mail addresses. Redaction is deliberately greedy: a false positive costs a
few digits of a question, a false negative leaks a person's identity into a database.
"""

from __future__ import annotations

import logging
import re

CPR_PLACEHOLDER = "[CPR]"
PHONE_PLACEHOLDER = "[PHONE]"
EMAIL_PLACEHOLDER = "[EMAIL]"

# Day 01-31, month 01-12, two-digit year (dots or slashes may stand between them), an optional
# separator (hyphen, dash, space, dot or slash), four digits; not part of a longer run of digits.
# Arabic-Indic and Persian digits count.
_DIGIT = r"[0-9\u0660-\u0669\u06F0-\u06F9]"
_CPR = re.compile(
    rf"(?<!{_DIGIT})(?:{_DIGIT}{{2}})[./]?(?:{_DIGIT}{{2}})[./]?(?:{_DIGIT}{{2}})"
    rf"\s*[-‐‑–—./ ]?\s*{_DIGIT}{{4}}(?!{_DIGIT})"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone numbers: an optional +country code or 00 prefix, then 8 or more digits that may be
# grouped by spaces, dots or hyphens (Danish numbers are 8 digits: "12 34 56 78").
_PHONE = re.compile(
    rf"(?<![\w+])(?:(?:\+|00){_DIGIT}{{1,3}}[\s.-]?)?(?:{_DIGIT}[\s.-]?){{7,14}}{_DIGIT}(?!{_DIGIT})"
)
_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _is_cpr(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate.translate(_ASCII_DIGITS))
    day, month = int(digits[0:2]), int(digits[2:4])
    return len(digits) == 10 and 1 <= day <= 31 and 1 <= month <= 12


def redact_cpr(text: str) -> str:
    return _CPR.sub(lambda m: CPR_PLACEHOLDER if _is_cpr(m.group(0)) else m.group(0), text)


def redact_personal_data(text: str) -> str:
    """Redact CPR numbers, e-mail addresses and phone numbers (in that order)."""
    text = redact_cpr(text)
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    return _PHONE.sub(PHONE_PLACEHOLDER, text)


def remove_personal_data(text: str) -> str:
    """Drop CPR numbers, e-mails and phone numbers altogether (for matching, not for display):
    a placeholder such as "[CPR]" would itself look like a question about CPR numbers."""
    text = _CPR.sub(lambda m: " " if _is_cpr(m.group(0)) else m.group(0), text)
    return _PHONE.sub(" ", _EMAIL.sub(" ", text))


class RedactingFilter(logging.Filter):
    """A logging filter that redacts personal data from every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_personal_data(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
