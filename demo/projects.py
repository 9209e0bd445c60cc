"""The demo portfolio's projects and criteria: a fictional insurer, Northwind Mutual, runs a change
portfolio of 36 projects across every stage, scored on five criteria; each project's plan (budget,
dates, scores, WSJF) and the gate decisions that take it to its stage. No I/O here.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pmo_common.contracts.types import month_index

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
