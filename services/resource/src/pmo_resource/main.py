"""The resource service: `uvicorn --factory pmo_resource.main:create_app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pmo_common.app import ServiceSpec
from pmo_common.app import create_app as build_app
from pmo_common.audit import audit_router
from pmo_common.settings import Settings

from pmo_resource import models  # noqa: F401 - every table in the metadata
from pmo_resource.allocations.routes import router as allocations_router
from pmo_resource.capacity.routes import router as capacity_router
from pmo_resource.db import Base
from pmo_resource.handlers import handlers
from pmo_resource.imports.routes import router as imports_router
from pmo_resource.resources.routes import router as resources_router

SPEC = ServiceSpec(
    name="resource",
    prefix="/resource/v1",
    title="PMO resource service",
    description=(
        "People (resources), their roles, skills and monthly capacity; allocations of people and of "
        "roles to projects (demand); capacity against demand and over-allocations; bulk imports "
        "from HR/ERP systems (JSON or CSV). A person's monthly capacity is the imported figure for "
        "the month, else `hours_per_week × fte × 52 / 12`."
    ),
    routers=[
        resources_router,
        allocations_router,
        capacity_router,
        imports_router,
        audit_router(["resource", "allocation", "import"]),
    ],
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    handlers=handlers,
    large_body_paths=["/imports/"],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(SPEC, settings)
