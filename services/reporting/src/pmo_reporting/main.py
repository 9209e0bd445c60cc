"""The reporting service: `uvicorn --factory pmo_reporting.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pmo_common.app import ServiceSpec
from pmo_common.app import create_app as build_app
from pmo_common.audit import audit_router
from pmo_common.settings import Settings

from pmo_reporting import models
from pmo_reporting.admin.routes import router as admin_router
from pmo_reporting.dashboards.routes import router as dashboards_router
from pmo_reporting.dashboards.structure_routes import portfolio_router as breakdown_router
from pmo_reporting.dashboards.structure_routes import programme_router
from pmo_reporting.dashboards.warmup import warm_up
from pmo_reporting.evm.routes import router as evm_router
from pmo_reporting.handlers import handlers
from pmo_reporting.status_reports.routes import router as status_reports_router
from pmo_reporting.targets.routes import router as targets_router
from pmo_reporting.webhooks.recorder import subscribe_unhandled
from pmo_reporting.webhooks.routes import router as webhooks_router
from pmo_reporting.webhooks.worker import deliver_webhooks

# The aggregates this service owns, whose changes the audit trail records
# (`GET /reporting/v1/audit?entity_type=`); the read models are other services' data.
AUDITED = ["status_report", "project_health", "webhook", "kpi_targets"]

# Webhooks see every catalogue event: the handlers above hand theirs over, the rest get their own
# subscriptions (registered last, so they take only the subjects nothing else handles).
subscribe_unhandled(handlers)

SPEC = ServiceSpec(
    name="reporting",
    prefix="/reporting/v1",
    title="PMO reporting service",
    description=(
        "Status reports; read models of projects, portfolios, risks, capacity and demand built from the "
        "other services' events; earned value (PMI), portfolio dashboards, monthly KPIs and exports; "
        "webhooks delivering the platform's events, signed per the Standard Webhooks specification."
    ),
    routers=[
        status_reports_router,
        evm_router,
        dashboards_router,
        breakdown_router,
        programme_router,
        targets_router,
        admin_router,
        webhooks_router,
        audit_router(AUDITED),
    ],
    metadata=models.metadata,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    background=[deliver_webhooks],
    warm_up=warm_up,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(SPEC, settings)
