"""The platform as its users drive it: four uvicorn processes, a nats-server, real HTTP and NATS.

A PMO sets up a portfolio; HR pushes people and capacity; projects are scored and selected with
capacity respected; risks are raised and escalate; status reports arrive; the reporting dashboard
shows all of it; a raw nats-py subscriber sees every contract subject with a valid envelope; and a
service killed mid-flow loses nothing and applies nothing twice when it comes back.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import nats
import pytest
from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import CATALOGUE, validate_data
from pmo_common.testing.harness import auth, eventually
from pmo_common.testing.stack import Stack

from .conftest import HR_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

ADMIN = auth("pmo-lead", "admin")
PM = auth("pm.ada", "project_manager")
HR = {"X-API-Key": HR_KEY}
MONTHS = [f"2027-{m:02d}" for m in range(1, 7)]


class Raw:
    """A plain nats-py subscriber on everything the platform publishes."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, str], dict[str, Any]]] = []

    async def start(self, url: str) -> None:
        self.nc = await nats.connect(url)

        async def collect(msg: Any) -> None:
            self.events.append((msg.subject, dict(msg.headers or {}), json.loads(msg.data)))

        await self.nc.subscribe("pmo.>", cb=collect)

    def subjects(self) -> Counter[str]:
        return Counter(subject for subject, _, _ in self.events)

    async def close(self) -> None:
        await self.nc.close()


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json() if response.content else None


