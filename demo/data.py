"""The demo's data, generated deterministically from a seed and today's month: no I/O here.

A fictional insurer, Northwind Mutual, runs a change portfolio: 36 projects across every stage, five
scoring criteria, 200 people in twelve roles, role and named allocations, risks and opportunities,
and a year of monthly status reports whose figures drift the way real projects do.
"""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pmo_common.contracts.types import month_from_index, month_index

COMPANY = "Northwind Mutual"
PORTFOLIO_PREFIX = "Northwind Change Portfolio (demo"
COMPLETE = "Loaded completely by `make demo`"  # the last thing the loader writes into the description

# ---------------------------------------------------------------------------------------------
# Months and money


def month_start(index: int) -> date:
    year, mon = divmod(index, 12)
    return date(year, mon + 1, 1)


def month_end(index: int) -> date:
    year, mon = divmod(index, 12)
    return date(year, mon + 1, calendar.monthrange(year, mon + 1)[1])


def money(value: float | Decimal, step: int = 1) -> str:
    """A decimal string, rounded to `step` currency units."""
    amount = Decimal(str(value)) / step
    return f"{(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP) * step):.2f}"


# ---------------------------------------------------------------------------------------------
# Criteria and the AHP matrix

CRITERIA: list[dict[str, Any]] = [
    {"name": "Strategic alignment", "min_score": 0, "max_score": 10, "direction": "higher_is_better"},
    {"name": "Financial return", "min_score": 0, "max_score": 10, "direction": "higher_is_better"},
    {"name": "Customer impact", "min_score": 0, "max_score": 10, "direction": "higher_is_better"},
    {"name": "Regulatory & risk reduction", "min_score": 0, "max_score": 10, "direction": "higher_is_better"},
    {"name": "Delivery risk", "min_score": 1, "max_score": 5, "direction": "lower_is_better"},
]

# Saaty 1–9 judgements, row i vs column j (consistency ratio ≈ 0.01).
AHP_MATRIX: list[list[float]] = [
    [1, 2, 3, 2, 4],
    [1 / 2, 1, 2, 1, 3],
    [1 / 3, 1 / 2, 1, 1 / 2, 2],
    [1 / 2, 1, 2, 1, 3],
    [1 / 4, 1 / 3, 1 / 2, 1 / 3, 1],
]

# ---------------------------------------------------------------------------------------------
# Projects


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    theme: str
    sponsor: str
    stage: str  # the stage the demo drives it to through gate decisions
    size: str  # S, M, L, XL
    mandatory: bool = False
    depends_on: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    description: str = ""


SPONSORS = {
    "claims": "Chief Claims Officer — M. Okafor",
    "customer": "Chief Customer Officer — L. Berger",
    "finance": "Chief Financial Officer — H. Park",
    "it": "Chief Information Officer — R. Lindqvist",
    "risk": "Chief Risk Officer — S. Mensah",
    "people": "Chief People Officer — A. Duarte",
    "underwriting": "Chief Underwriting Officer — J. Novak",
}

MANAGERS = [
    "pm.a.moreau",
    "pm.b.kowalski",
    "pm.c.nakamura",
    "pm.d.oconnell",
    "pm.e.fischer",
    "pm.f.haddad",
    "pm.g.rossi",
    "pm.h.andersen",
    "pm.i.silva",
]

