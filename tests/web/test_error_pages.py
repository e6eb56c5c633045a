"""Errors as browsers meet them: a page in the user's language with a way back when the browser
asks for HTML (``Accept: text/html``, not the API); the JSON error for the API and for scripts.
One mechanism (helpdesk.web.errors.error_response) answers both."""

from __future__ import annotations

import uuid

import httpx
from starlette.requests import Request
from starlette.types import Scope

from helpdesk.web.errors import error_response
from tests.accounts.helpers import make_user, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page_of(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/html"), response.text[:200]
    return response.text


async def test_a_staff_account_opening_the_dashboard_sees_a_page_not_json(
    client: httpx.AsyncClient, db_engine: object
) -> None:
    username = f"desk-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "staff")  # type: ignore[arg-type]
    await sign_in(client, username)
    response = await client.get("/coordinator", headers={**BROWSER, "Accept-Language": "da"})
    assert response.status_code == 403
    html = page_of(response)
    assert '<html lang="da" dir="ltr">' in html
    assert "<h1>Ingen adgang</h1>" in html
    assert 'href="/staff"' in html  # the way back
    assert 'href="/login?next=/coordinator"' in html  # or sign in as someone who may
    assert "Accept" in response.headers["vary"]
    # The same refusal for a script or an API client is the JSON error.
    response = await client.get("/coordinator", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    # In Arabic, right to left, for an Arabic browser.
    response = await client.get("/coordinator", headers={**BROWSER, "Accept-Language": "ar"})
    html = page_of(response)
    assert '<html lang="ar" dir="rtl">' in html
    client.cookies.clear()


async def test_not_found_and_wrong_method_pages(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page?lang=ar", headers=BROWSER)
    assert response.status_code == 404
    html = page_of(response)
    assert '<html lang="ar" dir="rtl">' in html
    assert 'href="/guides?lang=ar"' in html
    # GET on a form's target that only takes POST: 405 with Allow, as a page.
    response = await client.get("/logout?lang=en", headers=BROWSER)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    html = page_of(response)
    assert "<h1>Not possible here</h1>" in html
    assert 'href="/staff"' in html


async def test_the_api_keeps_json_whatever_the_browser_asks(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/guides/no-such-guide?lang=da", headers=BROWSER)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "guide_not_found"
    response = await client.get("/api/v1/nothing-here", headers=BROWSER)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = await client.get("/api/v1/staff/day", headers=BROWSER)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    # Pages asked for without HTML in Accept (a script, curl) get JSON too.
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_an_expired_form_is_a_page_that_says_so(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/login",
        data={"username": "x", "password": "y"},
        headers={**BROWSER, "Accept-Language": "en"},
    )
    assert response.status_code == 403
    html = page_of(response)
    assert "<h1>The form has expired</h1>" in html


def _scope(path: str, accept: str, language: str) -> Scope:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"accept", accept.encode()), (b"accept-language", language.encode())],
        "scheme": "http",
        "server": ("testserver", 80),
        "state": {},
    }


def test_too_many_requests_as_a_page_keeps_retry_after() -> None:
    request = Request(_scope("/book/manage", BROWSER["Accept"], "so"))
    response = error_response(request, 429, "rate_limited", headers={"Retry-After": "30"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "30"
    assert response.headers["content-language"] == "so"
    html = bytes(response.body).decode()
    assert '<html lang="so" dir="ltr">' in html
    assert 'href="/guides?lang=so"' in html
    request = Request(_scope("/api/v1/triage", BROWSER["Accept"], "so"))
    response = error_response(request, 429, "rate_limited", headers={"Retry-After": "30"})
    assert response.headers["content-type"] == "application/json"
