"""The citizen kiosk: a touch screen in a library, used by strangers one after another.

Privacy on a shared screen: the kiosk sets no cookie and stores nothing in the browser; every
change of screen replaces the history entry and pages are never cached, so the back button cannot
bring a previous citizen's answers back; after an idle time everything resets.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.i18n import N_, Nn_, gettext_for, is_rtl, native_name, plural_table
from helpdesk.routes._kb import current_snapshot
from helpdesk.triage.live import Snapshot
from helpdesk.web.access import public
from helpdesk.web.templating import render

QUESTION = N_("What do you need help with?")
# Guides offered as tappable examples, in this order, where they exist.
EXAMPLE_SLUGS = (
    "mitid-create-app",
    "digital-post-read",
    "health-card",
    "change-address",
    "passport-book",
    "mitid-lost-phone",
)
# "Browse by topic", for people who cannot type: big tiles, each with the guides it holds. A tile
# takes every guide of its knowledge-base categories plus the guides named (the knowledge base's
# categories are broader than a citizen's topics: "id-cards" holds passports and health cards).
BROWSE_TOPICS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("mitid", N_("MitID"), ("mitid",), ()),
    ("digital-post", N_("Digital Post"), ("digital-post",), ()),
    (
        "passport-licence",
        N_("Passport and driving licence"),
        (),
        (
            "passport-book",
            "passport-child",
            "passport-lost",
            "driving-licence-renew",
            "driving-licence-app",
        ),
    ),
    ("tax", N_("Tax"), (), ("tax-annual-statement", "tax-preliminary", "tax-card-new-job")),
    (
        "health",
        N_("Health"),
        (),
        ("health-card", "eu-health-card", "doctor-change", "health-online"),
    ),
    (
        "moving",
        N_("Moving"),
        (),
        ("change-address", "residence-certificate", "housing-benefit", "housing-waiting-list"),
    ),
    ("pension", N_("Pension"), (), ("pension-apply", "udbetaling-danmark")),
    ("school", N_("School and childcare"), (), ("aula-login", "childcare-place", "su-student")),
)
NO_CACHE = {
    "Cache-Control": "no-store, max-age=0",
    "Referrer-Policy": "no-referrer",
}

# Strings the kiosk's script needs, translated on the server and handed over as JSON.
SCRIPT_STRINGS = {
    "step_of": N_("Step %(number)s of %(total)s"),
    "next": N_("Next step"),
    "previous": N_("Previous step"),
    "all_steps": N_("Show all steps"),
    "one_step": N_("One step at a time"),
    "read_aloud": N_("Read aloud"),
    "stop_reading": N_("Stop reading"),
    "thanks": N_("Thank you for your answer."),
    "sorry": N_("We are sorry. A member of staff can help you."),
    "error": N_("Something went wrong. Please try again, or ask a member of staff."),
    "still_there": N_("Are you still there?"),
    "what_you_need": N_("What you need"),
    "help_in_person": N_("Help in person"),
    "which_one": N_("Which of these fits your question best?"),
    "thinking": N_("Looking for a guide …"),
    "helped": N_("Did this help?"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "none_of_these": N_("None of these"),
    "none_person": N_("Then a member of staff can help you find the answer."),
    "browse_intro": N_("Tap the question that fits."),
    "your_reference": N_("Your reference"),
    "crisis_person": N_(
        "You can also talk to one of us here. Ask at the counter: we will find a quiet place."
    ),
}


# The idle countdown's text for each second left (the plural rule stays on the server).
RESETTING = Nn_(
    "The screen starts over in %(seconds)s second.",
    "The screen starts over in %(seconds)s seconds.",
    "seconds",
)


def browse_topics(snapshot: Snapshot, language: str) -> list[dict[str, Any]]:
    """The browse tiles in `language` with their guides' slugs and titles; no empty tiles."""
    tiles = []
    for key, label, categories, slugs in BROWSE_TOPICS:
        guides = [
            guide
            for guide in snapshot.guides.values()
            if guide.kind == "guide" and (guide.category in categories or guide.slug in slugs)
        ]
        # Named guides in the order given; a whole category in the knowledge base's order.
        guides.sort(key=lambda g: slugs.index(g.slug) if g.slug in slugs else len(slugs))
        if guides:
            tiles.append(
                {
                    "key": key,
                    "label": gettext_for(language, label),
                    "guides": [
                        {"slug": g.slug, "title": g.translation(language)[1].title} for g in guides
                    ],
                }
            )
    return tiles


def _location(request: Request) -> str:
    raw = request.query_params.get("location", "")
    return "".join(ch for ch in raw if ch.isalnum() or ch in "-_")[:40]


@public
async def kiosk(request: Request) -> Response:
    location = _location(request)
    language = request.query_params.get("lang")
    if language not in LANGUAGES:
        # The start screen: the question in all eight languages, one big button each.
        choices = [
            {
                "code": code,
                "name": native_name(code),
                "question": gettext_for(code, QUESTION),
                "rtl": is_rtl(code),
            }
            for code in LANGUAGES
        ]
        return render(
            request,
            "kiosk/start.html",
            {"choices": choices, "location": location},
            "da",
            headers=NO_CACHE,
        )
    snapshot = await current_snapshot(request)
    examples = []
    for slug in EXAMPLE_SLUGS:
        if slug in snapshot.guides:
            _, version = snapshot.guides[slug].translation(language)
            examples.append(version.title)
    topics = browse_topics(snapshot, language)
    context = {
        **frame_context(request, language, location),
        "examples": examples,
        "topics": topics,
        "topics_json": _script_json(topics),
    }
    return render(request, "kiosk/ask.html", context, language, headers=NO_CACHE)


def _script_json(value: Any) -> str:
    # "<" escaped so that no string can close the <script> element it is embedded in.
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def frame_context(request: Request, language: str, location: str) -> dict[str, Any]:
    """What a page in the kiosk frame needs: the kiosk's place, its idle countdown, its script's
    strings. The booking pages use it when reached from the kiosk (``channel=kiosk``)."""
    settings = request.app.state.settings
    strings: dict[str, str | list[str]] = {
        key: gettext_for(language, message) for key, message in SCRIPT_STRINGS.items()
    }
    warning_seconds = min(20, max(5, settings.kiosk_idle_seconds // 4))
    strings["resetting"] = plural_table(language, RESETTING, warning_seconds)
    return {
        "location": location,
        "strings_json": _script_json(strings),
        "idle_seconds": settings.kiosk_idle_seconds,
        "warning_seconds": warning_seconds,
    }


routes = [Route("/kiosk", kiosk, methods=["GET"], name="kiosk")]
