"""Governance across services, over real NATS and HTTP: a risk escalated in the risk service blocks a
gate in the portfolio service until the risk has a response; the override is the PMO's and is logged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pmo_common.testing.harness import auth, eventually
from pmo_common.testing.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PMO = auth("pmo-lead", "pmo")
PM = auth("pm.ada", "project_manager")
KICK_OFF = {"to_stage": "in_progress", "decision": "approve", "rationale": "kick-off"}


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_an_escalated_risk_blocks_a_gate_until_it_has_a_response(stack: Stack) -> None:
    p, k = stack["portfolio"].api, stack["risk"].api
    async with httpx.AsyncClient(timeout=30) as http:
        portfolio = await _ok(
            await http.post(
                f"{p}/portfolios", headers=PMO, json={"name": "Ops", "currency": "EUR", "budget": "900000.00"}
            ),
            201,
        )
        pid = portfolio["id"]
        project = await _ok(
            await http.post(
                f"{p}/projects",
                headers=PMO,
                json={"portfolio_id": pid, "code": "DC", "name": "Data centre exit", "manager": "pm.ada",
                      "budget": "300000.00", "start_date": "2027-01-01", "finish_date": "2027-12-31"},
            ),
            201,
        )  # fmt: skip
        decisions = f"{p}/projects/{project['id']}/gate-decisions"
        await _ok(
            await http.post(
                decisions,
                headers=PMO,
                json={"to_stage": "approved", "decision": "approve", "rationale": "funded"},
            ),
            201,
        )
        rule = "risks.escalated_without_response == 0"
        criteria = [
            {
                "to_stage": "in_progress",
                "key": "risks_handled",
                "description": "Escalations answered",
                "rule": rule,
            }
        ]
        await _ok(await http.put(f"{p}/portfolios/{pid}/gate-criteria", headers=PMO, json=criteria))

        async def risk_raised() -> Any:
            body = {
                "project_id": project["id"],
                "title": "Power contract lapses",
                "probability": 4,
                "impact": 4,
            }
            response = await http.post(f"{k}/risks", headers=PM, json=body)
            return response.json() if response.status_code == 201 else None

        risk = await eventually(risk_raised, timeout=30)  # once the risk service knows the project
        assert risk["escalated"] is True

        check = f"{p}/projects/{project['id']}/gate-check"

        async def escalation_known() -> Any:  # the portfolio service learns it from the risk service's events
            result = (await http.get(check, headers=PMO, params={"to_stage": "in_progress"})).json()
            return result if result.get("passed") is False else None

        await eventually(escalation_known, timeout=30)
        problem = await _ok(await http.post(decisions, headers=PMO, json=KICK_OFF), 409)
        [failing] = problem["failing_criteria"]
        assert failing["key"] == "risks_handled" and failing["facts"]["risks.escalated_without_response"] == 1
        assert (await http.post(decisions, headers=PM, json=KICK_OFF)).status_code == 403  # never the manager
        await _ok(
            await http.post(
                f"{k}/risks/{risk['id']}/responses",
                headers=PM,
                json={
                    "strategy": "reduce",
                    "description": "Second supplier",
                    "owner": "pm.ada",
                    "status": "planned",
                },
            ),
            201,
        )

        async def passes() -> Any:
            response = await http.post(decisions, headers=PMO, json=KICK_OFF)
            return response.json() if response.status_code == 201 else None

        moved = await eventually(passes, timeout=30)  # once the response reached it too
        assert moved["to_stage"] == "in_progress"
        log = await _ok(await http.get(f"{p}/decisions", headers=PMO, params={"project_id": project["id"]}))
        assert [e["kind"] for e in log["items"]] == ["gate", "gate"]
        assert (await _ok(await http.get(f"{p}/portfolios/{pid}/decisions/verify", headers=PMO)))[
            "ok"
        ] is True
