"""How the portfolio is organised (contract §7.2, §7.7): two programmes, the custom fields `phase` and
`business_unit`, tags, and a benefits register in money, percent and counts with a year of monthly
measurements rising towards their targets. No I/O here."""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from typing import Any

from demo.projects import ProjectPlan, month_end

# ---------------------------------------------------------------------------------------------
# Programmes


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name: str
    description: str
    owner: str
    themes: tuple[str, ...]  # the project themes it takes; the other projects stand alone

    def body(self) -> dict[str, Any]:
        """POST /programmes without `portfolio_id`."""
        return {"code": self.code, "name": self.name, "description": self.description, "owner": self.owner}


PROGRAMMES = [
    ProgrammeSpec(
        "CX",
        "Customer experience",
        "Every journey a customer or broker sees: claims, self-service, CRM, channels and underwriting.",
        "l.berger",
        ("customer", "digital", "claims", "underwriting"),
    ),
    ProgrammeSpec(
        "OPEX",
        "Operations excellence",
        "A cheaper, safer and better-run company: data, finance, security and infrastructure.",
        "r.lindqvist",
        ("data", "finance", "security", "infrastructure"),
    ),
]


def programme_of(plan: ProjectPlan) -> str | None:
    """The programme code a project belongs to; HR and compliance projects stand alone."""
    return next((p.code for p in PROGRAMMES if plan.spec.theme in p.themes), None)


# ---------------------------------------------------------------------------------------------
# Custom fields and tags

PHASES = ["Initiation", "Design", "Build", "Deploy", "Closure"]
BUSINESS_UNITS = {
    "claims": "Claims",
    "customer": "Customer",
    "finance": "Finance",
    "it": "IT",
    "risk": "Risk",
    "people": "People",
    "underwriting": "Underwriting",
}
FIELDS: list[dict[str, Any]] = [
    {"key": "phase", "label": "Phase", "type": "choice", "choices": PHASES, "required": True},
    {
        "key": "business_unit",
        "label": "Business unit",
        "type": "choice",
        "choices": sorted(BUSINESS_UNITS.values()),
        "required": False,
    },
]

# Tags a PMO would filter by; a project carries each tag whose rule holds.
TAG_CODES = {
    "cloud": {"DWH-CLOUD", "DC-EXIT", "TEL-CCAAS", "WORK-M365", "OBS-PLAT", "BACKUP-IMM"},
    "ai": {"DOC-AI", "FRAUD-ML", "AI-TRIAGE", "CHAT-CX", "PRICING-ENG"},
    "legacy-exit": {"CLM-CORE", "ERP-FIN", "DC-EXIT", "LEG-DECOM", "HR-CORE"},
}


def phase_of(plan: ProjectPlan, cur: int) -> str:
    """Where a project stands: proposals in initiation, approved ones designing, running ones by the
    share of their planned months behind them, delivered ones closing."""
    stage = plan.spec.stage
    if stage == "closed":
        return "Closure"
    if stage in ("proposal", "rejected", "cancelled"):
        return "Initiation"
    if plan.start > cur:
        return "Design"
    elapsed = ((plan.held_at or cur) - plan.start) / max(plan.finish - plan.start, 1)
    return "Design" if elapsed < 0.25 else "Build" if elapsed < 0.8 else "Deploy"


def tags_of(plan: ProjectPlan) -> list[str]:
    tags = [tag for tag, codes in TAG_CODES.items() if plan.code in codes]
    if plan.spec.mandatory:
        tags.append("regulatory")
    if plan.spec.theme in ("customer", "digital"):
        tags.append("customer-facing")
    return tags


@dataclass(frozen=True)
class ProjectStructure:
    programme: str | None  # programme code
    fields: dict[str, Any]
    tags: list[str]


def project_structure(plan: ProjectPlan, cur: int) -> ProjectStructure:
    fields = {"phase": phase_of(plan, cur), "business_unit": BUSINESS_UNITS[plan.spec.sponsor]}
    return ProjectStructure(programme_of(plan), fields, tags_of(plan))


# ---------------------------------------------------------------------------------------------
# Benefits


@dataclass(frozen=True)
class BenefitTemplate:
    name: str
    kind: str  # financial | non_financial
    unit: str
    baseline: float
    target: float
    decimals: int = 0  # the precision values are recorded at (-3: thousands)


