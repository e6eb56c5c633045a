"""OpenAPI 3.1 generated from the routes' own declarations and their pydantic models."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Route

from helpdesk import __version__
from helpdesk.dbtypes import document_text_rule

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    #: "query" or "header".
    location: str = "query"


@dataclass(frozen=True)
class Operation:
    summary: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    body: type[BaseModel] | None = None
    query: Sequence[QueryParam] = ()
    tags: Sequence[str] = ()


def operation(op: Operation) -> Callable[[F], F]:
    """Declare an endpoint's contract; the OpenAPI document is built from these."""

    def decorate(endpoint: F) -> F:
        endpoint.__openapi__ = op  # type: ignore[attr-defined]
        return endpoint

    return decorate


def operation_of(route: BaseRoute) -> Operation | None:
    return getattr(getattr(route, "endpoint", None), "__openapi__", None)


def build_openapi(routes: Sequence[BaseRoute], title: str = "helpdesk API") -> dict[str, Any]:
    documented = [(r, op) for r in routes if isinstance(r, Route) and (op := operation_of(r))]
    models: set[type[BaseModel]] = set()
    for _, op in documented:
        if op.body:
            models.add(op.body)
        models.update(model for _, model in op.responses.values() if model)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, definitions = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )

    def ref(model: type[BaseModel]) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def text_rule(schema: dict[str, Any]) -> dict[str, Any]:
        # A parameter's free text follows the rule bodies follow (no control characters).
        schema = dict(schema)
        document_text_rule(schema)
        return schema

    paths: dict[str, dict[str, Any]] = {}
    for route, op in documented:
        parameters: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": text_rule({"type": "string", "minLength": 1}),
            }
            for name in route.param_convertors
        ]
        parameters += [
            {
                "name": q.name,
                "in": q.location,
                "required": q.required,
                "description": q.description,
                "schema": text_rule(q.schema),
                **({"explode": True} if q.schema.get("type") == "array" else {}),
            }
            for q in op.query
        ]
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": route.name,
            "tags": list(op.tags),
            "responses": {
                str(status): {
                    "description": description,
                    **({"content": {"application/json": {"schema": ref(model)}}} if model else {}),
                }
                for status, (description, model) in sorted(op.responses.items())
            },
        }
        if parameters:
            entry["parameters"] = parameters
        if op.body:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": __version__},
        "paths": paths,
        "components": {"schemas": definitions.get("$defs", {})},
    }
