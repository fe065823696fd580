"""The error body's schema and the statuses every API route documents in OpenAPI.

`create_app` gives every route COMMON_ERRORS (what any route can answer: a bad body, no
or the wrong credentials, an id not found, a body too large, invalid input), so a new
route is described without doing anything; a route adds what only it answers (409, 415,
429, 503) with `errors(...)`.
"""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """One invalid field of a 422."""

    field: str
    message: str
    message_en: str


class ErrorInfo(BaseModel):
    """What went wrong: a stable code, a Chinese and an English message, maybe the field."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="stable, e.g. invalid_request, not_found, rate_limited")
    message: str = Field(description="in Chinese, for people")
    message_en: str = ""
    field: str | None = Field(default=None, description="the field at fault, if one is")
    details: list[ErrorDetail] | None = Field(
        default=None, description="422: the invalid fields, the first 50")
    more_errors: int | None = Field(
        default=None, description="422: how many invalid fields past the first 50")


class ErrorBody(BaseModel):
    """The JSON body of every error answer."""

    error: ErrorInfo


DESCRIPTIONS = {
    400: "request body cannot be parsed (not UTF-8 JSON)",
    401: "no valid session or API token",
    403: "the caller's role may not do this",
    404: "not found, or not visible to the caller",
    409: "conflict: the record changed (version) or the transition is not allowed now",
    413: "request body or attachment too large",
    415: "attachment type refused",
    422: "invalid input; `error.field` / `error.details` name the field",
    429: "too many requests; see Retry-After",
    503: "a required key or service is not configured",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI `responses` for these error statuses, each with the ErrorBody schema."""
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in statuses}


COMMON_ERRORS = errors(400, 401, 403, 404, 413, 422)


def describe_error_bodies(app: FastAPI) -> None:
    """Give every documented 4xx/5xx answer the ErrorBody schema, even one a route described
    by text alone (`{409: {"description": ...}}`), so the document never lacks it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        body = {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if status[:1] in ("4", "5"):
                        answer["content"] = {"application/json": body}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorBody" not in components:
            for name, model in (("ErrorDetail", ErrorDetail), ("ErrorInfo", ErrorInfo),
                                ("ErrorBody", ErrorBody)):
                components[name] = model.model_json_schema(
                    ref_template="#/components/schemas/{model}")
                components[name].pop("$defs", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
