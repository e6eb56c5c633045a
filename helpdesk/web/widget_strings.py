"""The chat widget's interface strings, in English (the catalogs' source language).

``/widget.js`` embeds them translated into all eight languages, so that the widget can switch
language without another request. Keys are what the JavaScript uses; keep them stable.
"""

from __future__ import annotations

from helpdesk import LANGUAGES
from helpdesk.i18n import N_, gettext_for, is_rtl, native_name

WIDGET_STRINGS: dict[str, str] = {
    "launcher": N_("Ask for help"),
    "title": N_("Digital help desk"),
    "close": N_("Close the chat"),
    "language": N_("Language"),
    "conversation": N_("Conversation"),
    "intro": N_(
        "Hello! Write your question in a few words, for example: "
        "“I have forgotten my MitID password”."
    ),
    "privacy": N_("Please do not write your CPR number or other personal details."),
    "input_label": N_("Your question"),
    "placeholder": N_("Write your question…"),
    "send": N_("Send"),
    "thinking": N_("Looking for an answer…"),
    "you": N_("You:"),
    "bot": N_("Help desk:"),
    "open_guide": N_("Open the guide"),
    "steps": N_("Steps"),
    "bring": N_("What to bring"),
    "new_tab": N_("(opens in a new tab)"),
    "choose": N_("Choose the guide that fits best"),
    "none_of_these": N_("None of these"),
    "did_it_help": N_("Did this help?"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "thanks_yes": N_("Thank you! We are glad it helped."),
    "thanks_no": N_("Thank you for telling us. A person can help you further."),
    "person_intro": N_("You can also talk to a person:"),
    "book": N_("Book a time with a person"),
    "in_person": N_("Get help in person"),
    "borgerservice": N_("Borgerservice at Dokk1"),
    "libraries": N_("Free digital help at the libraries in Aarhus"),
    "network_error": N_(
        "We could not reach the help desk. Please check your internet connection and try again."
    ),
    "retry": N_("Try again"),
    "error": N_("Something went wrong. Please try again in a moment."),
}
"""Key -> English text, marked for extraction with ``N_``."""


def widget_strings(language: str) -> dict[str, str]:
    """All widget strings in one language."""
    return {key: gettext_for(language, text) for key, text in WIDGET_STRINGS.items()}


def all_widget_strings() -> dict[str, dict[str, str]]:
    """``{"da": {...}, "en": {...}, ...}``: every string in every one of the eight languages."""
    return {code: widget_strings(code) for code in LANGUAGES}


def language_names() -> dict[str, str]:
    """Each language in its own name and script, for the widget's language switch."""
    return {code: native_name(code) for code in LANGUAGES}


def rtl_languages() -> list[str]:
    return [code for code in LANGUAGES if is_rtl(code)]
