"""Which plan a figure "as of" a date is measured against (contract §7.3).

A project's baselines are each in force from their `approved_at` (baseline 1's is the gate decision
that approved the project) until the next one's; the first also serves every date before it, so a
report dated before the approval is measured against the plan that was then approved. The baseline in
force on D is the one with the latest `approved_at` before the end of D (ties: the higher number).
A project without a baseline is measured against its current budget, dates and cost profile.

Earned value that a report states only as a percentage is valued against the plan in force on the
report's own date (`ev_on`): work done keeps the value it was measured at, and a later re-baseline
does not revalue it (cumulative EV is carried across a re-plan, as EVM practice does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pmo_reporting.logic.evm import Baseline
from pmo_reporting.logic.periods import end_of_day


@dataclass(frozen=True)
class ApprovedBaseline:
    approved_at: datetime
    terms: Baseline


@dataclass(frozen=True)
class ProjectPlans:
    """A project's baselines and its current fields: the plan in force on any date."""

    current: Baseline
    baselines: Sequence[ApprovedBaseline] = ()

    def on(self, as_of: date) -> Baseline:
        if not self.baselines:
            return self.current
        until = end_of_day(as_of)
        order = sorted(self.baselines, key=lambda b: (b.approved_at, b.terms.number or 0))
        approved = [b for b in order if b.approved_at < until]
        return (approved[-1] if approved else order[0]).terms
