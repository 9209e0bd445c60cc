"""Baselines (contract §7.3): baseline 1 taken when a project is first approved, in force from that
gate decision's `decided_at`; re-baselines by pmo/admin with a rationale, recorded in the decision
log; edits after approval change the forecast, not the baseline; project events carry the baseline
in force."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.events.outbox import OUTBOX
from pmo_common.testing.harness import auth
from pmo_portfolio.baselines import repository as baselines
from pmo_portfolio.projects import repository as projects
from pmo_portfolio.projects import service as project_service
from sqlalchemy import event, select

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
PM_MARY = auth("mary", "project_manager")
VIEWER = auth("vic", "viewer")
PLAN = {
    "start_date": "2025-01-01",
    "finish_date": "2025-04-30",
    "budget": "1200.00",
    "cost_profile": [
        {"period": "2025-01", "amount": "200.00"},
        {"period": "2025-02", "amount": "300.00"},
        {"period": "2025-03", "amount": "300.00"},
        {"period": "2025-04", "amount": "400.00"},
    ],
}
APPROVED_AT = "2025-01-15T09:30:00Z"
WSJF = {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 2}


async def _approved(api: Any, client: httpx.AsyncClient, code: str = "BL", **fields: Any) -> dict[str, Any]:
    pf = await api.portfolio()
    project = await api.project(pf["id"], code, **{**PLAN, **fields})
    r = await client.post(
        f"/portfolio/v1/projects/{project['id']}/gate-decisions",
        json={
            "to_stage": "approved",
            "decision": "approve",
            "rationale": "business case",
            "decided_at": APPROVED_AT,
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    return dict((await client.get(f"/portfolio/v1/projects/{project['id']}", headers=ADMIN)).json())


async def _baselines(client: httpx.AsyncClient, project_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"/portfolio/v1/projects/{project_id}/baselines", headers=VIEWER)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def _rebaseline(
    client: httpx.AsyncClient, project_id: str, headers: dict[str, str] = ADMIN, **body: Any
) -> httpx.Response:
    return await client.post(f"/portfolio/v1/projects/{project_id}/baselines", json=body, headers=headers)


async def _events(app: FastAPI, subject_id: str, kind: str) -> list[dict[str, Any]]:
    async with app.state.db.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(OUTBOX.c.payload).where(OUTBOX.c.subject.like(f"pmo.portfolio.{kind}.%"))
            )
        ).all()
    events = [json.loads(p) for p in payloads]
    return sorted((e for e in events if subject_id in (e["subject"], e["data"].get("project_id"))), key=_seq)


def _seq(event: dict[str, Any]) -> tuple[int, str]:
    return (event["sequence"], event["time"])


async def test_baseline_1_is_taken_on_approval_dated_by_the_back_dated_decision(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    project = await _approved(api, client)
    (first,) = await _baselines(client, project["id"])
    assert first["number"] == 1 and first["project_id"] == project["id"]
    assert datetime.fromisoformat(first["approved_at"]) == datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    assert (first["budget"], first["start_date"], first["finish_date"]) == (
        "1200.00",
        "2025-01-01",
        "2025-04-30",
    )
    assert first["cost_profile"] == PLAN["cost_profile"]
    assert (first["approved_by"], first["rationale"], first["version"]) == ("alice", "business case", 1)
    assert project["baseline"] == {
        k: first[k] for k in ("number", "budget", "start_date", "finish_date", "cost_profile", "approved_at")
    }
    (approved,) = await _events(app, project["id"], "baseline")
    assert approved["type"] == "pmo.portfolio.baseline.approved.v1" and approved["subject"] == first["id"]
    assert approved["data"]["portfolio_id"] == project["portfolio_id"] and approved["data"]["number"] == 1
    stage = [e for e in await _events(app, project["id"], "project") if e["data"]["stage"] == "approved"]
    assert stage[0]["type"] == "pmo.portfolio.project.stage_changed.v1"
    assert stage[0]["data"]["baseline"]["number"] == 1  # the approval's own event names it
    one = await client.get(f"/portfolio/v1/projects/{project['id']}/baselines/{first['id']}", headers=VIEWER)
    assert one.status_code == 200 and one.json() == first and one.headers["ETag"] == '"1"'
    missing = await client.get(
        f"/portfolio/v1/projects/{project['id']}/baselines/{uuid.uuid4()}", headers=VIEWER
    )
    assert missing.status_code == 404


async def test_only_the_first_entry_into_approved_takes_a_baseline(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    rejected = await api.project(pf["id"], "REJ")
    assert (await api.decide(rejected["id"], "rejected", "reject")).status_code == 201
    assert await _baselines(client, rejected["id"]) == []
    project = await api.project(pf["id"], "HOLD")
    assert (await api.decide(project["id"], "approved", "approve")).status_code == 201
    assert (await api.decide(project["id"], "on_hold", "hold")).status_code == 201
    assert (await api.decide(project["id"], "approved", "approve")).status_code == 201  # resumed
    assert [b["number"] for b in await _baselines(client, project["id"])] == [1]


async def test_edits_after_approval_change_the_forecast_not_the_baseline(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    project = await _approved(api, client)
    profile = [*PLAN["cost_profile"][:3], {"period": "2025-04", "amount": "700.00"}]
    r = await client.patch(
        f"/portfolio/v1/projects/{project['id']}",
        json={"budget": "1500.00", "cost_profile": profile},
        headers={**ADMIN, "If-Match": f'"{project["version"]}"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["budget"] == "1500.00" and r.json()["cost_profile"] == profile
    assert r.json()["baseline"] == project["baseline"]  # still 1200.00
    (first,) = await _baselines(client, project["id"])
    assert first["budget"] == "1200.00" and first["cost_profile"] == PLAN["cost_profile"]
    updated = (await _events(app, project["id"], "project"))[-1]
    assert updated["type"] == "pmo.portfolio.project.updated.v1" and updated["data"]["budget"] == "1500.00"
    assert updated["data"]["baseline"]["budget"] == "1200.00"


async def test_a_rebaseline_needs_pmo_or_admin_a_rationale_and_baseline_1(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    proposal = await api.project(pf["id"], "NEW", headers=PM_MARY, manager="mary")
    early = await _rebaseline(client, proposal["id"], rationale="too early")
    assert early.status_code == 409 and "baseline 1" in early.json()["detail"]
    project = await _approved(api, client, manager="mary")
    own = await _rebaseline(client, project["id"], PM_MARY, rationale="my own project")
    assert own.status_code == 403, own.text
    assert (await _rebaseline(client, project["id"], VIEWER, rationale="x")).status_code == 403
    for body in ({}, {"rationale": ""}):
        r = await _rebaseline(client, project["id"], **body)
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["body.rationale"]
    unfit = await _rebaseline(client, project["id"], budget="1300.00", rationale="more")
    assert unfit.status_code == 422 and [e["field"] for e in unfit.json()["errors"]] == ["cost_profile"]
    backwards = await _rebaseline(client, project["id"], finish_date="2024-12-31", rationale="x")
    assert backwards.status_code == 422, backwards.text
    assert (await _rebaseline(client, str(uuid.uuid4()), rationale="x")).status_code == 404
    assert [b["number"] for b in await _baselines(client, project["id"])] == [1]  # nothing was taken
    for to_stage, decision in (("in_progress", "approve"), ("closed", "close")):
        assert (await api.decide(project["id"], to_stage, decision)).status_code == 201
    closed = await _rebaseline(client, project["id"], rationale="after the fact")
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]


async def test_a_rebaseline_comes_into_force_and_is_logged_and_published(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    project = await _approved(api, client)
    before = datetime.now(UTC)
    r = await _rebaseline(
        client,
        project["id"],
        PMO,
        budget="1500.00",
        finish_date="2025-06-30",
        cost_profile=[*PLAN["cost_profile"], {"period": "2025-06", "amount": "300.00"}],
        rationale="Scope change CR-17",
    )
    assert r.status_code == 201, r.text
    second = r.json()
    assert r.headers["Location"].endswith(f"/projects/{project['id']}/baselines/{second['id']}")
    assert (second["number"], second["budget"], second["finish_date"]) == (2, "1500.00", "2025-06-30")
    assert second["start_date"] == "2025-01-01"  # left out: taken from the project
    assert (second["approved_by"], second["rationale"]) == ("pat", "Scope change CR-17")
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(second["approved_at"]) <= datetime.now(UTC)
    assert [b["number"] for b in await _baselines(client, project["id"])] == [1, 2]
    current = (await client.get(f"/portfolio/v1/projects/{project['id']}", headers=VIEWER)).json()
    assert current["baseline"]["number"] == 2 and current["baseline"]["budget"] == "1500.00"
    assert (
        current["budget"] == "1200.00" and current["version"] == project["version"] + 1
    )  # forecast as it was
    updated = (await _events(app, project["id"], "project"))[-1]
    assert updated["type"] == "pmo.portfolio.project.updated.v1" and updated["data"]["changed"] == [
        "baseline"
    ]
    assert updated["data"]["baseline"]["number"] == 2 and updated["sequence"] == current["version"]
    assert [e["data"]["number"] for e in await _events(app, project["id"], "baseline")] == [1, 2]
    log = (
        await client.get(f"/portfolio/v1/decisions?project_id={project['id']}&kind=baseline", headers=VIEWER)
    ).json()
    (entry,) = log["items"]
    assert entry["rationale"] == "Scope change CR-17" and entry["decided_by"] == "pat"
    assert {"type": "baseline", "id": second["id"]} in entry["links"]
    assert entry["decided_at"] == second["approved_at"]
    just_rationale = await _rebaseline(client, project["id"], rationale="Adopt the forecast")
    assert just_rationale.status_code == 201 and just_rationale.json()["number"] == 3
    assert just_rationale.json()["budget"] == "1200.00"  # the project's forecast, as it stands


async def test_the_baseline_in_force_at_a_time(api: Any, client: httpx.AsyncClient, app: FastAPI) -> None:
    project = await _approved(api, client)
    second = (await _rebaseline(client, project["id"], rationale="re-plan")).json()
    pid = uuid.UUID(project["id"])
    async with app.state.db.sessionmaker() as session:
        assert await baselines.exists(session, pid) and not await baselines.exists(session, uuid.uuid4())
        assert await baselines.in_force(session, uuid.uuid4()) is None
        now = await baselines.in_force(session, pid)
        before_approval = await baselines.in_force(session, pid, datetime(2024, 6, 1, tzinfo=UTC))
        after_approval = await baselines.in_force(session, pid, datetime(2025, 1, 15, 9, 30, tzinfo=UTC))
        later = await baselines.in_force(session, pid, datetime.fromisoformat(second["approved_at"]))
    assert now is not None and now.number == 2 and later is not None and later.number == 2
    assert before_approval is not None and before_approval.number == 1  # baseline 1 serves dates before it
    assert after_approval is not None and after_approval.number == 1


async def test_deleting_a_baselined_project_takes_its_baselines_but_keeps_the_log(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    project = await _approved(api, client)
    assert (await _rebaseline(client, project["id"], rationale="re-plan")).status_code == 201
    current = (await client.get(f"/portfolio/v1/projects/{project['id']}", headers=ADMIN)).json()
    r = await client.delete(
        f"/portfolio/v1/projects/{project['id']}", headers={**ADMIN, "If-Match": f'"{current["version"]}"'}
    )
    assert r.status_code == 204, r.text
    async with app.state.db.sessionmaker() as session:
        assert not await baselines.exists(session, uuid.UUID(project["id"]))
    kinds = [
        e["kind"]
        for e in (
            await client.get(f"/portfolio/v1/decisions?project_id={project['id']}", headers=VIEWER)
        ).json()["items"]
    ]
    assert kinds == ["gate", "baseline"]
    verified = await client.get(
        f"/portfolio/v1/portfolios/{project['portfolio_id']}/decisions/verify", headers=VIEWER
    )
    assert verified.json() == {"ok": True, "entries": 2, "first_bad_sequence": None}


async def test_the_reads_answer_what_the_project_and_its_baselines_say(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    """`GET /projects/{id}` and `GET /projects` read projects and their baselines in force in one Core
    statement; they answer what the ORM model (the project and every baseline loaded) says: before
    approval, with baseline 1, and once a re-baseline is in force, with tags and WSJF set."""
    pf = await api.portfolio()
    proposal = await api.project(pf["id"], "PRE", tags=["north"], wsjf=WSJF)
    project = await _approved(api, client, code="RD", tags=["b", "a"])
    assert (
        await _rebaseline(client, project["id"], budget="1200.00", rationale="re-plan")
    ).status_code == 201

    async def orm_read(project_id: str) -> dict[str, Any]:
        async with app.state.db.sessionmaker() as session:
            stored = await projects.get(session, uuid.UUID(project_id))
            assert stored is not None
            return project_service.read(stored).model_dump(mode="json")

    for pid in (proposal["id"], project["id"]):
        answer = await client.get(f"/portfolio/v1/projects/{pid}", headers=VIEWER)
        assert answer.status_code == 200, answer.text
        assert answer.json() == await orm_read(pid)
        assert answer.headers["ETag"] == f'"{answer.json()["version"]}"'
    read = (await client.get(f"/portfolio/v1/projects/{project['id']}", headers=VIEWER)).json()
    assert read["baseline"]["number"] == 2 and read["tags"] == ["b", "a"]
    listed = await client.get("/portfolio/v1/projects?limit=500", headers=VIEWER)
    items = {item["id"]: item for item in listed.json()["items"]}
    for pid in (proposal["id"], project["id"]):
        assert items[pid] == await orm_read(pid)
    assert (await client.get(f"/portfolio/v1/projects/{uuid.uuid4()}", headers=VIEWER)).status_code == 404


async def test_a_write_loads_its_project_and_baselines_in_one_select(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    """A PATCH loads the project it changes with its baselines joined (the relationship's own load
    was a second SELECT), and its event still names the baseline in force."""
    project = await _approved(api, client, code="ONE")
    assert (
        await _rebaseline(client, project["id"], budget="1200.00", rationale="re-plan")
    ).status_code == 201
    selects: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "baselines" in statement:
            selects.append(statement)

    event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        etag = (await client.get(f"/portfolio/v1/projects/{project['id']}", headers=ADMIN)).headers["ETag"]
        selects.clear()
        r = await client.patch(
            f"/portfolio/v1/projects/{project['id']}",
            json={"description": "new words"},
            headers={**ADMIN, "If-Match": etag},
        )
    finally:
        event.remove(app.state.db.engine.sync_engine, "before_cursor_execute", seen)
    assert r.status_code == 200, r.text
    assert r.json()["baseline"]["number"] == 2
    assert len(selects) == 1 and "JOIN" in selects[0].upper(), selects
    updated = [
        e
        for e in await _events(app, project["id"], "project")
        if e["type"] == "pmo.portfolio.project.updated.v1"
    ]
    assert updated[-1]["data"]["baseline"]["number"] == 2
