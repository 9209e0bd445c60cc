"""The action register's rules: overdue from the day after the due date, once per crossing, and
`closed_at` following the status."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pmo_portfolio.actions import rules

DUE = date(2027, 3, 31)
T1 = datetime(2027, 3, 1, 9, tzinfo=UTC)
T2 = datetime(2027, 3, 5, 9, tzinfo=UTC)


def test_an_action_is_overdue_from_the_day_after_its_due_date_while_open() -> None:
    assert not rules.is_overdue("open", DUE, DUE)
    assert rules.is_overdue("open", DUE, date(2027, 4, 1))
    assert rules.is_overdue("in_progress", DUE, date(2027, 4, 1))
    assert not rules.is_overdue("done", DUE, date(2027, 4, 1))
    assert not rules.is_overdue("cancelled", DUE, date(2027, 4, 1))
    assert not rules.is_overdue("open", None, date(2027, 4, 1))


def test_a_crossing_is_announced_once_per_due_date() -> None:
    after = date(2027, 4, 1)
    assert rules.crossing_unannounced("open", DUE, None, after)
    assert not rules.crossing_unannounced("open", DUE, DUE, after)
    assert rules.crossing_unannounced("open", DUE, date(2027, 3, 15), after)  # an earlier due date's
    assert not rules.crossing_unannounced("open", DUE, None, DUE)  # not crossed yet
    assert not rules.crossing_unannounced("done", DUE, None, after)


def test_closed_at_is_set_on_closing_kept_while_closed_and_cleared_on_reopening() -> None:
    assert rules.closed_at_after(None, "open", None, T1) is None
    assert rules.closed_at_after(None, "done", None, T1) == T1
    assert rules.closed_at_after("in_progress", "cancelled", None, T2) == T2
    assert rules.closed_at_after("done", "cancelled", T1, T2) == T1
    assert rules.closed_at_after("done", "open", T1, T2) is None
