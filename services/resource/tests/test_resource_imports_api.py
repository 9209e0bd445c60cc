"""Bulk imports over HTTP: upsert semantics, atomic and dry runs, CSV and JSON, bad bodies,
one transaction per import, one event per import, and volume."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pmo_common.testing.harness import auth
from pmo_resource.imports import repository as import_repository

ADMIN = auth("admin-1", "admin")
INTEGRATION = {"X-API-Key": "secret-key"}
RESOURCES = "/resource/v1/imports/resources"
CAPACITY = "/resource/v1/imports/capacity"


def person(external_id: str, **fields: Any) -> dict[str, Any]:
    return {"external_id": external_id, "name": f"Person {external_id}", "role": "developer", **fields}


async def import_json(
    service: Any, url: str, rows: list[Any], headers: dict[str, str] = ADMIN, query: str = ""
) -> Any:
    return await service.client.post(url + query, json={"rows": rows}, headers=headers)


async def capacity_rows(service: Any) -> dict[tuple[str, str], float]:
    """The stored monthly figures, read straight from the service's database."""
    from pmo_resource.capacity.models import MonthlyCapacity
    from pmo_resource.resources.models import Resource
    from sqlalchemy import select

    async with service.app.state.db.transaction() as session:
        stmt = select(Resource.external_id, MonthlyCapacity.period, MonthlyCapacity.available_hours).join(
            Resource, Resource.id == MonthlyCapacity.resource_id
        )
        return {(e, p): float(h) for e, p, h in (await session.execute(stmt)).all()}


async def test_resource_import_creates_updates_and_reports_unchanged(service: Any) -> None:
    first = await import_json(service, RESOURCES, [person("HR-1"), person("HR-2", fte=0.5)])
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["received"], report["created"], report["updated"], report["unchanged"]) == (2, 2, 0, 0)
    second = await import_json(service, RESOURCES, [person("HR-1"), person("HR-2", fte=0.6), person("HR-3")])
    report = second.json()
    assert (report["created"], report["updated"], report["unchanged"], report["rejected"]) == (1, 1, 1, [])
    listed = (await service.client.get("/resource/v1/resources?limit=10", headers=ADMIN)).json()["items"]
    by_id = {r["external_id"]: r for r in listed}
    assert by_id["HR-2"]["fte"] == 0.6 and by_id["HR-2"]["version"] == 2 and by_id["HR-1"]["version"] == 1


