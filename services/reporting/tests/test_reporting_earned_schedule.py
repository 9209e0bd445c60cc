"""Earned schedule (Lipke), TCPI and TCPI(EAC) through `GET /projects/{id}/evm` (contract §7.1,
§7.8), on the PV curve of the baseline in force, checked by hand at the edges: before the start,
with nothing earned, Lipke's "seven months gone, earned schedule at month five", after the finish
with EV = BAC (SPI = 1 yet SPI(t) = 0.83), and mid-month on a cost profile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
# A linear plan of 300 days ("months" of 30 days) and a BAC of 1,000: Lipke's ten-month example.
START, FINISH = date(2025, 1, 1), date(2025, 10, 28)


async def _project_with_baseline(feed: Any, client: Any, **fields: Any) -> dict[str, Any]:
    portfolio = await feed.portfolio()
    project = await feed.project(portfolio["id"], **fields)
    baseline = {key: project[key] for key in ("budget", "start_date", "finish_date")} | {
        "number": 1,
        "cost_profile": project.get("cost_profile", []),
        "approved_at": datetime(2024, 12, 20, tzinfo=UTC).isoformat(),
    }
    await feed.stage(
        project | {"baseline": baseline}, "approved", datetime(2024, 12, 20, tzinfo=UTC), version=2
    )

    async def baselined() -> bool:
        return (await _evm(client, project, START))["baseline_number"] == 1

    await eventually(baselined)
    return project


async def _evm(client: Any, project: dict[str, Any], as_of: date) -> dict[str, Any]:
    response = await client.get(f"{PREFIX}/projects/{project['id']}/evm?as_of={as_of}", headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _report(
    client: Any, make_report: Any, project: dict[str, Any], as_of: date, ev: str, ac: str
) -> None:
    body = make_report(as_of, earned_value=ev, actual_cost=ac, percent_complete=0)
    response = await client.post(
        f"{PREFIX}/projects/{project['id']}/status-reports", json=body, headers=ADMIN
    )
    assert response.status_code == 201, response.text


async def test_earned_schedule_and_tcpi_at_the_edges(client, feed, make_report) -> None:
    project = await _project_with_baseline(
        feed, client, budget="1000.00", start_date=str(START), finish_date=str(FINISH)
    )
    for as_of, ev, ac in (
        (date(2024, 12, 22), "0.00", "0.00"),  # before the start
        (date(2025, 1, 31), "0.00", "50.00"),  # a month in, nothing earned
        (date(2025, 7, 30), "500.00", "800.00"),  # seven months gone, half the value earned
        (date(2025, 12, 27), "1000.00", "1100.00"),  # done two months late, over budget
    ):
        await _report(client, make_report, project, as_of, ev, ac)

    before = await _evm(client, project, date(2024, 12, 22))
    assert before["earned_schedule"] == {
        "es_date": "2025-01-01",
        "es_days": 0.0,
        "at_days": -10,
        "spi_t": None,  # AT ≤ 0: no ratio
        "sv_t_days": 10.0,
        "ieac_t_date": None,
    }
    assert (before["tcpi"], before["tcpi_eac"]) == (1.0, None)  # EAC unknown with EV = 0

    nothing = await _evm(client, project, date(2025, 1, 31))
    assert nothing["earned_schedule"] == {
        "es_date": "2025-01-01",
        "es_days": 0.0,
        "at_days": 30,
        "spi_t": 0.0,
        "sv_t_days": -30.0,
        "ieac_t_date": None,  # SPI(t) = 0: no forecast
    }

    lipke = await _evm(client, project, date(2025, 7, 30))
    assert lipke["earned_schedule"] == {
        "es_date": "2025-05-31",  # month five
        "es_days": 150.0,
        "at_days": 210,  # month seven
        "spi_t": 0.7143,  # 5/7
        "sv_t_days": -60.0,  # −2 months
        "ieac_t_date": "2026-02-25",  # 10 months / (5/7) = 14 months after the start
    }
    # TCPI = (1000 − 500) / (1000 − 800); EAC = BAC × AC / EV = 1600, TCPI(EAC) = 500 / (1600 − 800).
    assert (lipke["tcpi"], lipke["eac"], lipke["tcpi_eac"]) == (2.5, "1600.00", 0.625)

    late = await _evm(client, project, date(2025, 12, 27))
    assert (late["spi"], late["pv"], late["ev"]) == (1.0, "1000.00", "1000.00")  # SPI cannot see it
    assert late["earned_schedule"] == {
        "es_date": "2025-10-28",  # ES stops at the plan's completion
        "es_days": 300.0,
        "at_days": 360,
        "spi_t": 0.8333,  # 10/12
        "sv_t_days": -60.0,
        "ieac_t_date": "2025-12-27",  # when it really finished
    }
    # AC ≥ BAC: no efficiency finishes within the budget; EAC − AC = 1100 − 1100 = 0.
    assert (late["tcpi"], late["eac"], late["tcpi_eac"]) == (None, "1100.00", None)


async def test_earned_schedule_interpolates_mid_month_on_the_baselines_cost_profile(
    client, feed, make_report
) -> None:
    profile = [{"period": "2025-01", "amount": "310.00"}, {"period": "2025-02", "amount": "280.00"}]
    project = await _project_with_baseline(
        feed, client, budget="590.00", start_date="2025-01-01", finish_date="2025-02-28", cost_profile=profile
    )
    await _report(client, make_report, project, date(2025, 2, 28), "450.00", "400.00")
    result = await _evm(client, project, date(2025, 2, 28))
    # PV reaches 450 on 14 February (310 + 14/28 of 280): ES = 44 days, AT = 58.
    assert result["earned_schedule"] == {
        "es_date": "2025-02-14",
        "es_days": 44.0,
        "at_days": 58,
        "spi_t": 0.7586,
        "sv_t_days": -14.0,
        "ieac_t_date": "2025-03-18",  # 58 days / (44/58) = 76.45 days after the start
    }
    no_report = await _evm(client, project, date(2025, 1, 15))
    assert no_report["pv"] == "150.00"  # 15/31 of January's 310
    assert no_report["earned_schedule"]["es_days"] is None and no_report["earned_schedule"]["at_days"] == 14


async def test_the_evm_schema_documents_the_new_figures(client) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    evm, schedule = schemas["EvmRead"]["properties"], schemas["EarnedScheduleRead"]["properties"]
    assert "null once AC ≥ BAC" in evm["tcpi"]["description"]
    assert "(BAC − EV) / (EAC − AC)" in evm["tcpi_eac"]["description"]
    assert {"es_date", "es_days", "at_days", "spi_t", "sv_t_days", "ieac_t_date"} <= set(schedule)
    assert all(schedule[name].get("description") for name in schedule)
