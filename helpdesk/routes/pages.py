"""Public, server-rendered pages: the guide list and the guide pages (no JavaScript needed)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.routes._kb import current_snapshot
from helpdesk.routes.api import guide_detail
from helpdesk.web.access import public
from helpdesk.web.errors import error_page
from helpdesk.web.locale import page_language, remember_language
from helpdesk.web.templating import render


@public
async def guide_index(request: Request) -> Response:
    language = page_language(request)
    snapshot = await current_snapshot(request)
    guides = sorted(
        (guide_detail(g, language) for g in snapshot.listed_guides()), key=lambda g: g.title
    )
    response = render(request, "guides/index.html", {"guides": guides}, language)
    remember_language(request, response, language)
    return response


@public
async def guide_page(request: Request) -> Response:
    language = page_language(request)
    snapshot = await current_snapshot(request)
    guide = snapshot.guides.get(request.path_params["slug"])
    if guide is None:
        return error_page(request, 404, "not_found", language)
    response = render(
        request, "guides/show.html", {"guide": guide_detail(guide, language)}, language
    )
    remember_language(request, response, language)
    return response


routes = [
    Route("/guides", guide_index, methods=["GET"], name="guide_index"),
    Route("/guides/{slug}", guide_page, methods=["GET"], name="guide_page"),
]
