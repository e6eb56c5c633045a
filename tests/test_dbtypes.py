"""Row ids typed by callers: what cannot be a row is refused before the database sees it."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.engine import Engine

from helpdesk.dbtypes import MAX_ROW_ID, parse_row_id
from tests.accounts.helpers import make_token, make_user

TOO_BIG = str(MAX_ROW_ID + 1)  # fits SQLite's integers, overflows PostgreSQL's


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        (str(MAX_ROW_ID), MAX_ROW_ID),
        *((raw, None) for raw in (TOO_BIG, "0", "-3", "4e3", "١٢", "", None, "9" * 40)),
    ],
)
def test_parse_row_id(raw: str | None, expected: int | None) -> None:
    assert parse_row_id(raw) == expected


@pytest.fixture
def admin(db_engine: Engine) -> dict[str, str]:
    username = f"admin-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "admin")
    return {"Authorization": f"Bearer {make_token(db_engine, username)}"}


SESSION = {
    "channel": "walk_in",
    "topics": ["other"],
    "other_topic": "pension",
    "language": "da",
    "outcome": "solved",
    "self_reliance": "yes",
    "duration_minutes": 10,
}


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", f"/book/slots/{TOO_BIG}", None, 404),
        ("POST", "/api/v1/bookings", {"slot_id": int(TOO_BIG), "name": "A", "language": "da"}, 422),
        ("POST", "/api/v1/sessions", {**SESSION, "location": int(TOO_BIG)}, 422),
        ("POST", "/api/v1/sessions", {**SESSION, "location": "dokk1", "booking": 10**30}, 422),
        ("POST", f"/api/v1/staff/bookings/{TOO_BIG}/attendance", {"status": "arrived"}, 404),
        ("POST", f"/api/v1/guides/health-card/revisions/{TOO_BIG}/restore", None, 404),
        ("GET", f"/staff/sessions/new?booking={TOO_BIG}", None, 200),
        ("GET", f"/workshop/guides/health-card/history?revision={TOO_BIG}", None, 200),
    ],
)
async def test_ids_too_large_for_the_database_are_not_a_server_error(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    method: str,
    url: str,
    body: dict[str, object] | None,
    status: int,
) -> None:
    response = await client.request(method, url, json=body, headers=admin)
    assert response.status_code == status, response.text[:300]
