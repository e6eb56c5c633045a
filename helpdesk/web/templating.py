"""Jinja2 templates with gettext, rendered in the language negotiated for each request."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from helpdesk import LANGUAGES
from helpdesk.bidi import isolate, ltr
from helpdesk.i18n import Plural, is_rtl, native_name, plural_table, translations
from helpdesk.kb.markup import render_markdown
from helpdesk.web.auth import csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="da")


def _gettext(message: str, **params: Any) -> str:
    text = translations(_language.get()).gettext(message)
    return text % params if params else text


def _ngettext(singular: str, plural: str, n: int) -> str:
    # Jinja's newstyle wrapper formats the result with ``num`` and the call's other arguments:
    # ngettext("%(num)s day", "%(num)s days", days) or (..., count, place=place).
    return translations(_language.get()).ngettext(singular, plural, n)


def _plural_table(singular: str, plural: str, upto: int) -> str:
    """``[text for 0, text for 1, …]`` as JSON for a script that shows a small count."""
    message = Plural(singular, plural)
    return json.dumps(plural_table(_language.get(), message, upto), ensure_ascii=False)


def _make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value, fmt="long": format_date(value, fmt, locale=_language.get())
    env.filters["time"] = lambda value, fmt="short": format_time(value, fmt, locale=_language.get())
    env.filters["datetime"] = lambda value, fmt="medium": format_datetime(
        value, fmt, locale=_language.get()
    )
    env.filters["number"] = lambda value: format_decimal(value, locale=_language.get())
    # Guide text (steps, what to bring, help in person) is simple Markdown: rendered and
    # sanitised here, so no template ever needs |safe for it.
    env.filters["markdown"] = render_markdown
    env.filters["markdown_block"] = lambda text: render_markdown(text, tight=False)
    # Numbers and codes inside right-to-left text (helpdesk.bidi): ``ltr`` isolates the whole
    # value (a booking reference, a phone number), ``isolate`` the phone numbers and links in
    # a text. Guide Markdown is isolated by ``markdown`` itself.
    env.filters["ltr"] = ltr
    env.filters["isolate"] = isolate
    env.globals["plural_table"] = _plural_table
    return env


environment = _make_environment()


def language_options(current: str) -> list[dict[str, Any]]:
    """The language picker: each language in its own name and script, the current one first."""
    ordered = [current, *(code for code in LANGUAGES if code != current)]
    return [
        {"code": code, "name": native_name(code), "rtl": is_rtl(code), "current": code == current}
        for code in ordered
    ]


@contextmanager
def rendering_language(language: str) -> Iterator[None]:
    """Templates rendered inside use ``language``'s catalog, plural rules and formats."""
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


class _CsrfToken:
    """The session's CSRF token, made only when a template writes it: making one starts a
    session cookie, and the citizen's pages set no cookies."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def __str__(self) -> str:
        return csrf_token(self._request)

    def __html__(self) -> str:
        return str(self)


def page_context(request: Request) -> dict[str, Any]:
    """What every page may use, added here once: the CSRF token for its forms and the signed-in
    account (``principal``, None on public pages)."""
    return {
        "csrf_token": _CsrfToken(request),
        "principal": getattr(request.state, "principal", None),
    }


def render_to_string(
    request: Request, template: str, context: dict[str, Any], language: str
) -> Markup:
    """A template (or a fragment of a page) rendered in ``language``, whatever the page's own."""
    with rendering_language(language):
        return Markup(  # noqa: S704  (autoescaped template output)
            environment.get_template(template).render(
                request=request,
                lang=language,
                dir="rtl" if is_rtl(language) else "ltr",
                languages=language_options(language),
                **{**page_context(request), **context},
            )
        )


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    language: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    html = render_to_string(request, template, context, language)
    return HTMLResponse(
        html, status_code, headers={"Content-Language": language, **(headers or {})}
    )
