"""The project managers' risk registers: threats and opportunities with cost impacts, responses,
residual assessments, escalations, one risk that materialised and two that were retired. No I/O here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from demo.projects import ProjectPlan, money


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


ESCALATIONS = {
    "CLM-CORE": "Claims vendor misses the release 2 date",
    "ERP-FIN": "Year-end close at risk from the ERP cut-over",
    "HR-CORE": "No replacement vendor before the old HR contract ends",
}


@dataclass
class _Drafts:
    """Drafts risk and response bodies from one random stream (the order of draws is the data)."""

    rng: random.Random
    today: date

    def body(self, t: RiskTemplate, owner: str, budget: float, p: int, i: int) -> dict[str, Any]:
        rng = self.rng
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
            "proximity_date": (self.today + timedelta(days=rng.randint(20, 270))).isoformat(),
            "status": "open",
        }

    def response(self, t: RiskTemplate, owner: str, done: bool) -> dict[str, Any]:
        return {
            "strategy": t.strategy,
            "description": t.response,
            "owner": owner,
            "due_date": (self.today + timedelta(days=self.rng.randint(-30, 120))).isoformat(),
            "status": "done" if done else self.rng.choice(["planned", "in_progress"]),
        }


def _project_risks(d: _Drafts, plan: ProjectPlan) -> list[RiskPlan]:
    """A project's threats (some with responses and residual assessments), maybe an opportunity, and
    the escalated threat of the three projects in trouble."""
    rng = d.rng
    risks: list[RiskPlan] = []
    owner = str(plan.body["manager"])
    budget = float(plan.body["budget"])
    count = {"S": 2, "M": 3, "L": 3, "XL": 4}[plan.spec.size]
    for t in rng.sample(THREATS, count):
        p, i = rng.choice([(2, 2), (2, 3), (3, 2), (3, 3), (3, 4), (2, 4), (4, 2), (1, 4), (4, 3)])
        r = RiskPlan(plan.code, d.body(t, owner, budget, p, i))
        if rng.random() < 0.7:
            r.response = d.response(t, owner, done=rng.random() < 0.3)
        if r.response and rng.random() < 0.5:
            r.residual = (max(1, p - rng.randint(1, 2)), max(1, i - rng.randint(0, 1)))
        risks.append(r)
    if rng.random() < 0.45:
        t = rng.choice(OPPORTUNITIES)
        p, i = rng.choice([(2, 3), (3, 3), (3, 2), (4, 2)])
        risks.append(
            RiskPlan(plan.code, d.body(t, owner, budget, p, i), response=d.response(t, owner, False))
        )
    if plan.code in ESCALATIONS:
        t = THREATS[0] if plan.code != "HR-CORE" else THREATS[2]
        b = d.body(t, owner, budget * 2, 4, 4 if plan.code != "CLM-CORE" else 5)
        b["title"] = ESCALATIONS[plan.code]
        escalate = d.response(THREATS[0], owner, False) | {"strategy": "escalate"}
        risks.append(RiskPlan(plan.code, b, response=escalate))
    return risks


def plan_risks(rng: random.Random, projects: list[ProjectPlan], today: date) -> list[RiskPlan]:
    d = _Drafts(rng, today)
    risks = [r for plan in projects if plan.spec.stage in RISK_STAGES for r in _project_risks(d, plan)]
    # A risk that happened (an issue now) and two that were retired.
    clm = next(r for r in risks if r.code == "CLM-CORE" and r.body["kind"] == "threat")
    clm.materialise = True
    for r in [r for r in risks if r.body["kind"] == "threat" and r.residual and not r.materialise][:2]:
        r.close = True
    for t in PORTFOLIO_RISKS:
        body = d.body(t, "demo-pmo", 12_000_000, 3, 4)
        risks.append(RiskPlan(None, body, response=d.response(t, "demo-pmo", False)))
    return risks
