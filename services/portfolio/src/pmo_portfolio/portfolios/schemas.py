from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pmo_common.contracts.types import Currency, NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field, model_validator


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


class PortfolioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    currency: str
    budget: NonNegativeMoney
    start_date: date | None
    end_date: date | None
    version: int
    created_at: datetime
    updated_at: datetime
