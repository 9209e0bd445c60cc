"""Heat map and Monte Carlo exposure over HTTP."""

import uuid
from typing import Any

from pmo_common.testing.harness import auth

ADMIN = auth("ada", "admin")


async def test_the_heatmap_counts_open_risks_in_25_cells(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    a = await svc.risk(project_id, probability=4, impact=5)
    b = await svc.risk(project_id, probability=4, impact=5)
    c = await svc.risk(project_id, probability=1, impact=2)
    closed = await svc.risk(project_id, probability=1, impact=2, status="closed")
    await svc.client.post(
        f"/risk/v1/risks/{a['id']}/assessments",
        json={"basis": "residual", "probability": 2, "impact": 2},
        headers=ADMIN,
    )
    inherent = (
        await svc.client.get("/risk/v1/heatmap", params={"portfolio_id": str(portfolio_id)}, headers=ADMIN)
    ).json()
    assert len(inherent["cells"]) == 25
    assert {(x["probability"], x["impact"]) for x in inherent["cells"]} == {
        (p, i) for p in range(1, 6) for i in range(1, 6)
    }
    cell = {(x["probability"], x["impact"]): x for x in inherent["cells"]}
    assert (cell[(4, 5)]["count"], set(cell[(4, 5)]["risk_ids"])) == (2, {a["id"], b["id"]})
    assert cell[(1, 2)]["risk_ids"] == [c["id"]]  # the closed risk is not on the map
    assert closed["id"] not in str(inherent)
    assert sum(x["count"] for x in inherent["cells"]) == inherent["total"] == 3
    residual = (
        await svc.client.get(
            "/risk/v1/heatmap", params={"project_id": str(project_id), "basis": "residual"}, headers=ADMIN
        )
    ).json()
    cell = {(x["probability"], x["impact"]): x for x in residual["cells"]}
    assert (cell[(4, 5)]["risk_ids"], cell[(2, 2)]["risk_ids"]) == ([b["id"]], [a["id"]])


async def test_exposure_is_seeded_and_bounded(svc: Any) -> None:
    portfolio_id, project_id = await svc.project()
    await svc.risk(
        project_id,
        probability=5,
        impact=3,
        cost_impact={"min": "1000.00", "most_likely": "2000.00", "max": "6000.00"},
    )
    await svc.risk(
        project_id,
        probability=1,
        impact=3,
        cost_impact={"min": "300.00", "most_likely": "300.00", "max": "300.00"},
    )
    await svc.risk(
        project_id, kind="opportunity", cost_impact={"min": "1.00", "most_likely": "1.00", "max": "1.00"}
    )
    params = {"portfolio_id": str(portfolio_id), "iterations": 20_000, "seed": 11}
    first = await svc.client.get("/risk/v1/exposure", params=params, headers=ADMIN)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["threats"] == 2
    assert body["emv_total"] == "-2730.00"  # -(90% × 3000 + 10% × 300): opportunities are left out
    sim = body["simulation"]
    assert (sim["iterations"], sim["seed"]) == (20_000, 11)
    assert abs(float(sim["mean"]) - 2730) / 2730 < 0.02
    assert float(sim["p50"]) <= float(sim["p80"]) <= float(sim["p95"])
    assert (await svc.client.get("/risk/v1/exposure", params=params, headers=ADMIN)).json() == body
    other = (await svc.client.get("/risk/v1/exposure", params={**params, "seed": 12}, headers=ADMIN)).json()
    assert other["simulation"]["mean"] != sim["mean"]
    too_many = await svc.client.get(
        "/risk/v1/exposure", params={**params, "iterations": 100_001}, headers=ADMIN
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "query.iterations"
    assert "100000" in too_many.json()["errors"][0]["message"]


async def test_exposure_of_an_empty_scope_is_zero(svc: Any) -> None:
    portfolio_id = await svc.portfolio()
    body = (
        await svc.client.get("/risk/v1/exposure", params={"portfolio_id": str(portfolio_id)}, headers=ADMIN)
    ).json()
    assert (
        body["threats"],
        body["emv_total"],
        body["simulation"]["mean"],
        body["simulation"]["iterations"],
    ) == (
        0,
        "0.00",
        "0.00",
        10_000,
    )


async def test_unknown_portfolios_and_projects_are_404_everywhere(svc: Any) -> None:
    nowhere = uuid.uuid4()
    for url in (
        f"/risk/v1/matrices/{nowhere}",
        f"/risk/v1/exposure?portfolio_id={nowhere}",
        f"/risk/v1/heatmap?portfolio_id={nowhere}",
        f"/risk/v1/exposure?project_id={nowhere}",
        f"/risk/v1/heatmap?project_id={nowhere}",
    ):
        response = await svc.client.get(url, headers=ADMIN)
        assert response.status_code == 404, (url, response.text)
    put = await svc.client.put(
        f"/risk/v1/matrices/{nowhere}",
        json={
            "probability_percent": [10, 30, 50, 70, 90],
            "levels": [{"name": "low", "min_score": 1}],
            "escalation_score": 15,
        },
        headers={**ADMIN, "If-Match": '"0"'},
    )
    assert put.status_code == 404


async def test_exposure_never_adds_currencies(svc: Any) -> None:
    euros, project = await svc.project()
    await svc.risk(project, cost_impact={"min": "100.00", "most_likely": "200.00", "max": "300.00"})
    unscoped = await svc.client.get("/risk/v1/exposure?seed=1", headers=ADMIN)
    assert unscoped.status_code == 422
    assert unscoped.json()["errors"][0]["field"] == "query.portfolio_id"
    scoped = (await svc.client.get(f"/risk/v1/exposure?portfolio_id={euros}&seed=1", headers=ADMIN)).json()
    assert scoped["currency"] == "EUR" and scoped["threats"] == 1
    by_project = (
        await svc.client.get(f"/risk/v1/exposure?project_id={project}&seed=1", headers=ADMIN)
    ).json()
    assert by_project == scoped
    other, _ = await svc.project()
    mismatch = await svc.client.get(
        f"/risk/v1/exposure?portfolio_id={other}&project_id={project}", headers=ADMIN
    )
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "query.project_id"
