"""Words for the dimensions and values of the coordinator's tables (dashboard and CSV).

Message ids in English, wrapped in ``N_`` so that the catalogs carry them; callers translate
with :func:`helpdesk.i18n.gettext_for`. Values without a label here (age bands, weeks) are
shown as they are; languages, topics and places are named by the caller.
"""

from __future__ import annotations

from helpdesk.i18n import N_

DIMENSIONS: dict[str, str] = {
    "topic": N_("Topic"),
    "location": N_("Place"),
    "channel": N_("Channel"),
    "language": N_("Language"),
    "age_band": N_("Age band"),
    "outcome": N_("Outcome"),
    "self_reliance": N_("Can do it alone next time"),
    "first_visit": N_("First visit"),
    "interpreter": N_("Interpreter used"),
    "week": N_("Week"),
    "triage_channel": N_("Channel"),
    "triage_outcome": N_("Answer"),
    "helpful": N_("Did this help?"),
    "booking_status": N_("Status"),
    "triage_location": N_("Place"),
    "cluster": N_("Questions like"),
}

VALUES: dict[str, dict[str, str]] = {
    "channel": {
        "booked": N_("Booked"),
        "walk_in": N_("Walk-in"),
        "outreach": N_("Outreach"),
        "phone": N_("Phone"),
    },
    "triage_channel": {
        "kiosk": N_("Kiosk"),
        "chat": N_("Chat"),
        "counter": N_("Counter"),
        "web": N_("Web"),
    },
    "age_band": {"unknown": N_("Unknown")},
    "first_visit": {"yes": N_("Yes"), "no": N_("No"), "unknown": N_("Unknown")},
    "interpreter": {"yes": N_("Yes"), "no": N_("No")},
    "outcome": {
        "solved": N_("Solved"),
        "partly_solved": N_("Partly solved"),
        "referred": N_("Referred elsewhere"),
        "arranged": N_("Exemption or power of attorney arranged"),
        "not_solved": N_("Not solved"),
    },
    "self_reliance": {"yes": N_("Yes"), "with_help": N_("With some help"), "no": N_("No")},
    "triage_outcome": {
        "guide": N_("A guide"),
        "clarify": N_("Which of these?"),
        "human": N_("Handed to a person"),
    },
    "helpful": {"yes": N_("Yes"), "no": N_("No"), "unanswered": N_("Not answered")},
    "booking_status": {
        "booked": N_("Booked"),
        "arrived": N_("Arrived"),
        "no_show": N_("No-show"),
        "cancelled": N_("Cancelled"),
    },
    "topic": {"other": N_("Other")},
    "triage_location": {"none": N_("No place (chat, web)")},
}

TABLE_TITLES: dict[str, str] = {
    "topic": N_("Sessions by topic"),
    "location": N_("Sessions by place"),
    "channel": N_("Sessions by channel"),
    "language": N_("Sessions by language"),
    "age_band": N_("Sessions by age band"),
    "outcome": N_("Outcomes"),
    "self_reliance": N_("Can do it alone next time?"),
    "first_visit": N_("First visit or repeat visit"),
    "interpreter": N_("Interpreter used"),
    "weekly": N_("Sessions per week"),
    "triage_channel": N_("Questions by channel"),
    "triage_language": N_("Questions by language"),
    "triage_outcome": N_("What the questions got"),
    "triage_feedback": N_("Did this help?"),
    "triage_weekly": N_("Questions per week"),
    "bookings": N_("Bookings"),
    "booking_location": N_("No-shows by place"),
    "triage_location": N_("Questions by place"),
    "unmet": N_("Unmet demand"),
}

COUNT = N_("Count")
#: A session held in a language other than the eight.
OTHER_LANGUAGE = N_("Other language")
TOTAL = N_("Total")
SHARE = N_("Share")
EXAMPLES = N_("Examples")
OTHER_QUESTIONS = N_("Other questions (groups of fewer than 5)")

PRESET_30 = N_("Last 30 days")
PRESET_90 = N_("Last 90 days")
PRESET_YEAR = N_("Last 12 months")
PRESET_THIS_YEAR = N_("This year")
