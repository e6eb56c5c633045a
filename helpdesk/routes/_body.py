"""Reading a JSON body into a pydantic model, with errors the citizen can read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from helpdesk import LANGUAGES
from helpdesk.web.errors import ApiError, request_language
from helpdesk.web.problems import api_details

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request) -> Any:
    """The request's JSON body, any shape (415 for another content type, 422 if unreadable)."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise ApiError(415, "unsupported_media_type")
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(422, "invalid_json") from exc


async def parse_json_body(
    request: Request, model: type[M], field_messages: Mapping[str, str] | None = None
) -> M:
    """The body as ``model``; 422 ``invalid_request`` with each field's problem in ``details``
    (translated by :mod:`helpdesk.web.problems`; ``field_messages`` are fields' own messages)."""
    data = await read_json(request)
    if isinstance(data, dict) and data.get("lang") in LANGUAGES:
        # Answer errors in the language the front end is showing.
        request.state.language = data["lang"]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = api_details(exc, request_language(request), field_messages)
        raise ApiError(422, "invalid_request", details=details) from exc