_P = ProjectSpec
PROJECTS: list[ProjectSpec] = [
    # in progress: the committed core of the portfolio
    _P("CLM-CORE", "Claims core platform renewal", "claims", "claims", "in_progress", "XL"),
    _P("CRM-360", "Customer 360 CRM rollout", "customer", "customer", "in_progress", "L"),
    _P("DWH-CLOUD", "Data warehouse migration to the cloud", "data", "it", "in_progress", "L"),
    _P("IAM-ZT", "Zero-trust identity and access management", "security", "it", "in_progress", "M"),
    _P("PORTAL-B2C", "Customer self-service portal", "digital", "customer", "in_progress", "M"),
    _P("ERP-FIN", "Finance ERP upgrade to S/4", "finance", "finance", "in_progress", "XL"),
    _P("PAY-INST", "SEPA instant payments", "finance", "finance", "in_progress", "S", mandatory=True),
    _P("DOC-AI", "Intelligent document capture", "data", "claims", "in_progress", "M"),
    _P("IFRS17-R2", "IFRS 17 reporting, release 2", "finance", "finance", "in_progress", "M", mandatory=True),
    _P("DC-EXIT", "Data centre exit", "infrastructure", "it", "in_progress", "L"),
    _P("SOC-24X7", "24×7 security operations centre", "security", "risk", "in_progress", "M"),
    _P("API-GW", "Enterprise API gateway", "infrastructure", "it", "in_progress", "S"),
    _P("BACKUP-IMM", "Immutable backup and ransomware recovery", "security", "risk", "in_progress", "S"),
    _P(
        "LEG-DECOM",
        "Legacy mainframe decommissioning",
        "infrastructure",
        "it",
        "in_progress",
        "L",
        depends_on=("DC-EXIT",),
    ),
    # delivered
    _P("NET-SDWAN", "SD-WAN network refresh", "infrastructure", "it", "closed", "M"),
    _P("EMAIL-SEC", "E-mail security hardening", "security", "risk", "closed", "S"),
    _P("DEVOPS-CI", "CI/CD and DevOps toolchain", "infrastructure", "it", "closed", "S"),
    _P("WORK-M365", "Modern workplace rollout", "people", "people", "closed", "M"),
    # paused
    _P("HR-CORE", "HR core system replacement", "people", "people", "on_hold", "L"),
    _P("TEL-CCAAS", "Contact centre as a service", "customer", "customer", "on_hold", "M"),
    # approved, starting soon
    _P("MOB-APP2", "Mobile app, second generation", "digital", "customer", "approved", "M"),
    _P("OBS-PLAT", "Observability platform", "infrastructure", "it", "approved", "S"),
    _P("FRAUD-ML", "Fraud detection with machine learning", "data", "claims", "approved", "M"),
    # turned down
    _P("ARCHIVE-E", "Electronic archive replacement", "infrastructure", "it", "rejected", "S"),
    _P("PRM-PARTNER", "Partner relationship management", "customer", "customer", "rejected", "M"),
    _P("CHAT-CX", "Conversational assistant for customer service", "digital", "customer", "cancelled", "S"),
    # proposals for the next planning round (the scenario decides)
    _P("GDPR-RET", "Data retention and GDPR clean-up", "risk", "risk", "proposal", "S", mandatory=True),
    _P(
        "ESG-REP",
        "ESG and CSRD sustainability reporting",
        "finance",
        "finance",
        "proposal",
        "M",
        mandatory=True,
    ),
    _P("PRICING-ENG", "Dynamic pricing engine", "underwriting", "underwriting", "proposal", "L"),
    _P(
        "UW-WB",
        "Underwriting workbench",
        "underwriting",
        "underwriting",
        "proposal",
        "L",
        depends_on=("PRICING-ENG",),
    ),
    _P("BROKER-API", "Broker integration API", "digital", "underwriting", "proposal", "M"),
    _P("BI-SELF", "Self-service BI", "data", "finance", "proposal", "S", depends_on=("DWH-CLOUD",)),
    _P(
        "MDM-CUST",
        "Customer master data management",
        "data",
        "customer",
        "proposal",
        "M",
        depends_on=("CRM-360",),
    ),
    _P("TRAIN-LMS", "Learning management system", "people", "people", "proposal", "S"),
    _P(
        "CRM-BUILD",
        "In-house CRM build (alternative to CRM-360)",
        "customer",
        "customer",
        "proposal",
        "L",
        excludes=("CRM-360",),
    ),
    _P("AI-TRIAGE", "AI-assisted claims triage", "data", "claims", "proposal", "M", depends_on=("DOC-AI",)),
]

DESCRIPTIONS = {
    "claims": "Shorter claim cycle times and lower leakage for the claims organisation.",
    "customer": "A consistent customer experience across channels.",
    "data": "Trusted, timely data for decisions, pricing and automation.",
    "security": "Lower cyber risk and demonstrable compliance with DORA and NIS2.",
    "digital": "Digital journeys that customers and brokers choose to use.",
    "finance": "Faster close, regulatory reporting and lower finance operating cost.",
    "infrastructure": "A modern, cheaper and more resilient technology estate.",
    "people": "Better tools for employees and a simpler HR landscape.",
    "risk": "Regulatory compliance and reduced operational risk.",
    "underwriting": "Sharper risk selection and faster quotes for underwriters.",
}

SIZE_BUDGET = {"S": (250_000, 700_000), "M": (700_000, 1_800_000), "L": (1_800_000, 3_800_000),
               "XL": (3_800_000, 6_500_000)}  # fmt: skip
