"""Reading a JSON body into a pydantic model, or a form, with errors the citizen can read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request

from helpdesk import LANGUAGES
from helpdesk.dbtypes import unstorable
from helpdesk.web.errors import ApiError, request_language
from helpdesk.web.problems import api_details

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request) -> Any:
    """The request's JSON body, any shape (415 for another content type, 422 if unreadable)."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if content_type and not (content_type == "application/json" or content_type.endswith("+json")):
        raise ApiError(415, "unsupported_media_type")
    return decode_json(await request.body())


def decode_json(raw: bytes) -> Any:
    """``raw`` as JSON: 422 ``invalid_json`` when it is not JSON (or not UTF-8), 422
    ``json_too_deep`` when it nests deeper than the parser can follow (a few thousand ``[``
    fit under the body size limit and would exhaust the stack: a RecursionError)."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(422, "invalid_json") from exc
    except RecursionError as exc:
        raise ApiError(422, "json_too_deep") from exc


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


async def read_form(request: Request) -> FormData:
    """The request's form: 422 ``invalid_character`` when a field holds a control character or
    a broken one (the check :class:`helpdesk.dbtypes.InputModel` makes of JSON bodies), so that
    no form handler passes a NUL on to the database."""
    form = await request.form()
    for name, value in form.multi_items():
        if unstorable(name) or (isinstance(value, str) and unstorable(value)):
            raise ApiError(422, "invalid_character")
    return form
