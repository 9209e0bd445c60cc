"""HR's people and capacity, and the resource managers' allocations: 200 people in twelve roles with
18 months of seasonal capacity, role demand and named people for the active projects. No I/O here."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from pmo_common.contracts.types import month_from_index

from demo.projects import SIZE_FACTOR, ProjectPlan, money

# Role demand per month at size M, by theme: (role, hours).
STAFFING: dict[str, list[tuple[str, int]]] = {
    "claims": [("developer", 320), ("business_analyst", 160), ("tester", 160), ("architect", 40)],
    "customer": [("developer", 240), ("ux_designer", 120), ("business_analyst", 120), ("tester", 120)],
    "data": [("data_engineer", 240), ("data_scientist", 80), ("developer", 80), ("business_analyst", 60)],
    "security": [("security_engineer", 160), ("infrastructure_engineer", 120), ("architect", 30)],
    "digital": [("developer", 280), ("ux_designer", 120), ("tester", 120), ("product_owner", 60)],
    "finance": [("developer", 160), ("business_analyst", 160), ("tester", 120), ("change_manager", 40)],
    "infrastructure": [("infrastructure_engineer", 280), ("architect", 40), ("security_engineer", 40)],
    "people": [("business_analyst", 120), ("change_manager", 100), ("developer", 80)],
    "risk": [("business_analyst", 100), ("data_engineer", 80), ("developer", 60)],
    "underwriting": [("developer", 240), ("data_scientist", 60), ("business_analyst", 120), ("tester", 80)],
}

ROLES: list[tuple[str, int, tuple[int, int], list[str], list[str]]] = [
    # role, headcount, cost rate range, org units, skills
    ("developer", 50, (70, 105), ["IT Delivery", "Digital Factory"], ["java", "python", "typescript", "kotlin",
     "sql", "react", "spring", "cobol"]),
    ("business_analyst", 22, (65, 95), ["IT Delivery", "Business Change"], ["bpmn", "requirements",
     "insurance", "finance", "sql"]),
    ("tester", 20, (55, 80), ["IT Delivery", "Quality Engineering"], ["test automation", "selenium",
     "performance testing", "istqb"]),
    ("architect", 10, (110, 150), ["Architecture"], ["togaf", "cloud", "integration", "security", "data"]),
    ("data_engineer", 16, (80, 115), ["Data & Analytics"], ["python", "sql", "spark", "dbt", "airflow"]),
    ("data_scientist", 7, (90, 130), ["Data & Analytics"], ["python", "machine learning", "nlp",
     "statistics"]),
    ("infrastructure_engineer", 20, (70, 100), ["Infrastructure"], ["linux", "kubernetes", "networking",
     "azure", "terraform", "storage"]),
    ("security_engineer", 10, (90, 130), ["Security Office"], ["siem", "iam", "pentest", "cloud security"]),
    ("ux_designer", 9, (70, 100), ["Digital Factory"], ["figma", "research", "accessibility"]),
    ("project_manager", 14, (90, 125), ["PMO"], ["prince2", "pmp", "scrum", "safe"]),
    ("change_manager", 8, (80, 110), ["Business Change"], ["adkar", "training", "communications"]),
    ("product_owner", 14, (85, 120), ["Digital Factory", "Business Change"], ["scrum", "roadmapping",
     "insurance"]),
]  # fmt: skip

FIRST = ["Anna", "Ben", "Chloé", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kasia", "Lars",
         "Maya", "Nils", "Olga", "Pablo", "Quentin", "Rosa", "Sven", "Tariq", "Ula", "Victor", "Wen", "Xavier",
         "Yara", "Zoe", "Amir", "Beatriz", "Carlos", "Dana", "Emil", "Fatima", "Giulia", "Henrik", "Ivana",
         "Jamal", "Kenji", "Lucia", "Marek", "Nora"]  # fmt: skip
LAST = ["Andersen", "Bauer", "Costa", "Dubois", "Eriksson", "Ferreira", "García", "Hansen", "Ivanova",
        "Jensen", "Kowalczyk", "Laine", "Müller", "Nowak", "Okoye", "Petrov", "Quinn", "Rossi", "Schmidt",
        "Tanaka", "Urban", "Varga", "Weber", "Xu", "Yilmaz", "Zimmermann", "Novak", "Horvat", "Lindberg",
        "Moreau"]  # fmt: skip

# Monthly availability (public holidays, summer and year-end leave).
SEASON = {1: 0.93, 2: 0.97, 3: 0.97, 4: 0.92, 5: 0.9, 6: 0.95, 7: 0.8, 8: 0.7, 9: 0.97, 10: 0.95, 11: 0.96,
          12: 0.8}  # fmt: skip


@dataclass
class Person:
    row: dict[str, Any]  # one row of POST /imports/resources
    capacity: dict[int, float] = field(default_factory=dict)  # month index -> available hours

    @property
    def external_id(self) -> str:
        return str(self.row["external_id"])

    @property
    def role(self) -> str:
        return str(self.row["role"])

    @property
    def default_hours(self) -> float:
        return float(self.row["hours_per_week"]) * float(self.row["fte"]) * 52 / 12


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("éçãíüö", "ecaiuo")).replace(" ", "")


def plan_people(rng: random.Random, cur: int, months: int = 18) -> list[Person]:
    people: list[Person] = []
    names: set[str] = set()
    number = 10_000
    for role, count, (rate_lo, rate_hi), units, skills in ROLES:
        for _ in range(count):
            while True:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                if f"{first} {last}" not in names:
                    names.add(f"{first} {last}")
                    break
            number += rng.randint(1, 37)
            fte = rng.choices(["1", "0.8", "0.6", "0.5"], weights=[86, 8, 4, 2])[0]
            row = {
                "external_id": f"HR-{number}",
                "name": f"{first} {last}",
                "email": f"{_ascii(first)}.{_ascii(last)}@northwind.example",
                "role": role,
                "skills": rng.sample(skills, k=min(len(skills), rng.randint(1, 3))),
                "org_unit": rng.choice(units),
                "fte": fte,
                "hours_per_week": "40",
                "cost_rate": money(rng.randint(rate_lo, rate_hi)),
                "active": True,
            }
            person = Person(row)
            leave = rng.random() < 0.04  # parental or long-term leave for a few months
            leave_from = cur + rng.randint(0, months - 4)
            for m in range(cur, cur + months):
                hours = person.default_hours * SEASON[m % 12 + 1] * rng.uniform(0.97, 1.0)
                if leave and leave_from <= m < leave_from + 3:
                    hours = 0.0
                person.capacity[m] = round(hours, 1)
            people.append(person)
    # Two leavers: HR sends them as inactive (they no longer count as capacity).
    for person in rng.sample(people, 2):
        person.row["active"] = False
    return people


def capacity_rows(people: list[Person]) -> list[dict[str, Any]]:
    return [
        {"external_id": p.external_id, "period": month_from_index(m), "available_hours": f"{hours:.1f}"}
        for p in people
        for m, hours in sorted(p.capacity.items())
    ]


# ---------------------------------------------------------------------------------------------
# Allocations


@dataclass
class AllocationPlan:
    code: str
    role: str
    start: int
    end: int
    hours: float
    person: str | None = None  # external_id of a named person
    kind: str = "planned"

    def body(self, project_id: str, resource_id: str | None) -> dict[str, Any]:
        return {
            "project_id": project_id,
            "resource_id": resource_id,
            "role": self.role,
            "start_period": month_from_index(self.start),
            "end_period": month_from_index(self.end),
            "hours_per_period": f"{self.hours:.0f}",
            "kind": self.kind,
        }


STAFFED_STAGES = ("in_progress", "approved")
PROPOSALS_WITH_DEMAND = ("AI-TRIAGE", "PRICING-ENG", "UW-WB", "BROKER-API", "MDM-CUST", "ESG-REP")


def plan_allocations(
    rng: random.Random, projects: list[ProjectPlan], people: list[Person], cur: int
) -> list[AllocationPlan]:
    """Role demand and named people for the active projects, role demand for some proposals; the
    committed (in-progress) demand is kept within 80 % of each role's capacity so that the
    capacity-aware selection stays feasible."""
    by_role: dict[str, list[Person]] = {}
    for p in people:
        if p.row["active"]:
            by_role.setdefault(p.role, []).append(p)
    allocations: list[AllocationPlan] = []
    for plan in projects:
        spec = plan.spec
        if spec.stage not in STAFFED_STAGES and spec.code not in PROPOSALS_WITH_DEMAND:
            continue
        first = max(plan.start, cur - 2)
        last = min(plan.finish, first + 119)
        factor = SIZE_FACTOR[spec.size]
        for role, hours in STAFFING[spec.theme]:
            total = hours * factor * rng.uniform(0.8, 1.2)
            if spec.code == "AI-TRIAGE" and role == "data_scientist":
                total = 1050.0  # more data scientists than the organisation has free
            named: list[Person] = []
            if spec.stage in STAFFED_STAGES and role in by_role:
                named = rng.sample(by_role[role], k=min(len(by_role[role]), rng.randint(1, 2)))
            for person in named:
                share = min(total * 0.4, rng.choice([40, 60, 80, 100, 120]))
                allocations.append(
                    AllocationPlan(spec.code, role, first, last, share, person.external_id, kind="hard")
                )
                total -= share
            kind = "soft" if spec.stage == "proposal" else "planned"
            pieces = math.ceil(total / 400)  # one line per team of at most ~2.5 FTE
            for _ in range(pieces if total >= 8 else 0):
                allocations.append(
                    AllocationPlan(spec.code, role, first, last, round(total / pieces), kind=kind)
                )
    # A few experts everybody wants: the same architects and security engineers on several projects.
    stars = by_role["architect"][:2] + by_role["security_engineer"][:1]
    busy = [p for p in projects if p.spec.stage == "in_progress"][:8]
    for i, person in enumerate(stars):
        for plan in busy[i * 2 : i * 2 + 4]:
            first, last = max(plan.start, cur - 2), plan.finish
            allocations.append(
                AllocationPlan(plan.code, person.role, first, last, 70.0, person.external_id, "hard")
            )
    _fit_committed(allocations, projects, people, cur)
    return allocations


def _fit_committed(
    allocations: list[AllocationPlan], projects: list[ProjectPlan], people: list[Person], cur: int
) -> None:
    stage = {p.code: p.spec.stage for p in projects}
    capacity: dict[tuple[str, int], float] = {}
    for p in people:
        if not p.row["active"]:
            continue
        for m in range(cur - 12, cur + 48):
            key = (p.role, m)
            capacity[key] = capacity.get(key, 0.0) + p.capacity.get(m, p.default_hours)
    committed: dict[tuple[str, int], float] = {}
    for a in allocations:
        if stage[a.code] == "in_progress":
            for m in range(a.start, a.end + 1):
                committed[(a.role, m)] = committed.get((a.role, m), 0.0) + a.hours
    worst: dict[str, float] = {}
    for (role, m), hours in committed.items():
        ratio = hours / max(capacity.get((role, m), 0.0), 1.0)
        worst[role] = max(worst.get(role, 0.0), ratio)
    for a in allocations:
        ratio = worst.get(a.role, 0.0)
        if ratio > 0.8 and stage[a.code] == "in_progress" and a.person is None:
            a.hours = max(8.0, round(a.hours * 0.8 / ratio))
