"""SQL building blocks for the portfolio figures: date arithmetic both dialects understand, and the
per-project rules of `logic.evm` in exact integer cents, so the database can sum them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Date, Integer, and_, case, or_, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from pmo_reporting.logic.evm import RED_BELOW

_RED_PERCENT = int(RED_BELOW * 100)  # SPI or CPI below 0.85  <=>  100 * EV < 85 * PV (or AC)


class days_between(FunctionElement[int]):
    """`later - earlier` in days for two DATE expressions."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class date_value(FunctionElement[date]):
    """A bound date usable in date arithmetic (SQLite keeps dates as ISO text: no CAST there)."""

    type = Date()
    inherit_cache = True


@compiles(date_value)
def _date_value(element: date_value, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(date_value, "sqlite")
def _date_value_sqlite(element: date_value, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


class not_indexed(FunctionElement[Any]):
    """A column the SQLite planner must not pick an index range for (unary +, a no-op on values)."""

    inherit_cache = True

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(not_indexed)
def _not_indexed(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(not_indexed, "sqlite")
def _not_indexed_sqlite(element: not_indexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def cents(column: Any) -> ColumnElement[int]:
    """A money column as the integer cents it is stored as (no Decimal conversion per row)."""
    return type_coerce(column, BigInteger)


def round_half_even(numerator: ColumnElement[int], denominator: ColumnElement[int]) -> ColumnElement[int]:
    """numerator / denominator rounded half-even, for numerator >= 0 and denominator > 0 (exact
    integer arithmetic: the same result as logic.evm's Decimal `money()`)."""
    quotient, twice_rest = numerator // denominator, (numerator % denominator) * 2
    return quotient + case(
        (twice_rest > denominator, 1), (and_(twice_rest == denominator, quotient % 2 == 1), 1), else_=0
    )


def linear_pv_cents(bac: Any, start: Any, finish: Any, day: Any) -> ColumnElement[int]:
    """logic.evm.linear_planned_value in cents: BAC spread evenly over start..finish."""
    return case(
        (or_(start.is_(None), finish.is_(None)), None),
        (day >= finish, bac),
        (day <= start, 0),
        else_=round_half_even(bac * days_between(day, start), days_between(finish, start)),
    )


def below_red(ev: Any, base: Any) -> ColumnElement[bool]:
    """ev / base < 0.85 with both known and base non-zero, without dividing."""
    return and_(
        ev.is_not(None),
        or_(
            and_(base > 0, ev * 100 < base * _RED_PERCENT),
            and_(base < 0, ev * 100 > base * _RED_PERCENT),
        ),
    )
