"""Importing the people and hours of a Microsoft Project plan (MSPDI XML) over HTTP: work resources
upserted as people, assignments as hours per month, idempotent re-imports, dry runs, refusals."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from pmo_common.testing.harness import auth
from pmo_common.testing.mspdi_files import AssignmentSpec, ResourceSpec, TaskSpec, mspdi_file, sample

ADMIN = auth("admin-1", "admin")
IMPORTS = "/resource/v1/imports/msproject"
XML = {"Content-Type": "application/xml"}
OFFICE_MOVE = sample("office_move.xml")
PLAN_GUID = "8C7B1E5A-3F2D-4A6B-9C1E-2D3F4A5B6C7D"
ADA, BEN = "D1E2F3A4-B5C6-4D7E-8F90-A1B2C3D4E5F6", "E2F3A4B5-C6D7-4E8F-9012-B3C4D5E6F7A8"
CHLOE = f"{PLAN_GUID}:3"  # no GUID in the file: the plan's GUID and her UID
# (external_id or role, start, end, hours): the assignments' work spread by day over their dates.
EXPECTED = [
    (ADA, "2027-01", "2027-01", 80.0),
    (BEN, "2027-01", "2027-01", 84.21),  # 40 h in January + 120 h × 7/19 days of Packing
    (BEN, "2027-02", "2027-02", 75.79),  # 120 h × 12/19
    (CHLOE, "2027-02", "2027-02", 33.94),  # 160 h × 7/33
    (CHLOE, "2027-03", "2027-03", 126.06),  # 160 h × 26/33
    ("Moving day", "2027-02", "2027-02", 40.0),  # ResourceUID -65535: role demand named after the task
]


async def send(service: Any, project: uuid.UUID, body: bytes, dry_run: bool = False, **kw: Any) -> Any:
    params = {"project_id": str(project), **({"dry_run": "true"} if dry_run else {})}
    headers = {**XML, **ADMIN, **kw.pop("headers", {})}
    return await service.client.post(IMPORTS, params=params, content=body, headers=headers, **kw)


def assignment(xml: bytes, uid: int, old: bytes | None, new: bytes) -> bytes:
    """The file with assignment `uid` edited (`old` → `new`), or replaced by `new` when `old` is None."""
    block = re.search(rb"<Assignment>\s*<UID>%d</UID>.*?</Assignment>" % uid, xml, re.DOTALL)
    assert block is not None
    edited = new if old is None else block.group().replace(old, new)
    return xml[: block.start()] + edited + xml[block.end() :]


async def people(service: Any) -> dict[str, dict[str, Any]]:
    r = await service.client.get("/resource/v1/resources", params={"limit": 500}, headers=ADMIN)
    return {p["external_id"]: p for p in r.json()["items"]}


async def allocations(service: Any, project: uuid.UUID) -> list[dict[str, Any]]:
    r = await service.client.get(
        "/resource/v1/allocations", params={"project_id": str(project)}, headers=ADMIN
    )
    return list(r.json()["items"])


def shown(items: list[dict[str, Any]], by_id: dict[str, str]) -> list[tuple[str, str, str, float]]:
    """(external_id, or role for role demand; start; end; hours), sorted like EXPECTED."""
    rows = [
        (
            by_id[a["resource_id"]] if a["resource_id"] else a["role"],
            a["start_period"],
            a["end_period"],
            a["hours_per_period"],
        )
        for a in items
    ]
    order = {key: i for i, (key, *_r) in enumerate(EXPECTED)}
    return sorted(rows, key=lambda row: (order.get(row[0], 99), row[1]))


async def test_work_resources_become_people_and_assignments_hours_per_month(
    service: Any, events: Any
) -> None:
    project = await service.add_project()
    r = await send(service, project, OFFICE_MOVE)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["people"] == {"created": 3, "updated": 0, "unchanged": 0, "deleted": 0}
    assert report["allocations"] == {"created": 6, "updated": 0, "unchanged": 0, "deleted": 0}
    found = await people(service)
    assert sorted(found) == sorted([ADA, BEN, CHLOE])  # no "Packing boxes" (material), no "Survey fee" (cost)
    ada, ben = found[ADA], found[BEN]
    assert (ada["name"], ada["email"], ada["role"], ada["fte"], ada["hours_per_week"]) == (
        "Ada Lovelace",
        "ada@example.com",
        "Business analyst",
        1.0,
        40.0,
    )
    assert (ben["role"], ben["fte"]) == ("Logistics", 0.5)  # MaxUnits 0.50
    by_id = {p["id"]: ext for ext, p in found.items()}
    listed = await allocations(service, project)
    assert shown(listed, by_id) == EXPECTED
    assert {a["kind"] for a in listed} == {"planned"}
    assert {a["role"] for a in listed if a["resource_id"] == ben["id"]} == {"Logistics"}
    demand = (await events.wait_for("pmo.resource.demand.changed"))[-1]["data"]
    assert demand["id"] == str(project)
    assert {(d["role"], d["period"]): d["hours"] for d in demand["demand"]} == {
        ("Business analyst", "2027-01"): 80.0,
        ("Logistics", "2027-01"): 84.21,
        ("Logistics", "2027-02"): 75.79,
        ("IT", "2027-02"): 33.94,
        ("IT", "2027-03"): 126.06,
        ("Moving day", "2027-02"): 40.0,
    }
    await events.wait_for("pmo.resource.resource.upserted", 3)


async def test_the_hours_per_month_show_in_capacity(service: Any) -> None:
    project = await service.add_project()
    await send(service, project, OFFICE_MOVE)
    ben = (await people(service))[BEN]
    r = await service.client.get(
        "/resource/v1/capacity",
        params={"group_by": "resource", "from": "2027-01", "to": "2027-03"},
        headers=ADMIN,
    )
    months = {i["period"]: i["demand_hours"] for i in r.json()["items"] if i["key"] == ben["id"]}
    assert months == {"2027-01": 84.21, "2027-02": 75.79, "2027-03": 0.0}


async def test_the_same_file_twice_changes_nothing_the_second_time(service: Any) -> None:
    project = await service.add_project()
    await send(service, project, OFFICE_MOVE)
    before = (await people(service), await allocations(service, project))
    trail = await service.client.get("/resource/v1/audit", params={"limit": 500}, headers=ADMIN)
    again = await send(service, project, OFFICE_MOVE)
    assert again.status_code == 200, again.text
    assert again.json()["people"] == {"created": 0, "updated": 0, "unchanged": 3, "deleted": 0}
    assert again.json()["allocations"] == {"created": 0, "updated": 0, "unchanged": 6, "deleted": 0}
    assert (await people(service), await allocations(service, project)) == before  # same versions too
    after = await service.client.get("/resource/v1/audit", params={"limit": 500}, headers=ADMIN)
    assert after.json()["items"] == trail.json()["items"]


async def test_a_reimport_replaces_what_earlier_imports_of_the_file_made_and_nothing_else(
    service: Any,
) -> None:
    project = await service.add_project()
    await send(service, project, OFFICE_MOVE)
    own = await service.client.post(
        "/resource/v1/allocations",
        json={
            "project_id": str(project),
            "role": "architect",
            "start_period": "2027-01",
            "end_period": "2027-03",
            "hours_per_period": 10,
        },
        headers=ADMIN,
    )
    assert own.status_code == 201, own.text
    other_plan = mspdi_file(
        guid="0F0F0F0F-1111-4222-8333-444455556666",
        tasks=[TaskSpec(1, "Audit", "2027-01-04", "2027-01-29", cost="100.00")],
        assignments=[AssignmentSpec(1, 1, -65535, "20")],
    )
    assert (await send(service, project, other_plan)).status_code == 200
    # Packing halved (Ben: 120 h → 60 h); the movers' unassigned day is gone from the plan.
    replanned = assignment(OFFICE_MOVE, 4, b"<Work>PT120H0M0S</Work>", b"<Work>PT60H0M0S</Work>")
    replanned = assignment(replanned, 6, None, b"")
    r = await send(service, project, replanned)
    assert r.status_code == 200, r.text
    assert r.json()["allocations"] == {"created": 0, "updated": 2, "unchanged": 3, "deleted": 1}
    by_id = {p["id"]: ext for ext, p in (await people(service)).items()}
    rows = shown(await allocations(service, project), by_id)
    assert (BEN, "2027-01", "2027-01", 62.11) in rows  # 40 + 60 × 7/19
    assert (BEN, "2027-02", "2027-02", 37.89) in rows  # 60 × 12/19
    assert not [row for row in rows if row[0] == "Moving day"]
    assert ("architect", "2027-01", "2027-03", 10.0) in rows  # made by hand: kept
    assert ("Audit", "2027-01", "2027-01", 20.0) in rows  # made by another file's import: kept


async def test_a_dry_run_reports_and_writes_nothing(service: Any) -> None:
    project = await service.add_project()
    r = await send(service, project, OFFICE_MOVE, dry_run=True)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["dry_run"] and report["people"]["created"] == 3 and report["allocations"]["created"] == 6
    assert {p["resource_id"] for p in report["person_items"]} == {None}
    moving = [a for a in report["allocation_items"] if a["role"] == "Moving day"]
    assert moving[0]["hours_per_period"] == 40.0 and moving[0]["external_id"] is None
    assert await people(service) == {} and await allocations(service, project) == []


async def test_an_existing_person_keeps_their_capacity_and_follows_the_file(service: Any) -> None:
    project = await service.add_project()
    hr = await service.add_person(
        external_id=ADA, name="A. Lovelace", role="analyst", fte=0.8, hours_per_week=32
    )
    r = await send(service, project, OFFICE_MOVE)
    ada = next(p for p in r.json()["person_items"] if p["external_id"] == ADA)
    assert (ada["action"], ada["resource_id"]) == ("updated", hr["id"])
    now = (await people(service))[ADA]
    assert (now["name"], now["role"], now["fte"], now["hours_per_week"]) == (
        "Ada Lovelace",
        "Business analyst",
        0.8,
        32.0,
    )


@pytest.mark.parametrize(
    ("name", "kind"), [("billion_laughs.xml", "unsafe-xml"), ("external_entity.xml", "unsafe-xml")]
)
async def test_hostile_files_are_refused_and_nothing_is_applied(service: Any, name: str, kind: str) -> None:
    project = await service.add_project()
    r = await send(service, project, sample(name))
    assert r.status_code == 422 and r.json()["type"].endswith(kind), r.text
    assert "document type" in r.json()["detail"]
    assert await people(service) == {} and await allocations(service, project) == []


async def test_bad_files_unknown_projects_and_other_content_types(service: Any) -> None:
    project = await service.add_project()
    malformed = await send(service, project, OFFICE_MOVE[:3000])
    assert malformed.status_code == 422 and "not well-formed XML" in malformed.json()["detail"]
    unknown = await send(service, uuid.uuid4(), OFFICE_MOVE)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "project_id"
    missing = await service.client.post(IMPORTS, content=OFFICE_MOVE, headers={**XML, **ADMIN})
    assert missing.status_code == 422 and "project_id" in missing.json()["errors"][0]["field"]
    as_csv = await send(service, project, b"a,b\n", headers={"Content-Type": "text/csv"})
    assert as_csv.status_code == 415
    crowded = mspdi_file(
        tasks=[TaskSpec(1, "Crunch", "2027-02-01", "2027-02-28")],
        resources=[ResourceSpec(1, "Ada", guid="AA-1")],
        assignments=[AssignmentSpec(1, 1, 1, "800")],
    )
    too_many = await send(service, project, crowded)
    assert too_many.status_code == 422 and "800.00 hours of work in 2027-02" in too_many.json()["detail"]
    assert await people(service) == {} and await allocations(service, project) == []
    for role in ("viewer", "project_manager"):
        assert (await send(service, project, OFFICE_MOVE, headers=auth("u", role))).status_code == 403


async def test_the_file_may_come_as_a_multipart_field(service: Any) -> None:
    project = await service.add_project()
    r = await service.client.post(
        IMPORTS,
        params={"project_id": str(project)},
        files={"file": ("Office Move.xml", OFFICE_MOVE, "application/xml")},
        headers=auth("rm-1", "resource_manager"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["allocations"]["created"] == 6