async def test_resending_the_same_people_with_every_field_changes_nothing(service: Any) -> None:
    rows = [
        person(
            f"HR-{i}",
            email=f"p{i}@example.com",
            skills=["sql", "python"],
            org_unit="IT",
            fte="0.8",
            hours_per_week="37.5",
            cost_rate="70.00",
            active=True,
        )
        for i in range(3)
    ]
    assert (await import_json(service, RESOURCES, rows)).json()["created"] == 3
    again = (await import_json(service, RESOURCES, rows)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


async def test_bad_rows_are_reported_and_good_rows_applied(service: Any) -> None:
    rows = [
        person("HR-1"),
        person("HR-2", fte=2),
        {"name": "no key", "role": "x"},
        person("HR-1", name="dup"),
    ]
    response = await import_json(service, RESOURCES, rows)
    report = response.json()
    assert response.status_code == 200
    assert report["created"] == 1 and report["rejected_count"] == 3
    rejected = {r["row"]: r for r in report["rejected"]}
    assert rejected[2]["external_id"] == "HR-2" and rejected[2]["errors"][0]["field"] == "fte"
    assert rejected[3]["errors"][0]["field"] == "external_id"
    assert rejected[4]["errors"][0]["field"] == "external_id"
    stored = await service.client.get(f"/resource/v1/imports/{report['import_id']}", headers=INTEGRATION)
    assert stored.status_code == 200 and stored.json()["rejected"] == report["rejected"]


async def test_atomic_import_with_a_bad_row_applies_nothing_and_says_so(service: Any) -> None:
    response = await import_json(
        service, RESOURCES, [person("HR-1"), person("HR-2", hours_per_week=99)], query="?atomic=true"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["applied"] is False and body["created"] == 0 and body["rejected_count"] == 1
    assert body["errors"][0]["field"] == "rows[2].hours_per_week"
    listed = await service.client.get("/resource/v1/resources", headers=ADMIN)
    assert listed.json()["items"] == []
    stored = await service.client.get(f"/resource/v1/imports/{body['import_id']}", headers=ADMIN)
    assert stored.json()["applied"] is False


async def test_the_report_of_an_import_is_at_its_content_location(service: Any) -> None:
    applied = await import_json(service, RESOURCES, [person("HR-1")])
    assert applied.headers["Content-Location"] == f"/resource/v1/imports/{applied.json()['import_id']}"
    refused = await import_json(service, RESOURCES, [person("HR-2", fte=3)], query="?atomic=true")
    assert refused.status_code == 422
    location = refused.headers["Content-Location"]
    assert location == f"/resource/v1/imports/{refused.json()['import_id']}"
    stored = (await service.client.get(location, headers=ADMIN)).json()
    assert (stored["applied"], stored["rejected_count"]) == (False, 1)


async def test_import_options_are_strict_query_parameters(service: Any) -> None:
    typo = await import_json(service, RESOURCES, [person("HR-1")], query="?atomc=true")
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "query.atomc"
    assert (await service.client.get("/resource/v1/resources", headers=ADMIN)).json()["items"] == []


async def test_atomic_import_of_good_rows_applies_them(service: Any) -> None:
    response = await import_json(service, RESOURCES, [person("HR-1")], query="?atomic=true")
    assert response.status_code == 200 and response.json()["applied"] is True
    assert len((await service.client.get("/resource/v1/resources", headers=ADMIN)).json()["items"]) == 1


async def test_dry_run_counts_but_changes_nothing(service: Any, events: Any) -> None:
    await import_json(service, RESOURCES, [person("HR-1")])
    response = await import_json(
        service, RESOURCES, [person("HR-1", role="tester"), person("HR-2")], query="?dry_run=true"
    )
    report = response.json()
    assert (report["created"], report["updated"], report["applied"], report["dry_run"]) == (1, 1, False, True)
    listed = (await service.client.get("/resource/v1/resources", headers=ADMIN)).json()["items"]
    assert [(r["external_id"], r["role"]) for r in listed] == [("HR-1", "developer")]
    completed = await events.wait_for("pmo.resource.import.completed", 2)
    assert completed[-1]["data"]["dry_run"] is True


async def test_csv_import_of_resources_and_capacity(service: Any) -> None:
    csv_people = "external_id,name,role,skills,fte,cost_rate\nHR-1,Ada,developer,python;sql,0.5,90.00\n"
    response = await service.client.post(
        RESOURCES, content=csv_people.encode(), headers={**ADMIN, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    ada = (await service.client.get("/resource/v1/resources", headers=ADMIN)).json()["items"][0]
    assert ada["skills"] == ["python", "sql"] and ada["cost_rate"] == "90.00" and ada["fte"] == 0.5
    csv_capacity = (
        "external_id,period,available_hours\nHR-1,2026-01,100\nHR-1,2026-02,120.5\nHR-9,2026-01,10\n"
    )
    response = await service.client.post(
        CAPACITY, content=csv_capacity.encode(), headers={**ADMIN, "Content-Type": "text/csv"}
    )
    report = response.json()
    assert report["created"] == 2 and report["rejected"][0]["row"] == 3
    assert report["rejected"][0]["errors"][0]["field"] == "external_id"
    assert await capacity_rows(service) == {("HR-1", "2026-01"): 100.0, ("HR-1", "2026-02"): 120.5}


async def test_bad_bodies(service: Any) -> None:
    latin1 = "external_id,name,role\nHR-1,José,dev\n".encode("latin-1")
    response = await service.client.post(
        RESOURCES, content=latin1, headers={**ADMIN, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422 and "row 1" in response.json()["detail"]
    unterminated = b'external_id,name,role\nHR-1,Ada,dev\nHR-2,"Bob,dev\n'
    response = await service.client.post(
        RESOURCES, content=unterminated, headers={**ADMIN, "Content-Type": "text/csv"}
    )
    assert response.status_code == 422 and "row 2" in response.json()["detail"]
    response = await service.client.post(
        RESOURCES, content=b"<rows/>", headers={**ADMIN, "Content-Type": "application/xml"}
    )
    assert response.status_code == 415
    assert (await service.client.get("/resource/v1/resources", headers=ADMIN)).json()["items"] == []


async def test_body_over_the_import_limit_is_413(make_settings: Any) -> None:
    from pmo_common.testing.harness import running
    from pmo_resource.main import create_app

    app = create_app(make_settings("resource", max_import_body_bytes=2048))
    async with running(app) as client:
        big = b"external_id,name,role\n" + b"HR-1,Ada,dev\n" * 400
        response = await client.post(RESOURCES, content=big, headers={**ADMIN, "Content-Type": "text/csv"})
        assert response.status_code == 413


async def test_integration_key_imports_and_reads_reports(service: Any) -> None:
    response = await import_json(service, RESOURCES, [person("HR-1", cost_rate="10.00")], headers=INTEGRATION)
    assert response.status_code == 200
    assert response.json()["created_by"] == "apikey:hr"
    viewer = await import_json(service, RESOURCES, [person("HR-2")], headers=auth("v", "viewer"))
    assert viewer.status_code == 403


async def test_resending_the_same_capacity_file_changes_nothing(service: Any, events: Any) -> None:
    await import_json(service, RESOURCES, [person("HR-1"), person("HR-2")])
    rows = [
        {"external_id": f"HR-{i}", "period": f"2026-0{m}", "available_hours": 100 + m}
        for i in (1, 2)
        for m in (1, 2, 3)
    ]
    first = (await import_json(service, CAPACITY, rows)).json()
    assert (first["created"], first["unchanged"]) == (6, 0)
    await events.wait_for("pmo.resource.import.completed", 2)
    changed_before = len(events.of("pmo.resource.capacity.changed"))
    again = (await import_json(service, CAPACITY, rows)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    await events.wait_for("pmo.resource.import.completed", 3)
    assert len(events.of("pmo.resource.capacity.changed")) == changed_before


async def stored_capacity(service: Any) -> dict[tuple[str, str], tuple[float, int, Any]]:
    """(external_id, period) → (hours, version, updated_at), straight from the database."""
    from pmo_resource.capacity.models import MonthlyCapacity
    from pmo_resource.resources.models import Resource
    from sqlalchemy import select

    async with service.app.state.db.transaction() as session:
        stmt = select(
            Resource.external_id,
            MonthlyCapacity.period,
            MonthlyCapacity.available_hours,
            MonthlyCapacity.version,
            MonthlyCapacity.updated_at,
        ).join(Resource, Resource.id == MonthlyCapacity.resource_id)
        return {(e, p): (float(h), v, u) for e, p, h, v, u in (await session.execute(stmt)).all()}


def figure(external_id: str, period: str, hours: Any) -> dict[str, Any]:
    return {"external_id": external_id, "period": period, "available_hours": hours}


async def test_a_capacity_import_counts_and_versions_new_changed_and_unchanged_figures(service: Any) -> None:
    await import_json(service, RESOURCES, [person("HR-1"), person("HR-2")])
    first = [figure("HR-1", "2026-01", 100), figure("HR-1", "2026-02", 100), figure("HR-2", "2026-01", 50)]
    assert (await import_json(service, CAPACITY, first)).json()["created"] == 3
    before = await stored_capacity(service)
    rows = [
        figure("HR-1", "2026-01", "100.00"),  # the same figure, written differently
        figure("HR-1", "2026-02", 110.5),
        figure("HR-2", "2026-02", 60),
        figure("HR-9", "2026-01", 10),  # nobody
        figure("HR-1", "2026-02", 120),  # a repeat
        figure("HR-2", "2026-13", 10),
    ]
    dry = (await import_json(service, CAPACITY, rows, query="?dry_run=true")).json()
    assert (dry["created"], dry["updated"], dry["unchanged"], dry["rejected_count"]) == (1, 1, 1, 3)
    assert await stored_capacity(service) == before
    report = (await import_json(service, CAPACITY, rows)).json()
    assert (report["received"], report["created"], report["updated"], report["unchanged"]) == (6, 1, 1, 1)
    assert [(r["row"], r["external_id"], r["errors"][0]["field"]) for r in report["rejected"]] == [
        (4, "HR-9", "external_id"),
        (5, "HR-1", "period"),
        (6, "HR-2", "period"),
    ]
    assert "repeats row 2" in report["rejected"][1]["errors"][0]["message"]
    after = await stored_capacity(service)
    assert after[("HR-1", "2026-01")] == before[("HR-1", "2026-01")]  # untouched: same version and time
    assert after[("HR-1", "2026-02")][:2] == (110.5, 2)
    assert after[("HR-2", "2026-02")][:2] == (60.0, 1)
    assert after[("HR-2", "2026-01")] == before[("HR-2", "2026-01")]


async def test_an_atomic_capacity_import_with_an_unknown_person_applies_nothing(service: Any) -> None:
    await import_json(service, RESOURCES, [person("HR-1")])
    rows = [figure("HR-1", "2026-01", 100), figure("HR-9", "2026-01", 10)]
    refused = await import_json(service, CAPACITY, rows, query="?atomic=true")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "rows[2].external_id"
    assert await stored_capacity(service) == {}
    applied = await import_json(service, CAPACITY, rows[:1], query="?atomic=true")
    assert applied.status_code == 200 and applied.json()["created"] == 1


async def test_an_overallocation_an_import_resolves_is_announced_again_when_an_import_brings_it_back(
    service: Any, events: Any
) -> None:
    project = await service.add_project()
    ada = await service.add_person("HR-1", hours_per_week=40)
    body = {
        "project_id": str(project),
        "resource_id": ada["id"],
        "start_period": "2026-02",
        "end_period": "2026-02",
        "hours_per_period": 100,
    }
    assert (
        await service.client.post("/resource/v1/allocations", json=body, headers=ADMIN)
    ).status_code == 201
    for hours, completed in ((60, 1), (120, 2), (60, 3)):  # over, resolved (forgotten), over again
        rows = [figure("HR-1", "2026-02", hours), figure("HR-1", "2026-03", hours)]
        assert (await import_json(service, CAPACITY, rows)).status_code == 200
        await events.wait_for("pmo.resource.import.completed", completed)
    detected = await events.wait_for("pmo.resource.overallocation.detected", 2)
    assert [(d["sequence"], d["data"]["period"], d["data"]["excess_hours"]) for d in detected] == [
        (1, "2026-02", 40.0),
        (2, "2026-02", 40.0),
    ]


async def test_one_capacity_event_per_import_not_per_row(service: Any, events: Any) -> None:
    await import_json(
        service, RESOURCES, [person(f"HR-{i}", role="developer" if i % 2 else "tester") for i in range(10)]
    )
    await events.wait_for("pmo.resource.import.completed", 1)
    assert len(events.of("pmo.resource.capacity.changed")) == 1
    assert len(events.of("pmo.resource.resource.upserted")) == 10
    rows = [{"external_id": f"HR-{i}", "period": "2026-01", "available_hours": 10} for i in range(10)]
    await import_json(service, CAPACITY, rows)
    completed = await events.wait_for("pmo.resource.import.completed", 2)
    assert completed[-1]["data"]["created"] == 10
    changed = events.of("pmo.resource.capacity.changed")
    assert len(changed) == 2
    assert changed[-1]["sequence"] == changed[0]["sequence"] + 1
    totals = {(t["role"], t["period"]): t["hours"] for t in changed[-1]["data"]["totals"]}
    assert totals[("developer", "2026-01")] == 50.0 and totals[("tester", "2026-01")] == 50.0


async def test_a_crash_mid_import_leaves_the_data_as_before(
    service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await import_json(service, RESOURCES, [person("HR-1")])
    await import_json(service, CAPACITY, [{"external_id": "HR-1", "period": "2026-01", "available_hours": 5}])
    before = await capacity_rows(service)
    real = import_repository.write_staged_capacity
    calls = 0

    async def dies_after_writing(session: Any, now: Any) -> None:
        nonlocal calls
        calls += 1
        await real(session, now)
        raise RuntimeError("the database connection died")

    monkeypatch.setattr(import_repository, "write_staged_capacity", dies_after_writing)
    rows = [
        {"external_id": "HR-1", "period": f"20{27 + i // 12}-{i % 12 + 1:02d}", "available_hours": 1}
        for i in range(25)
    ]
    rows.append({"external_id": "HR-1", "period": "2026-01", "available_hours": 99})
    with pytest.raises(RuntimeError):
        await import_json(service, CAPACITY, rows)
    assert calls == 1  # the rows were written before the failure...
    assert await capacity_rows(service) == before  # ...and rolled back with the rest
    monkeypatch.setattr(import_repository, "write_staged_capacity", real)
    again = (await import_json(service, CAPACITY, rows)).json()  # the staging table is usable again
    assert (again["created"], again["updated"]) == (25, 1)


@pytest.mark.slow
async def test_100k_capacity_rows_import_in_a_few_seconds(service: Any) -> None:
    people = [person(f"HR-{i}") for i in range(5000)]
    assert (await import_json(service, RESOURCES, people)).status_code == 200
    rows = [
        {"external_id": f"HR-{i}", "period": f"{2026 + m // 12}-{m % 12 + 1:02d}", "available_hours": 120}
        for i in range(5000)
        for m in range(20)
    ]
    started = time.perf_counter()
    response = await import_json(service, CAPACITY, rows)
    elapsed = time.perf_counter() - started
    print(f"\n100,000 capacity rows imported in {elapsed:.2f} s")
    assert response.status_code == 200 and response.json()["created"] == 100_000


async def test_hostile_json_bodies_are_4xx_and_the_service_stays_usable(service: Any) -> None:
    nested = b'{"rows": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    headers = {**ADMIN, "Content-Type": "application/json"}
    deep = await service.client.post(RESOURCES, content=nested, headers=headers)
    assert deep.status_code == 422 and "nests deeper" in deep.text
    huge = b'{"rows": [{"external_id": "HR-1", "name": "x", "role": "dev", "fte": ' + b"9" * 5000 + b"}]}"
    big = await service.client.post(RESOURCES, content=huge, headers=headers)
    assert big.status_code == 422, big.text
    assert (await import_json(service, RESOURCES, [person("HR-1")])).status_code == 200


async def test_nul_in_a_row_rejects_that_row_or_the_atomic_import(service: Any) -> None:
    rows = [person("HR-1"), person("HR-2", name="Eve\x00"), person("HR-\x003", name="Fine")]
    report = (await import_json(service, RESOURCES, rows)).json()
    assert report["created"] == 1
    assert [(r["row"], r["errors"][0]["field"]) for r in report["rejected"]] == [
        (2, "name"),
        (3, "external_id"),
    ]
    assert report["rejected"][1]["external_id"] == "HR-3"  # echoed without the NUL
    atomic = await import_json(service, RESOURCES, rows, query="?atomic=true")
    assert atomic.status_code == 422
    csv_body = "external_id,name,role\nHR-4,Ann,dev\nHR-5,Bo\x00b,dev\n"
    csv = await service.client.post(
        RESOURCES, content=csv_body, headers={**ADMIN, "Content-Type": "text/csv"}
    )
    assert csv.status_code == 200, csv.text
    assert csv.json()["created"] == 1 and csv.json()["rejected"][0]["errors"][0]["field"] == "name"


async def test_an_integration_key_cannot_confirm_a_guessed_cost_rate(service: Any) -> None:
    stored = await import_json(service, RESOURCES, [person("HR-1", cost_rate="95.50")])
    assert stored.status_code == 200
    outcomes = []
    for guess in ("95.50", "80.00"):
        dry = await import_json(
            service, RESOURCES, [person("HR-1", cost_rate=guess)], headers=INTEGRATION, query="?dry_run=true"
        )
        body = dry.json()
        outcomes.append((body["created"], body["updated"], body["unchanged"]))
    assert outcomes[0] == outcomes[1] == (0, 1, 0)  # the right and the wrong guess look the same
    # A reader of cost rates still gets the exact comparison.
    exact = await import_json(service, RESOURCES, [person("HR-1", cost_rate="95.50")], query="?dry_run=true")
    assert exact.json()["unchanged"] == 1
    # Without a cost rate in the row, an integration key's resend is unchanged as usual.
    plain = await import_json(
        service, RESOURCES, [person("HR-1")], headers=INTEGRATION, query="?dry_run=true"
    )
    assert plain.json()["unchanged"] == 1
