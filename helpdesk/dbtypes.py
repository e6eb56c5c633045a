"""Column types shared by the packages' tables."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field
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

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""A row id in a request body: out-of-range numbers are a 422, not a database error."""


def parse_row_id(raw: object) -> int | None:
    """A row id from a path, query or form value, or None when it cannot be one (not plain
    digits, zero, or too large for the database)."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None
