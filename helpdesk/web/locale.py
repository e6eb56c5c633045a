"""The language of a page: explicit choice, then the cookie (not on the kiosk), then
Accept-Language, then Danish."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from helpdesk import LANGUAGES
from helpdesk.i18n import negotiate_language

COOKIE = "helpdesk_lang"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def page_language(request: Request, use_cookie: bool = True) -> str:
    explicit = request.query_params.get("lang")
    return negotiate_language(
        explicit=explicit if explicit in LANGUAGES else None,
        cookie=request.cookies.get(COOKIE) if use_cookie else None,
        accept_language=request.headers.get("accept-language"),
    )


def remember_language(request: Request, response: Response, language: str) -> None:
    """Keep an explicit choice in a cookie (never on shared kiosks: they call nothing here)."""
    if request.query_params.get("lang") == language and request.cookies.get(COOKIE) != language:
        response.set_cookie(
            COOKIE,
            language,
            max_age=COOKIE_MAX_AGE,
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