async def _patch(client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    current = await client.get(url, headers=headers)
    return await _ok(
        await client.patch(url, json=body, headers={**headers, "If-Match": current.headers["etag"]})
    )


async def _delete(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    current = await client.get(url, headers=headers)
    await _ok(await client.delete(url, headers={**headers, "If-Match": current.headers["etag"]}), 204)


async def test_a_portfolio_from_set_up_to_board_dashboard(stack: Stack) -> None:
    raw = Raw()
    await raw.start(stack.nats_url)
    p, k, r, rep = (stack[s].api for s in ("portfolio", "risk", "resource", "reporting"))
    async with httpx.AsyncClient(timeout=30) as http:
        # --- the PMO sets up a portfolio with two weighted criteria ---------------------------
        portfolio = await _ok(
            await http.post(
                f"{p}/portfolios",
                headers=ADMIN,
                json={
                    "name": "Digital 2027",
                    "currency": "EUR",
                    "budget": "1000000.00",
                    "start_date": "2026-01-01",
                    "end_date": "2027-12-31",
                },
            ),
            201,
        )
        pid = portfolio["id"]
        value = await _ok(
            await http.post(
                f"{p}/portfolios/{pid}/criteria",
                headers=ADMIN,
                json={
                    "name": "Strategic value",
                    "weight": 0.7,
                    "min_score": 0,
                    "max_score": 10,
                    "direction": "higher_is_better",
                },
            ),
            201,
        )
        risk_c = await _ok(
            await http.post(
                f"{p}/portfolios/{pid}/criteria",
                headers=ADMIN,
                json={
                    "name": "Delivery risk",
                    "weight": 0.3,
                    "min_score": 1,
                    "max_score": 5,
                    "direction": "lower_is_better",
                },
            ),
            201,
        )
        projects = {}
        for code, budget, strategic, delivery in [
            ("CRM", "400000.00", 9, 2),
            ("ERP", "500000.00", 8, 4),
            ("WEB", "200000.00", 6, 1),
            ("BI", "300000.00", 7, 2),
        ]:
            project = await _ok(
                await http.post(
                    f"{p}/projects",
                    headers=ADMIN,
                    json={
                        "portfolio_id": pid,
                        "code": code,
                        "name": f"{code} programme",
                        "sponsor": "CFO",
                        "manager": "pm.ada",
                        "budget": budget,
                        "start_date": "2026-07-01",
                        "finish_date": "2027-06-30",
                        "value": budget,
                    },
                ),
                201,
            )
            await _ok(
                await http.put(
                    f"{p}/projects/{project['id']}/scores",
                    headers=ADMIN,
                    json={value["id"]: strategic, risk_c["id"]: delivery},
                )
            )
            projects[code] = project["id"]
        ranking = await _ok(
            await http.get(f"{p}/portfolios/{pid}/ranking", headers=ADMIN, params={"method": "weighted"})
        )
        assert ranking["items"][0]["project_id"] == projects["CRM"]
        top = ranking["items"][0]
        assert abs(sum(top["breakdown"].values()) - top["score"]) < 1e-6

        # --- HR pushes people and their monthly capacity ------------------------------------------
        people = [
            {
                "external_id": f"E{i:03d}",
                "name": f"Engineer {i}",
                "email": f"e{i}@example.com",
                "role": "engineer",
                "skills": ["python"],
                "org_unit": "IT",
                "fte": "1",
                "hours_per_week": "40",
                "cost_rate": "90.00",
                "active": True,
            }
            for i in range(3)
        ]
        imported = await _ok(await http.post(f"{r}/imports/resources", headers=HR, json={"rows": people}))
        assert imported["created"] == 3 and imported["rejected"] == []
        capacity = [
            {"external_id": f"E{i:03d}", "period": m, "available_hours": 100}
            for i in range(3)
            for m in MONTHS
        ]
        imported = await _ok(await http.post(f"{r}/imports/capacity", headers=HR, json={"rows": capacity}))
        assert imported["created"] == 18
        again = await _ok(await http.post(f"{r}/imports/capacity", headers=HR, json={"rows": capacity}))
        assert again["unchanged"] == 18 and again["created"] == again["updated"] == 0

        # --- demand: ERP needs more engineers than exist, the others fit together ----------------
        async def known_project(project_id: str) -> bool:
            resp = await http.post(
                f"{r}/allocations",
                headers=ADMIN,
                json={
                    "project_id": project_id,
                    "resource_id": None,
                    "role": "engineer",
                    "start_period": MONTHS[0],
                    "end_period": MONTHS[-1],
                    "hours_per_period": 50,
                    "kind": "planned",
                },
            )
            return resp.status_code == 201

        await eventually(lambda: known_project(projects["CRM"]), timeout=20)
        for code, hours in [("ERP", 280), ("WEB", 100), ("BI", 100)]:
            await _ok(
                await http.post(
                    f"{r}/allocations",
                    headers=ADMIN,
                    json={
                        "project_id": projects[code],
                        "resource_id": None,
                        "role": "engineer",
                        "start_period": MONTHS[0],
                        "end_period": MONTHS[-1],
                        "hours_per_period": hours,
                        "kind": "planned",
                    },
                ),
                201,
            )
        # One engineer is booked beyond their month: an over-allocation the PMO must see.
        listed = await _ok(await http.get(f"{r}/resources", headers=ADMIN, params={"limit": 10}))
        by_key = {p["external_id"]: p for p in listed["items"]}
        await _ok(
            await http.post(
                f"{r}/allocations",
                headers=ADMIN,
                json={
                    "project_id": projects["CRM"],
                    "resource_id": by_key["E001"]["id"],
                    "role": "engineer",
                    "start_period": "2027-07",
                    "end_period": "2027-07",
                    "hours_per_period": 200,
                    "kind": "hard",
                },
            ),
            201,
        )
        over = await _ok(
            await http.get(f"{r}/overallocations", headers=ADMIN, params={"from": "2027-07", "to": "2027-07"})
        )
        assert [o["resource_id"] for o in over["items"]] == [by_key["E001"]["id"]]
        cap = await _ok(
            await http.get(
                f"{r}/capacity",
                headers=ADMIN,
                params={"group_by": "role", "from": MONTHS[0], "to": MONTHS[0]},
            )
        )
        row = next(i for i in cap["items"] if i["key"] == "engineer")
        assert row["capacity_hours"] == 300 and row["demand_hours"] == 530

        # --- selection with capacity respected: ERP cannot be staffed ----------------------------
        async def capacity_known() -> Any:
            resp = await http.post(
                f"{p}/portfolios/{pid}/scenarios",
                headers=ADMIN,
                json={
                    "name": "Capacity-aware",
                    "budget": "1000000.00",
                    "respect_capacity": True,
                    "force_in": [],
                    "force_out": [],
                    "weights": None,
                },
            )
            body = resp.json()
            if (
                resp.status_code == 201
                and projects["ERP"] not in body["result"]["selected"]
                and any("engineer" in reason for e in body["result"]["excluded"] for reason in e["reasons"])
            ):
                return body
            return None

        scenario = await eventually(capacity_known, timeout=20)
        result = scenario["result"]
        assert result["solver"]["optimal"] is True
        assert set(result["selected"]) == {projects["CRM"], projects["WEB"], projects["BI"]}
        await _ok(await http.post(f"{p}/portfolios/{pid}/scenarios/{scenario['id']}/approve", headers=ADMIN))
        for code in ("CRM", "WEB", "BI"):
            assert (await _ok(await http.get(f"{p}/projects/{projects[code]}", headers=ADMIN)))[
                "stage"
            ] == "approved"
        # Gate decisions are the PMO's (never the project's own manager's): each is in the decision log.
        await _ok(
            await http.post(
                f"{p}/projects/{projects['CRM']}/gate-decisions",
                headers=ADMIN,
                json={"to_stage": "in_progress", "decision": "approve", "rationale": "kick-off done"},
            ),
            201,
        )
        baselines = await _ok(await http.get(f"{p}/projects/{projects['CRM']}/baselines", headers=PM))
        assert [b["number"] for b in baselines["items"]] == [1]  # taken when the scenario approved it
        chain = await _ok(await http.get(f"{p}/portfolios/{pid}/decisions/verify", headers=PM))
        assert chain["ok"] is True and chain["entries"] >= 4  # three approvals and the kick-off

        # --- risks are raised and one escalates ---------------------------------------------------
        async def risk_accepted() -> Any:
            resp = await http.post(
                f"{k}/risks",
                headers=PM,
                json={
                    "portfolio_id": pid,
                    "project_id": projects["CRM"],
                    "kind": "threat",
                    "title": "Vendor slips",
                    "owner": "pm.ada",
                    "probability": 3,
                    "impact": 4,
                    "cost_impact": {"min": "10000.00", "most_likely": "20000.00", "max": "60000.00"},
                    "status": "open",
                },
            )
            return resp.json() if resp.status_code == 201 else None

        threat = await eventually(risk_accepted, timeout=20)
        assert threat["score"] == 12 and threat["escalated"] is False
        await _ok(
            await http.post(
                f"{k}/risks/{threat['id']}/assessments",
                headers=PM,
                json={"basis": "residual", "probability": 4, "impact": 4, "note": "vendor confirmed delay"},
            ),
            201,
        )
        escalated = await _ok(await http.get(f"{k}/risks/{threat['id']}", headers=PM))
        assert escalated["escalated"] is True
        # A response to it: the action register lists it, and follows it as it changes.
        response = await _ok(
            await http.post(
                f"{k}/risks/{threat['id']}/responses",
                headers=PM,
                json={
                    "strategy": "reduce",
                    "description": "Second supplier",
                    "owner": "pm.ada",
                    "due_date": "2027-03-31",
                    "status": "planned",
                },
            ),
            201,
        )
        await _patch(
            http, f"{k}/risks/{threat['id']}/responses/{response['id']}", {"status": "in_progress"}, PM
        )

        async def response_listed() -> Any:
            listed = await http.get(f"{p}/actions", headers=PM, params={"project_id": projects["CRM"]})
            items = [a for a in listed.json()["items"] if (a.get("source") or {}).get("id") == response["id"]]
            return items if items and items[0]["status"] == "in_progress" else None

        await eventually(response_listed, timeout=20)
        issue_risk = await _ok(
            await http.post(
                f"{k}/risks",
                headers=PM,
                json={
                    "portfolio_id": pid,
                    "project_id": projects["CRM"],
                    "kind": "threat",
                    "title": "Data migration",
                    "probability": 2,
                    "impact": 2,
                    "status": "open",
                },
            ),
            201,
        )
        issue = await _ok(await http.post(f"{k}/risks/{issue_risk['id']}/materialise", headers=PM), 201)
        await _patch(http, f"{k}/issues/{issue['id']}", {"status": "in_progress"}, PM)
        exposure = await _ok(
            await http.get(
                f"{k}/exposure", headers=PM, params={"portfolio_id": pid, "iterations": 2000, "seed": 7}
            )
        )
        assert float(exposure["simulation"]["p95"]) >= float(exposure["simulation"]["p50"])

        # --- status reports arrive (one late, out of order) ---------------------------------------
        async def report(project: str, as_of: str, overall: str, pct: int, ac: str) -> Any:
            return await http.post(
                f"{rep}/projects/{project}/status-reports",
                headers=PM,
                json={
                    "as_of": as_of,
                    "overall": overall,
                    "scope": "green",
                    "schedule": overall,
                    "cost": "green",
                    "risk": "amber",
                    "resources": "green",
                    "percent_complete": pct,
                    "actual_cost": ac,
                    "summary": "on track",
                    "decisions": [],
                    "actions": [
                        {
                            "title": f"Chase the {as_of} invoices",
                            "owner": "pm.ada",
                            "due_date": as_of,
                            "status": "open",
                        }
                    ],
                },
            )

        await eventually(lambda: _created(report(projects["CRM"], "2026-10-31", "red", 30, "200000.00")), 30)
        await _ok(await report(projects["CRM"], "2026-09-30", "green", 20, "100000.00"), 201)
        latest = await _ok(
            await http.get(f"{rep}/projects/{projects['CRM']}/status-reports/latest", headers=PM)
        )
        assert latest["as_of"] == "2026-10-31" and latest["overall"] == "red"
        evm = await _ok(
            await http.get(
                f"{rep}/projects/{projects['CRM']}/evm", headers=PM, params={"as_of": "2026-10-31"}
            )
        )
        assert evm["bac"] == "400000.00" and evm["ev"] == "120000.00" and evm["ac"] == "200000.00"
        assert abs(evm["cpi"] - 0.6) < 1e-4

        # --- the reports' actions are in the register, past due: flagged, announced, then closed -----
        async def overdue_actions() -> Any:
            listed = await http.get(
                f"{p}/actions", headers=PM, params={"portfolio_id": pid, "overdue": "true"}
            )
            items = [
                a for a in listed.json()["items"] if (a.get("source") or {}).get("type") == "status_report"
            ]
            return items if len(items) >= 2 else None

        chased = (await eventually(overdue_actions, timeout=20))[0]
        await _patch(http, f"{p}/actions/{chased['id']}", {"status": "done"}, PM)

        # --- what CRM is to deliver: a benefit registered, measured and revised; a duplicate removed --
        benefits = []
        for name in ("Cost per support ticket", "Cost per ticket (duplicate)"):
            body = {
                "portfolio_id": pid,
                "project_id": projects["CRM"],
                "name": name,
                "kind": "financial",
                "unit": "EUR",
                "baseline_value": 12,
                "target_value": 8,
            }
            benefits.append(await _ok(await http.post(f"{p}/benefits", headers=PM, json=body), 201))
        benefit_url = f"{p}/benefits/{benefits[0]['id']}"
        measurement = {"as_of": "2026-10-31", "value": 10, "note": "October tickets"}
        await _ok(await http.post(f"{benefit_url}/measurements", headers=PM, json=measurement), 201)
        revised = await _patch(http, benefit_url, {"target_date": "2027-12-31", "owner": "pm.ada"}, PM)
        assert revised["realised_percent"] == 50.0  # from 12 towards 8, at 10
        await _delete(http, f"{p}/benefits/{benefits[1]['id']}", PM)

        # --- a programme is set up, given an owner, and retired (§7.2): its events travel too ---------
        programme = await _ok(
            await http.post(
                f"{p}/programmes",
                headers=ADMIN,
                json={"portfolio_id": pid, "code": "CORE", "name": "Core systems"},
            ),
            201,
        )
        await _patch(http, f"{p}/programmes/{programme['id']}", {"owner": "pmo-lead"}, ADMIN)
        await _delete(http, f"{p}/programmes/{programme['id']}", ADMIN)

        # --- a retired project and portfolio, an HR leaver: deletions travel too --------------------
        await _delete(http, f"{p}/projects/{projects['ERP']}", ADMIN)
        spare = await _ok(
            await http.post(
                f"{p}/portfolios", headers=ADMIN, json={"name": "Spare", "currency": "EUR", "budget": "1.00"}
            ),
            201,
        )
        await _patch(http, f"{p}/portfolios/{spare['id']}", {"description": "to be removed"}, ADMIN)
        await _delete(http, f"{p}/portfolios/{spare['id']}", ADMIN)
        await _delete(http, f"{r}/resources/{by_key['E002']['id']}", ADMIN)
        await _ok(
            await http.post(
                f"{k}/risks/{threat['id']}/assessments",
                headers=PM,
                json={"basis": "residual", "probability": 1, "impact": 4, "note": "second vendor found"},
            ),
            201,
        )

        # --- the dashboard shows all of it --------------------------------------------------------
        async def dashboard_complete() -> Any:
            d = (await http.get(f"{rep}/portfolios/{pid}/dashboard", headers=ADMIN)).json()
            ok = (
                d.get("projects", {}).get("total") == 3
                and d["risks"]["open"] >= 1
                and d["capacity"]["utilisation_by_role"]
            )
            return d if ok else None

        dashboard = await eventually(dashboard_complete, timeout=30)
        assert dashboard["projects"]["by_stage"].get("in_progress") == 1
        assert dashboard["projects"]["by_rag"].get("red") == 1
        assert any(a["project_id"] == projects["CRM"] for a in dashboard["attention"])
        html = await http.get(f"{rep}/portfolios/{pid}/report.html", headers=ADMIN)
        assert html.status_code == 200 and html.text.count("data:image/svg+xml;base64,") >= 2
        csv_text = (await http.get(f"{rep}/portfolios/{pid}/report.csv", headers=ADMIN)).text
        assert "CRM" in csv_text

    # --- every contract subject went by, each a valid envelope with its catalogue data -----------
    async def all_subjects() -> bool:
        return set(CATALOGUE) <= set(raw.subjects())

    try:
        await eventually(all_subjects, timeout=30)
    except AssertionError:
        raise AssertionError(f"never published: {sorted(set(CATALOGUE) - set(raw.subjects()))}") from None
    finally:
        await raw.close()
    for subject, headers, body in raw.events:
        envelope = CloudEvent.model_validate(body)
        assert envelope.type == f"{subject}.v1"
        assert headers["Nats-Msg-Id"] == envelope.id
        validate_data(subject, envelope.data)
    assert len({body["id"] for _, _, body in raw.events}) == len(raw.events)


async def _created(request: Any) -> bool:
    response = await request
    return response.status_code == 201


async def test_a_service_killed_mid_flow_loses_nothing_and_applies_nothing_twice(stack: Stack) -> None:
    p, rep = stack["portfolio"].api, stack["reporting"].api
    async with httpx.AsyncClient(timeout=30) as http:
        portfolio = await _ok(
            await http.post(
                f"{p}/portfolios",
                headers=ADMIN,
                json={"name": "Crash test", "currency": "EUR", "budget": "5000000.00"},
            ),
            201,
        )
        created: list[str] = []

        async def create(i: int) -> None:
            body = await _ok(
                await http.post(
                    f"{p}/projects",
                    headers=ADMIN,
                    json={
                        "portfolio_id": portfolio["id"],
                        "code": f"K{i:03d}",
                        "name": f"Project {i}",
                        "manager": "pm.ada",
                        "budget": "1000.00",
                    },
                ),
                201,
            )
            created.append(body["id"])

        for i in range(40):
            await create(i)
        stack["reporting"].kill()  # SIGKILL while its consumers are catching up
        for i in range(40, 80):
            await create(i)
        stack["portfolio"].kill()  # the producer too, right after acknowledged writes
        stack["portfolio"].start()
        stack["reporting"].start()
        stack["portfolio"].wait_ready()
        stack["reporting"].wait_ready()
        for i in range(80, 100):
            await create(i)

        async def all_seen() -> Any:
            d = (await http.get(f"{rep}/portfolios/{portfolio['id']}/dashboard", headers=ADMIN)).json()
            return d if d.get("projects", {}).get("total") == 100 else None

        dashboard = await eventually(all_seen, timeout=60)
        assert dashboard["projects"]["by_stage"] == {"proposal": 100}
    # Nothing twice on the wire either: the killed producer may re-send what it published just before
    # dying, and JetStream drops the copy by its Nats-Msg-Id.
    nc = await nats.connect(stack.nats_url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            "pmo.portfolio.project.created", durable="e2e-audit", stream="PORTFOLIO"
        )
        ids: list[str] = []
        while True:
            try:
                msgs = await sub.fetch(200, timeout=2)
            except (TimeoutError, nats.errors.TimeoutError):
                break
            ids += [json.loads(m.data)["subject"] for m in msgs]
    finally:
        await nc.close()
    assert sorted(ids) == sorted(created)
