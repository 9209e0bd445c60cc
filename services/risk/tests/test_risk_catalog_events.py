"""The project read model learned from the portfolio service's events decides who writes."""

import uuid
from typing import Any

from pmo_common.contracts.events import ProjectDeleted, ProjectUpdated
from pmo_common.testing.harness import auth, eventually, publish_event
from pmo_risk.catalog.models import KnownProject

ADMIN = auth("ada", "admin")


def project_data(
    project_id: uuid.UUID, portfolio_id: uuid.UUID, version: int, manager: str
) -> dict[str, Any]:
    return {
        "id": project_id,
        "version": version,
        "portfolio_id": portfolio_id,
        "code": "P-1",
        "name": "ERP rollout",
        "manager": manager,
        "budget": "250000.00",
        "stage": "approved",
    }


async def test_a_new_manager_takes_over_and_a_stale_event_changes_nothing(svc: Any) -> None:
    portfolio_id, project_id = await svc.project(manager="pam")
    await publish_event(svc.nats_url, ProjectUpdated, project_data(project_id, portfolio_id, 3, "otto"))

    async def managed_by_otto() -> bool:
        project = await svc._known(KnownProject, project_id)
        return project is not None and project.manager == "otto"

    await eventually(managed_by_otto)
    # Version 2 arrives late (out of order): newest version wins, otto stays the manager.
    await publish_event(svc.nats_url, ProjectUpdated, project_data(project_id, portfolio_id, 2, "pam"))
    # One consumer handles the stream in order: once a later project is known, v2 was handled.
    await svc.project()
    body = {"project_id": str(project_id), "title": "Handover gap", "probability": 2, "impact": 2}
    assert (
        await svc.client.post("/risk/v1/risks", json=body, headers=auth("pam", "project_manager"))
    ).status_code == 403
    assert (
        await svc.client.post("/risk/v1/risks", json=body, headers=auth("otto", "project_manager"))
    ).status_code == 201


async def test_a_deleted_project_takes_no_new_risks(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    await publish_event(
        svc.nats_url, ProjectDeleted, {**project_data(project_id, portfolio_id, 2, "pam"), "deleted": True}
    )

    async def deleted() -> bool:
        project = await svc._known(KnownProject, project_id)
        return bool(project and project.deleted)

    await eventually(deleted)
    body = {"project_id": str(project_id), "title": "x", "probability": 1, "impact": 1}
    r = await svc.client.post("/risk/v1/risks", json=body, headers=ADMIN)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "project_id")


async def test_open_risks_by_level_are_exported_as_a_gauge(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    level = f"severe-{uuid.uuid4().hex[:8]}"  # a level name no other test's app has exported
    matrix = {
        "probability_percent": [10, 30, 50, 70, 90],
        "levels": [{"name": level, "min_score": 1}],
        "escalation_score": 15,
    }
    assert (
        await svc.client.put(f"/risk/v1/matrices/{portfolio_id}", json=matrix, headers=ADMIN)
    ).status_code == 200
    await svc.risk(project_id)
    await svc.risk(project_id)
    series = f'pmo_risk_open_risks{{level="{level}",service="risk"}} 2.0'

    async def exported() -> bool:
        return series in (await svc.client.get("/metrics")).text.splitlines()

    await eventually(exported)
