"""Shared value types: money as exact decimals, calendar months, RAG, roles."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

MONEY_MAX = Decimal("999999999999999.99")
_MONEY_RE = re.compile(r"-?\d{1,15}(\.\d{1,2})?", re.ASCII)
_CENT = Decimal("0.01")


def parse_money(value: Any) -> Decimal:
    """Money arrives as a decimal string; floats are refused because they are not exact."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, bool | float):
        raise ValueError('money must be a decimal string such as "1250000.00", not a binary float')
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        # Exactly the documented form: ASCII digits, no exponent, no spaces (Decimal alone would take
        # "1e3", " 1.00" and Arabic-Indic digits).
        if not _MONEY_RE.fullmatch(value):
            raise ValueError(f'money must be a decimal string such as "1250000.00", got {value[:40]!r}')
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise ValueError(
                f'money must be a decimal string such as "1250000.00", got {value[:40]!r}'
            ) from None
    else:
        raise ValueError('money must be a decimal string such as "1250000.00"')
    if not amount.is_finite():
        raise ValueError("money must be a finite amount")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("money has at most 2 decimal places")
    if abs(amount) > MONEY_MAX:
        raise ValueError(f"money must be at most {MONEY_MAX}")
    return amount.quantize(_CENT, rounding=ROUND_HALF_EVEN)


def format_money(value: Decimal) -> str:
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_EVEN):f}"


_MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d{1,15}(\.\d{1,2})?$",
    "examples": ["1250000.00"],
    "description": "An exact decimal amount in the portfolio's currency, as a string.",
}
_NON_NEGATIVE_MONEY_SCHEMA = {**_MONEY_SCHEMA, "pattern": r"^\d{1,15}(\.\d{1,2})?$"}


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("money must not be negative")
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(format_money, return_type=str, when_used="always"),
    WithJsonSchema(_MONEY_SCHEMA),
]
"""A signed exact amount (e.g. a cost variance)."""

NonNegativeMoney = Annotated[
    Decimal,
    BeforeValidator(lambda v: _non_negative(parse_money(v))),
    PlainSerializer(format_money, return_type=str, when_used="always"),
    WithJsonSchema(_NON_NEGATIVE_MONEY_SCHEMA),
]

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(value: Any) -> str:
    if not isinstance(value, str) or not _MONTH_RE.match(value):
        raise ValueError(f"a period is a calendar month YYYY-MM, got {value!r}")
    return value


Month = Annotated[
    str,
    BeforeValidator(parse_month),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "examples": ["2026-01"]}),
]
"""A calendar month, `YYYY-MM`; strings of this form sort chronologically."""


def month_index(month: str) -> int:
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


class RAG(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"


class Role(StrEnum):
    admin = "admin"
    pmo = "pmo"
    project_manager = "project_manager"
    resource_manager = "resource_manager"
    integration = "integration"
    viewer = "viewer"


ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]


# ISO 4217 as published (pycountry), less XXX ("no currency") and XTS (reserved for testing).
CURRENCIES = frozenset(c.alpha_3 for c in pycountry.currencies) - {"XXX", "XTS"}


def parse_currency(value: Any) -> str:
    if not isinstance(value, str) or value not in CURRENCIES:
        raise ValueError(f"not an ISO 4217 currency code (such as EUR, USD, GBP): {str(value)[:10]!r}")
    return value


Currency = Annotated[
    str,
    BeforeValidator(parse_currency),
    WithJsonSchema(
        {"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["EUR"], "description": "ISO 4217 code."}
    ),
]
"""An ISO 4217 currency code in use (EUR, USD, …)."""
