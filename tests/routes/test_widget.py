"""/widget.js, /widget-demo and the CORS the widget needs, over HTTP (the browser tests are in
tests/browser/test_widget.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from helpdesk import LANGUAGES
from helpdesk.app import create_app
from helpdesk.i18n import gettext_for
from helpdesk.settings import Settings, SettingsError
from helpdesk.web.widget_strings import WIDGET_STRINGS

ORIGIN = "https://www.kommune.example"


def embedded(script: str, name: str) -> Any:
    """A ``const NAME = <JSON>;`` line of the script, parsed."""
    match = re.search(rf"^\s*const {name} = (.+);$", script, re.MULTILINE)
    assert match, name
    return json.loads(match.group(1))


async def test_widget_script_is_javascript_for_other_sites(client: httpx.AsyncClient) -> None:
    response = await client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    cache = response.headers["cache-control"]
    assert "public" in cache
    max_age = int(re.search(r"max-age=(\d+)", cache).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= 3600
    assert "set-cookie" not in response.headers
    # Strict-CSP friendly: no eval, no inline styles, no HTML strings.
    for forbidden in (
        "eval(",
        "new Function",
        "innerHTML",
        "outerHTML",
        ".style.",
        "document.cookie",
    ):
        assert forbidden not in response.text, forbidden
    assert "localStorage" not in response.text
    assert "sessionStorage" not in response.text


async def test_widget_script_carries_all_eight_languages(client: httpx.AsyncClient) -> None:
    script = (await client.get("/widget.js")).text
    strings = embedded(script, "STRINGS")
    assert list(strings) == list(LANGUAGES)
    for language in LANGUAGES:
        assert set(strings[language]) == set(WIDGET_STRINGS), language
        for key, english in WIDGET_STRINGS.items():
            assert strings[language][key] == gettext_for(language, english)
            assert strings[language][key].strip(), (language, key)
    assert strings["en"]["send"] == "Send"
    assert strings["da"]["launcher"] != strings["en"]["launcher"]  # really translated
    names = embedded(script, "NAMES")
    assert names["ar"] == "العربية"
    assert names["da"] == "Dansk"
    assert embedded(script, "RTL") == ["ar", "fa"]
    css_path = embedded(script, "CSS_PATH")
    assert css_path.startswith("/static/widget.css?v=")
    css = await client.get(css_path)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_cors_preflight_for_triage(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/api/v1/triage",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


async def test_cors_on_answers_and_on_errors(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/api/v1/triage",
        json={"text": "MitID", "lang": "da", "channel": "chat"},
        headers={"Origin": ORIGIN},
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    # The widget must be able to read error bodies too, to show their message.
    error = await client.post(
        "/api/v1/triage?lang=da", json={"text": " ", "lang": "da"}, headers={"Origin": ORIGIN}
    )
    assert error.status_code == 422
    assert error.headers["access-control-allow-origin"] == "*"
    assert error.json()["error"]["language"] == "da"
    guide = await client.get("/api/v1/guides/mitid-locked?lang=da", headers={"Origin": ORIGIN})
    assert guide.headers["access-control-allow-origin"] == "*"


async def test_cors_can_be_limited_to_listed_origins(settings: Settings) -> None:
    limited = Settings(
        database_url=settings.database_url,
        secret_key="test-secret",
        widget_origins=(ORIGIN,),
    )
    transport = httpx.ASGITransport(app=create_app(limited))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def preflight(origin: str, method: str = "POST") -> httpx.Response:
            return await client.options(
                "/api/v1/triage",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": "content-type",
                },
            )

        allowed = await preflight(ORIGIN)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ORIGIN
        refused = await preflight("https://evil.example")
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        assert (await preflight(ORIGIN, "DELETE")).status_code == 400


def test_widget_origins_setting() -> None:
    assert Settings.from_env({}).widget_origins == ("*",)
    env = {"HELPDESK_WIDGET_ORIGINS": "https://www.aarhus.dk/, https://aakb.dk,"}
    assert Settings.from_env(env).widget_origins == ("https://www.aarhus.dk", "https://aakb.dk")
    with pytest.raises(SettingsError, match="HELPDESK_WIDGET_ORIGINS"):
        Settings.from_env({"HELPDESK_WIDGET_ORIGINS": "www.aarhus.dk/borger"})


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_demo_page_embeds_the_widget_under_a_strict_csp(
    client: httpx.AsyncClient, lang: str
) -> None:
    response = await client.get(f"/widget-demo?lang={lang}")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    for directive in ("script-src 'self'", "style-src 'self'", "connect-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    html = response.text
    assert f'<script src="/widget.js" data-lang="{lang}" defer></script>' in html
    assert "<style" not in html
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline script


async def test_demo_page_ignores_an_unknown_language(client: httpx.AsyncClient) -> None:
    html = (await client.get('/widget-demo?lang="><script>')).text
    assert 'data-lang="da"' in html
