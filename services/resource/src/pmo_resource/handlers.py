"""Consumed events: the projects allocations may point at, and who manages them."""

from __future__ import annotations

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import ProjectData
from pmo_common.events.consumer import EventHandlers, apply_if_newer
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_resource.projects.models import ProjectRef

handlers = EventHandlers()


@handlers.on("pmo.portfolio.project.*", name="projects")
async def project_changed(session: AsyncSession, event: CloudEvent) -> None:
    data = ProjectData.model_validate(event.data)
    deleted = data.deleted or event.nats_subject == "pmo.portfolio.project.deleted"
    values = {
        "id": data.id,
        "portfolio_id": data.portfolio_id,
        "code": data.code,
        "name": data.name,
        "manager": data.manager,
        "stage": data.stage,
        "deleted": deleted,
    }
    await apply_if_newer(session, ProjectRef, data.id, data.version, values)
