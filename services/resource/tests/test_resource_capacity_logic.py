"""The capacity arithmetic, directly: month expansion, sums over overlapping allocations,
group capacity with imported figures, over-allocation and what is new."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pmo_resource.logic.capacity import (
    Span,
    capacity_cells,
    combine_capacity,
    default_monthly_capacity,
    expand_months,
    find_overallocations,
    new_and_resolved,
    span_months,
    sum_by_key_and_month,
)


def test_default_capacity_is_weekly_hours_times_fte_times_52_over_12() -> None:
    assert default_monthly_capacity(40, 1) == pytest.approx(173.333, abs=1e-3)
    assert default_monthly_capacity(40, 0.5) == pytest.approx(86.667, abs=1e-3)


def test_expand_months_crosses_years_and_clips() -> None:
    assert expand_months("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert expand_months("2025-11", "2026-02", "2026-01", "2026-06") == ["2026-01", "2026-02"]
    assert expand_months("2025-01", "2025-03", "2025-06", "2025-09") == []
    assert span_months("2025-01", "2034-12") == 120


def test_overlapping_allocations_add_up_per_key_and_month() -> None:
    spans = [
        Span("dev", "2026-01", "2026-03", 80.0),
        Span("dev", "2026-02", "2026-04", 40.0),
        Span("qa", "2026-03", "2026-03", 10.0),
    ]
    totals = sum_by_key_and_month(spans)
    assert totals == {
        ("dev", "2026-01"): 80.0,
        ("dev", "2026-02"): 120.0,
        ("dev", "2026-03"): 120.0,
        ("dev", "2026-04"): 40.0,
        ("qa", "2026-03"): 10.0,
    }
    assert sum_by_key_and_month(spans, "2026-04", "2026-12") == {("dev", "2026-04"): 40.0}


def test_imported_figures_replace_the_defaults_of_those_people_only() -> None:
    # Two developers at 100 h default each; in February one of them has 30 h imported.
    capacity = combine_capacity(
        {"dev": 200.0}, {("dev", "2026-02"): (30.0, 100.0)}, ["dev"], ["2026-01", "2026-02"]
    )
    assert capacity == {("dev", "2026-01"): 200.0, ("dev", "2026-02"): 130.0}


def test_cells_give_free_hours_and_utilisation_null_without_capacity() -> None:
    cells = capacity_cells(
        {("dev", "2026-01"): 100.0, ("qa", "2026-01"): 0.0},
        {("dev", "2026-01"): 125.0, ("qa", "2026-01"): 8.0},
        ["dev", "qa"],
        ["2026-01"],
    )
    dev, qa = cells
    assert (dev.free_hours, dev.utilisation) == (-25.0, 1.25)
    assert (qa.capacity_hours, qa.utilisation) == (0.0, None)


def test_overallocation_only_where_demand_exceeds_capacity() -> None:
    capacity = {("ann", "2026-01"): 100.0, ("ann", "2026-02"): 100.0}
    demand = {("ann", "2026-01"): 100.0, ("ann", "2026-02"): 140.0, ("bob", "2026-01"): 5.0}
    found = find_overallocations(capacity, demand)
    assert [(o.resource, o.period, o.excess_hours) for o in found] == [
        ("bob", "2026-01", 5.0),
        ("ann", "2026-02", 40.0),
    ]


def test_new_and_resolved_pairs() -> None:
    new, resolved = new_and_resolved(
        [("a", "2026-01"), ("a", "2026-02")], [("a", "2026-02"), ("b", "2026-01")]
    )
    assert new == {("a", "2026-01")} and resolved == {("b", "2026-01")}


@given(
    st.lists(
        st.tuples(st.integers(0, 23), st.integers(0, 23), st.integers(1, 200)).map(
            lambda t: (min(t[0], t[1]), max(t[0], t[1]), t[2])
        ),
        max_size=8,
    )
)
def test_total_demand_is_hours_times_months(raw: list[tuple[int, int, int]]) -> None:
    def month(i: int) -> str:
        return f"{2026 + i // 12}-{i % 12 + 1:02d}"

    spans = [Span("k", month(a), month(b), float(h)) for a, b, h in raw]
    totals = sum_by_key_and_month(spans)
    assert sum(totals.values()) == pytest.approx(sum(h * (b - a + 1) for a, b, h in raw))


def _month(i: int) -> str:
    return f"{2025 + i // 12}-{i % 12 + 1:02d}"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["dev", "qa", None]),
            st.integers(0, 40),
            st.integers(0, 40),
            st.integers(0, 99_999).map(lambda c: c / 100),  # hours to the hundredth, as stored
        ),
        max_size=30,
    ),
    st.none() | st.tuples(st.integers(0, 40), st.integers(0, 40)),
)
def test_sums_per_key_and_month_are_the_month_by_month_sums_to_the_hundredth(
    raw: list[tuple[str | None, int, int, float]], bounds: tuple[int, int] | None
) -> None:
    """The definition, month by month in exact decimals: every (key, month) a span covers (within
    the bounds) has an entry, the sum of the hours of the spans covering it."""
    spans = [Span(key, _month(min(a, b)), _month(max(a, b)), hours) for key, a, b, hours in raw]
    first, last = (None, None) if bounds is None else (_month(bounds[0]), _month(bounds[1]))
    expected: dict[tuple[str | None, str], Decimal] = {}
    for span in spans:
        for month in expand_months(span.start, span.end, first, last):
            expected[(span.key, month)] = expected.get((span.key, month), Decimal(0)) + Decimal(
                str(span.hours)
            )
    totals = sum_by_key_and_month(spans, first, last)
    assert totals == {cell: float(hours) for cell, hours in expected.items()}
