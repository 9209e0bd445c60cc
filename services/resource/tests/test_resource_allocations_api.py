"""Allocations against projects learned from events; capacity vs demand; over-allocations and
the demand and over-allocation events."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from pmo_common.contracts.events import ProjectData, ProjectDeleted, ProjectUpdated
from pmo_common.http import encode_cursor
from pmo_common.testing.harness import auth, eventually, publish_event
from sqlalchemy import event

ALLOCATIONS = "/resource/v1/allocations"
ADMIN = auth("admin-1", "admin")
PM = auth("pm-1", "project_manager")
OTHER_PM = auth("pm-2", "project_manager")
VIEWER = auth("viewer-1", "viewer")
INTEGRATION = {"X-API-Key": "secret-key"}


def allocation(project_id: uuid.UUID, resource_id: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": str(project_id),
        "start_period": "2026-01",
        "end_period": "2026-03",
        "hours_per_period": 80,
        **fields,
    }
    if resource_id is not None:
        body["resource_id"] = resource_id
    return body


async def test_allocation_defaults_its_role_to_the_person(service: Any) -> None:
    project = await service.add_project()
    ada = await service.add_person(role="architect")
    response = await service.client.post(ALLOCATIONS, json=allocation(project, ada["id"]), headers=ADMIN)
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "architect" and response.json()["kind"] == "planned"
    listed = await service.client.get(f"{ALLOCATIONS}?project_id={project}", headers=VIEWER)
    assert [a["id"] for a in listed.json()["items"]] == [response.json()["id"]]


async def test_unknown_project_resource_or_bad_periods_are_422_naming_the_field(service: Any) -> None:
    project = await service.add_project()
    cases = [
        (allocation(uuid.uuid4(), role="dev"), "project_id"),
        (allocation(project, str(uuid.uuid4())), "resource_id"),
        (allocation(project), "role"),
        (allocation(project, role="dev", start_period="2026-05", end_period="2026-04"), "end_period"),
        (allocation(project, role="dev", start_period="2026-01", end_period="2036-01"), "end_period"),
        (allocation(project, role="dev", hours_per_period=0), "hours_per_period"),
        (allocation(project, role="dev", kind="maybe"), "kind"),
    ]
    for body, field in cases:
        response = await service.client.post(ALLOCATIONS, json=body, headers=ADMIN)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"].endswith(field), response.json()


async def test_a_deleted_project_takes_no_new_allocations(service: Any) -> None:
    project = await service.add_project()
    data = ProjectData(
        id=project,
        version=2,
        portfolio_id=uuid.uuid4(),
        code="P",
        name="P",
        budget="1.00",
        stage="approved",
        deleted=True,
    )
    await publish_event(service.nats_url, ProjectDeleted, data)

    async def refused() -> bool:
        response = await service.client.post(ALLOCATIONS, json=allocation(project, role="dev"), headers=ADMIN)
        return response.status_code == 422

    await eventually(refused)


async def test_project_managers_write_only_allocations_of_their_projects(service: Any) -> None:
    mine = await service.add_project(manager="pm-1")
    theirs = await service.add_project(manager="pm-2")
    created = await service.client.post(ALLOCATIONS, json=allocation(mine, role="dev"), headers=PM)
    assert created.status_code == 201
    assert (
        await service.client.post(ALLOCATIONS, json=allocation(theirs, role="dev"), headers=PM)
    ).status_code == 403
    url = f"{ALLOCATIONS}/{created.json()['id']}"
    patched = await service.client.patch(
        url, json={"hours_per_period": 40}, headers={**PM, "If-Match": '"1"'}
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    assert (
        await service.client.patch(url, json={"kind": "hard"}, headers={**OTHER_PM, "If-Match": '"2"'})
    ).status_code == 403
    assert (await service.client.delete(url, headers={**OTHER_PM, "If-Match": '"2"'})).status_code == 403
    theirs_allocation = await service.client.post(
        ALLOCATIONS, json=allocation(theirs, role="dev"), headers=ADMIN
    )
    theirs_url = f"{ALLOCATIONS}/{theirs_allocation.json()['id']}"
    assert (await service.client.delete(theirs_url, headers={**PM, "If-Match": '"1"'})).status_code == 403
    assert (await service.client.delete(url, headers={**PM, "If-Match": '"2"'})).status_code == 204
    assert (
        await service.client.post(ALLOCATIONS, json=allocation(mine, role="dev"), headers=VIEWER)
    ).status_code == 403
    assert (
        await service.client.post(ALLOCATIONS, json=allocation(mine, role="dev"), headers=INTEGRATION)
    ).status_code == 403
    assert (await service.client.get(ALLOCATIONS, headers=INTEGRATION)).status_code == 403


async def test_patch_and_delete_need_if_match(service: Any) -> None:
    project = await service.add_project()
    created = (
        await service.client.post(ALLOCATIONS, json=allocation(project, role="dev"), headers=ADMIN)
    ).json()
    url = f"{ALLOCATIONS}/{created['id']}"
    assert (await service.client.patch(url, json={"kind": "soft"}, headers=ADMIN)).status_code == 428
    assert (
        await service.client.patch(url, json={"kind": "soft"}, headers={**ADMIN, "If-Match": '"9"'})
    ).status_code == 412
    assert (await service.client.delete(url, headers={**ADMIN, "If-Match": '"1"'})).status_code == 204
    assert (await service.client.get(url, headers=ADMIN)).status_code == 404


async def test_a_person_with_allocations_cannot_be_deleted(service: Any) -> None:
    project = await service.add_project()
    ada = await service.add_person()
    await service.client.post(ALLOCATIONS, json=allocation(project, ada["id"]), headers=ADMIN)
    response = await service.client.delete(
        f"/resource/v1/resources/{ada['id']}", headers={**ADMIN, "If-Match": '"1"'}
    )
    assert response.status_code == 409


async def test_capacity_against_overlapping_demand_by_role_resource_and_org_unit(service: Any) -> None:
    project = await service.add_project()
    ada = await service.add_person("HR-1", role="dev", hours_per_week=30, fte=1, org_unit="A")  # 130 h/month
    await service.add_person("HR-2", role="dev", hours_per_week=30, fte=0.5, org_unit="A")  # 65 h/month
    await service.add_person("HR-3", role="dev", hours_per_week=40, active=False)  # does not count
    await service.client.post(
        "/resource/v1/imports/capacity",
        json={"rows": [{"external_id": "HR-1", "period": "2026-02", "available_hours": 100}]},
        headers=ADMIN,
    )
    for body in (
        allocation(project, ada["id"], hours_per_period=100),
        allocation(project, ada["id"], start_period="2026-02", end_period="2026-02", hours_per_period=20),
        allocation(project, role="dev", start_period="2026-03", end_period="2026-04", hours_per_period=10),
    ):
        assert (await service.client.post(ALLOCATIONS, json=body, headers=ADMIN)).status_code == 201

    async def cells(group_by: str) -> dict[tuple[str | None, str], dict[str, Any]]:
        url = f"/resource/v1/capacity?group_by={group_by}&from=2026-01&to=2026-04&limit=500"
        response = await service.client.get(url, headers=INTEGRATION)
        assert response.status_code == 200, response.text
        return {(c["key"], c["period"]): c for c in response.json()["items"]}

    by_role = await cells("role")
    assert set(by_role) == {("dev", m) for m in ("2026-01", "2026-02", "2026-03", "2026-04")}
    assert by_role[("dev", "2026-01")]["capacity_hours"] == 195.0
    assert by_role[("dev", "2026-02")]["capacity_hours"] == 165.0  # Ada's imported 100 replaces her 130
    assert by_role[("dev", "2026-02")]["demand_hours"] == 120.0
    assert by_role[("dev", "2026-03")]["demand_hours"] == 110.0  # staffed and role-only demand
    assert by_role[("dev", "2026-04")]["utilisation"] == round(10 / 195, 4)
    by_person = await cells("resource")
    ada_feb = by_person[(ada["id"], "2026-02")]
    assert (ada_feb["capacity_hours"], ada_feb["demand_hours"], ada_feb["free_hours"]) == (
        100.0,
        120.0,
        -20.0,
    )
    assert len(by_person) == 8  # the two active people × 4 months
    by_unit = await cells("org_unit")
    assert by_unit[("A", "2026-03")]["demand_hours"] == 100.0  # role-only demand has no org unit


async def test_capacity_range_is_bounded_and_paged(service: Any) -> None:
    await service.add_person("HR-1")
    too_long = await service.client.get("/resource/v1/capacity?from=2026-01&to=2031-01", headers=ADMIN)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "query.to"
    backwards = await service.client.get("/resource/v1/capacity?from=2026-05&to=2026-01", headers=ADMIN)
    assert backwards.status_code == 422
    seen: list[str] = []
    cursor = None
    while True:
        query = "&cursor=" + cursor if cursor else ""
        page = (
            await service.client.get(
                f"/resource/v1/capacity?group_by=resource&from=2026-01&to=2026-12&limit=5{query}",
                headers=ADMIN,
            )
        ).json()
        seen += [c["period"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"2026-{m:02d}" for m in range(1, 13)]


async def test_a_cursor_of_another_listing_is_a_422_naming_it(service: Any) -> None:
    await service.add_person("HR-1")
    capacity = "/resource/v1/capacity?group_by=resource&from=2026-01&to=2026-02&limit=1"
    cursor = (await service.client.get(capacity, headers=ADMIN)).json()["next_cursor"]
    assert cursor
    by_role = await service.client.get(
        f"/resource/v1/capacity?group_by=resource&from=2026-01&to=2026-02&cursor={encode_cursor(['dev', '2026-01'])}",
        headers=ADMIN,
    )
    assert by_role.status_code == 422 and by_role.json()["errors"][0]["field"] == "query.cursor"
    for bad in ("not-a-cursor", encode_cursor([1, 2]), encode_cursor([None, "2026-01", "x"])):
        response = await service.client.get(f"{capacity}&cursor={bad}", headers=ADMIN)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.cursor", bad
    over = await service.client.get(
        f"/resource/v1/overallocations?from=2026-01&to=2026-02&cursor={encode_cursor([None, 'x'])}",
        headers=ADMIN,
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "query.cursor"


async def test_a_project_handed_to_another_manager_moves_the_right_to_allocate(service: Any) -> None:
    project = await service.add_project(manager="pm-1")
    data = ProjectData(
        id=project,
        version=2,
        portfolio_id=uuid.uuid4(),
        code="P",
        name="P",
        manager="pm-2",
        budget="1.00",
        stage="approved",
    )
    await publish_event(service.nats_url, ProjectUpdated, data)

    async def handed_over() -> bool:
        response = await service.client.post(ALLOCATIONS, json=allocation(project, role="dev"), headers=PM)
        return response.status_code == 403

    await eventually(handed_over)
    mine_now = await service.client.post(ALLOCATIONS, json=allocation(project, role="dev"), headers=OTHER_PM)
    assert mine_now.status_code == 201


async def test_overallocation_is_listed_and_announced_once(service: Any, events: Any) -> None:
    project = await service.add_project()
    ada = await service.add_person(hours_per_week=20, fte=1)  # 86.67 h/month
    first = await service.client.post(
        ALLOCATIONS, json=allocation(project, ada["id"], hours_per_period=60), headers=ADMIN
    )
    assert first.status_code == 201
    second = allocation(project, ada["id"], start_period="2026-02", end_period="2026-02", hours_per_period=40)
    assert (await service.client.post(ALLOCATIONS, json=second, headers=ADMIN)).status_code == 201
    listed = (
        await service.client.get("/resource/v1/overallocations?from=2026-01&to=2026-12", headers=VIEWER)
    ).json()
    assert [(o["resource_id"], o["period"], o["excess_hours"]) for o in listed["items"]] == [
        (ada["id"], "2026-02", 13.33)
    ]
    detected = await events.wait_for("pmo.resource.overallocation.detected")
    assert detected[0]["data"]["period"] == "2026-02" and detected[0]["data"]["role"] == "developer"
    # Still over-allocated after another change in that month: not announced again.
    third = allocation(project, ada["id"], start_period="2026-02", end_period="2026-02", hours_per_period=1)
    await service.client.post(ALLOCATIONS, json=third, headers=ADMIN)
    demand = await events.wait_for("pmo.resource.demand.changed", 3)
    assert demand[-1]["data"]["id"] == str(project) and demand[-1]["sequence"] == 3
    feb = [d for d in demand[-1]["data"]["demand"] if d["period"] == "2026-02"]
    assert feb == [{"role": "developer", "period": "2026-02", "hours": 101.0}]
    assert len(events.of("pmo.resource.overallocation.detected")) == 1


async def test_overallocation_resolved_then_relapsing_is_announced_again(service: Any, events: Any) -> None:
    project = await service.add_project()
    ada = await service.add_person(hours_per_week=20, fte=1)
    created = (
        await service.client.post(
            ALLOCATIONS, json=allocation(project, ada["id"], hours_per_period=100), headers=ADMIN
        )
    ).json()
    await events.wait_for("pmo.resource.overallocation.detected", 3)  # Jan, Feb, Mar
    url = f"{ALLOCATIONS}/{created['id']}"
    await service.client.patch(url, json={"hours_per_period": 50}, headers={**ADMIN, "If-Match": '"1"'})
    assert (
        await service.client.get("/resource/v1/overallocations?from=2026-01&to=2026-12", headers=ADMIN)
    ).json()["items"] == []
    await service.client.patch(url, json={"hours_per_period": 90}, headers={**ADMIN, "If-Match": '"2"'})
    detected = await events.wait_for("pmo.resource.overallocation.detected", 6)
    assert [d["sequence"] for d in detected] == [1, 2, 3, 4, 5, 6]


async def test_an_import_lowering_capacity_announces_the_new_overallocation(
    service: Any, events: Any
) -> None:
    project = await service.add_project()
    ada = await service.add_person("HR-1", hours_per_week=40)
    await service.client.post(
        ALLOCATIONS, json=allocation(project, ada["id"], hours_per_period=100), headers=ADMIN
    )
    rows = [{"external_id": "HR-1", "period": "2026-02", "available_hours": 60}]
    assert (
        await service.client.post("/resource/v1/imports/capacity", json={"rows": rows}, headers=INTEGRATION)
    ).status_code == 200
    detected = await events.wait_for("pmo.resource.overallocation.detected")
    assert detected[0]["data"]["excess_hours"] == 40.0


async def test_concurrent_allocations_are_all_accepted_and_announce_each_overallocation_once(
    service: Any,
) -> None:
    # On PostgreSQL these transactions really run side by side; the derived events must not collide.
    projects = [await service.add_project() for _ in range(3)]
    people = [await service.add_person(f"HR-C{i}", hours_per_week="10", fte="1") for i in range(2)]

    async def allocate(i: int) -> int:
        response = await service.client.post(
            "/resource/v1/allocations",
            json={
                "project_id": str(projects[i % 3]),
                "resource_id": people[i % 2]["id"],
                "start_period": "2027-01",
                "end_period": "2027-03",
                "hours_per_period": 30,
                "kind": "planned",
            },
            headers=ADMIN,
        )
        return response.status_code

    statuses = await asyncio.gather(*(allocate(i) for i in range(12)))
    assert statuses == [201] * 12
    over = (
        await service.client.get(
            "/resource/v1/overallocations", params={"from": "2027-01", "to": "2027-03"}, headers=ADMIN
        )
    ).json()["items"]
    assert sorted((o["resource_id"], o["period"]) for o in over) == sorted(
        (p["id"], m) for p in people for m in ("2027-01", "2027-02", "2027-03")
    )


async def test_an_allocation_reads_its_person_once(service: Any) -> None:
    """The write loads its person to check it; the over-allocation check that follows takes the
    person from the transaction (with its figures) instead of reading the row again."""
    project = await service.add_project()
    ada = await service.add_person(role="architect", hours_per_week=20, fte=1)  # 86.67 h/month
    reads: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM resources" in statement:
            reads.append(statement)

    engine = service.app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = allocation(
            project, ada["id"], start_period="2026-02", end_period="2026-02", hours_per_period=100
        )
        response = await service.client.post(ALLOCATIONS, json=body, headers=ADMIN)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 201, response.text
    assert len(reads) == 1, reads
    listed = (
        await service.client.get("/resource/v1/overallocations?from=2026-01&to=2026-12", headers=VIEWER)
    ).json()  # judged by the person's own figures
    assert [(o["resource_id"], o["period"], o["excess_hours"]) for o in listed["items"]] == [
        (ada["id"], "2026-02", 13.33)
    ]
