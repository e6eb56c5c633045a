"""Facts in the guides whose order matters to the citizen (checked against the official pages).

mitid-new-phone follows mitid.dk's "Copy your MitID app" (checked 2026-12-07): the copy starts in
the app on the old phone, the one-hour security wait comes next, then the new phone scans the QR
code that the old phone shows, and only then asks for the user ID and the temporary PIN by SMS.
"""

import pytest

from helpdesk.kb.files import load_knowledge_base

# Words that mark each point of the flow, per reference language (lower case).
NEW_PHONE_MARKERS = {
    "en": {
        "start_on_old": ("old", "copy your mitid to a new app"),
        "wait": ("1 hour",),
        "scan_on_new": ("new", "scan the qr code"),
        "user_id_and_sms": ("user id", "sms"),
    },
    "da": {
        "start_on_old": ("gamle", "kopier dit mitid til en ny app"),
        "wait": ("1 time",),
        "scan_on_new": ("nye", "scan qr-koden"),
        "user_id_and_sms": ("bruger-id", "sms"),
    },
}


def _first_step(steps: list[str], words: tuple[str, ...]) -> int:
    for index, step in enumerate(steps):
        text = step.lower()
        if all(word in text for word in words):
            return index
    raise AssertionError(f"no step mentions all of {words!r}")


@pytest.fixture(scope="module")
def new_phone_steps() -> dict[str, list[str]]:
    result = load_knowledge_base()
    guide = next(g for g in result.knowledge_base.guides if g.slug == "mitid-new-phone")
    return {lang: list(guide.translations[lang].steps) for lang in NEW_PHONE_MARKERS}


@pytest.mark.parametrize("lang", sorted(NEW_PHONE_MARKERS))
def test_mitid_new_phone_starts_on_the_old_phone_and_waits_before_the_qr_scan(
    new_phone_steps: dict[str, list[str]], lang: str
) -> None:
    steps, markers = new_phone_steps[lang], NEW_PHONE_MARKERS[lang]
    start = _first_step(steps, markers["start_on_old"])
    wait = _first_step(steps, markers["wait"])
    scan = _first_step(steps, markers["scan_on_new"])
    assert start < wait < scan


@pytest.mark.parametrize("lang", sorted(NEW_PHONE_MARKERS))
def test_mitid_new_phone_scans_the_qr_code_before_user_id_and_sms_code(
    new_phone_steps: dict[str, list[str]], lang: str
) -> None:
    steps, markers = new_phone_steps[lang], NEW_PHONE_MARKERS[lang]
    scan = _first_step(steps, markers["scan_on_new"])
    credentials = _first_step(steps, markers["user_id_and_sms"])
    assert scan < credentials


@pytest.mark.parametrize("lang", sorted(NEW_PHONE_MARKERS))
def test_mitid_new_phone_says_deleting_the_app_does_not_free_a_place(
    new_phone_steps: dict[str, list[str]], lang: str
) -> None:
    text = " ".join(new_phone_steps[lang]).lower()
    assert {"en": "deleting the app is not enough", "da": "ikke nok at slette appen"}[lang] in text
