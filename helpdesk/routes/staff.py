"""The counter lookup for staff: search as you type, side-by-side guide, printable handout."""

from __future__ import annotations

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.i18n import native_name
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._kb import current_snapshot
from helpdesk.routes.api import BAD_INPUT, LANG_PARAM, guide_detail, guide_url
from helpdesk.routes.schemas import MAX_QUESTION_CHARS, SearchResponse, SearchResult
from helpdesk.web.access import requires
from helpdesk.web.errors import ApiError, error_page
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

STAFF_LANGUAGE = "da"
CITIZEN_LANGUAGES = [(code, native_name(code)) for code in LANGUAGES]


def citizen_language(request: Request) -> str:
    wanted = request.query_params.get("citizen", "")
    return wanted if wanted in LANGUAGES else "en"


@requires("staff")
@operation(
    Operation(
        summary="Search all guides in all languages (no triage event is recorded)",
        query=[QueryParam("q", "What to search for", required=True), LANG_PARAM],
        responses={200: ("Guides, best first", SearchResponse), 422: BAD_INPUT},
        tags=["guides"],
    )
)
async def search(request: Request) -> JSONResponse:
    language = request.query_params.get("lang", STAFF_LANGUAGE)
    if language not in LANGUAGES:
        raise ApiError(422, "unknown_language")
    query = request.query_params.get("q", "")
    if len(query) > MAX_QUESTION_CHARS:
        raise ApiError(422, "text_too_long", limit=MAX_QUESTION_CHARS)
    snapshot = await current_snapshot(request)
    results = []
    for match in snapshot.engine.search(query):
        served, version = snapshot.guides[match.slug].translation(language)
        results.append(
            SearchResult(
                slug=match.slug,
                language=served,
                title=version.title,
                summary=version.summary,
                score=match.score,
                url=guide_url(request, match.slug, served),
            )
        )
    return JSONResponse(SearchResponse(query=query, results=results).model_dump(mode="json"))


@requires("staff")
async def lookup(request: Request) -> Response:
    """Search as you type with JavaScript; without it, the form submits and results render here."""
    language = page_language(request)
    query = request.query_params.get("q", "")[:MAX_QUESTION_CHARS]
    citizen = citizen_language(request)
    results = []
    if query.strip():
        snapshot = await current_snapshot(request)
        for match in snapshot.engine.search(query):
            _, version = snapshot.guides[match.slug].translation(language)
            results.append({"slug": match.slug, "title": version.title, "summary": version.summary})
    context = {
        "query": query,
        "results": results,
        "citizen": citizen,
        "citizen_languages": CITIZEN_LANGUAGES,
    }
    return render(request, "staff/lookup.html", context, language)


@requires("staff")
async def side_by_side(request: Request) -> Response:
    language = page_language(request)
    snapshot = await current_snapshot(request)
    guide = snapshot.guides.get(request.path_params["slug"])
    if guide is None:
        return error_page(request, 404, "not_found", language)
    citizen = citizen_language(request)
    context = {
        "staff_guide": guide_detail(guide, STAFF_LANGUAGE),
        "citizen_guide": guide_detail(guide, citizen),
        "citizen": citizen,
        "citizen_languages": CITIZEN_LANGUAGES,
    }
    return render(request, "staff/guide.html", context, language)


@requires("staff")
async def print_handout(request: Request) -> Response:
    citizen = citizen_language(request)
    snapshot = await current_snapshot(request)
    guide = snapshot.guides.get(request.path_params["slug"])
    if guide is None:
        return error_page(request, 404, "not_found", citizen)
    detail = guide_detail(guide, citizen)
    base = request.app.state.settings.public_base_url or str(request.base_url).rstrip("/")
    public_url = f"{base}/guides/{guide.slug}?lang={detail.language}"
    qr_svg = segno.make(public_url, error="m").svg_inline(scale=4, dark="#000", title=public_url)
    # The handout is in the citizen's language: the page, its direction and its strings.
    context = {"guide": detail, "public_url": public_url, "qr_svg": qr_svg}
    return render(request, "staff/print.html", context, detail.language)


routes = [
    Route("/api/v1/search", search, methods=["GET"], name="search"),
    Route("/staff", lookup, methods=["GET"], name="staff_lookup"),
    Route("/staff/guides/{slug}", side_by_side, methods=["GET"], name="staff_guide"),
    Route("/staff/guides/{slug}/print", print_handout, methods=["GET"], name="staff_print"),
]
