"""The OpenAPI 3.1 document, built from the registered routes and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from hub.routing import Endpoint
from hub.schemas import ErrorEnvelope, Health

REF = "#/components/schemas/{model}"
ERROR_STATUSES = {
    400: "Bad request",
    401: "Not logged in",
    403: "Not allowed",
    404: "Not found",
    413: "Too large",
    422: "Invalid input",
}


def _component_name(model: type[BaseModel]) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", model.__name__).strip("_")


def _param_schema(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)(?::[^}]*)?}", path)
    ]


def build(endpoints: list[Endpoint], title: str = "gongtiao API", version: str = "1") -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorEnvelope, Health}
    for ep in endpoints:
        models.update(m for m in (ep.body, ep.query, ep.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    inputs = {m for ep in endpoints for m in (ep.body, ep.query) if m is not None}
    keys: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation" if m in inputs else "serialization") for m in ordered
    ]
    refs, defs = models_json_schema(keys, ref_template=REF)
    schemas = {re.sub(r"[^A-Za-z0-9_.-]", "_", k): v for k, v in defs.get("$defs", {}).items()}
    ref_of = {key[0]: re.sub(r"[^A-Za-z0-9_./#-]", "_", refs[key]["$ref"]) for key in keys}
    for schema in schemas.values():
        _fix_refs(schema)

    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        if not ep.api and not ep.produces and not ep.summary:
            continue
        path = re.sub(r"{(\w+):[^}]*}", r"{\1}", ep.path)
        op: dict[str, Any] = {
            "summary": ep.summary or ep.handler.__name__,
            "operationId": ep.handler.__module__.split(".")[0] + "_" + ep.handler.__name__,
        }
        if ep.tags:
            op["tags"] = list(ep.tags)
        params = _param_schema(ep.path)
        if ep.query is not None:
            for field_name, field in ep.query.model_fields.items():
                name = field.alias or field_name  # what the caller sends (?from=, not ?start=)
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": field.is_required(),
                        "schema": _fix_refs(
                            dict(schemas.get(ep.query.__name__, {}).get("properties", {}).get(name, {}))
                        ),
                    }
                )
        if params:
            op["parameters"] = params
        if ep.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": ref_of[ep.body]}}},
            }
        responses: dict[str, Any] = {}
        if ep.response is not None:
            responses[str(ep.status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": ref_of[ep.response]}}},
            }
        elif ep.produces:
            responses["200"] = {
                "description": "OK",
                "content": {ep.produces: {"schema": {"type": "string", "format": "binary"}}},
            }
        elif ep.path == "/healthz":
            responses["200"] = {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": ref_of[Health]}}},
            }
        else:
            responses["200"] = {"description": "OK"}
        for status, text in ERROR_STATUSES.items():
            if status == 401 and ep.permission is None:
                continue
            responses[str(status)] = {
                "description": text,
                "content": {"application/json": {"schema": {"$ref": ref_of[ErrorEnvelope]}}},
            }
        if ep.permission is not None:
            op["security"] = [{"bearer": []}, {"cookie": []}]
        op["responses"] = responses
        paths.setdefault(path, {})[ep.method.lower()] = op

    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": 'JSON API of the gongtiao hub. Errors are {"error": {"code", "message"}}.',
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token (gt_...)"},
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "gt_session",
                    "description": "Browser session; unsafe methods also need X-CSRF-Token",
                },
            },
        },
    }


def _fix_refs(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "$ref" and isinstance(value, str):
                node[key] = re.sub(r"[^A-Za-z0-9_./#-]", "_", value)
            else:
                _fix_refs(value)
    elif isinstance(node, list):
        for item in node:
            _fix_refs(item)
    return node


OPENAPI_CACHE = web.AppKey("openapi_cache", dict)
