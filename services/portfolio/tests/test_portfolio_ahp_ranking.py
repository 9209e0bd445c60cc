"""AHP weighting and the ranking endpoint."""

from __future__ import annotations

import httpx
import pytest
from pmo_common.testing.harness import auth

ADMIN = auth("alice", "admin")
VIEWER = auth("vic", "viewer")

# Saaty's classic three-criterion example: weights ≈ 0.637, 0.258, 0.105; CR ≈ 0.033.
SAATY = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]


async def _three_criteria(api):  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    ids = [(await api.criterion(pf["id"], name))["id"] for name in ("Value", "Risk", "Fit")]
    return pf, ids


async def test_portfolio_ahp_saaty_example(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _three_criteria(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/criteria/ahp"
    r = await client.post(url, json={"criteria": ids, "matrix": SAATY, "apply": False}, headers=ADMIN)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [round(body["weights"][i], 3) for i in ids] == [0.637, 0.258, 0.105]
    assert body["lambda_max"] == pytest.approx(3.0385, abs=1e-3)
    assert body["consistency_ratio"] == pytest.approx(0.033, abs=2e-3)
    assert body["consistent"] is True and body["applied"] is False
    criteria = (await client.get(f"/portfolio/v1/portfolios/{pf['id']}/criteria", headers=VIEWER)).json()[
        "items"
    ]
    assert {c["weight"] for c in criteria} == {1.0}  # not applied


async def test_portfolio_ahp_apply_sets_weights_bumps_versions_and_audits(
    api, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _three_criteria(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/criteria/ahp"
    r = await client.post(url, json={"criteria": ids, "matrix": SAATY, "apply": True}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["applied"] is True
    criteria = (await client.get(f"/portfolio/v1/portfolios/{pf['id']}/criteria", headers=VIEWER)).json()[
        "items"
    ]
    assert [round(c["weight"], 3) for c in criteria] == [0.637, 0.258, 0.105]
    assert {c["version"] for c in criteria} == {2}
    audit = (await client.get("/portfolio/v1/audit", params={"entity_id": ids[0]}, headers=VIEWER)).json()[
        "items"
    ]
    assert audit[-1]["action"] == "ahp_weights_applied" and audit[-1]["changes"]["weight"]["from"] == 1.0


async def test_portfolio_ahp_rejects_bad_matrices_naming_the_problem(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _three_criteria(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/criteria/ahp"
    cases = [
        ([[1, 3], [1 / 3, 1]], "rows"),  # not square for 3 criteria
        ([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 3, 1]], "[2][1]"),  # not reciprocal
        ([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3]], "row 2"),  # ragged
        ([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 0]], "greater than or equal to 0.111"),  # not positive
        ([[1, 12, 5], [1 / 12, 1, 3], [1 / 5, 1 / 3, 1]], "less than or equal to 9"),  # past Saaty's 9
        ([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1 / 12]], "greater than or equal to 0.111"),
    ]
    for matrix, problem in cases:
        r = await client.post(url, json={"criteria": ids, "matrix": matrix}, headers=ADMIN)
        assert r.status_code == 422, matrix
        assert problem in r.text, r.text
    foreign = "00000000-0000-0000-0000-000000000001"
    r = await client.post(
        url, json={"criteria": [ids[0], foreign], "matrix": [[1, 2], [0.5, 1]]}, headers=ADMIN
    )
    assert r.status_code == 422 and "criteria.1" in r.text


async def test_portfolio_ahp_apply_refuses_inconsistent_judgements(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf, ids = await _three_criteria(api)
    url = f"/portfolio/v1/portfolios/{pf['id']}/criteria/ahp"
    circular = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    preview = await client.post(url, json={"criteria": ids, "matrix": circular}, headers=ADMIN)
    assert preview.status_code == 200 and preview.json()["consistent"] is False
    r = await client.post(url, json={"criteria": ids, "matrix": circular, "apply": True}, headers=ADMIN)
    assert r.status_code == 422 and "consistency ratio" in r.json()["detail"]
    criteria = (await client.get(f"/portfolio/v1/portfolios/{pf['id']}/criteria", headers=VIEWER)).json()[
        "items"
    ]
    assert {c["version"] for c in criteria} == {1}


async def test_portfolio_weighted_ranking(api, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    value = await api.criterion(pf["id"], "Value", weight=3, max_score=10)
    risk = await api.criterion(pf["id"], "Risk", weight=1, max_score=10, direction="lower_is_better")
    a = await api.project(pf["id"], "A")
    b = await api.project(pf["id"], "B")
    c = await api.project(pf["id"], "C")
    await api.scores(a["id"], {value["id"]: 10, risk["id"]: 10})  # 75 + 0
    await api.scores(b["id"], {value["id"]: 8, risk["id"]: 0})  # 60 + 25
    await api.decide(c["id"], "rejected", "reject")  # not ranked
    r = await client.get(f"/portfolio/v1/portfolios/{pf['id']}/ranking", headers=VIEWER)
    items = r.json()["items"]
    assert [(i["project_id"], i["rank"]) for i in items] == [(b["id"], 1), (a["id"], 2)]
    assert items[0]["score"] == pytest.approx(85.0)
    assert items[0]["breakdown"] == {value["id"]: pytest.approx(60.0), risk["id"]: pytest.approx(25.0)}


async def test_portfolio_wsjf_ranking_lists_projects_without_data_last(
    api, client: httpx.AsyncClient
) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    small = await api.project(
        pf["id"], "S", wsjf={"business_value": 5, "time_criticality": 3, "risk_reduction": 2, "job_size": 2}
    )
    big = await api.project(
        pf["id"], "B", wsjf={"business_value": 8, "time_criticality": 8, "risk_reduction": 4, "job_size": 10}
    )
    none = await api.project(pf["id"], "N")
    r = await client.get(
        f"/portfolio/v1/portfolios/{pf['id']}/ranking", params={"method": "wsjf"}, headers=VIEWER
    )
    items = r.json()["items"]
    assert [(i["project_id"], i["score"]) for i in items] == [
        (small["id"], 5.0),
        (big["id"], 2.0),
        (none["id"], None),
    ]
    assert items[2]["rank"] == 3
    bad = await client.get(
        f"/portfolio/v1/portfolios/{pf['id']}/ranking", params={"method": "x"}, headers=VIEWER
    )
    assert bad.status_code == 422
