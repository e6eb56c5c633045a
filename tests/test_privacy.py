import logging

import pytest

from helpdesk.privacy import (
    RedactingFilter,
    redact_cpr,
    redact_personal_data,
    remove_personal_data,
)


@pytest.mark.parametrize(
    "text",
    [
        "010190-1234",
        "0101901234",
        "010190 1234",
        "31.12.99-0001",
        "mit cpr: 240380‑1234",
        "١٠٠١٩٠-١٢٣٤",
    ],
)
def test_cpr_numbers_are_redacted(text: str) -> None:
    assert "[CPR]" in redact_cpr(text)
    assert not any(ch.isdigit() for ch in redact_cpr(text).replace("[CPR]", ""))


@pytest.mark.parametrize("text", ["MitID 2024", "pas koster 41,76 kr", "999999-9999 er ikke cpr"])
def test_other_numbers_are_not_cpr(text: str) -> None:
    assert redact_cpr(text) == text


def test_phones_and_emails_are_redacted() -> None:
    text = "ring +45 33 98 00 10 eller 12 34 56 78, skriv til hans.hansen@example.dk"
    redacted = redact_personal_data(text)
    assert "33 98" not in redacted
    assert "12 34" not in redacted
    assert "example.dk" not in redacted
    assert redacted.count("[PHONE]") == 2
    assert "[EMAIL]" in redacted


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("helpdesk.test")
    handler_filter = RedactingFilter()
    record = logger.makeRecord(
        "x", logging.INFO, __file__, 1, "question %s", ("010190-1234",), None
    )
    handler_filter.filter(record)
    assert record.getMessage() == "question [CPR]"


def test_personal_data_is_removed_for_matching() -> None:
    cleaned = remove_personal_data("cpr 010190-1234 ring 12345678 a@b.dk mitid låst")
    assert "cpr 010190" not in cleaned
    assert "[" not in cleaned
    assert "12345678" not in cleaned
    assert "mitid låst" in cleaned
