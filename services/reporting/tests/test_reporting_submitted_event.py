"""`status_report.submitted` carries the report's actions (the portfolio's action register lists
them) and its SPI/CPI as computed at submission (null where a ratio is undefined)."""

from __future__ import annotations

from datetime import date

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import validate_data
from pmo_common.testing.harness import auth

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
SUBMITTED = "pmo.reporting.status_report.submitted"


async def test_the_submitted_event_carries_the_reports_actions_and_its_evm_ratios(
    client, feed, make_report, outbox_events
) -> None:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"])
    actions = [
        {"title": "Sign the hosting contract", "owner": "olga", "due_date": "2025-07-15", "status": "open"},
        {"title": "Hire a tester", "status": "in_progress"},
    ]
    body = make_report(
        date(2025, 6, 30),
        planned_value="50000.00",
        earned_value="40000.00",
        actual_cost="32000.00",
        actions=actions,
    )
    r = await client.post(f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    [envelope] = await outbox_events(SUBMITTED)
    CloudEvent.model_validate(envelope)
    assert (envelope["subject"], envelope["type"]) == (r.json()["id"], f"{SUBMITTED}.v1")
    data = envelope["data"]
    validate_data(SUBMITTED, data)
    assert data["actions"] == [
        actions[0],
        {"title": "Hire a tester", "owner": None, "due_date": None, "status": "in_progress"},
    ]
    assert (data["spi"], data["cpi"]) == (0.8, 1.25)  # 40k / 50k, 40k / 32k


async def test_undefined_ratios_are_null_and_a_report_without_actions_carries_an_empty_list(
    client, feed, make_report, outbox_events
) -> None:
    portfolio = await feed.portfolio()
    # No dates: no planned value to compare with (SPI undefined); no cost yet (CPI undefined).
    project = await feed.project(portfolio["id"], start_date=None, finish_date=None)
    body = make_report(date(2025, 6, 30), actual_cost="0.00")
    r = await client.post(f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    [envelope] = await outbox_events(SUBMITTED)
    data = envelope["data"]
    validate_data(SUBMITTED, data)
    assert (data["actions"], data["spi"], data["cpi"]) == ([], None, None)
