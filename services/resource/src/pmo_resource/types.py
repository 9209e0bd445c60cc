"""Bounded value types of this service's API: hours and FTE are exact decimals on input and
JSON numbers on output."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, StringConstraints

_as_number = PlainSerializer(float, return_type=float, when_used="json")

MAX_HOURS_PER_MONTH = 744  # 31 days × 24 h
MAX_ALLOCATION_MONTHS = 120
MAX_CAPACITY_RANGE_MONTHS = 60

Fte = Annotated[
    Decimal, Field(gt=0, le=1, decimal_places=3, description="Full-time equivalent, (0, 1]."), _as_number
]
HoursPerWeek = Annotated[
    Decimal,
    Field(gt=0, le=80, decimal_places=2, description="Contracted hours per week, (0, 80]."),
    _as_number,
]
MonthHours = Annotated[
    Decimal,
    Field(ge=0, le=MAX_HOURS_PER_MONTH, decimal_places=2, description="Hours in a month, 0–744."),
    _as_number,
]
PositiveMonthHours = Annotated[
    Decimal,
    Field(gt=0, le=MAX_HOURS_PER_MONTH, decimal_places=2, description="Hours per month, (0, 744]."),
    _as_number,
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ExternalId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(description="The HR system's key for the person; unique.", examples=["HR-00042"]),
]
RoleName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(
        description="A role name; the portfolio service matches capacity and demand by it.",
        examples=["developer"],
    ),
]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
OrgUnit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    Field(examples=["ada@example.com"]),
]
