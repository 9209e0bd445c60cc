"""Importing Microsoft Project plans (MSPDI XML) over HTTP: the project, its cost profile and its
baseline, idempotent re-imports by the file's GUID, dry runs, and files that are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, running
from pmo_common.testing.mspdi_files import TaskSpec, mspdi_file, sample
from pmo_portfolio.main import create_app

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
XML = {"Content-Type": "application/xml"}
OFFICE_MOVE = sample("office_move.xml")
PROFILE = [
    {"period": "2027-01", "amount": "18797.37"},
    {"period": "2027-02", "amount": "22246.57"},
    {"period": "2027-03", "amount": "12606.06"},
]
BASELINE_PROFILE = [
    {"period": "2027-01", "amount": "18336.84"},
    {"period": "2027-02", "amount": "21724.70"},
    {"period": "2027-03", "amount": "9938.46"},
]


def url(portfolio_id: str, dry_run: bool = False) -> str:
    return f"/portfolio/v1/portfolios/{portfolio_id}/imports/msproject" + ("?dry_run=true" if dry_run else "")


async def send(
    client: httpx.AsyncClient, portfolio_id: str, body: bytes, dry_run: bool = False, **kw: Any
) -> httpx.Response:
    headers = {**XML, **ADMIN, **kw.pop("headers", {})}
    return await client.post(url(portfolio_id, dry_run), content=body, headers=headers, **kw)


async def projects_of(client: httpx.AsyncClient, portfolio_id: str) -> list[dict[str, Any]]:
    r = await client.get("/portfolio/v1/projects", params={"portfolio_id": portfolio_id}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_plan_becomes_a_project_with_its_budget_profile_and_baseline(
    api, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio(currency="EUR")
    r = await send(client, pf["id"], OFFICE_MOVE)
    assert r.status_code == 201, r.text
    result = r.json()
    assert result["action"] == "created" and not result["dry_run"]
    assert result["msproject_guid"] == "8C7B1E5A-3F2D-4A6B-9C1E-2D3F4A5B6C7D" and result["guid_in_file"]
    assert r.headers["Location"].endswith(f"/portfolio/v1/projects/{result['project_id']}")
    assert result["changes"]["budget"] == {"from": None, "to": "53650.00"}
    assert result["changes"]["code"] == {"from": None, "to": "Office-Move-2027"}
    project = (await client.get(f"/portfolio/v1/projects/{result['project_id']}", headers=ADMIN)).json()
    assert (project["name"], project["code"], project["stage"]) == (
        "Office Move 2027",
        "Office-Move-2027",
        "proposal",
    )
    assert (project["start_date"], project["finish_date"]) == ("2027-01-04", "2027-03-26")
    assert project["budget"] == "53650.00"
    assert project["cost_profile"] == PROFILE
    assert result["baseline"] == {
        "action": "recorded",
        "number": 1,
        "budget": "50000.00",
        "start_date": "2027-01-04",
        "finish_date": "2027-03-19",
        "cost_profile": BASELINE_PROFILE,
    }
    in_force = project["baseline"]
    assert (in_force["number"], in_force["budget"], in_force["finish_date"]) == (1, "50000.00", "2027-03-19")
    assert in_force["cost_profile"] == BASELINE_PROFILE


async def test_the_import_goes_through_the_change_path(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    project_id = (await send(client, pf["id"], OFFICE_MOVE)).json()["project_id"]
    trail = await client.get(
        "/portfolio/v1/audit", params={"entity_type": "project", "entity_id": project_id}, headers=ADMIN
    )
    assert [(e["action"], e["actor"], e["version"]) for e in trail.json()["items"]] == [
        ("created", "alice", 1),
        ("baseline_imported", "alice", 2),
    ]
    log = await client.get("/portfolio/v1/decisions", params={"project_id": project_id}, headers=ADMIN)
    assert [(d["kind"], d["decided_by"]) for d in log.json()["items"]] == [("baseline", "alice")]


async def test_the_same_file_twice_changes_nothing_the_second_time(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    first = (await send(client, pf["id"], OFFICE_MOVE)).json()
    before = await projects_of(client, pf["id"])
    again = await send(client, pf["id"], OFFICE_MOVE)
    assert again.status_code == 200, again.text
    result = again.json()
    assert (result["action"], result["changes"], result["project_id"]) == (
        "unchanged",
        {},
        first["project_id"],
    )
    assert result["baseline"]["action"] == "unchanged" and result["baseline"]["number"] == 1
    assert await projects_of(client, pf["id"]) == before  # same version, same everything


async def test_a_changed_plan_updates_its_project_and_rebaselines(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    project_id = (await send(client, pf["id"], OFFICE_MOVE)).json()["project_id"]
    replanned = (
        OFFICE_MOVE.replace(b"<Title>Office Move 2027</Title>", b"<Title>Office Move (phase 1)</Title>")
        .replace(b"<Cost>5365000</Cost>", b"<Cost>5465000</Cost>")  # the summary: +1000.00
        .replace(b"<FixedCost>1200000</FixedCost>\n\t\t\t<Cost>1200000</Cost>", b"<Cost>1300000</Cost>")
        .replace(b"<Cost>5000000</Cost>", b"<Cost>5100000</Cost>")  # the summary's Baseline 0: +1000.00
    )
    r = await send(client, pf["id"], replanned)
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["action"], result["project_id"]) == ("updated", project_id)
    assert sorted(result["changes"]) == ["budget", "cost_profile", "name"]
    assert result["changes"]["name"] == {"from": "Office Move 2027", "to": "Office Move (phase 1)"}
    assert result["project"]["budget"] == "54650.00" and result["project"]["code"] == "Office-Move-2027"
    assert sum(float(p["amount"]) for p in result["project"]["cost_profile"]) == pytest.approx(54650.00)
    assert (result["baseline"]["action"], result["baseline"]["number"]) == ("recorded", 2)
    assert result["project"]["baseline"]["budget"] == "51000.00"
    baselines = await client.get(f"/portfolio/v1/projects/{project_id}/baselines", headers=ADMIN)
    assert [b["number"] for b in baselines.json()["items"]] == [1, 2]


async def test_a_dry_run_reports_and_writes_nothing(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    dry = await send(client, pf["id"], OFFICE_MOVE, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["dry_run"], report["action"], report["project_id"], report["project"]) == (
        True,
        "created",
        None,
        None,
    )
    assert report["changes"]["cost_profile"]["to"] == PROFILE
    assert report["baseline"]["action"] == "recorded" and report["baseline"]["number"] == 1
    assert await projects_of(client, pf["id"]) == []
    await send(client, pf["id"], OFFICE_MOVE)
    before = await projects_of(client, pf["id"])
    changed = OFFICE_MOVE.replace(b"<Title>Office Move 2027</Title>", b"<Title>Renamed</Title>")
    dry = (await send(client, pf["id"], changed, dry_run=True)).json()
    assert (dry["action"], list(dry["changes"])) == ("updated", ["name"])
    assert await projects_of(client, pf["id"]) == before


async def test_the_file_may_come_as_a_multipart_field_or_text_xml(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    r = await client.post(
        url(pf["id"]), files={"file": ("plan.xml", OFFICE_MOVE, "application/xml")}, headers=PMO
    )
    assert r.status_code == 201, r.text
    again = await send(client, pf["id"], OFFICE_MOVE, headers={"Content-Type": "text/xml; charset=utf-8"})
    assert again.json()["action"] == "unchanged"
    none = await client.post(url(pf["id"]), files={"other": ("x.xml", b"<x/>", "text/xml")}, headers=ADMIN)
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "file"


@pytest.mark.parametrize(
    ("name", "says"),
    [("billion_laughs.xml", "billion-laughs"), ("external_entity.xml", "file:///etc/passwd': XXE")],
)
async def test_xml_bombs_and_external_entities_are_refused_and_nothing_is_applied(
    api,
    client: httpx.AsyncClient,
    name: str,
    says: str,  # type: ignore[no-untyped-def]
) -> None:
    pf = await api.portfolio()
    r = await send(client, pf["id"], sample(name))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"].endswith("/unsafe-xml") and says in problem["detail"]
    assert problem["errors"][0]["field"] == "file"
    assert await projects_of(client, pf["id"]) == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (OFFICE_MOVE[:4000], "not well-formed XML"),
        (b"<Workbook/>", "not a Microsoft Project file"),
        (b"<Project xmlns='http://schemas.microsoft.com/project'/>", "no project summary task"),
        (OFFICE_MOVE.replace(b"<Cost>760000</Cost>", b"<Cost>7.600,00</Cost>", 1), "Cost of task UID 2"),
        (
            OFFICE_MOVE.replace(b"<CurrencyCode>EUR</CurrencyCode>", b"<CurrencyCode>USD</CurrencyCode>"),
            "USD",
        ),
        (
            OFFICE_MOVE.replace(b"<FinishDate>2027-03-26T17:00:00", b"<FinishDate>2027-03-19T17:00:00"),
            "Task UID 7 ('IT setup') runs 2027-02-22..2027-03-26",
        ),
    ],
)
async def test_a_file_that_cannot_be_imported_says_why(
    api, client: httpx.AsyncClient, body: bytes, says: str
) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio(currency="EUR")
    r = await send(client, pf["id"], body)
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/msproject-file") and says in r.json()["detail"]
    assert await projects_of(client, pf["id"]) == []


async def test_other_content_types_unknown_portfolios_and_roles(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    as_json = await send(client, pf["id"], b"{}", headers={"Content-Type": "application/json"})
    assert as_json.status_code == 415 and "application/xml" in as_json.json()["detail"]
    unknown = await send(client, "00000000-0000-0000-0000-000000000001", OFFICE_MOVE)
    assert unknown.status_code == 404
    for role in ("project_manager", "viewer", "resource_manager"):
        r = await send(client, pf["id"], OFFICE_MOVE, headers=auth("u", role))
        assert r.status_code == 403, role


async def test_a_file_without_guid_is_found_again_by_name_and_creation_date(
    api, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    plan = mspdi_file(tasks=[TaskSpec(1, "Build", "2027-01-04", "2027-02-26", cost="12000.00")], guid=None)
    first = (await send(client, pf["id"], plan)).json()
    assert not first["guid_in_file"] and len(first["msproject_guid"]) == 64
    assert first["baseline"] is None and first["project"]["baseline"] is None
    bigger = plan.replace(b"<Cost>1200000</Cost>", b"<Cost>1500000</Cost>")
    second = (await send(client, pf["id"], bigger)).json()
    assert (second["action"], second["project_id"]) == ("updated", first["project_id"])
    assert second["project"]["budget"] == "15000.00"


async def test_import_files_get_the_import_body_limit(
    api,
    client: httpx.AsyncClient,
    make_settings: Callable[..., Settings],  # type: ignore[no-untyped-def]
) -> None:
    pf = await api.portfolio()
    padded = OFFICE_MOVE.replace(b"<Tasks>", b"<!-- " + b"x" * 1_200_000 + b" --><Tasks>", 1)  # over 1 MiB
    assert (await send(client, pf["id"], padded)).status_code == 201
    big_json = await client.post(
        "/portfolio/v1/projects",
        content=b" " * 1_200_000,
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert big_json.status_code == 413  # every other path keeps the ordinary limit
    small = create_app(make_settings("portfolio", max_import_body_bytes=8192))
    async with running(small) as other:
        pf2 = (
            await other.post(
                "/portfolio/v1/portfolios",
                json={"name": "P", "currency": "EUR", "budget": "1.00"},
                headers=ADMIN,
            )
        ).json()
        r = await send(other, pf2["id"], OFFICE_MOVE)
        assert r.status_code == 413 and r.json()["limit_bytes"] == 8192
