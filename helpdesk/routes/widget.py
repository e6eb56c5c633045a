"""The chat widget: ``/widget.js`` for any website, and ``/widget-demo``, a host page to try it on.

A host page adds one tag, ``<script src="https://HOST/widget.js" data-lang="da" defer></script>``.
The script carries the interface strings of all eight languages (from the gettext catalogs) and
loads its stylesheet, ``/static/widget.css``, into a shadow root; it talks only to HOST (the
API allows cross-origin calls, see ``HELPDESK_WIDGET_ORIGINS``) and stores nothing in the browser.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.routes.schemas import MAX_QUESTION_CHARS
from helpdesk.web.access import public
from helpdesk.web.templating import environment, render
from helpdesk.web.widget_strings import all_widget_strings, language_names, rtl_languages

WIDGET_CSS = Path(__file__).resolve().parents[1] / "static" / "widget.css"
SCRIPT_MAX_AGE = 300
"""Seconds a browser may reuse /widget.js: short, so that a fix reaches every host page soon."""

DEMO_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""The demo host page's policy: nothing inline, nothing from elsewhere."""


def _js_literal(value: object) -> str:
    """JSON as a JavaScript literal; ``<`` escaped so the text is safe even if inlined in HTML."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


@cache
def _css_version() -> str:
    """A short content hash of widget.css, so that a changed stylesheet is fetched anew."""
    try:
        return hashlib.sha256(WIDGET_CSS.read_bytes()).hexdigest()[:12]
    except OSError:
        return "0"


@public
async def widget_script(request: Request) -> Response:
    script = environment.get_template("widget/widget.js").render(
        strings_json=_js_literal(all_widget_strings()),
        names_json=_js_literal(language_names()),
        rtl_json=_js_literal(rtl_languages()),
        css_path_json=_js_literal(f"/static/widget.css?v={_css_version()}"),
        max_chars=MAX_QUESTION_CHARS,
    )
    return Response(
        script,
        media_type="application/javascript; charset=utf-8",
        headers={
            "Cache-Control": f"public, max-age={SCRIPT_MAX_AGE}",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
        },
    )


@public
async def widget_demo(request: Request) -> Response:
    wanted = request.query_params.get("lang", "")
    widget_lang = wanted if wanted in LANGUAGES else "da"
    settings = request.app.state.settings
    host = settings.public_base_url or str(request.base_url).rstrip("/")
    return render(
        request,
        "widget/demo.html",
        {"widget_lang": widget_lang, "embed_host": host},
        "da",  # the host page is an ordinary Danish municipal page; the widget has its own lang
        headers={"Content-Security-Policy": DEMO_CSP, "Cache-Control": "no-store"},
    )


routes = [
    Route("/widget.js", widget_script, methods=["GET"], name="widget_script"),
    Route("/widget-demo", widget_demo, methods=["GET"], name="widget_demo"),
]
