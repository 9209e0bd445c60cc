"""The audit trail: who changed which person, allocation or import, when, and what changed —
without a figure (a cost rate) that a reader of the trail may not see."""

from __future__ import annotations

from typing import Any

from pmo_common.testing.harness import auth

AUDIT = "/resource/v1/audit"
ADMIN = auth("admin-1", "admin")
MANAGER = auth("rm-1", "resource_manager")
VIEWER = auth("viewer-1", "viewer")
INTEGRATION = {"X-API-Key": "secret-key"}


async def entries(service: Any, query: str, headers: dict[str, str] = ADMIN) -> list[dict[str, Any]]:
    response = await service.client.get(f"{AUDIT}?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_persons_create_update_and_delete_are_audited_with_actor_and_changes(service: Any) -> None:
    created = await service.client.post(
        "/resource/v1/resources",
        json={"external_id": "HR-1", "name": "Ada", "role": "developer", "fte": 1},
        headers=MANAGER,
    )
    person = created.json()
    url = f"/resource/v1/resources/{person['id']}"
    patched = await service.client.patch(
        url, json={"fte": 0.5, "role": "architect"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert patched.status_code == 200
    assert (await service.client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 204

    trail = await entries(service, f"entity_type=resource&entity_id={person['id']}")
    assert [(e["action"], e["actor"], e["version"]) for e in trail] == [
        ("created", "rm-1", 1),
        ("updated", "admin-1", 2),
        ("deleted", "admin-1", 3),
    ]
    assert trail[0]["changes"]["external_id"] == "HR-1" and trail[0]["changes"]["fte"] == 1.0
    assert trail[1]["changes"] == {
        "fte": {"from": 1.0, "to": 0.5},
        "role": {"from": "developer", "to": "architect"},
    }
    assert trail[2]["changes"]["role"] == "architect"


async def test_the_audit_trail_never_shows_a_cost_rate(service: Any) -> None:
    person = await service.add_person(cost_rate="95.50")
    url = f"/resource/v1/resources/{person['id']}"
    patched = await service.client.patch(
        url, json={"cost_rate": "120.00"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json()["cost_rate"] == "120.00"
    response = await service.client.get(f"{AUDIT}?entity_id={person['id']}", headers=VIEWER)
    assert response.status_code == 200
    trail = response.json()["items"]
    # The change is on record (who, when, which version), its figures are not.
    assert [(e["action"], e["version"]) for e in trail] == [("created", 1), ("updated", 2)]
    assert trail[0]["changes"]["cost_rate"] is None and trail[1]["changes"] == {}
    assert "95.50" not in response.text and "120.00" not in response.text


async def test_allocation_changes_are_audited(service: Any) -> None:
    project = await service.add_project()
    body = {
        "project_id": str(project),
        "role": "dev",
        "start_period": "2026-01",
        "end_period": "2026-03",
        "hours_per_period": 80,
    }
    created = (await service.client.post("/resource/v1/allocations", json=body, headers=MANAGER)).json()
    url = f"/resource/v1/allocations/{created['id']}"
    await service.client.patch(url, json={"hours_per_period": 40}, headers={**ADMIN, "If-Match": '"1"'})
    await service.client.delete(url, headers={**ADMIN, "If-Match": '"2"'})
    trail = await entries(service, "entity_type=allocation")
    assert [(e["action"], e["actor"], e["version"], e["entity_id"]) for e in trail] == [
        ("created", "rm-1", 1, created["id"]),
        ("updated", "admin-1", 2, created["id"]),
        ("deleted", "admin-1", 3, created["id"]),
    ]
    assert trail[0]["changes"]["role"] == "dev" and trail[0]["changes"]["created_by"] == "rm-1"
    assert trail[1]["changes"] == {"hours_per_period": {"from": 80.0, "to": 40.0}}


async def test_an_import_is_one_audit_entry_whatever_its_rows(service: Any) -> None:
    rows = [
        {"external_id": f"HR-{i}", "name": f"P{i}", "role": "dev", "cost_rate": "10.00"} for i in range(5)
    ]
    report = (
        await service.client.post("/resource/v1/imports/resources", json={"rows": rows}, headers=INTEGRATION)
    ).json()
    trail = await entries(service, "entity_type=import")
    assert len(trail) == 1
    (entry,) = trail
    assert (entry["entity_id"], entry["actor"], entry["action"]) == (
        report["import_id"],
        "apikey:hr",
        "created",
    )
    assert entry["changes"] == {
        "kind": "resources",
        "atomic": False,
        "dry_run": False,
        "applied": True,
        "received": 5,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected_count": 0,
    }
    assert await entries(service, "entity_type=resource") == []


async def test_the_audit_trail_filters_strictly(service: Any) -> None:
    unknown_type = await service.client.get(f"{AUDIT}?entity_type=project", headers=ADMIN)
    assert unknown_type.status_code == 422
    assert (await service.client.get(AUDIT, headers=INTEGRATION)).status_code == 403
