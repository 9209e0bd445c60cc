"""Matrices per portfolio: defaults, validation, rights, If-Match, and re-levelling open risks."""

from typing import Any

from pmo_common.testing.harness import auth, eventually

ADMIN = auth("ada", "admin")
MATRIX = {
    "probability_percent": [5, 20, 40, 60, 80],
    "levels": [{"name": "low", "min_score": 1}, {"name": "high", "min_score": 9}],
    "escalation_score": 9,
}


async def test_a_portfolio_without_a_matrix_gets_the_defaults_as_version_0(svc: Any) -> None:
    r = await svc.client.get(f"/risk/v1/matrices/{await svc.portfolio()}", headers=auth("vic", "viewer"))
    assert r.status_code == 200
    body = r.json()
    assert body["probability_percent"] == [10, 30, 50, 70, 90]
    assert [(lv["name"], lv["min_score"]) for lv in body["levels"]] == [
        ("low", 1),
        ("medium", 5),
        ("high", 10),
        ("critical", 17),
    ]
    assert (body["escalation_score"], body["version"], body["is_default"], r.headers["ETag"]) == (
        15,
        0,
        True,
        '"0"',
    )


async def test_put_stores_the_matrix_and_honours_if_match(svc: Any) -> None:
    url = f"/risk/v1/matrices/{await svc.portfolio()}"
    assert (await svc.client.put(url, json=MATRIX, headers={**ADMIN, "If-Match": '"3"'})).status_code == 412
    first = await svc.client.put(url, json=MATRIX, headers={**ADMIN, "If-Match": '"0"'})
    assert first.status_code == 200, first.text
    assert (first.json()["version"], first.json()["is_default"], first.headers["ETag"]) == (1, False, '"1"')
    assert (await svc.client.get(url, headers=ADMIN)).json()["probability_percent"] == [5, 20, 40, 60, 80]
    changed = {**MATRIX, "escalation_score": 12}
    assert (await svc.client.put(url, json=changed, headers={**ADMIN, "If-Match": '"0"'})).status_code == 412
    second = await svc.client.put(url, json=changed, headers=ADMIN)  # If-Match is optional on PUT
    assert second.json()["version"] == 2


async def test_only_admin_and_pmo_set_a_matrix(svc: Any) -> None:
    url = f"/risk/v1/matrices/{await svc.portfolio()}"
    assert (await svc.client.put(url, json=MATRIX, headers=auth("pam", "project_manager"))).status_code == 403
    assert (await svc.client.put(url, json=MATRIX)).status_code == 401
    assert (await svc.client.put(url, json=MATRIX, headers=auth("pia", "pmo"))).status_code == 200


async def test_an_invalid_matrix_is_a_422_naming_the_field(svc: Any) -> None:
    url = f"/risk/v1/matrices/{await svc.portfolio()}"
    cases = {
        "body.probability_percent": {**MATRIX, "probability_percent": [10, 30, 30, 70, 90]},
        "body.probability_percent.": {**MATRIX, "probability_percent": [0, 30, 50, 70, 100]},
        "body.probability_percent..": {**MATRIX, "probability_percent": [10, 30, 50, 70]},
        "body.levels": {**MATRIX, "levels": [{"name": "low", "min_score": 2}]},
        "body.levels.": {**MATRIX, "levels": [{"name": "a", "min_score": 1}, {"name": "a", "min_score": 5}]},
        "body.levels..": {**MATRIX, "levels": [{"name": "a", "min_score": 1}, {"name": "b", "min_score": 1}]},
        "body.escalation_score": {**MATRIX, "escalation_score": 26},
    }
    for field, body in cases.items():
        r = await svc.client.put(url, json=body, headers=ADMIN)
        assert r.status_code == 422, (field, r.text)
        assert field.rstrip(".") in [e["field"] for e in r.json()["errors"]], (field, r.json())
    assert (await svc.client.get(url, headers=ADMIN)).json()["is_default"] is True


async def test_changing_the_matrix_relevels_open_risks_and_publishes_the_changes(
    svc: Any, risk_events: list
) -> None:
    portfolio_id, project_id = await svc.project()
    cost = {"min": "100.00", "most_likely": "100.00", "max": "100.00"}
    medium = await svc.risk(
        project_id, probability=3, impact=3, cost_impact=cost
    )  # 9: medium → high, escalated
    low = await svc.risk(project_id, probability=1, impact=2)  # 2: low → low, no cost: unchanged
    assert (medium["level"], medium["escalated"], medium["emv"]) == ("medium", False, "-50.00")
    r = await svc.client.put(f"/risk/v1/matrices/{portfolio_id}", json=MATRIX, headers=ADMIN)
    assert r.status_code == 200
    relevelled = (await svc.client.get(f"/risk/v1/risks/{medium['id']}", headers=ADMIN)).json()
    assert (relevelled["level"], relevelled["escalated"], relevelled["emv"], relevelled["version"]) == (
        "high",
        True,
        "-40.00",
        2,
    )
    untouched = (await svc.client.get(f"/risk/v1/risks/{low['id']}", headers=ADMIN)).json()
    assert (untouched["level"], untouched["version"]) == ("low", 1)

    def about(risk_id: str) -> list[str]:
        return [s for s, e in risk_events if e["subject"] == risk_id]

    await eventually(lambda: _ready(about(medium["id"]), 3))
    assert about(medium["id"]) == ["pmo.risk.risk.raised", "pmo.risk.risk.updated", "pmo.risk.risk.escalated"]
    update = next(e for s, e in risk_events if s == "pmo.risk.risk.updated")
    assert update["sequence"] == 2
    assert set(update["data"]["changed"]) == {"level", "emv", "escalated"}
    assert about(low["id"]) == ["pmo.risk.risk.raised"]


async def _ready(items: list[str], count: int) -> bool:
    return len(items) >= count
