"""Structure across services, over real NATS and HTTP (contract §7.2, §7.8): a custom field defined on
a portfolio in the portfolio service and set on its projects shows in the reporting service's
breakdown by that field, follows a later change, and the programme's own dashboard covers its
projects."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pmo_common.testing.harness import auth, eventually
from pmo_common.testing.stack import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PMO = auth("pmo-lead", "pmo")
TIER = {"key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"], "required": False}


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_custom_field_set_in_portfolio_shows_in_reporting_s_breakdown(stack: Stack) -> None:
    p, r = stack["portfolio"].api, stack["reporting"].api
    async with httpx.AsyncClient(timeout=30) as http:
        body = {"name": "Digital", "currency": "EUR", "budget": "900000.00"}
        portfolio = await _ok(await http.post(f"{p}/portfolios", headers=PMO, json=body), 201)
        pid = portfolio["id"]
        await _ok(await http.put(f"{p}/portfolios/{pid}/fields", headers=PMO, json=[TIER]))
        programme = await _ok(
            await http.post(
                f"{p}/programmes", headers=PMO, json={"portfolio_id": pid, "code": "CX", "name": "Customer"}
            ),
            201,
        )
        projects = {}
        for code, tier, budget in (("WEB", "gold", "100000.00"), ("APP", "silver", "250000.00")):
            project = {"portfolio_id": pid, "code": code, "name": code, "budget": budget,
                       "programme_id": programme["id"], "fields": {"tier": tier}, "tags": ["digital"]}  # fmt: skip
            projects[code] = await _ok(await http.post(f"{p}/projects", headers=PMO, json=project), 201)
        breakdown = f"{r}/portfolios/{pid}/breakdown"

        async def rows(expected: list[tuple[str | None, int]]) -> Any:
            response = await http.get(breakdown, headers=PMO, params={"by": "field.tier"})
            if response.status_code != 200:
                return None  # reporting has not heard of the portfolio yet
            found = [(row["key"], row["projects"]) for row in response.json()["items"]]
            return response.json() if found == expected else None

        await eventually(lambda: rows([("gold", 1), ("silver", 1)]), timeout=60)

        app = projects["APP"]
        changed = await http.patch(
            f"{p}/projects/{app['id']}",
            headers={**PMO, "If-Match": f'"{app["version"]}"'},
            json={"fields": {"tier": "gold"}},
        )
        await _ok(changed)
        result = await eventually(lambda: rows([("gold", 2)]), timeout=60)
        assert (
            result["by"] == "field.tier" and result["items"][0]["bac"] == "0.00"
        )  # proposals: no committed BAC

        board = await _ok(await http.get(f"{r}/programmes/{programme['id']}/dashboard", headers=PMO))
        assert board["projects"]["total"] == 2 and board["filters"]["programme_id"] == programme["id"]
        narrowed = await _ok(
            await http.get(f"{r}/portfolios/{pid}/dashboard", headers=PMO, params={"field.tier": "gold"})
        )
        assert narrowed["projects"]["total"] == 2
