"""The workshop's words for a guide's fields, categories, states and revision actions (msgids)."""

from __future__ import annotations

from helpdesk.i18n import N_

CATEGORY_NAMES = {
    "mitid": N_("MitID"),
    "digital-post": N_("Digital Post"),
    "id-cards": N_("Passport, driving licence and ID"),
    "registration-money": N_("Registration and money"),
    "everyday": N_("Everyday digital life"),
}

SESSION_TYPE_NAMES = {
    "digital-help": N_("Digital help (30 min)"),
    "citizen-service": N_("Citizen service (20 min)"),
}

STATE_NAMES = {
    "missing": N_("Missing"),
    "draft": N_("Draft"),
    "reviewed": N_("Reviewed"),
    "stale": N_("Out of date"),
}

ACTION_NAMES = {
    "create": N_("Created"),
    "edit": N_("Edited"),
    "restore": N_("Restored"),
    "import": N_("Imported from the files"),
    "review": N_("Review status"),
}

FIELD_NAMES = {
    "slug": N_("Short name (slug)"),
    "language": N_("Language"),
    "category": N_("Category"),
    "aliases": N_("Other names"),
    "sensitive": N_("Sensitive matter"),
    "session_type": N_("Kind of session"),
    "title": N_("Title"),
    "summary": N_("Summary"),
    "steps": N_("Steps"),
    "bring": N_("What to bring"),
    "help_in_person": N_("Help in person"),
    "phrases": N_("Search phrases"),
    "sources": N_("Links"),
    "review_status": N_("Review status"),
    "last_checked": N_("Last checked"),
}
