"""The forecast figures of `logic.forecast` per project in SQL, in exact integer cents, so the
database sums them with the rest of a portfolio's figures: EAC (the reported forecast cost, else
BAC × AC / EV rounded half-even, as `logic.evm.estimate_at_completion`), ETC, VAC and the slip
against the plan's finish."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, Numeric, and_, case, cast, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from pmo_reporting.dashboards.expressions import cents, days_between, round_half_even

BIGINT_MAX = 2**63 - 1


class mul_div_half_even(FunctionElement[int]):
    """a × b / c rounded half-even, for a, b >= 0 and c > 0 — exactly, although a × b of two amounts
    in cents can pass a BIGINT (a budget and a cost of 30 million each do)."""

    type = BigInteger()
    inherit_cache = True


def _half_even(quotient: Any, twice_rest: Any, divisor: Any, odd: Any) -> ColumnElement[Any]:
    return quotient + case((twice_rest > divisor, 1), (and_(twice_rest == divisor, odd), 1), else_=0)


@compiles(mul_div_half_even)
def _mul_div(element: mul_div_half_even, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL: in NUMERIC, whose integer division and remainder are exact at any size."""
    a, b, c = element.clauses.clauses
    product = cast(a, Numeric) * cast(b, Numeric)
    quotient = func.div(product, c)
    rest = func.mod(product, c)
    return compiler.process(_half_even(quotient, rest * 2, c, func.mod(quotient, 2) == 1), **kw)


@compiles(mul_div_half_even, "sqlite")
def _mul_div_sqlite(element: mul_div_half_even, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite has integers of 64 bits only: exact while a × b fits one (checked without
    multiplying), else in binary floating point — off by a cent at most, for products beyond
    9.2 × 10¹⁸ cents² on the embedded database only."""
    a, b, c = element.clauses.clauses
    exact = round_half_even(a * b, c)
    real = cast(a, Float) * b / c
    whole = cast(real, BigInteger)
    approximate = _half_even(whole, (real - whole) * 2, literal(1), whole % 2 == 1)
    fits = a <= literal(BIGINT_MAX, BigInteger) // b
    return compiler.process(case((fits, exact), else_=approximate), **kw)


def forecast_columns(p: Any, bac: Any, ev: Any, ac: Any) -> list[ColumnElement[Any]]:
    """Per project (`p`: a `state.project_reports` subquery; `bac`, `ev`, `ac` in cents): `eac` in
    cents and `slip` in days (forecast finish − the plan's finish), NULL where unknown."""
    computed = case((and_(ev > 0, ac > 0), mul_div_half_even(bac, ac, ev)), else_=None)
    eac = func.coalesce(cents(p.c.forecast_cost), computed)
    finish = func.coalesce(p.c.forecast_finish_date, p.c.project_finish)
    slip = case(
        (and_(finish.is_not(None), p.c.finish_date.is_not(None)), days_between(finish, p.c.finish_date)),
        else_=None,
    )
    return [eac.label("eac"), slip.label("slip")]


def forecast_terms(f: Any) -> list[ColumnElement[Any]]:
    """What a group of `forecast_columns` rows (`f`, with `bac` and `ac`) sums, named by
    `FORECAST_SUMS`: EAC, ETC (EAC − AC), VAC (BAC − EAC) — NULL, so adding nothing, where unknown —
    and the slipped projects (1 each) and their slip. Derived here rather than per project, so that
    each project's EAC is worked out once."""
    slipped = f.c.slip > 0
    return [
        f.c.eac,
        f.c.eac - f.c.ac,
        f.c.bac - f.c.eac,
        case((slipped, 1), else_=0),
        case((slipped, f.c.slip), else_=0),
    ]


FORECAST_SUMS = ("eac", "etc", "vac", "slipped", "slip_days")
"""The names of `forecast_terms`' sums, in order (`repository.EvmGroup`'s fields)."""
