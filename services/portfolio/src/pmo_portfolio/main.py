"""The portfolio service: `uvicorn --factory pmo_portfolio.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pmo_common.app import ServiceSpec
from pmo_common.app import create_app as build_app
from pmo_common.audit import audit_router
from pmo_common.settings import Settings

from pmo_portfolio import models
from pmo_portfolio.actions.routes import router as actions_router
from pmo_portfolio.actions.service import ACTIONS
from pmo_portfolio.actions.sweep import announce_overdue_actions
from pmo_portfolio.baselines.routes import router as baselines_router
from pmo_portfolio.baselines.service import BASELINES
from pmo_portfolio.benefits.routes import router as benefits_router
from pmo_portfolio.benefits.service import BENEFITS, MEASUREMENTS
from pmo_portfolio.criteria.routes import router as criteria_router
from pmo_portfolio.criteria.service import CRITERIA
from pmo_portfolio.decisions.routes import router as decisions_router
from pmo_portfolio.decisions.service import DECISIONS
from pmo_portfolio.gates.checks import GATE_APPROVALS
from pmo_portfolio.gates.policy_routes import router as gate_policy_router
from pmo_portfolio.gates.policy_service import GATE_CRITERIA, GATE_POLICY
from pmo_portfolio.gates.routes import router as gates_router
from pmo_portfolio.handlers import handlers
from pmo_portfolio.imports.routes import router as imports_router
from pmo_portfolio.portfolios.routes import router as portfolios_router
from pmo_portfolio.portfolios.service import PORTFOLIOS
from pmo_portfolio.programmes.routes import router as programmes_router
from pmo_portfolio.programmes.service import PROGRAMMES
from pmo_portfolio.projects.routes import router as projects_router
from pmo_portfolio.projects.service import PROJECTS
from pmo_portfolio.ranking.routes import router as ranking_router
from pmo_portfolio.scenarios.routes import router as scenarios_router
from pmo_portfolio.scenarios.service import SCENARIOS

# What the audit trail records (`GET /portfolio/v1/audit?entity_type=`): every aggregate changed
# through `pmo_common.changes`.
AUDITED = [
    aggregate.entity_type
    for aggregate in (
        PORTFOLIOS,
        CRITERIA,
        PROGRAMMES,
        PROJECTS,
        SCENARIOS,
        GATE_CRITERIA,
        GATE_POLICY,
        GATE_APPROVALS,
        ACTIONS,
        BASELINES,
        DECISIONS,
        BENEFITS,
        MEASUREMENTS,
    )
]

SPEC = ServiceSpec(
    name="portfolio",
    prefix="/portfolio/v1",
    title="PMO portfolio service",
    description=(
        "Portfolios, scoring criteria (weighted, AHP, WSJF), projects and their stage-gate lifecycle, "
        "exact budget- and capacity-constrained selection, scenarios and the efficient frontier. "
        "Every change is recorded in an audit trail (`GET /portfolio/v1/audit`)."
    ),
    routers=[
        portfolios_router,
        criteria_router,
        programmes_router,
        projects_router,
        gates_router,
        baselines_router,
        decisions_router,
        gate_policy_router,
        ranking_router,
        scenarios_router,
        imports_router,
        actions_router,
        benefits_router,
        audit_router(AUDITED),
    ],
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    # Microsoft Project files are larger than a JSON body: the import limit applies to them.
    large_body_paths=["/portfolios/{portfolio_id}/imports/"],
    # Publishes `action.overdue` for actions whose due date passes while nobody writes them.
    background=[announce_overdue_actions],
    openapi_tags=[
        {"name": "portfolios", "description": "Portfolios: a budget and currency for a set of projects."},
        {"name": "criteria", "description": "Scoring criteria and AHP weighting."},
        {"name": "programmes", "description": "Programmes: groups of related projects within a portfolio."},
        {
            "name": "projects",
            "description": "Projects and their scores; the stage changes only by gate decisions.",
        },
        {
            "name": "gate decisions",
            "description": "The lifecycle and its decision log; gate criteria as rules over a project's "
            "facts, the gate check, and how many approvers a stage needs.",
        },
        {
            "name": "baselines",
            "description": "Approved plans (budget, dates, time-phased cost) a project is measured against.",
        },
        {
            "name": "decisions",
            "description": "The decision log: append-only, hash-chained per portfolio, verifiable.",
        },
        {"name": "ranking", "description": "Weighted-score and WSJF ranking."},
        {
            "name": "scenarios",
            "description": "Exact selection under budget and capacity; the efficient frontier.",
        },
        {
            "name": "actions",
            "description": "The action register: every action with its owner and due date, including "
            "those of submitted status reports and of risk responses; `action.overdue` once per crossing.",
        },
        {
            "name": "benefits",
            "description": "The benefits register: what projects and programmes are meant to deliver, "
            "measured over time, with the latest value and how much of the planned change it realises.",
        },
        {
            "name": "imports",
            "description": "Microsoft Project plans (MSPDI XML) imported as projects, idempotent by the file's GUID.",
        },
        {"name": "audit", "description": "Every change to every entity: who, when, what."},
    ],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(SPEC, settings)
