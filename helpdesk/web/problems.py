"""A field's problem in the user's language, by its *type* (never by matching English wording).

Every form and the JSON API translate field errors here: pydantic's error types (``missing``,
``string_too_long`` with ``ctx["max_length"]`` ...), the domain's own types (``phrase_taken``,
``https_link`` ...), and the error codes of :data:`helpdesk.web.errors.MESSAGES` raised as a
field's type (``invalid_phone``). A problem without a translation keeps its English message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from helpdesk.errors import FieldError, field_errors
from helpdesk.i18n import N_, Nn_, Plural, gettext_for
from helpdesk.web.errors import MESSAGES

FILL_IN = N_("Please fill in this field.")
CHOOSE = N_("Please choose one of the options.")
#: A form always sends text; a JSON client that sends a number or a list where text belongs is
#: told so, not asked to "choose one of the options".
WRITE_TEXT = N_("Please write this as text.")
AT_MOST_CHARACTERS = Nn_(
    "Please use at most %(limit)s character.",
    "Please use at most %(limit)s characters.",
    "limit",
)
AT_LEAST_ITEMS = Nn_("At least %(count)s is needed.", "At least %(count)s are needed.", "count")
AT_MOST_ITEMS = Nn_("At most %(count)s is allowed.", "At most %(count)s are allowed.", "count")

Rule = Callable[[Mapping[str, Any]], tuple[str | Plural, dict[str, object]] | None]


def _fixed(message: str | Plural) -> Rule:
    return lambda ctx: (message, {})


#: Each type's message and its parameters from the error's ``ctx`` (None: no translation).
PROBLEMS: dict[str, Rule] = {
    "missing": _fixed(FILL_IN),
    "string_type": _fixed(WRITE_TEXT),
    "string_too_short": lambda ctx: (FILL_IN, {}) if ctx.get("min_length") == 1 else None,
    "string_too_long": lambda ctx: (AT_MOST_CHARACTERS, {"limit": ctx["max_length"]}),
    "too_short": lambda ctx: (AT_LEAST_ITEMS, {"count": ctx["min_length"]}),
    "too_long": lambda ctx: (AT_MOST_ITEMS, {"count": ctx["max_length"]}),
    "https_link": _fixed(N_("Please give a whole link that starts with https://.")),
    "phrase_taken": lambda ctx: (
        N_("This search phrase is already used by %(owner)s."),
        {"owner": ctx["owner"]},
    ),
    "html": _fixed(N_("HTML is not allowed here. Write plain text or simple Markdown.")),
    "script_link": _fixed(N_("Script links are not allowed. Use an https link.")),
    "reference_not_reviewed": _fixed(
        N_("The Danish and English versions are the source and must be reviewed.")
    ),
    "slug_format": _fixed(N_("Use lower-case letters a-z, digits and single hyphens.")),
    "reference_first": _fixed(N_("A new guide starts with its Danish or English version.")),
    # Administration (helpdesk.booking.admin)
    "slug_taken": _fixed(N_("This short name is already taken.")),
    "ends_before_starts": _fixed(N_("The end must be after the start.")),
    "capacity_too_small": _fixed(N_("Please give at least 1 seat.")),
    "unknown_staff": _fixed(N_("There is no active member of staff with this number.")),
    "to_before_from": _fixed(N_("The last day must be on or after the first day.")),
    "weekday_required": _fixed(N_("Please choose a weekday or a date.")),
    "outreach_needs_date": _fixed(
        N_("An outreach place has dated visits, not weekly hours: please give the date.")
    ),
    "schedule_overlap": lambda ctx: (
        N_("This overlaps opening hours number %(id)s of the same kind at this place."),
        {"id": ctx["id"]},
    ),
    "duration_out_of_range": lambda ctx: (
        N_("Please give a length from %(low)s to %(high)s minutes."),
        {"low": ctx["low"], "high": ctx["high"]},
    ),
}
#: Pydantic's "Input should be ..." types: a value that is not one of the choices or types.
CHOICE_TYPES = ("literal_error", "enum", "greater_than", "greater_than_equal", "less_than")
CHOICE_SUFFIXES = ("_type", "_parsing", "less_than_equal")


def translated(problem: FieldError, language: str) -> str | None:
    """The problem in ``language``, or None when its type has no translation."""
    rule = PROBLEMS.get(problem.type)
    found = rule(problem.ctx) if rule else None
    if found is not None:
        message, params = found
        return gettext_for(language, message, **params)
    if problem.type in MESSAGES:
        return gettext_for(language, MESSAGES[problem.type], **problem.ctx)
    if problem.type in CHOICE_TYPES or problem.type.endswith(CHOICE_SUFFIXES):
        return gettext_for(language, CHOOSE)
    return None


def problem_text(problem: FieldError, language: str) -> str:
    """The problem in ``language``; an untranslated one in its own (English) words."""
    return translated(problem, language) or problem.message


def field_name(problem: FieldError) -> str:
    """The input field a problem is about ("form" for the whole input)."""
    return str(problem.loc[0]) if problem.loc else "form"


def by_field(
    problems: Iterable[FieldError],
    language: str,
    field_messages: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The first problem of each field, in ``language``.

    ``field_messages`` gives a field one message of its own for any problem (the session form's
    "Choose the place."); otherwise the problem's type decides, and an untranslated type gets
    the general "fields are missing or have the wrong type".
    """
    out: dict[str, str] = {}
    for problem in problems:
        name = field_name(problem)
        if name in out:
            continue
        own = (field_messages or {}).get(name)
        if own is not None:
            out[name] = gettext_for(language, own)
        else:
            out[name] = translated(problem, language) or gettext_for(
                language, MESSAGES["invalid_request"]
            )
    return out


def api_details(
    exc: ValidationError, language: str, field_messages: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """A validation error as the API's ``details``: each field's path, pydantic's own words
    (``problem``) and the message in the caller's language (``message``)."""
    details = []
    for problem in field_errors(exc):
        name = field_name(problem)
        own = (field_messages or {}).get(name)
        details.append(
            {
                "field": ".".join(str(part) for part in problem.loc) or "(body)",
                "problem": problem.message,
                "message": gettext_for(language, own)
                if own is not None
                else translated(problem, language)
                or gettext_for(language, MESSAGES["invalid_request"]),
            }
        )
    return details
