"""Editing the knowledge base through the API: save a language version, history and restore,
and the audit log. The work is done by :mod:`helpdesk.kb.workshop`; these routes translate."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.dbtypes import parse_row_id
from helpdesk.i18n import negotiate_language
from helpdesk.kb import workshop
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._body import read_json
from helpdesk.routes._db import acting_user, in_session
from helpdesk.routes._kb import refreshed_snapshot
from helpdesk.routes.api import BAD_INPUT, guide_detail
from helpdesk.routes.schemas import (
    AuditItem,
    AuditList,
    ErrorResponse,
    GuideSaved,
    RevisionItem,
    RevisionList,
)
from helpdesk.web.access import requires
from helpdesk.web.errors import ApiError, api_error

T = TypeVar("T")

VERSION_LANG_PARAM = QueryParam(
    "lang",
    "The language version to save (da, en, ar, uk, tr, pl, so, fa).",
    {"type": "string", "enum": list(LANGUAGES)},
    required=True,
)
NEEDS_SIGN_IN = ("Not signed in (bearer token or session)", ErrorResponse)
NOT_ALLOWED = ("The account's role may not do this", ErrorResponse)


def _answer_in_ui_language(request: Request) -> None:
    # ?lang= names the guide's language version here, not the editor's: errors are answered in
    # the language of the editor's interface (cookie, then Accept-Language).
    request.state.language = negotiate_language(
        explicit=None,
        cookie=request.cookies.get("helpdesk_lang"),
        accept_language=request.headers.get("accept-language"),
    )


def _raise_api_error(exc: workshop.WorkshopError) -> None:
    details = [
        {
            "field": ".".join(str(part) for part in error.loc) or "(body)",
            "loc": list(error.loc),
            "problem": error.message,
        }
        for error in exc.field_errors
    ]
    raise api_error(exc, details or None) from exc


async def _in_transaction(request: Request, work: Callable[[Session], T]) -> T:
    try:
        return await in_session(request, work)
    except workshop.WorkshopError as exc:
        _raise_api_error(exc)
        raise  # unreachable: for the type checker


async def _saved_response(request: Request, result: workshop.SaveResult) -> JSONResponse:
    # The rebuilt snapshot holds the saved guide and its public status: no second load.
    snapshot = await refreshed_snapshot(request)
    status = await in_session(
        request, lambda session: workshop.version_status(session, result.slug, result.language)
    )
    detail = guide_detail(snapshot.guides[result.slug], result.language, snapshot.status)
    body = GuideSaved(
        **detail.model_dump(),
        revision=result.revision,
        created=result.created,
        stale_languages=result.stale_languages,
        reviewed_by=status.reviewed_by,
        updated_by=status.updated_by,
        updated_at=status.updated_at,
    )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=201 if result.created else 200,
        headers={"Content-Language": result.language},
    )


@operation(
    Operation(
        summary=(
            "Save one language version of a guide (the JSON GET returns); "
            "an unknown slug with lang da or en creates the guide"
        ),
        body=workshop.VersionIn,
        query=[VERSION_LANG_PARAM],
        responses={
            200: ("Saved", GuideSaved),
            201: ("A new guide or language version", GuideSaved),
            401: NEEDS_SIGN_IN,
            403: NOT_ALLOWED,
            404: (
                "No such guide (and not a Danish or English version to create it)",
                ErrorResponse,
            ),
            409: ("base_revision is not the latest (edit_conflict)", ErrorResponse),
            413: BAD_INPUT,
            415: BAD_INPUT,
            422: ("Invalid: details lists each field (loc) and its problem", ErrorResponse),
        },
        tags=["guides", "workshop"],
    )
)
@requires("coordinator")
async def save_guide(request: Request) -> JSONResponse:
    _answer_in_ui_language(request)
    language = request.query_params.get("lang")
    if language not in LANGUAGES:
        raise ApiError(422, "unknown_language")
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request")
    slug: str = request.path_params["slug"]
    actor = acting_user(request)

    def save(session: Session) -> workshop.SaveResult:
        # PUT to an unknown slug creates the guide, from its Danish or English version.
        create = not workshop.guide_exists(session, slug)
        if create and language not in REFERENCE_LANGUAGES:
            raise workshop.WorkshopError("guide_not_found")
        return workshop.save_version(session, slug, language, data, actor=actor, create=create)

    result = await _in_transaction(request, save)
    return await _saved_response(request, result)


@operation(
    Operation(
        summary="A guide's version history, newest first (who, when, what changed)",
        query=[
            QueryParam(
                "lang",
                "Only this language version's revisions.",
                {"type": "string", "enum": list(LANGUAGES)},
            )
        ],
        responses={
            200: ("The revisions", RevisionList),
            401: NEEDS_SIGN_IN,
            403: NOT_ALLOWED,
            404: ("No such guide", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["workshop"],
    )
)
@requires("coordinator")
async def guide_revisions(request: Request) -> JSONResponse:
    language = request.query_params.get("lang")
    if language is not None and language not in LANGUAGES:
        raise ApiError(422, "unknown_language")
    slug: str = request.path_params["slug"]
    revisions = await _in_transaction(
        request, lambda session: workshop.list_revisions(session, slug, language)
    )
    body = RevisionList(
        slug=slug,
        revisions=[
            RevisionItem(
                id=r.id,
                language=r.language,
                created_at=r.created_at,
                actor=r.actor,
                action=r.action,
                changed_fields=r.changed_fields,
            )
            for r in revisions
        ],
    )
    return JSONResponse(body.model_dump(mode="json"))


@operation(
    Operation(
        summary="Make an old revision the current version again (itself a new revision)",
        responses={
            200: ("Restored", GuideSaved),
            401: NEEDS_SIGN_IN,
            403: NOT_ALLOWED,
            404: ("No such guide or revision", ErrorResponse),
            422: (
                "The old version no longer validates (e.g. a phrase now used elsewhere)",
                ErrorResponse,
            ),
        },
        tags=["workshop"],
    )
)
@requires("coordinator")
async def restore_revision(request: Request) -> JSONResponse:
    _answer_in_ui_language(request)
    slug: str = request.path_params["slug"]
    revision_id = parse_row_id(request.path_params["revision_id"])
    if revision_id is None:
        raise ApiError(404, "revision_not_found")
    actor = acting_user(request)

    def restore(session: Session) -> workshop.SaveResult:
        if workshop.get_revision(session, revision_id).slug != slug:
            raise workshop.WorkshopError("revision_not_found")
        return workshop.restore_revision(session, revision_id, actor=actor)

    result = await _in_transaction(request, restore)
    response = await _saved_response(request, result)
    response.status_code = 200
    return response


@operation(
    Operation(
        summary="The audit log of knowledge-base changes, newest first",
        query=[
            QueryParam(
                "limit", "At most this many entries (1-500, default 100).", {"type": "integer"}
            ),
            QueryParam("offset", "Skip this many (for paging).", {"type": "integer"}),
        ],
        responses={
            200: ("The entries", AuditList),
            401: NEEDS_SIGN_IN,
            403: NOT_ALLOWED,
            422: BAD_INPUT,
        },
        tags=["workshop"],
    )
)
@requires("admin")
async def audit_log(request: Request) -> JSONResponse:
    try:
        limit = int(request.query_params.get("limit", "100"))
        offset = int(request.query_params.get("offset", "0"))
    except ValueError:
        raise ApiError(422, "invalid_request") from None
    if not (1 <= limit <= 500) or offset < 0:
        raise ApiError(422, "invalid_request")
    entries = await _in_transaction(
        request, lambda session: workshop.audit_entries(session, limit=limit, offset=offset)
    )
    body = AuditList(
        entries=[
            AuditItem(
                id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target, summary=e.summary
            )
            for e in entries
        ]
    )
    return JSONResponse(body.model_dump(mode="json"))


routes = [
    Route("/api/v1/guides/{slug}", save_guide, methods=["PUT"], name="save_guide"),
    Route(
        "/api/v1/guides/{slug}/revisions",
        guide_revisions,
        methods=["GET"],
        name="guide_revisions",
    ),
    Route(
        "/api/v1/guides/{slug}/revisions/{revision_id}/restore",
        restore_revision,
        methods=["POST"],
        name="restore_guide_revision",
    ),
    Route("/api/v1/audit", audit_log, methods=["GET"], name="audit_log"),
]
