"""The demo's data, generated deterministically from a seed and today's month: no I/O here.

A fictional insurer, Northwind Mutual, runs a change portfolio: 36 projects across every stage in two
programmes (and a few standing alone), with custom fields and tags, five scoring criteria, 200 people in
twelve roles, role and named allocations, risks and opportunities, a benefits register with a year of
measurements, a year of monthly status reports whose figures drift the way real projects do, and the
next planning round's fiscal-year budgets and groups. Each part lives in its own module; this one puts
them together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from pmo_common.contracts.types import month_index

from demo.people import AllocationPlan, Person, plan_allocations, plan_people
from demo.projects import ProjectPlan, plan_projects
from demo.reports import plan_status_reports
from demo.risks import RiskPlan, plan_risks
from demo.scenario import ScenarioRules, scenario_rules
from demo.structure import BenefitPlan, ProjectStructure, plan_benefits, project_structure


@dataclass
class DemoData:
    today: date
    current_month: int
    projects: list[ProjectPlan]
    people: list[Person]
    allocations: list[AllocationPlan]
    risks: list[RiskPlan]
    reports: dict[str, list[dict[str, Any]]]
    structure: dict[str, ProjectStructure]  # code -> programme, custom fields, tags
    benefits: list[BenefitPlan]
    rules: ScenarioRules

    def project(self, code: str) -> ProjectPlan:
        return next(p for p in self.projects if p.code == code)


def generate(seed: int, today: date) -> DemoData:
    cur = month_index(today.strftime("%Y-%m"))
    rng = random.Random(seed)
    projects = plan_projects(rng, cur)
    people = plan_people(random.Random(seed + 1), cur)
    allocations = plan_allocations(random.Random(seed + 2), projects, people, cur)
    risks = plan_risks(random.Random(seed + 3), projects, today)
    rep_rng = random.Random(seed + 4)
    reports = {p.code: plan_status_reports(rep_rng, p, cur, today) for p in projects}
    structure = {p.code: project_structure(p, cur) for p in projects}
    benefits = plan_benefits(random.Random(seed + 5), projects, cur)
    rules = scenario_rules(projects, cur)
    return DemoData(today, cur, projects, people, allocations, risks, reports, structure, benefits, rules)
