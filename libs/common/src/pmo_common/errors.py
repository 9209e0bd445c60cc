"""One error hierarchy, mapped once to RFC 9457 problem+json (see `install_error_handlers`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from pmo_common.contracts.problem import PROBLEM_MEDIA_TYPE, FieldError, Problem

log = logging.getLogger("pmo.errors")

PROBLEM_BASE = "https://pmo.dev/problems/"


class AppError(Exception):
    status: int = 500
    title: str = "Internal error"
    slug: str = "internal"
    # A refusal that is itself a record (a refused atomic import's stored report): the request's
    # transaction commits what it wrote before the error is answered, instead of rolling back.
    keeps_changes: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        if title:
            self.title = title
        self.extra = extra or {}

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body = Problem(
            type=PROBLEM_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
        ).model_dump(exclude_none=True)
        body.update(self.extra)
        return body


class BadRequest(AppError):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthorized(AppError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="pmo"'})
        super().__init__(detail, **kw)


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class MethodNotAllowed(AppError):
    status, title, slug = 405, "Method not allowed", "method-not-allowed"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(AppError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class UnsupportedMediaType(AppError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class Unprocessable(AppError):
    status, title, slug = 422, "Invalid input", "validation"


class PreconditionRequired(AppError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


def field_errors(pairs: Iterable[tuple[str, str]]) -> list[FieldError]:
    return [FieldError(field=f, message=m) for f, m in pairs]


def invalid(field: str, message: str) -> Unprocessable:
    """A 422 naming one field — the common case in service rules."""
    return Unprocessable(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def problem_response(error: AppError, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(
        error.problem(instance),
        status_code=error.status,
        headers=error.headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _loc_to_field(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_problem(exc: RequestValidationError) -> Unprocessable:
    errs = []
    for e in exc.errors():
        message = str(e.get("msg", "invalid"))
        if e.get("type") == "json_invalid":
            message = "the body is not valid JSON: " + str(e.get("ctx", {}).get("error", message))
        errs.append(FieldError(field=_loc_to_field(e.get("loc", ())), message=message))
    summary = "; ".join(f"{fe.field}: {fe.message}" for fe in errs[:5])
    more = f" (and {len(errs) - 5} more)" if len(errs) > 5 else ""
    return Unprocessable(f"The request is invalid — {summary}{more}", errors=errs)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(exc, request)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(exc), request)


_HTTP_STATUS_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: Unprocessable,
    428: PreconditionRequired,
    503: ServiceUnavailable,
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    cls = _HTTP_STATUS_ERRORS.get(exc.status_code)
    if cls is None:
        err = AppError(str(exc.detail))
        err.status = exc.status_code
        err.title = "Error"
    else:
        detail = str(exc.detail) if exc.detail else None
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No route matches {request.method} {request.url.path}"
        err = cls(detail, headers=dict(exc.headers or {}))
    return problem_response(err, request)


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        PreconditionFailed("The resource changed while this request ran; GET it again and retry."), request
    )


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The driver's message names the condition (locked, refused, missing table) without parameters.
    reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
    log.warning(
        "database unavailable on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, reason
    )
    return problem_response(
        ServiceUnavailable(
            "The database is unavailable; nothing was changed. Retry shortly.", headers={"Retry-After": "2"}
        ),
        request,
    )


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first and answer a precise 409; this covers the race where two requests
    # pass that check together and the database's constraint decides.
    return problem_response(
        Conflict(
            "The change conflicts with data written at the same time (a duplicate key); retry or pick another value."
        ),
        request,
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(AppError("An unexpected error occurred; it has been logged."), request)


# --- transactions the database aborted to resolve a conflict (see pmo_common.retries) -------------

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
RETRY_MARKER = b"x-pmo-retry-transaction"


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, through SQLAlchemy's and the driver's wrappers."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        code = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(code, str):
            return code
        current = getattr(current, "orig", None) or current.__cause__
    return None


def _retry_response(request: Request, exc: Exception) -> JSONResponse:
    log.info("transaction aborted (%s) on %s %s; retrying", sqlstate(exc), request.method, request.url.path)
    response = problem_response(
        ServiceUnavailable(
            "The database aborted this transaction to resolve a conflict with another one; nothing "
            "was changed. Retry shortly.",
            headers={"Retry-After": "1"},
        ),
        request,
    )
    response.headers[RETRY_MARKER.decode()] = "1"
    return response


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if sqlstate(exc) in RETRYABLE_SQLSTATES:
        return _retry_response(request, exc)
    if isinstance(exc, OperationalError | InterfaceError):
        return await _database_unavailable(request, exc)
    return await _unhandled(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(IntegrityError, _integrity)
    # Connection-level failures (database down, restarting, locked) are the platform's problem, not the
    # caller's, and are transient: 503 with Retry-After rather than a 500.
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(InterfaceError, _database_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(ConnectionError, _database_unavailable)
    app.add_exception_handler(Exception, _unhandled)
