from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pmo_common.contracts.types import Currency, NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pmo_portfolio.logic.fields import FIELD_TYPES, MAX_FIELDS


class _Dates(BaseModel):
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class PortfolioCreate(_Dates):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    currency: Currency = Field(description="ISO 4217 code in use, e.g. EUR.", examples=["EUR"])
    budget: NonNegativeMoney


class PortfolioUpdate(_Dates):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    currency: Currency | None = None
    budget: NonNegativeMoney | None = None


Choice = Annotated[str, Field(min_length=1, max_length=100)]


class FieldDefinitionBody(BaseModel):
    """One custom project field. `key`, `type` and `choices` are checked by the service, so that each
    problem is a 422 naming `body[i].key`, `body[i].type` or `body[i].choices`."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    key: str = Field(
        max_length=100,
        description="`[a-z][a-z0-9_]{0,39}`, unique in the portfolio; projects hold the value as "
        "`fields.<key>` and lists filter by `field.<key>=`.",
        examples=["phase"],
    )
    label: str = Field(min_length=1, max_length=200, examples=["Phase"])
    type: str = Field(
        description=f"One of {', '.join(FIELD_TYPES)}.",
        json_schema_extra={"enum": list(FIELD_TYPES)},
        examples=["choice"],
    )
    choices: list[Choice] = Field(
        default_factory=list, max_length=100, description="For `choice` only: the allowed values."
    )
    required: bool = Field(default=False, description="Every project of the portfolio must hold a value.")


FIELDS_EXAMPLE: list[dict[str, Any]] = [
    {"key": "phase", "label": "Phase", "type": "choice", "choices": ["Design", "Build"], "required": True},
    {"key": "borough", "label": "Borough", "type": "text", "choices": [], "required": False},
    {"key": "cost_centre", "label": "Cost centre", "type": "number", "choices": [], "required": False},
]
FieldDefinitionsIn = Annotated[list[FieldDefinitionBody], Field(max_length=MAX_FIELDS)]


class PortfolioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    currency: str
    budget: NonNegativeMoney
    start_date: date | None
    end_date: date | None
    fields: list[FieldDefinitionBody] = Field(
        description="The custom project fields (`GET|PUT /portfolios/{id}/fields`)."
    )
    version: int
    created_at: datetime
    updated_at: datetime
