"""The short, kind sentence a front end shows with a triage result, in the citizen's language."""

from __future__ import annotations

from helpdesk.i18n import N_, gettext_for
from helpdesk.triage.engine import TriageResult

_MESSAGES = {
    ("guide", False): N_("This guide should help you. Take it one step at a time."),
    ("guide", True): N_(
        "This guide should help you. If you think you have been cheated, talk to a person too: "
        "we are here to help, and you have done nothing wrong by asking."
    ),
    ("clarify", False): N_("Which of these fits your question best?"),
    ("clarify", True): N_("Which of these fits your question best? You can also talk to a person."),
    "no_match": N_(
        "We could not find a guide for that. A member of staff can help you: "
        "book a time, or visit Borgerservice or your local library."
    ),
    "asked_for_person": N_(
        "Of course. You can book a time with a member of staff, "
        "or visit Borgerservice or your local library."
    ),
    "sensitive": N_(
        "This sounds serious, and you should not be alone with it. Please talk to a person. "
        "If you are in danger, call 112."
    ),
    "out_of_scope": N_(
        "That question is answered by another service, not by us. Here is where to ask. "
        "A member of staff can also help you find the way."
    ),
    "empty": N_("Please write your question in a few words."),
}

DRAFT_NOTICE = N_(
    "This translation has not yet been checked by a fluent speaker. If something is unclear, "
    "ask a member of staff or read the Danish or English version."
)


def triage_message(result: TriageResult, language: str) -> str:
    if result.outcome in ("guide", "clarify"):
        message = _MESSAGES[(result.outcome, result.offer_person)]
    else:
        message = _MESSAGES[result.reason]
    return gettext_for(language, message)


def draft_notice(language: str) -> str:
    return gettext_for(language, DRAFT_NOTICE)
