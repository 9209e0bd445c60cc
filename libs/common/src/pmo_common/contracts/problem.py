"""RFC 9457 problem details, the body of every error response."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(
        description="Dotted path of the offending field, e.g. `body.budget` or `rows.3.period`."
    )
    message: str


class Problem(BaseModel):
    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


PROBLEM_MEDIA_TYPE = "application/problem+json"
