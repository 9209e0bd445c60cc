"""Amounts as the sentences of selection results show them to people."""

from __future__ import annotations


def format_money(cents: int) -> str:
    """1_200_000_00 -> "1,200,000.00" (exact: integer cents, no float rounding)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{rest:02d}"


def format_hours(hours: float) -> str:
    return f"{hours:,.1f} h"
