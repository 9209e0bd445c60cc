from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Self

from pmo_common.contracts.types import Currency, NonNegativeMoney
from pmo_common.examples import CREATED_AT, PORTFOLIO_ID, UPDATED_AT
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pmo_portfolio.logic.fields import FIELD_TYPES, MAX_FIELDS

CREATE_EXAMPLE: dict[str, Any] = {
    "name": "Digital 2027",
    "description": "The digital change projects the board funds for 2027.",
    "currency": "EUR",
    "budget": "5000000.00",
    "start_date": "2027-01-01",
    "end_date": "2027-12-31",
}
# The custom project fields of "Digital 2027": every project names its phase; vendor and cost centre
# are optional.
FIELDS_EXAMPLE: list[Any] = [
    {
        "key": "phase",
        "label": "Phase",
        "type": "choice",
        "choices": ["Discovery", "Design", "Build", "Run"],
        "required": True,
    },
    {"key": "vendor", "label": "Vendor", "type": "text", "choices": [], "required": False},
    {"key": "cost_centre", "label": "Cost centre", "type": "number", "choices": [], "required": False},
]


class _Dates(BaseModel):
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class PortfolioCreate(_Dates):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CREATE_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    currency: Currency = Field(description="ISO 4217 code in use, e.g. EUR.", examples=["EUR"])
    budget: NonNegativeMoney


class PortfolioUpdate(_Dates):
    """Any subset; omit a field to keep it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"budget": "5500000.00"}, {"end_date": "2028-03-31"}]},
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    currency: Currency | None = None
    budget: NonNegativeMoney | None = None


Choice = Annotated[str, Field(min_length=1, max_length=100)]


class FieldDefinitionBody(BaseModel):
    """One custom project field. `key`, `type` and `choices` are checked by the service, so that each
    problem is a 422 naming `body[i].key`, `body[i].type` or `body[i].choices`."""

    model_config = ConfigDict(
        extra="forbid", from_attributes=True, json_schema_extra={"examples": FIELDS_EXAMPLE}
    )

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


# A bare list has no class to carry its examples: the list type carries them (a whole list, once).
FieldDefinitionsIn = Annotated[
    list[FieldDefinitionBody], Field(max_length=MAX_FIELDS, examples=[FIELDS_EXAMPLE])
]
FieldDefinitionsRead = Annotated[list[FieldDefinitionBody], Field(examples=[FIELDS_EXAMPLE])]


class PortfolioRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": PORTFOLIO_ID,
                    **CREATE_EXAMPLE,
                    "fields": FIELDS_EXAMPLE,
                    "version": 2,
                    "created_at": CREATED_AT,
                    "updated_at": UPDATED_AT,
                }
            ]
        },
    )

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
