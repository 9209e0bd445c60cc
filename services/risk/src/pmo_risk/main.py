"""The risk service: `uvicorn --factory pmo_risk.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pmo_common.app import ServiceSpec
from pmo_common.app import create_app as build_app
from pmo_common.audit import audit_router
from pmo_common.settings import Settings

from pmo_risk.analytics.routes import router as analytics_router
from pmo_risk.handlers import handlers
from pmo_risk.issues.routes import router as issues_router
from pmo_risk.matrices.routes import router as matrices_router
from pmo_risk.metrics import refresh_open_risks
from pmo_risk.models import metadata
from pmo_risk.risks.routes import router as risks_router

# The entity types of the audit trail, as `GET /risk/v1/audit?entity_type=` takes them.
AUDITED = ["risk", "risk_response", "issue", "risk_matrix"]

SPEC = ServiceSpec(
    name="risk",
    prefix="/risk/v1",
    title="PMO risk service",
    description=(
        "Risk matrices per portfolio, risks and opportunities (score = probability × impact, level, EMV, "
        "escalation), assessments, responses, issues, heat maps and Monte Carlo cost exposure.\n\n"
        "**EMV sign convention**: EMV = probability % × (min + most_likely + max) / 3 of the cost impact; "
        "it is **negative for threats** (an expected loss) and **positive for opportunities** (an expected "
        "gain).\n\n"
        "**Escalation**: a risk is `escalated` while its current score (the latest residual assessment, else "
        "the inherent score) is at least the matrix's `escalation_score`. A change that crosses it publishes "
        "`risk.updated` (or `raised`/`closed`) and `risk.escalated`/`risk.deescalated`, each once. The "
        "escalation event carries the same `version` (envelope `sequence`) and data as the event of the "
        "change that caused it: consumers de-duplicate by event `id`, not by version.\n\n"
        "**Matrices**: a portfolio without a stored matrix uses the defaults, served as version 0.\n\n"
        "Project managers write only the risks and issues of projects they manage; projects and portfolios "
        "are learned from `pmo.portfolio.project.*` and `pmo.portfolio.portfolio.*` events.\n\n"
        "Every change to a risk, response, issue or matrix is recorded in an audit trail "
        "(`GET /risk/v1/audit`): who, when, and `{field: {from, to}}`."
    ),
    routers=[matrices_router, risks_router, issues_router, analytics_router, audit_router(AUDITED)],
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    background=[refresh_open_risks],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(SPEC, settings)
