"""Risk responses publish `response.created`/`response.updated` (the portfolio's action register
lists them): the contract envelope, the risk's scope in the data, and a last event per response
when its risk is deleted."""

from __future__ import annotations

from typing import Any

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import validate_data
from pmo_common.testing.harness import auth, eventually

ADMIN = auth("ada", "admin")
PAM = auth("pam", "project_manager")


def _of(events: list[tuple[str, dict[str, Any]]], response_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(s, e) for s, e in events if s.startswith("pmo.risk.response.") and e["subject"] == response_id]


def _checked(subject: str, envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope is the contract's (§4) and its data the catalogue's; returns the data."""
    CloudEvent.model_validate(envelope)
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "pmo/risk"
    assert envelope["type"] == f"{subject}.v1"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["sequence"] == envelope["data"]["version"]
    validate_data(subject, envelope["data"])
    return dict(envelope["data"])


async def test_creating_a_response_publishes_response_created_with_the_risks_scope(
    svc: Any, risk_events: list
) -> None:
    portfolio_id, project_id = await svc.project(manager="pam")
    risk = await svc.risk(project_id)
    body = {"strategy": "reduce", "description": "Second supplier", "owner": "olga", "due_date": "2031-03-31"}
    r = await svc.client.post(f"/risk/v1/risks/{risk['id']}/responses", json=body, headers=PAM)
    assert r.status_code == 201, r.text
    created = r.json()
    events = await eventually(lambda: _at_least(1, _of(risk_events, created["id"])))
    assert [s for s, _ in events] == ["pmo.risk.response.created"]
    data = _checked(*events[0])
    assert data == {
        "id": created["id"],
        "version": 1,
        "changed": ["description", "due_date", "owner", "strategy"],
        "risk_id": risk["id"],
        "portfolio_id": str(portfolio_id),
        "project_id": str(project_id),
        "strategy": "reduce",
        "description": "Second supplier",
        "owner": "olga",
        "due_date": "2031-03-31",
        "status": "planned",
        "deleted": False,
    }


async def test_changing_a_response_publishes_response_updated_with_its_new_version(
    svc: Any, risk_events: list
) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id)
    base = f"/risk/v1/risks/{risk['id']}/responses"
    created = (await svc.client.post(base, json={"strategy": "avoid"}, headers=ADMIN)).json()
    r = await svc.client.patch(
        f"{base}/{created['id']}", json={"status": "done"}, headers={**ADMIN, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    # A PATCH that changes nothing publishes nothing.
    same = await svc.client.patch(
        f"{base}/{created['id']}", json={"status": "done"}, headers={**ADMIN, "If-Match": '"2"'}
    )
    assert same.status_code == 200
    await eventually(lambda: _at_least(2, _of(risk_events, created["id"])))
    await svc.risk(project_id)  # later writes have been relayed too: no third event is on its way
    await eventually(lambda: _at_least(2, [s for s, _ in risk_events if s == "pmo.risk.risk.raised"]))
    events = _of(risk_events, created["id"])
    assert [s for s, _ in events] == ["pmo.risk.response.created", "pmo.risk.response.updated"]
    data = _checked(*events[1])
    assert (data["version"], data["status"], data["changed"], data["deleted"]) == (
        2,
        "done",
        ["status"],
        False,
    )
    assert data["project_id"] == str(project_id)


async def test_deleting_a_risk_marks_each_of_its_responses_deleted(svc: Any, risk_events: list) -> None:
    _, project_id = await svc.project()
    risk = await svc.risk(project_id)
    base = f"/risk/v1/risks/{risk['id']}/responses"
    first = (await svc.client.post(base, json={"strategy": "avoid"}, headers=ADMIN)).json()
    second = (await svc.client.post(base, json={"strategy": "transfer"}, headers=ADMIN)).json()
    r = await svc.client.delete(f"/risk/v1/risks/{risk['id']}", headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 204, r.text
    for response in (first, second):
        events = await eventually(lambda: _at_least(2, _of(risk_events, response["id"])))  # noqa: B023
        assert [s for s, _ in events] == ["pmo.risk.response.created", "pmo.risk.response.updated"]
        data = _checked(*events[1])
        assert (data["version"], data["deleted"], data["strategy"]) == (2, True, response["strategy"])
    gone = await svc.client.get(f"{base}/{first['id']}", headers=ADMIN)
    assert gone.status_code == 404


async def _at_least(n: int, items: list[Any]) -> list[Any] | None:
    return items if len(items) >= n else None
