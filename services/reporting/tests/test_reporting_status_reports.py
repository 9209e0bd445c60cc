"""Status reports over HTTP: auth, validation, "as of" semantics, EVM and the events they emit."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import nats
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
PAT = auth("pat", "project_manager")


async def test_requests_without_credentials_are_401(client) -> None:
    response = await client.get(f"{PREFIX}/projects/{uuid.uuid4()}/status-reports")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_unknown_project_is_404(client) -> None:
    response = await client.post(
        f"{PREFIX}/projects/{uuid.uuid4()}/status-reports", json=_body(date(2025, 6, 30)), headers=ADMIN
    )
    assert response.status_code == 404
    assert (await client.get(f"{PREFIX}/projects/{uuid.uuid4()}/evm", headers=ADMIN)).status_code == 404


async def test_viewers_and_other_managers_may_not_submit_but_the_manager_may(
    client, feed, make_report
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], manager="pat")
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    body = make_report(date(2025, 6, 30))
    assert (await client.post(url, json=body, headers=auth("vera", "viewer"))).status_code == 403
    assert (await client.post(url, json=body, headers=auth("sam", "project_manager"))).status_code == 403
    created = await client.post(url, json=body, headers=PAT)
    assert created.status_code == 201, created.text
    assert created.json()["submitted_by"] == "pat"
    listed = await client.get(url, headers=auth("vera", "viewer"))
    assert [r["id"] for r in listed.json()["items"]] == [created.json()["id"]]


async def test_every_invalid_field_is_listed_in_one_422(client, feed, make_report) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"])
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    body = make_report(
        tomorrow,
        overall="purple",
        percent_complete=120,
        actual_cost="-5.00",
        planned_value=12.5,
        decisions=["x"] * 101,
    )
    response = await client.post(
        f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {
        "body.as_of",
        "body.overall",
        "body.percent_complete",
        "body.actual_cost",
        "body.planned_value",
        "body.decisions",
    } <= fields


async def test_figures_as_of_a_date_use_the_latest_report_on_or_before_it(client, feed, make_report) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], budget="100000.00")
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    # Submitted out of order: July first, then a late June report, then a correction for June.
    for as_of, ev in (
        (date(2025, 7, 31), "55000.00"),
        (date(2025, 6, 30), "30000.00"),
        (date(2025, 6, 30), "40000.00"),
    ):
        body = make_report(as_of, planned_value="50000.00", earned_value=ev, actual_cost="45000.00")
        assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201

    june = (await client.get(f"{PREFIX}/projects/{project['id']}/evm?as_of=2025-07-15", headers=ADMIN)).json()
    assert june["ev"] == "40000.00"  # the later-submitted of the two June reports
    assert june | {"report_id": None} == june | {
        "bac": "100000.00",
        "pv": "50000.00",
        "ac": "45000.00",
        "sv": "-10000.00",
        "cv": "-5000.00",
        "spi": 0.8,
        "cpi": 0.8889,
        "eac": "112500.00",
        "etc": "67500.00",
        "vac": "-12500.00",
        "tcpi": 1.0909,
        "suggested_rag": "red",
        "report_id": None,
    }
    latest = await client.get(f"{url}/latest", headers=ADMIN)
    assert latest.json()["as_of"] == "2025-07-31"
    assert (await client.get(f"{url}/latest?as_of=2025-06-29", headers=ADMIN)).status_code == 404
    before = (
        await client.get(f"{PREFIX}/projects/{project['id']}/evm?as_of=2025-05-31", headers=ADMIN)
    ).json()
    assert before["ev"] is None and before["pv"] is not None and before["spi"] is None


async def test_evm_series_has_one_point_per_month_end(client, feed, make_report) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], start_date="2025-01-01", finish_date="2025-06-30")
    body = make_report(date(2025, 3, 31), earned_value="40000.00", actual_cost="42000.00")
    await client.post(f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN)
    items = (await client.get(f"{PREFIX}/projects/{project['id']}/evm/series", headers=ADMIN)).json()["items"]
    assert [i["month"] for i in items] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert items[1]["ev"] is None and items[2]["ev"] == "40000.00" and items[5]["ev"] == "40000.00"
    assert items[-1]["as_of"] == "2025-06-30" and items[-1]["pv"] == "100000.00"


async def test_health_changed_is_emitted_only_when_a_rag_of_the_latest_report_changes(
    client, feed, make_report, outbox_events, nats_server
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"])
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    on_track = {"planned_value": "50000.00", "earned_value": "50000.00", "actual_cost": "50000.00"}
    steps = [
        make_report(date(2025, 6, 30), **on_track),  # first: green/green → event v1
        make_report(date(2025, 7, 31), **on_track),  # same RAGs → nothing
        make_report(date(2025, 5, 31), overall="red", **on_track),  # late, not the latest → nothing
        make_report(date(2025, 8, 31), overall="amber", **on_track),  # overall changes → v2
        make_report(
            date(2025, 9, 30),
            overall="amber",
            planned_value="50000.00",
            earned_value="40000.00",
            actual_cost="50000.00",
        ),  # suggested RAG changes to red → v3
    ]
    for body in steps:
        assert (await client.post(url, json=body, headers=ADMIN)).status_code == 201

    health = [e["data"] for e in await outbox_events("pmo.reporting.project.health_changed")]
    assert [(h["version"], h["overall"], h["suggested_rag"]) for h in health] == [
        (1, "green", "green"),
        (2, "amber", "green"),
        (3, "amber", "red"),
    ]
    assert health[2]["previous_suggested_rag"] == "green" and health[2]["spi"] == 0.8
    assert len(await outbox_events("pmo.reporting.status_report.submitted")) == 5

    # And they reach subscribers over NATS.
    nc = await nats.connect(nats_server.url)
    try:
        sub = await nc.jetstream().pull_subscribe("pmo.reporting.project.health_changed", durable=None)

        async def published() -> list[bytes] | None:
            try:
                msgs = await sub.fetch(10, timeout=0.5)
            except nats.errors.TimeoutError:
                return None
            return [m.data for m in msgs]

        assert len(await eventually(published)) >= 1
    finally:
        await nc.close()


def _body(as_of: date) -> dict[str, object]:
    return {
        "as_of": str(as_of),
        "overall": "green",
        "scope": "green",
        "schedule": "green",
        "cost": "green",
        "risk": "green",
        "resources": "green",
        "percent_complete": 10,
        "actual_cost": "1.00",
    }


async def test_the_audit_trail_records_each_report_and_health_change_with_actor_and_changes(
    client, feed, make_report
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], manager="pat")
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    created = await client.post(url, json=make_report(date(2025, 6, 30)), headers=PAT)
    assert created.status_code == 201, created.text
    first = created.json()
    assert created.headers["location"] == f"{url}/{first['id']}"
    amber = await client.post(url, json=make_report(date(2025, 7, 31), overall="amber"), headers=ADMIN)
    assert amber.status_code == 201, amber.text
    # A late report for an earlier date is recorded, but changes nothing about the project's health.
    late = await client.post(url, json=make_report(date(2025, 5, 31), overall="red"), headers=ADMIN)
    assert late.status_code == 201, late.text

    viewer = auth("vera", "viewer")
    audit = f"{PREFIX}/audit"
    reports = (await client.get(audit, params={"entity_type": "status_report"}, headers=viewer)).json()
    assert [(e["entity_id"], e["action"], e["actor"], e["version"]) for e in reports["items"]] == [
        (first["id"], "created", "pat", 1),
        (amber.json()["id"], "created", "root", 1),
        (late.json()["id"], "created", "root", 1),
    ]
    snapshot = reports["items"][0]["changes"]
    assert (snapshot["as_of"], snapshot["overall"], snapshot["submitted_by"]) == (
        "2025-06-30",
        "green",
        "pat",
    )

    health = (await client.get(audit, params={"entity_id": project["id"]}, headers=viewer)).json()["items"]
    assert [(e["entity_type"], e["action"], e["actor"], e["version"]) for e in health] == [
        ("project_health", "health_changed", "pat", 1),
        ("project_health", "health_changed", "root", 2),
    ]
    assert health[0]["changes"]["overall"] == {"from": None, "to": "green"}
    assert health[1]["changes"] == {"overall": {"from": "green", "to": "amber"}}


async def test_the_report_list_refuses_unknown_and_repeated_query_parameters(client, feed) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"])
    url = f"{PREFIX}/projects/{project['id']}/status-reports"
    unknown = await client.get(url, params={"unknown": "1"}, headers=ADMIN)
    repeated = await client.get(f"{url}?limit=1&limit=2", headers=ADMIN)
    assert (unknown.status_code, repeated.status_code) == (422, 422)
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.unknown"]
    assert [e["field"] for e in repeated.json()["errors"]] == ["query.limit"]
    assert (await client.get(f"{url}?limit=1", headers=ADMIN)).status_code == 200