# One per theme: money, percentages and counts, rising or falling towards the target.
THEME_BENEFITS = {
    "claims": BenefitTemplate("Handling cost per claim", "financial", "EUR", 182, 138),
    "customer": BenefitTemplate("Net promoter score", "non_financial", "points", 18, 34),
    "data": BenefitTemplate(
        "Reports produced without manual work", "non_financial", "reports/month", 35, 160
    ),
    "security": BenefitTemplate("Critical vulnerabilities open", "non_financial", "vulnerabilities", 140, 15),
    "digital": BenefitTemplate("Quotes and claims started online", "non_financial", "%", 24, 55, 1),
    "finance": BenefitTemplate("Working days to close the books", "non_financial", "days", 11, 5, 1),
    "infrastructure": BenefitTemplate("Annual run-cost savings", "financial", "EUR", 0, 0, -3),
    "people": BenefitTemplate("Employees satisfied with their tools", "non_financial", "%", 52, 78, 1),
    "risk": BenefitTemplate("Customer records past retention deleted", "non_financial", "%", 0, 100, 1),
    "underwriting": BenefitTemplate("Quote turnaround time", "non_financial", "hours", 48, 6, 1),
}
SAVINGS = BenefitTemplate("Annual run-cost savings", "financial", "EUR", 0, 0, -3)
PROGRAMME_BENEFITS = {
    "CX": (BenefitTemplate("Customer retention rate", "non_financial", "%", 84.0, 88.5, 1), 0.45),
    "OPEX": (
        BenefitTemplate("Operating cost savings from change", "financial", "EUR", 0, 6_000_000, -3),
        0.35,
    ),
}
SPONSOR_OWNERS = {
    "claims": "m.okafor",
    "customer": "l.berger",
    "finance": "h.park",
    "it": "r.lindqvist",
    "risk": "s.mensah",
    "people": "a.duarte",
    "underwriting": "j.novak",
}
MEASURED_STAGES = ("in_progress", "closed", "on_hold")  # the ones delivering something already


@dataclass
class BenefitPlan:
    project: str | None  # project code; None: a programme's own benefit
    programme: str | None  # programme code of a programme's benefit
    body: dict[str, Any]  # POST /benefits without portfolio_id, programme_id, project_id
    measurements: list[dict[str, Any]] = field(default_factory=list)  # POST …/measurements, by date


def _round(value: float, decimals: int) -> float:
    return float(round(value, decimals)) if decimals else float(round(value))


def measurements(
    rng: random.Random, body: dict[str, Any], decimals: int, reach: float, rise_from: int, cur: int
) -> list[dict[str, Any]]:
    """A value at each of the last 12 month ends: the baseline until `rise_from`, then rising (never
    back) to about `reach` of the way to the target by last month."""
    base, target = float(body["baseline_value"]), float(body["target_value"])
    out: list[dict[str, Any]] = []
    progress = 0.0
    span = max(cur - rise_from, 1)
    for m in range(cur - 12, cur):
        if m >= rise_from:
            share = ((m - rise_from + 1) / span) ** 1.3
            progress = max(progress, min(1.0, reach * share + rng.gauss(0, 0.02)))
        year, month = divmod(m, 12)
        out.append(
            {
                "as_of": month_end(m).isoformat(),
                "value": _round(base + (target - base) * progress, decimals),
                "note": f"{calendar.month_name[month + 1]} {year} measurement",
            }
        )
    return out


def _body(rng: random.Random, t: BenefitTemplate, plan: ProjectPlan) -> dict[str, Any]:
    scale = rng.uniform(0.85, 1.15)
    baseline, target = t.baseline * scale, t.target * scale
    if t.unit == "EUR" and t.target == 0:  # savings: a share of the investment every year
        target = round(float(plan.body["budget"]) * rng.uniform(0.15, 0.35), -4)
    if t.unit == "%":
        baseline, target = min(baseline, 100.0), min(target, 100.0)
    return {
        "name": t.name,
        "kind": t.kind,
        "unit": t.unit,
        "baseline_value": _round(baseline, t.decimals),
        "target_value": _round(target, t.decimals),
        "target_date": month_end(plan.finish + rng.randint(6, 12)).isoformat(),
        "owner": SPONSOR_OWNERS[plan.spec.sponsor],
    }


def _reach(rng: random.Random, plan: ProjectPlan) -> float:
    """How far towards its target a benefit has got by last month."""
    if plan.spec.stage == "closed":
        return rng.uniform(0.7, 0.95)
    if plan.spec.stage == "on_hold":
        return rng.uniform(0.05, 0.2)
    return rng.uniform(0.1, 0.45)


def plan_benefits(rng: random.Random, projects: list[ProjectPlan], cur: int) -> list[BenefitPlan]:
    """A benefit per live project (a second one, savings, for the largest), measured monthly for the
    projects already delivering; and one benefit of each programme as a whole."""
    plans: list[BenefitPlan] = []
    for plan in projects:
        if plan.spec.stage in ("rejected", "cancelled"):
            continue
        templates = [THEME_BENEFITS[plan.spec.theme]]
        if plan.spec.size == "XL" and templates[0].kind != "financial":
            templates.append(SAVINGS)
        for t in templates:
            benefit = BenefitPlan(plan.code, None, _body(rng, t, plan))
            if plan.spec.stage in MEASURED_STAGES and plan.start < cur:
                rise_from = min(max(plan.start + 1, cur - 12), cur - 4)
                benefit.measurements = measurements(
                    rng, benefit.body, t.decimals, _reach(rng, plan), rise_from, cur
                )
            plans.append(benefit)
    for spec in PROGRAMMES:
        t, reach = PROGRAMME_BENEFITS[spec.code]
        body = {
            "name": t.name,
            "kind": t.kind,
            "unit": t.unit,
            "baseline_value": t.baseline,
            "target_value": t.target,
            "target_date": month_end(cur + 24).isoformat(),
            "owner": spec.owner,
        }
        plans.append(
            BenefitPlan(None, spec.code, body, measurements(rng, body, t.decimals, reach, cur - 10, cur))
        )
    return plans
