"""Programmes and the per-version tags and field values of projects, from the portfolio service's
events: what dashboards are narrowed and broken down by (contract §7.8)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pmo_common.contracts.events import ProgrammeData, ProjectData
from pmo_common.events.consumer import apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.logic.structure import facets_of
from pmo_reporting.readmodels.models import ProgrammeView, ProjectFacet


async def record_programme(
    session: AsyncSession, data: ProgrammeData, happened: datetime
) -> uuid.UUID | None:
    """Newest version wins; a deleted programme stays as a tombstone with the time it went.
    Returns the programme's portfolio before (None if it was unknown)."""
    before = await session.get(ProgrammeView, data.id)
    deleted_at = None
    if data.deleted:
        deleted_at = before.deleted_at if before is not None and before.deleted_at else _utc(happened)
    values: dict[str, Any] = {
        "id": data.id,
        "portfolio_id": data.portfolio_id,
        "code": data.code,
        "name": data.name,
        "owner": data.owner,
        "deleted": data.deleted,
        "deleted_at": deleted_at,
    }
    await apply_if_newer(session, ProgrammeView, data.id, data.version, values)
    return None if before is None else before.portfolio_id


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def record_facets(session: AsyncSession, data: ProjectData) -> None:
    """The tags and field values of the project's version (called once per version, with its
    history row)."""
    session.add_all(
        ProjectFacet(project_id=data.id, version=data.version, kind=kind, key=key, value=value)
        for kind, key, value in facets_of(data.fields, data.tags)
    )
