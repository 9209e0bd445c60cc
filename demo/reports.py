"""A year of monthly status reports whose figures drift the way real projects do. No I/O here."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from demo.projects import ProjectPlan, money, month_end, month_start


def _rag(ratio: float) -> str:
    return "green" if ratio >= 0.95 else "amber" if ratio >= 0.85 else "red"


WORST = {"green": 0, "amber": 1, "red": 2}
SUMMARIES = {
    "green": ["On track; sprint goals met.", "Milestones met; no blocking issues.", "Good progress this month."],
    "amber": ["Slight delay on integration; recovery plan agreed.", "Spend ahead of plan; scope review "
              "scheduled.", "Test environment instability slowed delivery."],
    "red": ["Critical path slipped; re-plan with the sponsor.", "Overrun confirmed; change request for extra "
            "budget submitted.", "Vendor delivery missed again; escalated to the steering committee."],
}  # fmt: skip


def plan_status_reports(rng: random.Random, plan: ProjectPlan, cur: int, today: date) -> list[dict[str, Any]]:
    if plan.report_until is None:
        return []
    budget = float(plan.body["budget"])
    start, finish = month_start(plan.start), month_end(plan.finish)
    span = max((finish - start).days, 1)
    first = max(plan.start, cur - 12)
    reports = []
    percent, actual = 0.0, 0.0
    schedule, cost = plan.schedule, plan.cost
    closed = plan.spec.stage == "closed"
    for m in range(first, plan.report_until + 1):
        as_of = min(month_end(m), today)
        planned = min(1.0, max(0.0, (as_of - start).days / span))
        drift = rng.gauss(0, 0.015)
        schedule = min(1.1, max(0.7, schedule + drift))
        cost = min(1.35, max(0.9, cost + rng.gauss(0, 0.012)))
        pct = min(99.0, planned * schedule * 100)
        if closed and m == plan.report_until:
            pct = 100.0
        percent = max(percent, round(pct, 1))
        actual = max(actual, budget * percent / 100 * cost)
        spi = percent / (planned * 100) if planned > 0 else 1.0
        cpi = (budget * percent / 100) / actual if actual > 0 else 1.0
        schedule_rag, cost_rag = _rag(spi), _rag(cpi)
        overall = max(schedule_rag, cost_rag, key=WORST.__getitem__)
        if overall == "red" and rng.random() < 0.3:
            overall = "amber"  # managers are optimists
        risk_rag = rng.choices(["green", "amber", "red"], weights=[5, 4, 1])[0]
        slip = 0 if spi >= 0.97 else int((1 - spi) * span * 0.6)
        report: dict[str, Any] = {
            "as_of": as_of.isoformat(),
            "overall": overall,
            "scope": rng.choices(["green", "amber"], weights=[8, 2])[0],
            "schedule": schedule_rag,
            "cost": cost_rag,
            "risk": risk_rag,
            "resources": rng.choices(["green", "amber", "red"], weights=[6, 3, 1])[0],
            "percent_complete": percent,
            "actual_cost": money(actual),
            "forecast_cost": money(budget * cost if not closed or m < plan.report_until else actual, 1000),
            "forecast_finish_date": (finish + timedelta(days=slip)).isoformat(),
            "summary": rng.choice(SUMMARIES[overall]),
            "decisions": [],
            "actions": [],
        }
        if closed and m == plan.report_until:
            report["summary"] = "Project closed: delivered and handed over to operations."
            report["forecast_cost"] = money(actual)
        _follow_up(report, plan, done=m < plan.report_until)
        reports.append(report)
    return reports


def _follow_up(report: dict[str, Any], plan: ProjectPlan, done: bool) -> None:
    """The action an amber or red report sets (done by the next report), and a red one's decision."""
    overall = report["overall"]
    if overall != "green":
        report["actions"] = [
            {
                "title": "Recovery plan to the steering committee"
                if overall == "red"
                else "Review the plan with the team leads",
                "owner": plan.body["manager"],
                "due_date": (date.fromisoformat(report["as_of"]) + timedelta(days=14)).isoformat(),
                "status": "done" if done else "open",
            }
        ]
    if overall == "red":
        report["decisions"] = ["Steering committee informed; weekly reporting until back on track."]
