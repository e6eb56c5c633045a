"""Field problems are worded by their type and ctx in every language, not by pydantic's English."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, StringConstraints, ValidationError

from helpdesk import LANGUAGES
from helpdesk.errors import FieldError, field_errors
from helpdesk.kb.content import Source
from helpdesk.web.errors import STATUS, status_of
from helpdesk.web.problems import api_details, by_field, problem_text, translated


class Form(BaseModel):
    title: Annotated[str, StringConstraints(min_length=1, max_length=5)]
    steps: list[str] = Field(min_length=2, max_length=3)
    choice: int = 1


def problems(data: dict[str, object]) -> list[FieldError]:
    try:
        Form.model_validate(data)
    except ValidationError as exc:
        return field_errors(exc)
    raise AssertionError("the data was valid")


def test_a_limit_comes_from_ctx_not_from_the_english_message() -> None:
    (too_long,) = problems({"title": "abcdefg", "steps": ["a", "b"]})
    assert (too_long.type, too_long.ctx["max_length"]) == ("string_too_long", 5)
    assert problem_text(too_long, "en") == "Please use at most 5 characters."
    assert problem_text(too_long, "pl") == "Użyj najwyżej 5 znaków."
    # Were pydantic to reword its message, the translation would stay.
    reworded = FieldError(too_long.loc, "Text too long, sorry", too_long.type, too_long.ctx)
    assert problem_text(reworded, "da") == problem_text(too_long, "da")


def test_missing_too_few_and_wrong_type() -> None:
    found = {p.loc[0]: p for p in problems({"steps": ["a"], "choice": "many"})}
    assert problem_text(found["title"], "en") == "Please fill in this field."
    assert problem_text(found["steps"], "en") == "At least 2 are needed."
    assert problem_text(found["choice"], "en") == "Please choose one of the options."


def test_text_sent_as_another_type_is_asked_for_as_text() -> None:
    # Forms always send text; a JSON client may send a number where text belongs.
    (not_text,) = problems({"title": 5, "steps": ["a", "b"]})
    assert not_text.type == "string_type"
    assert problem_text(not_text, "en") == "Please write this as text."
    assert problem_text(not_text, "da") == "Skriv det som tekst."
    assert problem_text(not_text, "da") != problem_text(
        problems({"title": "a", "steps": ["a", "b"], "choice": "x"})[0], "da"
    )


def test_every_language_words_the_common_problems() -> None:
    found = problems({"title": "", "steps": ["a", "b", "c", "d"], "choice": "x"})
    found += problems({"title": 5, "steps": ["a", "b"]})
    english = {p.type: problem_text(p, "en") for p in found}
    for language in LANGUAGES:
        if language == "en":
            continue
        for problem in found:
            text = translated(problem, language)
            assert text is not None, (language, problem.type)
            assert text != english[problem.type], (language, problem.type)


def test_a_domain_type_is_translated_and_an_unknown_one_keeps_its_words() -> None:
    try:
        Source.model_validate({"title": "Borger.dk", "url": "javascript:alert(1)"})
    except ValidationError as exc:
        (link,) = field_errors(exc)
    assert link.type == "https_link"
    assert problem_text(link, "da") != link.message
    unknown = FieldError(("title",), "the stored ar version is invalid", "stored_invalid")
    assert problem_text(unknown, "da") == "the stored ar version is invalid"


def test_a_field_may_have_one_message_of_its_own() -> None:
    found = problems({"title": "", "steps": ["a"]})
    messages = by_field(found, "en", {"title": "Give the guide a title."})
    assert messages == {"title": "Give the guide a title.", "steps": "At least 2 are needed."}


def test_api_details_keep_pydantics_words_beside_the_translation() -> None:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate({"title": "abcdefg", "steps": ["a", "b"]})
    (detail,) = api_details(caught.value, "da")
    assert detail["field"] == "title"
    assert detail["problem"].startswith("String should have at most 5")
    assert detail["message"] != detail["problem"]


def test_domain_errors_get_their_status_from_the_one_table() -> None:
    from helpdesk.booking.service import BookingError
    from helpdesk.helplog.service import HelpLogError
    from helpdesk.kb.workshop import WorkshopError

    assert status_of(BookingError("slot_full")) == 409
    assert status_of(HelpLogError("session_booking_not_found", "booking")) == 404
    assert status_of(WorkshopError("guide_invalid")) == 422
    assert status_of(BookingError("booking_limit_address")) == 429
    assert all(status in (403, 404, 409, 422, 429) for status in STATUS.values())