SIZE_MONTHS = {"S": (6, 10), "M": (10, 16), "L": (14, 22), "XL": (20, 30)}
SIZE_FACTOR = {"S": 0.5, "M": 1.0, "L": 1.6, "XL": 2.4}
FIB = [1, 2, 3, 5, 8, 13, 20]

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


@dataclass
class ProjectPlan:
    spec: ProjectSpec
    body: dict[str, Any]  # the POST /projects body without portfolio_id and links
    start: int  # month index
    finish: int  # month index
    scores: list[float]  # one per criterion, in CRITERIA order
    held_at: int | None = None  # month index the project was paused (on_hold from in_progress)
    report_until: int | None = None  # the last month with a status report
    schedule: float = 1.0  # schedule performance (SPI-like), drifts per month
    cost: float = 1.0  # cost overrun factor (1 / CPI-like), drifts per month

    @property
    def code(self) -> str:
        return self.spec.code


def gate_path(spec: ProjectSpec) -> list[tuple[str, str, str]]:
    """(to_stage, decision, rationale) that takes a new proposal to the spec's stage."""
    approve = ("approved", "approve", "Business case approved by the investment board.")
    start = ("in_progress", "approve", "Gate 2 passed: plan baselined, team mobilised, kick-off held.")
    return {
        "proposal": [],
        "approved": [approve],
        "in_progress": [approve, start],
        "closed": [
            approve,
            start,
            (
                "closed",
                "close",
                "Delivered; benefits handed over to operations and lessons learned recorded.",
            ),
        ],
        "on_hold": [
            approve,
            start,
            ("on_hold", "hold", "Paused: vendor insolvency, re-planning the delivery."),
        ]
        if spec.code == "HR-CORE"
        else [approve, ("on_hold", "hold", "Paused until the telephony contract renewal is negotiated.")],
        "rejected": [("rejected", "reject", "Benefits do not justify the cost in this planning round.")],
        "cancelled": [
            approve,
            (
                "cancelled",
                "cancel",
                "Superseded by the assistant features of the new contact centre platform.",
            ),
        ],
    }[spec.stage]


def gate_decisions(plan: ProjectPlan, now: datetime) -> list[tuple[str, str, str, datetime | None]]:
    """`gate_path` with each decision's `decided_at`: the history of a project that has started is
    back-dated (approved in the middle of the month before its start, started on its first day,
    closed the day after its last month, paused after its last report), so the dashboard "as of"
    past months and the KPI series show it; decisions still ahead of a start are taken now (None).
    Never in the future and never before the previous decision (the API's rules)."""
    cur = month_index(now.strftime("%Y-%m"))

    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=UTC)

    started = plan.start <= cur
    dated: dict[str, datetime | None] = {
        "approved": at(month_start(plan.start - 1) + timedelta(days=14), 10) if started else None,
        "in_progress": at(month_start(plan.start), 9) if started else None,
        "closed": at(month_start(plan.finish + 1), 10) if plan.spec.stage == "closed" else None,
        "on_hold": at(month_start(plan.held_at + 1) + timedelta(days=9), 10)
        if plan.held_at is not None
        else None,
    }
    steps: list[tuple[str, str, str, datetime | None]] = []
    previous: datetime | None = None
    for to_stage, decision, rationale in gate_path(plan.spec):
        when = dated.get(to_stage)
        if when is not None:
            when = min(max(when, previous or when), now)
            previous = when
        steps.append((to_stage, decision, rationale, when))
    return steps


def _timing(rng: random.Random, spec: ProjectSpec, cur: int) -> tuple[int, int]:
    lo, hi = SIZE_MONTHS[spec.size]
    months = rng.randint(lo, hi)
    if spec.stage == "in_progress":
        start = cur - rng.randint(3, min(13, months - 2))
    elif spec.stage == "closed":
        finish = cur - rng.randint(1, 5)
        return finish - months + 1, finish
    elif spec.code == "HR-CORE":
        start = cur - 9
    elif spec.stage in ("approved", "on_hold"):
        start = cur + rng.randint(1, 3)
    else:
        start = cur + rng.randint(2, 6)
    return start, max(start + months - 1, cur + 2)


