"""The dashboard's attention count compares SPI and CPI with the targets in SQL (`expressions.
shown_below`); it must agree exactly with `logic.targets.judged`, which compares the ratio as printed
(4 decimals, half-even) — ties and huge amounts included, on both databases."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from pmo_common.db import Database
from pmo_reporting.dashboards.expressions import shown_below
from pmo_reporting.logic.evm import from_cents, ratio
from pmo_reporting.logic.targets import Band, judged
from sqlalchemy import BigInteger, create_engine, literal, select

SQLITE = create_engine("sqlite://")


def python_says(ev: int, base: int, amber: Decimal) -> bool:
    colour, _ = judged("SPI", ratio(from_cents(ev), from_cents(base)), Band(amber + 1, amber))
    return colour == "red"


def sql_says(connection: object, ev: int, base: int, amber: Decimal) -> bool:
    stmt = select(shown_below(literal(ev, BigInteger), literal(base, BigInteger), amber))
    return bool(connection.execute(stmt).scalar())  # type: ignore[attr-defined]


limits = st.integers(min_value=0, max_value=100_000).map(lambda k: Decimal(k) / 10_000)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9), limits)
def test_sql_and_python_agree_on_random_figures(ev: int, base: int, amber: Decimal) -> None:
    with SQLITE.connect() as connection:
        assert sql_says(connection, ev, base, amber) == python_says(ev, base, amber)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**8), st.integers(min_value=0, max_value=100_000))
def test_a_ratio_exactly_half_way_rounds_to_even_in_both(base_units: int, k: int) -> None:
    # EV / base = (2k − 1) / 20,000 exactly: printed k / 10⁴ when k is even, (k − 1) / 10⁴ when odd.
    base, ev = 20_000 * base_units, (2 * k - 1) * base_units
    amber = Decimal(k) / 10_000
    if ev < 0:
        return
    with SQLITE.connect() as connection:
        assert sql_says(connection, ev, base, amber) == python_says(ev, base, amber) == (k % 2 == 1)


def edge_cases() -> list[tuple[int, int, Decimal]]:
    rnd = random.Random(5)
    cases = [
        (84_910, 100_000, Decimal("0.85")),  # 0.8491: below
        (84_996, 100_000, Decimal("0.85")),  # 0.84996 prints 0.8500: not below
        (84_995, 100_000, Decimal("0.85")),  # 0.84995: the tie goes to 0.8500 (even)
        (84_985, 100_000, Decimal("0.8499")),  # 0.84985: the tie goes to 0.8498 (even): below
        (0, 1, Decimal("0")),  # nothing is below 0
        (0, 1, Decimal("0.0001")),
        (10**17, 10**17 + 1, Decimal("1")),  # 99,999,999,999,999,999 cents: past a BIGINT × 20,000
        (10**17 - 2, 10**17, Decimal("1")),
    ]
    for _ in range(40):
        base = rnd.randint(1, 10**17)
        cases.append((rnd.randint(0, base * 2), base, Decimal(rnd.randint(0, 20_000)) / 10_000))
    return cases


async def test_sql_and_python_agree_on_either_database(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.sessionmaker() as session:
            for ev, base, amber in edge_cases():
                stmt = select(shown_below(literal(ev, BigInteger), literal(base, BigInteger), amber))
                assert bool(await session.scalar(stmt)) == python_says(ev, base, amber), (ev, base, amber)
    finally:
        await db.dispose()
