"""The JSON API, ``/api/v1``: triage, feedback and guides."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.bidi import isolate_text
from helpdesk.booking import catalog
from helpdesk.db import session_scope
from helpdesk.events.service import record_feedback
from helpdesk.events.writer import FLUSH_SECONDS, EventWriter, PendingEvent
from helpdesk.kb.content import Guide
from helpdesk.kb.markup import render_markdown
from helpdesk.kb.store import PublicStatus
from helpdesk.openapi import Operation, QueryParam, build_openapi, operation
from helpdesk.privacy import remove_personal_data
from helpdesk.routes._body import parse_json_body
from helpdesk.routes._kb import current_snapshot
from helpdesk.routes._limits import enforce_rate
from helpdesk.routes.schemas import (
    MAX_QUESTION_CHARS,
    ErrorResponse,
    FeedbackRequest,
    FeedbackResponse,
    GuideDetail,
    GuideList,
    GuideSummary,
    TriageMatch,
    TriageRequest,
    TriageResponse,
)
from helpdesk.triage.engine import TriageResult
from helpdesk.triage.live import LiveKnowledgeBase, Snapshot
from helpdesk.triage.messages import draft_notice, triage_message
from helpdesk.web.access import public
from helpdesk.web.errors import ApiError, request_language

LANG_PARAM = QueryParam(
    "lang",
    "Language wanted (da, en, ar, uk, tr, pl, so, fa); default from Accept-Language.",
    {"type": "string", "enum": list(LANGUAGES)},
)
BAD_INPUT = ("Invalid input; the message is in the user's language", ErrorResponse)


def guide_url(request: Request, slug: str, language: str) -> str:
    return f"{request.app.state.settings.public_base_url}/guides/{slug}?lang={language}"


def place_id(request: Request, slug: str | None) -> int | None:
    """The id of the place a front end says it is at (a kiosk's ``?location=``); None without
    one, or for a slug of no place (a kiosk set up with a typo still answers)."""
    if not slug:
        return None
    with session_scope(request.app.state.db) as session:
        location = catalog.location_by_slug(session, slug)
        return location.id if location else None


def wanted_language(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise ApiError(422, "unknown_language")
    return request_language(request)


@operation(
    Operation(
        summary="Match a citizen's question to a guide, ask which one, or hand off to a person",
        body=TriageRequest,
        responses={
            200: ("The triage result", TriageResponse),
            413: BAD_INPUT,
            415: BAD_INPUT,
            422: BAD_INPUT,
            429: (
                "Too many questions from this network address (rate_limited); Retry-After "
                "says when to try again",
                ErrorResponse,
            ),
        },
        tags=["triage"],
    )
)
@public
async def triage(request: Request) -> JSONResponse:
    await enforce_rate(request, "triage")
    body = await parse_json_body(request, TriageRequest)
    text = body.text.strip()
    if not text:
        raise ApiError(422, "empty_text")
    if len(text) > MAX_QUESTION_CHARS:
        raise ApiError(422, "text_too_long", limit=MAX_QUESTION_CHARS)
    live: LiveKnowledgeBase = request.app.state.knowledge_base
    # The engine never sees personal data: it is removed before matching.
    question = remove_personal_data(text)

    def decide() -> tuple[Snapshot, TriageResult, PendingEvent]:
        snapshot = live.current  # at most once a second a one-row query
        result = snapshot.triage(question, body.lang)
        place = place_id(request, body.location)
        return snapshot, result, PendingEvent.of(text, result, body.channel, body.lang, place)

    # A question asked recently (and no place to look up) is answered here, from the engine's
    # earlier answer; any other takes one trip to a thread, so that the engine's work and the
    # database do not hold up the event loop. The event is written in the background
    # (helpdesk.events.writer): the answer does not wait for it.
    checked = live.checked
    known = checked.known_answer(question, body.lang) if checked and not body.location else None
    if checked is not None and known is not None:
        snapshot, result = checked, known
        event = PendingEvent.of(text, result, body.channel, body.lang, None)
    else:
        snapshot, result, event = await run_in_threadpool(decide)
    request.app.state.events.submit(event)
    token = event.feedback_token
    language = result.language
    matches = []
    for match in result.matches:
        _, version = snapshot.guides[match.slug].translation(language)
        matches.append(
            TriageMatch(
                slug=match.slug,
                title=version.title,
                score=match.score,
                url=guide_url(request, match.slug, language),
            )
        )
    response = TriageResponse(
        outcome=result.outcome,
        reason=result.reason,
        language=language,
        language_confidence=round(result.language_confidence, 3),
        matches=matches,
        message=triage_message(result, language),
        offer_person=result.offer_person,
        feedback_token=token,
        answer=(
            guide_detail(snapshot.guides[result.answer], language, snapshot.status)
            if result.answer is not None and result.answer in snapshot.guides
            else None
        ),
    )
    return JSONResponse(response.model_dump(mode="json"), headers={"Content-Language": language})


@operation(
    Operation(
        summary='Record the citizen\'s answer to "Did this help?" for a triage result',
        body=FeedbackRequest,
        responses={
            200: ("Recorded", FeedbackResponse),
            404: ("Unknown token", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["triage"],
    )
)
@public
async def feedback(request: Request) -> JSONResponse:
    body = await parse_json_body(request, FeedbackRequest)
    events: EventWriter = request.app.state.events
    if events.answer_pending(body.token, body.helpful):
        # Rare next to triage: this answer may wait for the write, so that 200 means stored.
        await events.flush()
        return JSONResponse(FeedbackResponse(recorded=True).model_dump())

    def store() -> bool:
        with session_scope(request.app.state.db) as session:
            return record_feedback(session, body.token, body.helpful)

    # The event may be on its way to the database from this process, or waiting in another
    # worker's queue for up to its flush interval: look again after each before saying 404.
    await events.flush()
    if not await run_in_threadpool(store):
        await asyncio.sleep(2 * FLUSH_SECONDS)
        if not await run_in_threadpool(store):
            raise ApiError(404, "feedback_not_found")
    return JSONResponse(FeedbackResponse(recorded=True).model_dump())


@operation(
    Operation(
        summary="List all guides in one language (missing versions fall back to English/Danish)",
        query=[LANG_PARAM],
        responses={200: ("The guides", GuideList), 422: BAD_INPUT},
        tags=["guides"],
    )
)
@public
async def list_guides(request: Request) -> JSONResponse:
    language = wanted_language(request)
    snapshot = await current_snapshot(request)
    items = []
    for guide in snapshot.listed_guides():
        served, version = guide.translation(language)
        items.append(
            GuideSummary(
                slug=guide.slug,
                language=served,
                fallback=served != language,
                category=guide.category,
                title=version.title,
                summary=version.summary,
                review_status=version.review_status,
                url=guide_url(request, guide.slug, served),
            )
        )
    body = GuideList(language=language, guides=items)
    return JSONResponse(body.model_dump(mode="json"), headers={"Content-Language": language})


def guide_detail(
    guide: Guide,
    language: str,
    status: Mapping[tuple[str, str], PublicStatus] | None = None,
) -> GuideDetail:
    """One guide as citizens get it, its Markdown fields also rendered and sanitised."""
    served, version = guide.translation(language)
    state = (status or {}).get((guide.slug, served))
    return GuideDetail(
        slug=guide.slug,
        language=served,
        requested_language=language,
        fallback=served != language,
        category=guide.category,
        aliases=guide.aliases,
        sensitive=guide.sensitive,
        session_type=guide.session_type,
        title=version.title,
        summary=version.summary,
        steps=version.steps,
        bring=version.bring,
        help_in_person=version.help_in_person,
        phrases=version.phrases,
        sources=version.sources,
        review_status=version.review_status,
        draft_notice=draft_notice(served) if version.review_status == "draft" else None,
        last_checked=version.last_checked,
        available_languages=list(guide.translations),
        summary_display=isolate_text(version.summary),
        steps_html=[render_markdown(step) for step in version.steps],
        bring_html=[render_markdown(item) for item in version.bring],
        help_in_person_html=render_markdown(version.help_in_person, tight=False),
        stale=state.stale if state else False,
        reviewed_at=state.reviewed_at if state else None,
    )


@operation(
    Operation(
        summary="One guide in one language, with steps, sources and search phrases",
        query=[LANG_PARAM],
        responses={
            200: ("The guide", GuideDetail),
            404: ("No such guide", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["guides"],
    )
)
@public
async def get_guide(request: Request) -> JSONResponse:
    language = wanted_language(request)
    snapshot = await current_snapshot(request)
    guide = snapshot.guides.get(request.path_params["slug"])
    if guide is None:
        raise ApiError(404, "guide_not_found")
    detail = guide_detail(guide, language, snapshot.status)
    return JSONResponse(
        detail.model_dump(mode="json"), headers={"Content-Language": detail.language}
    )


@public
async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(build_openapi(request.app.routes))


routes = [
    Route("/api/v1/triage", triage, methods=["POST"], name="triage"),
    Route("/api/v1/feedback", feedback, methods=["POST"], name="feedback"),
    Route("/api/v1/guides", list_guides, methods=["GET"], name="list_guides"),
    Route("/api/v1/guides/{slug}", get_guide, methods=["GET"], name="get_guide"),
    Route("/api/v1/openapi.json", openapi_document, methods=["GET"], name="openapi"),
]
