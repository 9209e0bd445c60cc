"""Spreading amounts and hours over months: the parts always add up to the whole, exactly."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from pmo_common import mspdi
from pmo_common.mspdi.monthly import days_by_month, largest_remainder, spread_by_day
from pmo_common.testing.mspdi_files import AssignmentSpec, ResourceSpec, TaskSpec, mspdi_file

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2034, 12, 31))
weights = st.dictionaries(
    st.sampled_from([f"2027-{m:02d}" for m in range(1, 13)]),
    st.fractions(min_value=0, max_value=10**6),
    min_size=1,
).filter(lambda w: sum(w.values()) > 0)


@given(total=st.integers(min_value=0, max_value=10**17), weights=weights)
def test_largest_remainder_sums_exactly_and_stays_within_one_unit_of_each_share(
    total: int, weights: dict[str, Fraction]
) -> None:
    parts = largest_remainder(total, weights)
    assert sum(parts.values()) == total
    whole = sum(weights.values())
    for key, part in parts.items():
        exact = total * weights[key] / whole
        assert exact - 1 < part < exact + 1
        if weights[key] == 0:
            assert part == 0


@given(first=days, length=st.integers(min_value=0, max_value=800))
def test_days_by_month_counts_every_day_once(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    counted = days_by_month(first, last)
    assert sum(counted.values()) == length + 1
    assert list(counted) == sorted(counted)


@given(total=st.integers(min_value=0, max_value=10**12), first=days, length=st.integers(0, 400))
def test_spread_by_day_sums_exactly(total: int, first: date, length: int) -> None:
    assert sum(spread_by_day(total, first, first + timedelta(days=length)).values()) == total


task = st.tuples(
    st.integers(min_value=0, max_value=200),  # start offset (days from the project start)
    st.integers(min_value=0, max_value=120),  # length in days
    st.decimals(min_value=0, max_value=10**7, places=2),  # cost
    st.decimals(min_value=0, max_value=2000, places=2),  # work hours
)


@given(
    tasks=st.lists(task, min_size=1, max_size=12),
    extra=st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_a_plans_profile_sums_to_its_budget_and_each_assignment_to_its_work(
    tasks: list[tuple[int, int, Decimal, Decimal]], extra: Decimal
) -> None:
    origin = date(2027, 1, 4)
    specs = [
        TaskSpec(i + 1, f"T{i}", str(origin + timedelta(s)), str(origin + timedelta(s + n)), cost=f"{c:.2f}")
        for i, (s, n, c, _w) in enumerate(tasks)
    ]
    budget = sum((Decimal(s.cost) for s in specs), Decimal(0)) + extra
    plan = mspdi_file(
        tasks=specs,
        budget=f"{budget:.2f}",
        resources=[ResourceSpec(1, "Ada")],
        assignments=[AssignmentSpec(i + 1, i + 1, 1, f"{w:.2f}") for i, (*_x, w) in enumerate(tasks)],
    )
    project = mspdi.parse(plan)
    terms = mspdi.plan_terms(project)
    assert sum((a for _m, a in terms.cost_profile), Decimal(0)) == (budget if budget else 0)
    assert all(a > 0 for _m, a in terms.cost_profile)
    by_uid = {a.assignment_uid: a for a in mspdi.assigned_hours(project)}
    for i, (*_x, work) in enumerate(tasks):
        if work > 0:
            assert sum(by_uid[i + 1].hours.values()) == work
        else:
            assert i + 1 not in by_uid
