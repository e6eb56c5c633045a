"""Liveness and readiness."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from helpdesk.openapi import Operation, operation
from helpdesk.routes._kb import current_snapshot
from helpdesk.routes.schemas import Health
from helpdesk.web.access import public


@operation(
    Operation(
        summary="200 once the service is ready",
        responses={200: ("Ready", Health)},
        tags=["service"],
    )
)
@public
async def healthz(request: Request) -> JSONResponse:
    snapshot = await current_snapshot(request)
    # Guides proper: crisis answers and referrals are knowledge-base entries, not guides.
    return JSONResponse(Health(status="ok", guides=len(snapshot.listed_guides())).model_dump())


routes = [Route("/healthz", healthz, methods=["GET"], name="healthz")]
