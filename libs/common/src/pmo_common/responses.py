"""Documented error responses (problem+json) for route decorators, so OpenAPI tells the truth."""

from __future__ import annotations

from typing import Any

from pmo_common.contracts.problem import PROBLEM_MEDIA_TYPE, Problem


def problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem("No such resource.")}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: problem("A conflict: duplicate key, illegal transition, or a retry still running.")
}
PRECONDITIONS: dict[int | str, dict[str, Any]] = {
    412: problem("`If-Match` does not match the current ETag."),
    428: problem("`If-Match` is required."),
}
GET_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_FOUND}
CREATE_RESPONSES: dict[int | str, dict[str, Any]] = {**CONFLICT}
PATCH_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_FOUND, **CONFLICT, **PRECONDITIONS}
DELETE_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_FOUND, **CONFLICT, **PRECONDITIONS}
PUT_RESPONSES: dict[int | str, dict[str, Any]] = {**NOT_FOUND, **CONFLICT, 412: PRECONDITIONS[412]}
