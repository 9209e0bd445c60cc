"""The portfolio service: `uvicorn --factory pmo_portfolio.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pmo_common.app import ServiceSpec
from pmo_common.app import create_app as build_app
from pmo_common.settings import Settings
from pmo_portfolio.db import Base
from pmo_portfolio.portfolios.routes import router as portfolios_router

SPEC = ServiceSpec(
    name="portfolio",
    prefix="/portfolio/v1",
    title="PMO portfolio service",
    description=(
        "Portfolios, scoring criteria (weighted, AHP, WSJF), projects and their stage-gate lifecycle, "
        "exact budget- and capacity-constrained selection, scenarios and the efficient frontier."
    ),
    routers=[portfolios_router],
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(SPEC, settings)
