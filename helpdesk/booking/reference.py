"""Booking reference codes: short, unambiguous when read aloud or typed from a phone call.

The alphabet leaves out 0/O, 1/I/L and U (Crockford's choice, which also avoids accidental
words); six characters give 30**6 ≈ 729 million codes, shown as two groups of three ("K7M-4QX").
A code alone reveals nothing: every lookup also needs the phone number or e-mail given.
"""

from __future__ import annotations

import secrets

from helpdesk.bidi import strip_bidi_controls

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 6
_SEPARATORS = str.maketrans("", "", " -–—._/")


def new_reference() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_reference(reference: str) -> str:
    """For display: "K7M4QX" → "K7M-4QX"."""
    half = len(reference) // 2
    return f"{reference[:half]}-{reference[half:]}"


def parse_reference(text: str) -> str | None:
    """A code as a person typed it ("k7m 4qx", "K7M-4QX") → "K7M4QX"; None if it cannot be one."""
    code = strip_bidi_controls(text).translate(_SEPARATORS).upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code
