"""SQL building blocks for the portfolio figures: date arithmetic both dialects understand, and the
per-project rules of `logic.evm` in exact integer cents, so the database can sum them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Date, Integer, Numeric, and_, case, cast, or_, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from pmo_reporting.logic.targets import RATIO_PLACES


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


def shown_below(ev: Any, base: Any, limit: Decimal) -> ColumnElement[bool]:
    """`logic.targets.judged`'s comparison in SQL, exactly and without dividing: ev / base rounded
    half-even to 4 decimals (as printed) is below `limit` (a multiple of 0.0001), for ev >= 0 known and
    base > 0. With k = limit × 10⁴ that is ev / base < (2k − 1) / (2 × 10⁴), or equal to it when k is
    odd (the tie then rounds down to the even k − 1). NUMERIC products: cents × 2 × 10⁴ may pass a
    BIGINT (SQLite turns such an overflow into a REAL instead)."""
    k = int(limit / RATIO_PLACES)
    scaled = cast(ev, Numeric) * (2 * int(1 / RATIO_PLACES))
    line = cast(base, Numeric) * (2 * k - 1)
    below = scaled <= line if k % 2 else scaled < line
    return and_(ev.is_not(None), base > 0, below)
