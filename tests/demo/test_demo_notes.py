"""The demo's listed places speak the citizen's language (issue #15, item 7): no English
"Step-free access." on an Arabic or Somali booking form."""

from helpdesk import LANGUAGES
from helpdesk.booking.models import translated
from helpdesk.demo.booking import LOCATIONS


def test_listed_places_have_notes_and_drop_in_in_every_language() -> None:
    listed = [place for place in LOCATIONS if place.get("listed", True)]
    assert listed
    for place in listed:
        for field in ("notes", "drop_in"):
            texts = place.get(field)
            if not texts:
                continue
            assert set(texts) == set(LANGUAGES), (place["slug"], field)
            for language in LANGUAGES:
                if language != "en":
                    # Each language its own text, not the English one copied.
                    assert translated(texts, language) != texts["en"], (place["slug"], language)
