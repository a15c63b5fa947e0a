"""Kubernetes v1 ``Status`` bodies and the exception that carries one to the HTTP border."""

from __future__ import annotations

from typing import Any

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


def status_body(
    code: int,
    message: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A failure ``Status`` as the apiserver writes it."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, ""),
    }
    if details:
        body["details"] = details
    body["code"] = code
    return body


def success_body(code: int = 200, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A success ``Status`` (eviction accepted, collection deleted, ...)."""
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}}
    body["status"] = "Success"
    if details:
        body["details"] = details
    body["code"] = code
    return body


class ApiError(Exception):
    """An API answer that is not a success; the server turns it into a Status response."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.body = status_body(code, message, reason, details)


def qualified(plural: str, group: str) -> str:
    """``pods`` or ``deployments.apps``: how the apiserver names a resource in messages."""
    return f"{plural}.{group}" if group else plural


def not_found(plural: str, group: str, name: str) -> ApiError:
    """404 for a named object."""
    details: dict[str, Any] = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return ApiError(404, f'{qualified(plural, group)} "{name}" not found', details=details)


def already_exists(plural: str, group: str, name: str) -> ApiError:
    """409 AlreadyExists for a create."""
    details: dict[str, Any] = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return ApiError(
        409,
        f'{qualified(plural, group)} "{name}" already exists',
        "AlreadyExists",
        details,
    )


def conflict(plural: str, group: str, name: str) -> ApiError:
    """409 Conflict for a write with a stale resourceVersion."""
    details: dict[str, Any] = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": the object has '
        "been modified; please apply your changes to the latest version and try again",
        "Conflict",
        details,
    )


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str]]) -> ApiError:
    """422 Invalid with one cause per (field, message)."""
    label = f"{kind}.{group}" if group else kind
    text = ", ".join(f"{field}: {msg}" for field, msg in causes)
    details: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "causes": [
            {"reason": "FieldValueInvalid", "message": msg, "field": field} for field, msg in causes
        ],
    }
    if group:
        details["group"] = group
    return ApiError(422, f'{label} "{name}" is invalid: {text}', "Invalid", details)


def bad_request(message: str) -> ApiError:
    """400 BadRequest."""
    return ApiError(400, message, "BadRequest")
