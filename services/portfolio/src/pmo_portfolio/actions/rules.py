"""The action register's rules as plain functions: which statuses are open, when an action is
overdue, when its crossing of the due date is still to be announced, and how `closed_at` follows
the status. No I/O; `today()` is the register's one clock (UTC), so tests can move it."""

from __future__ import annotations

from datetime import date, datetime

from pmo_common.db import utcnow

OPEN_STATUSES = ("open", "in_progress")
CLOSED_STATUSES = ("done", "cancelled")
STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)

# A risk response's status as an action's: a response `done` makes its action done.
RESPONSE_STATUS = {"planned": "open", "in_progress": "in_progress", "done": "done"}


def today() -> date:
    """Today in UTC: the date against which `overdue` is judged."""
    return utcnow().date()


def is_overdue(status: str, due_date: date | None, on: date) -> bool:
    """Past its due date (the day after it, UTC) and neither done nor cancelled."""
    return status in OPEN_STATUSES and due_date is not None and due_date < on


def crossing_unannounced(status: str, due_date: date | None, announced_for: date | None, on: date) -> bool:
    """Overdue, and `action.overdue` not yet published for this due date: once per crossing.
    Moving the due date clears `announced_for`, so the next crossing is announced again."""
    return is_overdue(status, due_date, on) and announced_for != due_date


def closed_at_after(
    previous_status: str | None, status: str, closed_at: datetime | None, now: datetime
) -> datetime | None:
    """Set when the action becomes done or cancelled (kept from done to cancelled: it closed then),
    cleared when it is reopened."""
    if status in OPEN_STATUSES:
        return None
    if previous_status in CLOSED_STATUSES and closed_at is not None:
        return closed_at
    return now
