"""Gates as code through the API (contract §7.5): criteria stored per portfolio and parsed when they
are written, the facts a project has (from the risk and reporting services' events and the
portfolio's own data), and the gate check."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pmo_common.contracts.events import (
    ResponseCreated,
    ResponseUpdated,
    RiskClosed,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
    StatusReportSubmitted,
)
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually, publish_event
from pmo_portfolio.gates.facts import FACTS
from pmo_portfolio.logic.rules import RuleError, parse_rule

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM = auth("mary", "project_manager")
BASE = "/portfolio/v1"
# One criterion that reads every fact, so a gate check shows them all.
EVERY_FACT = " or ".join(f"{name} == null" for name in FACTS)


def criteria_url(portfolio_id: str) -> str:
    return f"{BASE}/portfolios/{portfolio_id}/gate-criteria"


def criterion(key: str, rule: str, to_stage: str = "approved", **extra: Any) -> dict[str, Any]:
    return {"to_stage": to_stage, "key": key, "description": f"about {key}", "rule": rule, **extra}


def rule_error(rule: str) -> str:
    try:
        parse_rule(rule, FACTS)
    except RuleError as exc:
        return str(exc)
    raise AssertionError(f"{rule!r} parses")


async def put_criteria(client: httpx.AsyncClient, portfolio_id: str, items: list[dict[str, Any]]) -> None:
    r = await client.put(criteria_url(portfolio_id), json=items, headers=ADMIN)
    assert r.status_code == 200, r.text


async def check(client: httpx.AsyncClient, project_id: str, to_stage: str = "approved") -> dict[str, Any]:
    r = await client.get(
        f"{BASE}/projects/{project_id}/gate-check", params={"to_stage": to_stage}, headers=VIEWER
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def every_fact(client: httpx.AsyncClient, project_id: str) -> dict[str, Any]:
    result = await check(client, project_id)
    return dict(next(c for c in result["criteria"] if c["key"] == "every_fact")["facts"])


def risk(
    project_id: str, portfolio_id: str, risk_id: uuid.UUID, version: int, **fields: Any
) -> dict[str, Any]:
    return {
        "id": str(risk_id),
        "version": version,
        "portfolio_id": portfolio_id,
        "project_id": project_id,
        "kind": "threat",
        "title": "Vendor slips",
        "probability": 3,
        "impact": 4,
        "score": 12,
        "level": "high",
        "emv": "0.00",
        "escalated": False,
        "status": "open",
        **fields,
    }


def report(project_id: str, as_of: date, **fields: Any) -> dict[str, Any]:
    rag = {k: "green" for k in ("overall", "scope", "schedule", "cost", "risk", "resources")}
    return {
        "id": str(uuid.uuid4()),
        "version": 1,
        "project_id": project_id,
        "as_of": as_of.isoformat(),
        **rag,
        "percent_complete": 40.0,
        "actual_cost": "10.00",
        "submitted_by": "mary",
        **fields,
    }


async def test_portfolio_gate_criteria_are_replaced_as_a_set_with_its_version(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    url = criteria_url(pf["id"])
    empty = await client.get(url, headers=VIEWER)
    assert empty.status_code == 200 and empty.json() == [] and empty.headers["etag"] == '"0"'
    items = [
        criterion("risks_handled", "risks.escalated_without_response == 0"),
        criterion("risks_handled", "evm.cpi >= 0.9", to_stage="in_progress"),  # same key, other stage
        {"to_stage": "approved", "key": "scored", "rule": "scores.complete == true"},  # no description
    ]
    r = await client.put(url, json=items, headers={**PMO, "If-Match": '"0"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"1"' and r.json() == [{"description": "", **c} for c in items]
    got = await client.get(url, headers=VIEWER)
    assert got.json() == r.json() and got.headers["etag"] == '"1"'
    same = await client.put(url, json=items, headers=ADMIN)  # the same set again: no new version
    assert same.status_code == 200 and same.headers["etag"] == '"1"'
    stale = await client.put(url, json=[], headers={**ADMIN, "If-Match": '"0"'})
    assert stale.status_code == 412
    cleared = await client.put(url, json=[], headers={**ADMIN, "If-Match": '"1"'})
    assert cleared.status_code == 200 and cleared.json() == [] and cleared.headers["etag"] == '"2"'
    assert (await client.put(url, json=items, headers=PM)).status_code == 403
    assert (await client.put(url, json=items, headers=VIEWER)).status_code == 403
    for listing in (url, f"{BASE}/portfolios/{pf['id']}/gate-policy"):  # strict queries
        assert (await client.get(listing, params={"to_stage": "approved"}, headers=VIEWER)).status_code == 422
    missing = criteria_url(str(uuid.uuid4()))
    assert (await client.get(missing, headers=VIEWER)).status_code == 404
    assert (await client.put(missing, json=items, headers=ADMIN)).status_code == 404
    audit = await client.get(f"{BASE}/audit", params={"entity_type": "gate_criteria"}, headers=ADMIN)
    assert [e["action"] for e in audit.json()["items"]] == ["created", "updated"]


async def test_portfolio_gate_rules_are_parsed_when_written(api, client) -> None:  # type: ignore[no-untyped-def]
    url = criteria_url((await api.portfolio())["id"])
    refused = [
        "risks.open_count <",  # malformed
        "__import__('os').system('true')",  # looks like Python: never run
        "risks.open_count < 3; import os",
        "risks.total < 3",  # unknown fact
        "field.phase == 'Build'",  # custom fields do not exist yet
        "status_report.overall > 3",  # text against a number
        "scores.complete > true",  # ordering booleans
        "(evm.cpi >= 0.9",
    ]
    for rule in refused:
        body = [criterion("fine", "evm.cpi >= 0.9"), criterion("bad", rule)]
        r = await client.put(url, json=body, headers=ADMIN)
        assert r.status_code == 422, (rule, r.text)
        assert r.json()["errors"] == [{"field": "body[1].rule", "message": rule_error(rule)}], rule
    assert "unknown fact 'field.phase'" in rule_error("field.phase == 'Build'")
    twice = [criterion("k", "evm.cpi >= 0.9"), criterion("k", "evm.spi >= 0.9")]
    r = await client.put(url, json=twice, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body[1].key"
    for bad in (
        [criterion("Upper", "evm.cpi > 1")],
        [criterion("k" * 41, "evm.cpi > 1")],
        [criterion("k", "evm.cpi > 1", to_stage="closed")],  # no approve moves a project there
        [criterion("k", "evm.cpi > 1", extra_field=1)],
        [criterion(f"k{i}", "evm.cpi > 1") for i in range(51)],
    ):
        assert (await client.put(url, json=bad, headers=ADMIN)).status_code == 422
    assert (await client.get(url, headers=VIEWER)).json() == []  # nothing refused was stored


async def test_portfolio_gate_check_reports_each_criterion_with_its_facts(api, client) -> None:  # type: ignore[no-untyped-def]
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    value = await api.criterion(pf["id"], "Value")
    risk_criterion = await api.criterion(pf["id"], "Risk")
    await put_criteria(
        client,
        pf["id"],
        [
            criterion("few_risks", "risks.open_count <= 3 and risks.max_open_score < 15"),
            criterion("scored", "scores.complete == true"),
            criterion("reported", "status_report.age_days <= 30 or status_report.overall == 'green'"),
            criterion("later", "evm.cpi >= 1", to_stage="in_progress"),
        ],
    )
    result = await check(client, p["id"])
    assert result["to_stage"] == "approved" and result["passed"] is False
    assert result["criteria"] == [
        {
            "key": "few_risks",
            "description": "about few_risks",
            "rule": "risks.open_count <= 3 and risks.max_open_score < 15",
            "passed": True,
            "facts": {"risks.open_count": 0, "risks.max_open_score": 0},
        },
        {
            "key": "scored",
            "description": "about scored",
            "rule": "scores.complete == true",
            "passed": False,
            "facts": {"scores.complete": False},
        },
        {
            "key": "reported",
            "description": "about reported",
            "rule": "status_report.age_days <= 30 or status_report.overall == 'green'",
            "passed": False,  # no report yet: null facts compare false
            "facts": {"status_report.age_days": None, "status_report.overall": None},
        },
    ]
    await api.scores(p["id"], {value["id"]: 5})
    assert (await check(client, p["id"]))["criteria"][1]["passed"] is False  # one criterion of two
    await api.scores(p["id"], {value["id"]: 5, risk_criterion["id"]: 1})
    assert (await check(client, p["id"]))["criteria"][1]["passed"] is True
    assert await check(client, p["id"], "on_hold") == {"to_stage": "on_hold", "passed": True, "criteria": []}


async def test_portfolio_gate_check_query_is_strict(api, client) -> None:  # type: ignore[no-untyped-def]
    p = await api.project((await api.portfolio())["id"], "A")
    url = f"{BASE}/projects/{p['id']}/gate-check"
    assert (await client.get(url, headers=VIEWER)).status_code == 422  # to_stage is required
    for params in (
        {"to_stage": "bogus"},
        {"to_stage": "approved", "stage": "x"},
        [("to_stage", "approved")] * 2,
    ):
        r = await client.get(url, params=params, headers=VIEWER)
        assert r.status_code == 422, params
    missing = f"{BASE}/projects/{uuid.uuid4()}/gate-check"
    assert (await client.get(missing, params={"to_stage": "approved"}, headers=VIEWER)).status_code == 404


async def test_portfolio_risk_facts_follow_risk_and_response_events(  # type: ignore[no-untyped-def]
    api, client, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    other = await api.project(pf["id"], "B")
    await put_criteria(client, pf["id"], [criterion("every_fact", EVERY_FACT)])
    low, high, chance = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    url = nats_server.url
    await publish_event(url, RiskRaised, risk(p["id"], pf["id"], low, 1))
    escalated = risk(p["id"], pf["id"], high, 2, probability=5, impact=4, score=20, escalated=True)
    await publish_event(url, RiskEscalated, escalated)
    await publish_event(url, RiskRaised, risk(p["id"], pf["id"], chance, 1, kind="opportunity", score=25))
    await publish_event(url, RiskRaised, risk(other["id"], pf["id"], uuid.uuid4(), 1, score=25))
    await publish_event(url, RiskRaised, risk(None, pf["id"], uuid.uuid4(), 1, score=25))  # type: ignore[arg-type]

    async def facts_are(expected: dict[str, Any]) -> dict[str, Any] | None:
        facts = await every_fact(client, p["id"])
        return facts if {k: facts[k] for k in expected} == expected else None

    risks = ("risks.open_count", "risks.max_open_score", "risks.escalated_without_response")
    await eventually(lambda: facts_are(dict(zip(risks, (2, 20, 1), strict=True))))
    # A response to the escalated risk answers it; a deleted one no longer does.
    response_id = uuid.uuid4()
    response = {
        "id": str(response_id),
        "version": 1,
        "risk_id": str(high),
        "portfolio_id": pf["id"],
        "project_id": p["id"],
        "strategy": "reduce",
        "status": "planned",
    }
    await publish_event(url, ResponseCreated, response)
    await eventually(lambda: facts_are({"risks.escalated_without_response": 0}))
    await publish_event(url, ResponseUpdated, {**response, "version": 2, "deleted": True})
    await eventually(lambda: facts_are({"risks.escalated_without_response": 1}))
    # Residual assessment lowers the current score; an older version redelivered changes nothing.
    residual = {"probability": 2, "impact": 4, "score": 8}
    await publish_event(
        url, RiskUpdated, {**escalated, "version": 3, "residual": residual, "escalated": False}
    )
    await eventually(lambda: facts_are({"risks.max_open_score": 12, "risks.escalated_without_response": 0}))
    await publish_event(url, RiskEscalated, escalated)  # version 2 again, with another event id
    await publish_event(url, RiskClosed, risk(p["id"], pf["id"], low, 2, status="closed"))
    await eventually(lambda: facts_are({"risks.open_count": 1, "risks.max_open_score": 8}))
    await publish_event(url, RiskClosed, {**escalated, "version": 4, "status": "closed", "deleted": True})
    await eventually(lambda: facts_are(dict(zip(risks, (0, 0, 0), strict=True))))


async def test_portfolio_status_report_facts_come_from_the_latest_report(  # type: ignore[no-untyped-def]
    api, client, nats_server: NatsServer
) -> None:
    pf = await api.portfolio()
    p = await api.project(pf["id"], "A")
    await put_criteria(client, pf["id"], [criterion("every_fact", EVERY_FACT)])
    today = datetime.now(UTC).date()
    marker = await api.project(pf["id"], "B")
    report_facts = ("status_report.age_days", "status_report.overall", "evm.spi", "evm.cpi")

    async def facts_of(project_id: str, expected: tuple[Any, ...]) -> bool:
        facts = await every_fact(client, project_id)
        return tuple(facts[k] for k in report_facts) == expected

    newer = report(p["id"], today - timedelta(days=3), overall="amber", spi=0.8, cpi=1.1)
    await publish_event(nats_server.url, StatusReportSubmitted, newer)
    await eventually(lambda: facts_of(p["id"], (3, "amber", 0.8, 1.1)))
    # An older report arriving late and the newer one redelivered change nothing; the marker report
    # of another project, published after them on the same subscription, shows they were handled.
    older = report(p["id"], today - timedelta(days=10), overall="red", spi=0.5, cpi=0.6)
    await publish_event(nats_server.url, StatusReportSubmitted, older)
    await publish_event(nats_server.url, StatusReportSubmitted, newer)
    await publish_event(nats_server.url, StatusReportSubmitted, report(marker["id"], today, overall="red"))
    await eventually(lambda: facts_of(marker["id"], (0, "red", None, None)))
    assert await facts_of(p["id"], (3, "amber", 0.8, 1.1))
    without_evm = report(p["id"], today - timedelta(days=1), overall="green")
    await publish_event(nats_server.url, StatusReportSubmitted, without_evm)
    await eventually(lambda: facts_of(p["id"], (1, "green", None, None)))
    facts = await every_fact(client, p["id"])
    assert facts["benefits.count"] == 0 and facts["scores.complete"] is True  # no criteria: all scored
    assert set(facts) == set(FACTS)