def _scores(rng: random.Random, spec: ProjectSpec) -> list[float]:
    base = {"in_progress": 7, "closed": 7, "on_hold": 5, "approved": 6, "proposal": 5, "rejected": 3,
            "cancelled": 4}[spec.stage]  # fmt: skip
    strategic = min(10, max(0, base + rng.randint(-2, 3)))
    financial = min(
        10, max(0, base + rng.randint(-3, 2) + (2 if spec.theme in ("finance", "underwriting") else 0))
    )
    customer = min(
        10, max(0, rng.randint(2, 6) + (3 if spec.theme in ("customer", "digital", "claims") else 0))
    )
    regulatory = min(
        10, max(0, rng.randint(1, 5) + (5 if spec.mandatory or spec.theme in ("security", "risk") else 0))
    )
    delivery = {
        "S": rng.randint(1, 2),
        "M": rng.randint(2, 3),
        "L": rng.randint(3, 4),
        "XL": rng.randint(4, 5),
    }[spec.size]
    return [float(strategic), float(financial), float(customer), float(regulatory), float(delivery)]


def plan_projects(rng: random.Random, cur: int) -> list[ProjectPlan]:
    plans: list[ProjectPlan] = []
    for i, spec in enumerate(PROJECTS):
        lo, hi = SIZE_BUDGET[spec.size]
        budget = rng.randint(lo // 10_000, hi // 10_000) * 10_000
        if spec.code == "AI-TRIAGE":
            budget = 640_000  # cheap and high-scoring: only the data scientists' capacity keeps it out
        start, finish = _timing(rng, spec, cur)
        before = [p for p in plans if p.code in spec.depends_on and p.spec.stage == "proposal"]
        if before:  # a proposal that builds on another starts after it
            months = finish - start
            start = max(start, before[0].start + 4)
            finish = start + months
        value = budget * rng.uniform(1.1, 3.2)
        job = min(FIB, key=lambda f: abs(f - SIZE_FACTOR[spec.size] * 8))
        body = {
            "code": spec.code,
            "name": spec.name,
            "description": spec.description or DESCRIPTIONS[spec.theme],
            "sponsor": SPONSORS[spec.sponsor],
            "manager": MANAGERS[i % len(MANAGERS)],
            "budget": money(budget),
            "start_date": month_start(start).isoformat(),
            "finish_date": month_end(finish).isoformat(),
            "mandatory": spec.mandatory,
            "value": money(value, 1000),
            "wsjf": {
                "business_value": float(rng.choice(FIB[1:])),
                "time_criticality": float(rng.choice(FIB[:6] if not spec.mandatory else FIB[4:])),
                "risk_reduction": float(rng.choice(FIB[:5])),
                "job_size": float(job),
            },
        }
        plan = ProjectPlan(spec, body, start, finish, _scores(rng, spec))
        if spec.code == "AI-TRIAGE":
            plan.scores = [9.0, 8.0, 8.0, 4.0, 2.0]
        # Most projects roughly on plan, some slipping, a few in trouble.
        kind = rng.choices(["good", "slipping", "trouble"], weights=[55, 30, 15])[0]
        plan.schedule = {"good": rng.uniform(0.95, 1.06), "slipping": rng.uniform(0.86, 0.97),
                         "trouble": rng.uniform(0.76, 0.88)}[kind]  # fmt: skip
        plan.cost = {"good": rng.uniform(0.95, 1.04), "slipping": rng.uniform(1.0, 1.12),
                     "trouble": rng.uniform(1.1, 1.28)}[kind]  # fmt: skip
        if spec.stage in ("in_progress", "closed"):
            plan.report_until = min(finish, cur - 1)
        if spec.code == "HR-CORE":
            plan.held_at = cur - 3
            plan.report_until = cur - 3
            plan.schedule, plan.cost = 0.78, 1.22
        if spec.code == "LEG-DECOM":
            plan.report_until = cur - 3  # a project that stopped reporting: the dashboard flags it
        if spec.code == "CLM-CORE":
            plan.schedule, plan.cost = 0.86, 1.16  # the big one is in trouble
        plans.append(plan)
    return plans


# ---------------------------------------------------------------------------------------------
# People and capacity

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


# ---------------------------------------------------------------------------------------------
# Risks


@dataclass(frozen=True)
class RiskTemplate:
    kind: str
    title: str
    category: str
    cause: str
    effect: str
    strategy: str
    response: str


THREATS = [
    RiskTemplate("threat", "Key vendor delivers late", "supplier", "The vendor's team is stretched over "
                 "several customers.", "Milestones slip and the integration test window is lost.", "reduce",
                 "Weekly delivery reviews with the vendor; contractual penalties agreed."),
    RiskTemplate("threat", "Data migration quality below expectations", "technical", "Legacy data has "
                 "undocumented codes and duplicates.", "Extra migration cycles and a delayed cut-over.",
                 "reduce", "Profile the data early and run two dress rehearsals."),
    RiskTemplate("threat", "Scarce specialist skills", "resources", "Specialists are shared across "
                 "projects.", "Work waits for people; the critical path lengthens.", "reduce",
                 "Reserve named specialists through the resource managers; train two backups."),
    RiskTemplate("threat", "Regulatory requirements change mid-project", "regulatory", "The supervisor is "
                 "consulting on new guidance.", "Rework of reports and controls.", "accept",
                 "Monitor the consultation; keep a change budget."),
    RiskTemplate("threat", "Legacy integration more complex than estimated", "technical", "Interfaces to "
                 "the mainframe are poorly documented.", "Higher build and test effort.", "avoid",
                 "Use the API gateway instead of point-to-point interfaces."),
    RiskTemplate("threat", "Business users unavailable for acceptance testing", "organisational",
                 "Year-end peak in the business.", "Acceptance slips or is done superficially.", "reduce",
                 "Book testers from the business now; backfill their daily work."),
    RiskTemplate("threat", "Licence costs rise at renewal", "commercial", "The vendor changes its pricing "
                 "model.", "Higher run costs than in the business case.", "transfer",
                 "Negotiate a price cap through procurement."),
    RiskTemplate("threat", "Critical findings in the penetration test", "security", "New components "
                 "exposed to the internet.", "Go-live blocked until fixed.", "reduce",
                 "Threat modelling in design; an early pentest on the first release."),
    RiskTemplate("threat", "Performance below SLA at peak load", "technical", "Month-end batch and online "
                 "peaks overlap.", "Slow service for customers and brokers.", "reduce",
                 "Load tests at 150 % of the peak before go-live."),
    RiskTemplate("threat", "Scope creep from stakeholders", "scope", "Requirements keep arriving after the "
                 "baseline.", "Budget and schedule overrun.", "avoid",
                 "Change control board; every change re-estimated."),
]  # fmt: skip
OPPORTUNITIES = [
    RiskTemplate("opportunity", "Reuse components of the API gateway", "technical", "Shared platform "
                 "capabilities are available.", "Less build effort.", "exploit",
                 "Mandate the gateway's standard connectors."),
    RiskTemplate("opportunity", "Vendor volume discount", "commercial", "Several projects buy from the same "
                 "vendor.", "Lower licence and service costs.", "share",
                 "Bundle the purchases through procurement."),
    RiskTemplate("opportunity", "Early decommissioning saves licence fees", "commercial", "Users move "
                 "faster than planned.", "Legacy licences can be cancelled a quarter early.", "enhance",
                 "Incentivise early migration of the remaining teams."),
    RiskTemplate("opportunity", "Test automation cuts regression effort", "technical", "The new toolchain "
                 "supports automated regression.", "Shorter test cycles.", "exploit",
                 "Automate the top 200 regression cases first."),
]  # fmt: skip
PORTFOLIO_RISKS = [
    RiskTemplate("threat", "Budget freeze in the next fiscal year", "financial", "Claims inflation squeezes "
                 "the combined ratio.", "Projects not yet started may be deferred.", "accept",
                 "Prioritise with the capacity-aware scenario; keep a deferral list ready."),
    RiskTemplate("threat", "Attrition of key delivery staff", "resources", "A tight labour market for "
                 "engineers.", "Several projects lose critical knowledge at once.", "reduce",
                 "Retention bonuses for critical roles; knowledge sharing."),
]  # fmt: skip


@dataclass
class RiskPlan:
    code: str | None  # None: a portfolio-level risk
    body: dict[str, Any]  # POST /risks without portfolio_id / project_id
    residual: tuple[int, int] | None = None
    response: dict[str, Any] | None = None
    materialise: bool = False
    close: bool = False


RISK_STAGES = ("in_progress", "approved", "on_hold")


def plan_risks(rng: random.Random, projects: list[ProjectPlan], today: date) -> list[RiskPlan]:
    risks: list[RiskPlan] = []
    escalations = {"CLM-CORE", "ERP-FIN", "HR-CORE"}

    def body(t: RiskTemplate, owner: str, budget: float, p: int, i: int) -> dict[str, Any]:
        share = rng.uniform(0.01, 0.03)
        low, likely, high = (
            budget * share,
            budget * share * rng.uniform(2, 3),
            budget * share * rng.uniform(4, 7),
        )
        return {
            "kind": t.kind,
            "title": t.title,
            "description": f"{t.cause} {t.effect}",
            "cause": t.cause,
            "effect": t.effect,
            "category": t.category,
            "owner": owner,
            "probability": p,
            "impact": i,
            "cost_impact": {
                "min": money(low, 1000),
                "most_likely": money(likely, 1000),
                "max": money(high, 1000),
            },
            "proximity_date": (today + timedelta(days=rng.randint(20, 270))).isoformat(),
            "status": "open",
        }

    def response(t: RiskTemplate, owner: str, done: bool) -> dict[str, Any]:
        return {
            "strategy": t.strategy,
            "description": t.response,
            "owner": owner,
            "due_date": (today + timedelta(days=rng.randint(-30, 120))).isoformat(),
            "status": "done" if done else rng.choice(["planned", "in_progress"]),
        }

    for plan in projects:
        if plan.spec.stage not in RISK_STAGES:
            continue
        owner = str(plan.body["manager"])
        budget = float(plan.body["budget"])
        count = {"S": 2, "M": 3, "L": 3, "XL": 4}[plan.spec.size]
        for t in rng.sample(THREATS, count):
            p, i = rng.choice([(2, 2), (2, 3), (3, 2), (3, 3), (3, 4), (2, 4), (4, 2), (1, 4), (4, 3)])
            r = RiskPlan(plan.code, body(t, owner, budget, p, i))
            if rng.random() < 0.7:
                r.response = response(t, owner, done=rng.random() < 0.3)
            if r.response and rng.random() < 0.5:
                r.residual = (max(1, p - rng.randint(1, 2)), max(1, i - rng.randint(0, 1)))
            risks.append(r)
        if rng.random() < 0.45:
            t = rng.choice(OPPORTUNITIES)
            p, i = rng.choice([(2, 3), (3, 3), (3, 2), (4, 2)])
            risks.append(
                RiskPlan(plan.code, body(t, owner, budget, p, i), response=response(t, owner, False))
            )
        if plan.code in escalations:
            t = THREATS[0] if plan.code != "HR-CORE" else THREATS[2]
            b = body(t, owner, budget * 2, 4, 4 if plan.code != "CLM-CORE" else 5)
            b["title"] = {
                "CLM-CORE": "Claims vendor misses the release 2 date",
                "ERP-FIN": "Year-end close at risk from the ERP cut-over",
                "HR-CORE": "No replacement vendor before the old HR contract ends",
            }[plan.code]
            risks.append(
                RiskPlan(plan.code, b, response=response(THREATS[0], owner, False) | {"strategy": "escalate"})
            )
    # A risk that happened (an issue now) and two that were retired.
    clm = next(r for r in risks if r.code == "CLM-CORE" and r.body["kind"] == "threat")
    clm.materialise = True
    for r in [r for r in risks if r.body["kind"] == "threat" and r.residual and not r.materialise][:2]:
        r.close = True
    for t in PORTFOLIO_RISKS:
        risks.append(
            RiskPlan(None, body(t, "demo-pmo", 12_000_000, 3, 4), response=response(t, "demo-pmo", False))
        )
    return risks


# ---------------------------------------------------------------------------------------------
# Status reports


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
        if overall != "green":
            report["actions"] = [
                {
                    "title": "Recovery plan to the steering committee"
                    if overall == "red"
                    else "Review the plan with the team leads",
                    "owner": plan.body["manager"],
                    "due_date": (as_of + timedelta(days=14)).isoformat(),
                    "status": "done" if m < plan.report_until else "open",
                }
            ]
        if overall == "red":
            report["decisions"] = ["Steering committee informed; weekly reporting until back on track."]
        reports.append(report)
    return reports


# ---------------------------------------------------------------------------------------------


@dataclass
class DemoData:
    today: date
    current_month: int
    projects: list[ProjectPlan]
    people: list[Person]
    allocations: list[AllocationPlan]
    risks: list[RiskPlan]
    reports: dict[str, list[dict[str, Any]]]

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
    return DemoData(today, cur, projects, people, allocations, risks, reports)
