"""What an MSPDI file means for a portfolio's project (budget, dates, monthly cost profile,
baseline) and for people's months (hours per assignment per month)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from pmo_common.mspdi.monthly import days_by_month, largest_remainder, spread_by_day
from pmo_common.mspdi.reader import WORK, MspdiError, MspdiProject, Resource, Task, day_span

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Terms:
    """A budget, its dates and its monthly profile (`[(YYYY-MM, amount)]`, summing to the budget)."""

    budget: Decimal
    start: date | None
    finish: date | None
    cost_profile: list[tuple[str, Decimal]]


@dataclass(frozen=True)
class AssignedHours:
    """One assignment's work per month; `resource` is None for work no resource is assigned to."""

    assignment_uid: int
    task: Task
    resource: Resource | None
    hours: dict[str, Decimal]


def plan_terms(project: MspdiProject) -> Terms:
    """Budget = the summary task's Cost; the profile spreads each leaf task's Cost linearly by day
    over its Start..Finish, summed per month, scaled to the budget in whole cents."""
    summary = project.summary_task
    start, finish = _date(project.start), _date(project.finish)
    spans = [(t, t.cost, t.start, t.finish) for t in project.leaf_tasks]
    return Terms(summary.cost, start, finish, _profile(summary.cost, start, finish, spans, "dates"))


def baseline_terms(project: MspdiProject) -> Terms | None:
    """The summary task's Baseline 0 (cost, start, finish), its profile from the leaf tasks' own
    Baseline 0 values; None when the plan was never baselined."""
    baseline = project.summary_task.baseline
    if baseline is None or (baseline.cost is None and baseline.start is None and baseline.finish is None):
        return None
    budget = baseline.cost or Decimal("0.00")
    start, finish = _date(baseline.start), _date(baseline.finish)
    spans = [
        (t, t.baseline.cost, t.baseline.start, t.baseline.finish)
        for t in project.leaf_tasks
        if t.baseline is not None and t.baseline.cost
    ]
    profile = _profile(budget, start, finish, spans, "baseline dates") if start and finish else []
    return Terms(budget, start, finish, profile)


def _date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()


TaskSpan = tuple[Task, Decimal | None, datetime | None, datetime | None]


def _profile(
    budget: Decimal, start: date | None, finish: date | None, spans: Sequence[TaskSpan], what: str
) -> list[tuple[str, Decimal]]:
    if budget == 0 or start is None or finish is None:
        return []
    weights: dict[str, Fraction] = {}
    for task, cost, task_start, task_finish in spans:
        if not cost:
            continue
        first, last = day_span(task_start or start, task_finish or finish)
        if first < start or last > finish:
            raise MspdiError(
                f"Task UID {task.uid} ({task.name!r}) runs {first}..{last}, outside the project's {what} "
                f"{start}..{finish}; reschedule it in Project (or let Project recalculate) and save again."
            )
        days = days_by_month(first, last)
        total_days = sum(days.values())
        for month, n in days.items():
            weights[month] = weights.get(month, Fraction(0)) + Fraction(cost) * n / total_days
    if not weights:  # no task carries a cost: the budget is spread linearly by day
        weights = {m: Fraction(n) for m, n in days_by_month(start, finish).items()}
    cents = largest_remainder(int(budget * 100), weights)
    return [(month, (Decimal(c) / 100).quantize(_CENT)) for month, c in cents.items() if c]


def assigned_hours(project: MspdiProject) -> list[AssignedHours]:
    """Each assignment's Work spread linearly by day over its Start..Finish (else its task's), per
    month, in hundredths of an hour that add up to the assignment's work exactly. Assignments of
    summary tasks (Project rolls work up into them), of inactive tasks, of material and cost
    resources, and with no work are left out; an assignment to no resource (or to one the file does not list) is kept
    with `resource=None`: work nobody is staffed for yet."""
    tasks = {t.uid: t for t in project.tasks}
    resources = {r.uid: r for r in project.resources}
    result: list[AssignedHours] = []
    for a in project.assignments:
        task = tasks.get(a.task_uid)
        resource = resources.get(a.resource_uid) if a.resource_uid is not None else None
        if task is None or task.summary or task.outline_level == 0 or not task.active or a.work_hours <= 0:
            continue
        if resource is not None and resource.type != WORK:
            continue
        start, finish = a.start or task.start, a.finish or task.finish
        if start is None or finish is None:
            raise MspdiError(f"Assignment UID {a.uid} has work but neither it nor its task has dates.")
        hundredths = int((a.work_hours * 100).to_integral_value())
        months = spread_by_day(hundredths, *day_span(start, finish))
        hours = {m: (Decimal(h) / 100).quantize(_CENT) for m, h in months.items() if h}
        result.append(AssignedHours(a.uid, task, resource, hours))
    return result
