from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

MAX_RATIO = 10
MAX_AGE_DAYS = 3650


class RatioBand(BaseModel):
    """For SPI or CPI (higher is better): at or above `green` green, at or above `amber` amber, else
    red — compared at the 4 decimals the ratio is printed with."""

    model_config = ConfigDict(extra="forbid")

    green: float = Field(
        ge=0,
        le=MAX_RATIO,
        strict=True,
        allow_inf_nan=False,
        description=f"0–{MAX_RATIO}, at most 4 decimals.",
        examples=[0.95],
    )
    amber: float = Field(
        ge=0,
        le=MAX_RATIO,
        strict=True,
        allow_inf_nan=False,
        description=f"0–{MAX_RATIO}, at most 4 decimals, not above `green`.",
        examples=[0.85],
    )

    @field_validator("green", "amber")
    @classmethod
    def _four_decimals(cls, value: float) -> float:
        if Decimal(str(value)).as_tuple().exponent < -4:  # type: ignore[operator]
            raise ValueError("at most 4 decimals (ratios are compared as printed, to 4 decimals)")
        return value

    @field_validator("amber")
    @classmethod
    def _amber_not_above_green(cls, value: float, info: ValidationInfo) -> float:
        green = info.data.get("green")
        if green is not None and value > green:
            raise ValueError(f"must not be above green ({green}): higher is better")
        return value


class AgeBand(BaseModel):
    """For the age of a project's report in effect, in days (lower is better): at or below `green`
    green, at or below `amber` amber, else red (and then the project needs attention)."""

    model_config = ConfigDict(extra="forbid")

    green: int = Field(
        ge=0, le=MAX_AGE_DAYS, strict=True, description=f"Days, 0–{MAX_AGE_DAYS}.", examples=[31]
    )
    amber: int = Field(
        ge=0,
        le=MAX_AGE_DAYS,
        strict=True,
        description=f"Days, 0–{MAX_AGE_DAYS}, not below `green`.",
        examples=[35],
    )

    @field_validator("amber")
    @classmethod
    def _amber_not_below_green(cls, value: int, info: ValidationInfo) -> int:
        green = info.data.get("green")
        if green is not None and value < green:
            raise ValueError(f"must not be below green ({green}): fewer days is better")
        return value


class KpiTargetsWrite(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "spi": {"green": 0.95, "amber": 0.85},
                    "cpi": {"green": 0.97, "amber": 0.9},
                    "report_age_days": {"green": 31, "amber": 35},
                }
            ]
        },
    )

    spi: RatioBand
    cpi: RatioBand
    report_age_days: AgeBand


class KpiTargetsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "portfolio_id": "0b5d7a8e-3c1f-4e2a-9d6b-1f2e3d4c5b6a",
                    "spi": {"green": 0.95, "amber": 0.85},
                    "cpi": {"green": 0.97, "amber": 0.9},
                    "report_age_days": {"green": 31, "amber": 35},
                    "version": 1,
                    "is_default": False,
                    "updated_by": "olga",
                    "updated_at": "2026-12-01T10:00:00Z",
                }
            ]
        }
    )

    portfolio_id: uuid.UUID
    spi: RatioBand
    cpi: RatioBand
    report_age_days: AgeBand
    version: int = Field(description="0 while the portfolio uses the defaults (nothing stored yet).")
    is_default: bool = Field(description="True while no targets have been stored for the portfolio.")
    updated_by: str | None = None
    updated_at: datetime | None = None
