"""Column types shared by the packages' tables."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, always aware and in UTC on the Python side.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones and stores the UTC wall time.
    Naive values are refused rather than guessed at: a booking an hour off is worse than an error.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone (UTC is stored)")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: The largest id a table here can hold (PostgreSQL ``integer``; SQLite allows more, but the
#: service must answer the same on both). A larger number typed by a caller is no row of ours.
MAX_ROW_ID = 2_147_483_647


def _whole_number(value: object) -> object:
    # JSON has one number type: 12.0 is the integer 12 (as JSON Schema's "integer" says), which
    # strict models would refuse; 12.5 stays a float and is refused.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), BeforeValidator(_whole_number)]
"""A row id in a request body: out-of-range numbers are a 422, not a database error."""


def parse_row_id(raw: object) -> int | None:
    """A row id from a path, query or form value, or None when it cannot be one (not plain
    digits, zero, or too large for the database)."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


#: Characters no text we keep may hold: NUL and the other control characters (C0 and C1, but
#: tab and line breaks are text), which PostgreSQL refuses (NUL) or nobody types (the rest can
#: hide or garble text), and lone UTF-16 surrogates, which are not Unicode text at all (a JSON
#: ``"\ud800"`` escape decodes to one; no database driver can encode it).
_CONTROL_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_UNSTORABLE = re.compile(f"[{_CONTROL_CLASS}\\ud800-\\udfff]")


#: The same rule as a JSON Schema ``pattern`` (ECMA-262), for the OpenAPI document: text without
#: control characters. (Lone surrogates are left out: UTF-8 cannot carry one, only a JSON escape
#: can, and regex engines that work on Unicode scalar values, such as Rust's, refuse the range.)
TEXT_PATTERN = f"^[^{_CONTROL_CLASS}]*$"
#: Such text with at least one character that is not white space (a name, a question).
WORDS_PATTERN = f"^[^{_CONTROL_CLASS}]*[^\\s{_CONTROL_CLASS}][^{_CONTROL_CLASS}]*$"


def document_text_rule(schema: dict[str, Any]) -> None:
    """Add :data:`TEXT_PATTERN` to every free-text string in a JSON schema (in place): strings
    with no pattern, choice or format of their own, in properties, items and alternatives."""
    if schema.get("type") == "string" and not schema.keys() & {
        "pattern",
        "enum",
        "const",
        "format",
    }:
        schema["pattern"] = TEXT_PATTERN
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for part in schema.get(key, ()):
            document_text_rule(part)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            document_text_rule(schema[key])
    for part in schema.get("properties", {}).values():
        document_text_rule(part)


def unstorable(text: str) -> bool:
    """Whether ``text`` holds a character no stored text may hold (see :data:`_UNSTORABLE`)."""
    return _UNSTORABLE.search(text) is not None


def _refuse_unstorable(value: object) -> None:
    if isinstance(value, str):
        if unstorable(value):
            raise PydanticCustomError(
                "invalid_character", "text contains a control character or a lone surrogate"
            )
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_unstorable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key)
            _refuse_unstorable(item)


class InputModel(BaseModel):
    """The base of every model that reads outside input (JSON bodies, forms, guide files).

    Every field's text, however deeply nested in lists and mappings, is refused with the
    problem type ``invalid_character`` when it holds a control character or a lone surrogate,
    before the field's own rules run: the one check that keeps such text out of the database
    (a NUL is an error on PostgreSQL) and out of the answers (a surrogate cannot be encoded).
    """

    model_config = ConfigDict(json_schema_extra=lambda schema, _: document_text_rule(schema))

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        _refuse_unstorable(value)
        return value
