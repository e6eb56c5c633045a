"""Redaction of personal data typed into free text, before anything is stored or logged.

One function, :func:`redact`, finds CPR numbers, e-mail addresses and phone numbers; every place
that stores or logs free text goes through it (``redact_cpr`` and ``redact_personal_data`` are its
two policies, and ``remove_personal_data`` drops the same spans for matching). Guide text and a
booking's name and note lose CPR numbers only (guides rightly hold public phone numbers, and a
booking keeps contact details in its own fields); everything else, logs included, also loses
phone numbers and e-mail addresses.

People write numbers in many ways, and some hide them on purpose, so matching runs on a *folded*
copy of the text: every Unicode decimal digit (full-width, Arabic-Indic, Persian, ...) counts as
its ASCII digit, zero-width and other invisible format characters (soft hyphen, joiners, direction
marks) are ignored, every dash is a hyphen and every space a space, and full-width punctuation is
its ASCII self. What is found is replaced in the original text; everything else is kept exactly.

Redaction is deliberately greedy: a false positive costs a few digits of a question, a false
negative leaks a person's identity into a database. Two kinds of text are still left alone,
because staff and logs need them and they are not personal: dates (2026-12-07, 07.12.2026, with a
time, and periods of two dates), times and time ranges (10.30-12.00), and numbers written with
thousands separators (12.345.678 kr). Any other run of eight or more digits (spaces, dots,
hyphens or slashes between them) is taken for a phone number.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator

CPR_PLACEHOLDER = "[CPR]"
PHONE_PLACEHOLDER = "[PHONE]"
EMAIL_PLACEHOLDER = "[EMAIL]"

# --- folding ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character as matching sees it ("" for an invisible one)."""
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width space/joiners, soft hyphen, word joiner, bidi marks, BOM
        return ""
    if category == "Nd":  # any script's decimal digit, full-width included
        return str(unicodedata.decimal(ch))
    if category == "Pd" or ch == "\u2212":  # hyphens and dashes, the minus sign
        return "-"
    if ch.isspace():
        return " " if ch not in "\n\r" else ch
    folded = unicodedata.normalize("NFKC", ch)
    # Full-width "＠", "．" and friends become ASCII; letters of other scripts stay as they are.
    return folded if folded.isascii() else ch


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, for each of its characters, the index it came from in ``text``
    (None when folding changed nothing, as for most ASCII text)."""
    if text.isascii():
        return text, None
    folds = {ch: _fold_char(ch) for ch in set(_NON_ASCII.findall(text))}
    if all(len(folded) == 1 for folded in folds.values()):
        # The usual case (Danish, Arabic or Cyrillic letters): one character for one.
        return text.translate({ord(ch): folded for ch, folded in folds.items()}), None
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = folds.get(ch, ch)
        chars.append(folded)
        origin.extend([index] * len(folded))
    return "".join(chars), origin


# --- what is found ------------------------------------------------------------------------------

# Between the digit groups of a number: up to three spaces, dots, hyphens or slashes.
_SEP = r"[\s./-]"
_GAP = rf"{_SEP}{{1,3}}"

# E-mail addresses, also as "jens (at) example (dot) dk", "jens[at]example.dk", "jens at
# example.dk" and the Danish "snabel-a". A "dot" word may stand for any dot of the domain.
_AT_WORD = r"(?:at|snabel-?a)"
_DOT_WORD = r"(?:dot|punktum|prik)"


def _bracketed(word: str) -> str:
    return rf"\s*[(\[{{<]\s*{word}\s*[)\]}}>]\s*"


_DOT = rf"(?:\.|{_bracketed(_DOT_WORD)}|\s+{_DOT_WORD}\s+)"
_DOMAIN = rf"[\w-]+(?:{_DOT}[\w-]+)*"
_EMAIL = re.compile(
    rf"(?P<local>[\w.+-]+)(?P<at>@|\s*@\s*|{_bracketed(_AT_WORD)}|\s+{_AT_WORD}\s+)"
    rf"(?P<domain>{_DOMAIN})",
    re.IGNORECASE,
)
# "log in at borger.dk" is a question, not an address: with a bare " at " and a plain dotted
# domain, a local part that is one of these words is not taken for an address.
_NOT_LOCAL_PARTS = frozenset(
    str.split("""
    i me you he him she her it we us they them who here there online is am are was were be been
    in on up out down off back help info information page site website web link app profile
    account log logged login sign signed signing apply applied book booked booking find found
    available register registered read look looking check see go went write contact visit mail
    email e-mail question questions password code me my your our their this that
    """)
)

# Dates with a four-digit year (ISO, or day first as Danes write them), optionally with a time;
# times and time ranges; numbers with thousands separators. None of them is protected when more
# digits follow ("01.01.1990-1234" is a CPR number, "1901-01-01 00" may be one).
_TIME = r"(?:[01]?\d|2[0-4])[:.][0-5]\d(?:[:.][0-5]\d)?"
_ISO_DATE = r"(?:19|20)\d\d-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])"
_DMY_DATE = r"(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:19|20)\d\d"
_MOMENT = (
    rf"(?:{_ISO_DATE}|{_DMY_DATE})"
    rf"(?:(?:T|\s{{1,3}})(?:kl\.?\s*)?{_TIME}(?:[.,]\d{{1,9}})?(?:Z|[+-]\d\d:?\d\d)?)?"
)
# Thousands in groups of three (12.345.678, 1,234,567.50), with or without a currency.
_THOUSANDS = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?)"
_CURRENCY = r"(?:kr\.?|dkk|eur|€|\$)"
_PROTECTED = re.compile(
    # Not right after digits and a separator: "20 00 00.00" is a phone number, not a time.
    rf"(?=[\dkde€$])(?<![\d.:])(?<!\d{_SEP})(?<!\d{_SEP}{{2}})(?<!\d{_SEP}{{3}})(?:"
    rf"{_MOMENT}(?:\s*(?:-|/|\.\.|til|to)?\s*{_MOMENT})?(?!\d)(?!{_SEP}{{0,3}}\d)"
    rf"|{_TIME}(?:\s*-\s*{_TIME})?(?!\d|[.:]\d)(?!{_SEP}{{0,3}}\d)"
    rf"|(?:{_CURRENCY}\s*)?{_THOUSANDS}(?!\d|[.,]\d)"
    rf")",
    re.IGNORECASE,
)

# Runs of digits with short separators between them: where CPR numbers are looked for.
_DIGIT_RUNS = re.compile(rf"\d+(?:{_GAP}\d+)*")
_DIGITS = re.compile(r"\d+")

# Phone numbers: an optional +country code or 00 prefix (maybe in brackets), then 8 or more
# digits that may be grouped by spaces, dots, hyphens or slashes (Danish: "12 34 56 78").
_PHONE = re.compile(
    rf"(?<![\w+])(?:\(?(?:\+|00)\d{{1,3}}\)?{_SEP}{{0,3}}(?:\(0\)\s*)?)?"
    rf"(?:\d{_SEP}{{0,3}}){{7,}}\d(?!\d)"
)

_ANY_DIGIT = re.compile(r"\d")
_AT_HINT = re.compile(r"[\s(\[{<](?:at|snabel-?a)[\s)\]}>]", re.IGNORECASE)
_MASK = "#"  # stands in for what was already found or protected, so nothing matches it twice


@functools.cache
def _cpr_layouts() -> tuple[tuple[int, frozenset[int], bool], ...]:
    """(digits, the offsets where groups may break, whether the year has four digits)."""
    return ((10, frozenset({2, 4, 6, 8}), False), (12, frozenset({2, 4, 8}), True))


def _is_cpr(digits: str, breaks: set[int]) -> bool:
    """A CPR number: DDMMYY-XXXX (or DDMMYYYY-XXXX), day 01-31, month 01-12, broken into
    groups only where people break it (between day, month, year, and in the serial number), and
    always between the date and the serial number when it is broken at all ("07 12 2026 08" is a
    date and a bit, not a CPR number)."""
    for length, allowed, long_year in _cpr_layouts():
        if len(digits) != length or not breaks <= allowed:
            continue
        date_end = 8 if long_year else 6
        if breaks and date_end not in breaks:
            continue
        if long_year and digits[4:6] not in ("19", "20"):
            continue
        if 1 <= int(digits[0:2]) <= 31 and 1 <= int(digits[2:4]) <= 12:
            return True
    return False


def _cpr_spans(folded: str) -> Iterator[tuple[int, int]]:
    """CPR numbers in folded text: windows of whole digit groups inside a run of digits."""
    for run in _DIGIT_RUNS.finditer(folded):
        if len(_ANY_DIGIT.findall(run[0])) < 10:
            continue
        groups = [
            (m.start() + run.start(), m.end() + run.start()) for m in _DIGITS.finditer(run[0])
        ]
        first = 0
        while first < len(groups):
            found = False
            for last in range(first, len(groups)):
                digits = "".join(folded[s:e] for s, e in groups[first : last + 1])
                if len(digits) > 12:
                    break
                offsets, total = set(), 0
                for start, end in groups[first:last]:
                    total += end - start
                    offsets.add(total)
                if _is_cpr(digits, offsets):
                    yield groups[first][0], groups[last][1]
                    first, found = last + 1, True
                    break
            if not found:
                first += 1


def _is_email(match: re.Match[str]) -> bool:
    at = match["at"].strip().lower()
    domain = match["domain"]
    obfuscated_dot = bool(re.search(rf"[\s(\[{{<]{_DOT_WORD}", domain, re.IGNORECASE))
    if at == "@" and match["at"] == "@":
        return True  # jens@example, jens@example.dk
    labels = re.split(_DOT, domain, flags=re.IGNORECASE)
    # Written out or spaced, it must still end like a domain: ".dk", "(dot) com".
    if len(labels) < 2 or not re.fullmatch(r"[^\W\d_]{2,}", labels[-1]):
        return False
    if at in ("at", "snabel-a", "snabela") and not obfuscated_dot:
        return match["local"].lower() not in _NOT_LOCAL_PARTS
    return True


def _spans(folded: str, contact_details: bool) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) of what to redact in folded text, in order, not overlapping."""
    found: list[tuple[int, int, str]] = []
    work = folded

    def mask(start: int, end: int) -> None:
        nonlocal work
        work = work[:start] + _MASK * (end - start) + work[end:]

    if contact_details and ("@" in work or _AT_HINT.search(work)):
        for match in _EMAIL.finditer(work):
            if _is_email(match):
                start = match.start() + len(match["local"]) - len(match["local"].lstrip("."))
                found.append((start, match.end(), EMAIL_PLACEHOLDER))
        for start, end, _ in found:
            mask(start, end)
    if not any(len(_ANY_DIGIT.findall(run[0])) >= 8 for run in _DIGIT_RUNS.finditer(work)):
        return sorted(found)  # no run of digits long enough for a CPR or phone number
    for match in _PROTECTED.finditer(work):
        mask(match.start(), match.end())
    for start, end in list(_cpr_spans(work)):
        found.append((start, end, CPR_PLACEHOLDER))
        mask(start, end)
    if contact_details:
        for match in _PHONE.finditer(work):
            found.append((match.start(), match.end(), PHONE_PLACEHOLDER))
    return sorted(found)


def _replace(text: str, contact_details: bool, replacement: Callable[[str], str]) -> str:
    folded, origin = _fold(text)
    spans = _spans(folded, contact_details)
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end, placeholder in spans:
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        pieces += [text[position:start], replacement(placeholder)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def redact(text: str, *, contact_details: bool = True) -> str:
    """``text`` with CPR numbers (and, unless ``contact_details`` is False, e-mail addresses and
    phone numbers) replaced by "[CPR]", "[EMAIL]" and "[PHONE]". The rest is kept as it was."""
    return _replace(text, contact_details, lambda placeholder: placeholder)


def redact_cpr(text: str) -> str:
    """CPR numbers only: guide text (public phone numbers stay) and a booking's name and note."""
    return redact(text, contact_details=False)


def redact_personal_data(text: str) -> str:
    """CPR numbers, e-mail addresses and phone numbers: triage questions, session and walk-in
    notes, log lines."""
    return redact(text)


def remove_personal_data(text: str) -> str:
    """Drop CPR numbers, e-mails and phone numbers altogether (for matching, not for display):
    a placeholder such as "[CPR]" would itself look like a question about CPR numbers."""
    return _replace(text, True, lambda _placeholder: " ")
