"""Issues, and risks materialising into issues."""

import uuid
from typing import Any

from pmo_common.testing.harness import auth, eventually

ADMIN = auth("ada", "admin")


async def test_materialising_a_risk_opens_a_linked_issue_and_closes_the_risk(
    svc: Any, risk_events: list
) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id, probability=4, impact=5, owner="ann")  # 20: critical
    r = await svc.client.post(f"/risk/v1/risks/{risk['id']}/materialise", headers=ADMIN)
    assert r.status_code == 201, r.text
    issue = r.json()
    assert (issue["risk_id"], issue["project_id"], issue["priority"], issue["owner"], issue["status"]) == (
        risk["id"],
        str(project_id),
        "critical",
        "ann",
        "open",
    )
    closed = (await svc.client.get(f"/risk/v1/risks/{risk['id']}", headers=ADMIN)).json()
    assert (closed["status"], closed["issue_id"]) == ("closed", issue["id"])
    again = await svc.client.post(f"/risk/v1/risks/{risk['id']}/materialise", headers=ADMIN)
    assert again.status_code == 409
    await eventually(lambda: _has(risk_events, "pmo.risk.risk.closed"))
    await eventually(lambda: _has(risk_events, "pmo.risk.issue.opened"))
    subjects = [s for s, _ in risk_events]
    assert subjects.count("pmo.risk.issue.opened") == 1
    assert subjects.count("pmo.risk.risk.closed") == 1
    opened = next(e for s, e in risk_events if s == "pmo.risk.issue.opened")
    assert opened["data"]["risk_id"] == risk["id"]
    listed = await svc.client.get("/risk/v1/issues", params={"risk_id": risk["id"]}, headers=ADMIN)
    assert [x["id"] for x in listed.json()["items"]] == [issue["id"]]


async def _has(events: list, subject: str) -> bool:
    return any(s == subject for s, _ in events)


async def test_a_project_manager_cannot_materialise_another_managers_risk(svc: Any) -> None:
    _, project_id = await svc.project(manager="pam")
    risk = await svc.risk(project_id)
    r = await svc.client.post(
        f"/risk/v1/risks/{risk['id']}/materialise", headers=auth("otto", "project_manager")
    )
    assert r.status_code == 403
    assert (await svc.client.get(f"/risk/v1/risks/{risk['id']}", headers=ADMIN)).json()["status"] == "open"


async def test_issues_are_created_patched_with_if_match_and_validated(svc: Any) -> None:
    portfolio_id, project_id = await svc.project(manager="pam")
    pam = auth("pam", "project_manager")
    body = {"project_id": str(project_id), "title": "Server room flooded", "priority": "high"}
    r = await svc.client.post("/risk/v1/issues", json=body, headers=pam)
    assert r.status_code == 201, r.text
    issue = r.json()
    assert (issue["portfolio_id"], issue["status"], issue["version"]) == (str(portfolio_id), "open", 1)
    url = f"/risk/v1/issues/{issue['id']}"
    assert (await svc.client.patch(url, json={"status": "resolved"}, headers=pam)).status_code == 428
    ok = await svc.client.patch(url, json={"status": "resolved"}, headers={**pam, "If-Match": '"1"'})
    assert (ok.status_code, ok.json()["status"], ok.headers["ETag"]) == (200, "resolved", '"2"')
    stale = await svc.client.patch(url, json={"status": "closed"}, headers={**pam, "If-Match": '"1"'})
    assert stale.status_code == 412
    otto = await svc.client.patch(
        url, json={"status": "closed"}, headers={**auth("otto", "project_manager"), "If-Match": '"2"'}
    )
    assert otto.status_code == 403
    bad = await svc.client.post("/risk/v1/issues", json={**body, "priority": "urgent"}, headers=ADMIN)
    assert bad.json()["errors"][0]["field"] == "body.priority"
    unknown = await svc.client.post(
        "/risk/v1/issues", json={**body, "project_id": str(uuid.uuid4())}, headers=ADMIN
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "project_id")
    assert (await svc.client.get(f"/risk/v1/issues/{uuid.uuid4()}", headers=ADMIN)).status_code == 404


async def test_a_risk_s_events_carry_the_issue_it_became_up_to_its_deletion(
    svc: Any, risk_events: list
) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id)
    issue = (await svc.client.post(f"/risk/v1/risks/{risk['id']}/materialise", headers=ADMIN)).json()
    url = f"/risk/v1/risks/{risk['id']}"
    assert (await svc.client.delete(url, headers={**ADMIN, "If-Match": '"2"'})).status_code == 204

    def about() -> list[dict]:
        return [e for _, e in risk_events if e["subject"] == risk["id"]]

    await eventually(lambda: _count(about(), 3))
    raised, closed, deleted = about()
    assert (raised["data"]["issue_id"], closed["data"]["issue_id"]) == (None, issue["id"])
    assert (deleted["type"], deleted["sequence"], deleted["data"]["deleted"]) == (
        "pmo.risk.risk.closed.v1",
        3,
        True,
    )
    assert deleted["data"]["issue_id"] == issue["id"]
    assert (closed["data"]["status"], closed["data"]["deleted"]) == ("closed", False)


async def _count(items: list, count: int) -> bool:
    return len(items) >= count
