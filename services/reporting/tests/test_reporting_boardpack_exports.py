"""The board pack over HTTP (contract §7.8 report.csv, §7.9 board outputs): report.csv's structure and
forecast columns, report.xlsx read back with openpyxl (sheets, typed cells, number formats, frozen
header), report.pdf's text extracted with poppler's `pdftotext` (formatted amounts, every attention
row over several pages), and report.html's amounts, attention table and S-curve span."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest
from openpyxl import load_workbook
from pmo_common.contracts.events import ActionCreated, DecisionRecorded, ProgrammeCreated
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")
VIEWER = auth("vera", "viewer")
TODAY = datetime.now(UTC).date()
LATE = 110
"""Projects in progress without a report: each needs attention (more than the dashboard's 100)."""
FIELDS = [
    {"key": "region", "label": "Region", "type": "choice", "choices": ["north", "south"]},
    {"key": "capex", "label": "Capex", "type": "number"},
    {"key": "gate_date", "label": "Gate date", "type": "date"},
]
MONEY = '#,##0.00 "EUR"'
GREEK = "Έργο Αθήνα – Москва"
"""A name outside the PDF standard fonts' Latin repertoire: its page embeds DejaVu Sans instead."""


def url(pid: str, name: str, query: str = "") -> str:
    return f"{PREFIX}/portfolios/{pid}/{name}{query}"


@pytest.fixture
async def pack(client: httpx.AsyncClient, feed: Any, make_report: Any) -> dict[str, Any]:
    """BIG (44,790,000.49 EUR, in a programme, with custom fields, tags, a red report and
    forecasts), LATE small projects in progress without a report, a large risk, an overdue action
    and a decision."""
    portfolio = await feed.portfolio(name="Board Pack & Co", fields=FIELDS)
    pid = portfolio["id"]
    programme = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": pid, "code": "PRG-1", "name": "Core"}
    await feed.publish(ProgrammeCreated, programme)
    big = await feed.project(
        pid,
        code="BIG",
        name="Core banking",
        stage="in_progress",
        budget="44790000.49",
        start_date="2024-01-01",
        finish_date="2026-12-31",
        sponsor="sue",
        programme_id=programme["id"],
        tags=["=cmd", "erp"],
        fields={"region": "north", "capex": 1250000.5, "gate_date": "2025-06-30"},
    )
    for i in range(LATE):
        name = GREEK if i == 7 else f"Late project {i:03d}"
        await feed.project(pid, wait=False, code=f"ATT-{i:03d}", name=name, stage="in_progress")
    body = make_report(
        TODAY - timedelta(days=3),
        overall="red",
        percent_complete=40,
        actual_cost="20000000.00",
        forecast_cost="46000000.00",
        forecast_finish_date="2027-03-31",
    )
    response = await client.post(f"{PREFIX}/projects/{big['id']}/status-reports", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    await feed.risk(
        pid, big["id"], title="Regulator delays", emv="1234567.89", probability=5, impact=5, score=25
    )
    overdue = {
        "id": str(uuid.uuid4()),
        "version": 1,
        "portfolio_id": pid,
        "project_id": big["id"],
        "title": "Sign the vendor contract",
        "owner": "olga",
        "due_date": str(TODAY - timedelta(days=9)),
        "status": "open",
    }
    await feed.publish(ActionCreated, overdue)
    decided = datetime.combine(TODAY - timedelta(days=2), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=12
    )
    await feed.publish(
        DecisionRecorded,
        {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": pid,
            "project_id": big["id"],
            "kind": "gate",
            "title": "Proceed to build",
            "decided_by": "board",
            "decided_at": decided.isoformat(),
            "sequence": 1,
            "previous_hash": "0" * 64,
            "hash": "a" * 64,
        },
    )

    async def settled() -> bool:
        board = (await client.get(url(pid, "dashboard"), headers=ADMIN)).json()
        rows = list(
            csv.DictReader(io.StringIO((await client.get(url(pid, "report.csv"), headers=ADMIN)).text))
        )
        return (
            board["projects"]["total"] == LATE + 1
            and board["risks"]["open"] == 1
            and board["actions"] == {"open": 1, "overdue": 1}
            and len(board["decisions"]["latest"]) == 1
            and board["projects"]["by_rag"].get("red") == 1
            and any(r["programme"] == "PRG-1" for r in rows)
        )

    await eventually(settled, timeout=60)
    return {"portfolio": portfolio, "big": big, "pid": pid}


def _expected_bac() -> str:
    """BIG's BAC and the late projects' (the feed's default budget, 100,000 each), for reading."""
    return f"{round(44790000.49 + LATE * 100000):,} EUR"


async def test_report_csv_carries_structure_plan_forecast_tags_and_custom_fields(
    client: httpx.AsyncClient, pack: dict[str, Any]
) -> None:
    response = await client.get(url(pack["pid"], "report.csv"), headers=VIEWER)
    assert response.status_code == 200
    reader = csv.DictReader(io.StringIO(response.text))
    header = reader.fieldnames or []
    fixed = ["programme", "sponsor", "baseline_start", "baseline_finish", "baseline_cost"]
    fixed += ["forecast_finish", "forecast_cost", "tags"]
    assert header[-11:] == [*fixed, "field.region", "field.capex", "field.gate_date"]
    assert "manager" in header
    rows = {r["code"]: r for r in reader}
    big = rows["BIG"]
    assert {k: big[k] for k in fixed} == {
        "programme": "PRG-1",
        "sponsor": "sue",
        "baseline_start": "2024-01-01",
        "baseline_finish": "2026-12-31",
        "baseline_cost": "44790000.49",
        "forecast_finish": "2027-03-31",
        "forecast_cost": "46000000.00",
        "tags": "'=cmd;erp",  # joined with ";", and not a live formula
    }
    assert (big["field.region"], big["field.capex"], big["field.gate_date"]) == (
        "north",
        "1250000.5",
        "2025-06-30",
    )
    late = rows["ATT-000"]  # no report: the project's own finish date and budget
    assert (late["forecast_finish"], late["forecast_cost"], late["programme"], late["tags"]) == (
        "2025-12-31",
        "100000.00",
        "",
        "",
    )
    assert late["field.region"] == "" and late["manager"] == "pat"


async def test_report_xlsx_has_typed_cells_money_formats_and_frozen_headers(
    client: httpx.AsyncClient, pack: dict[str, Any]
) -> None:
    response = await client.get(
        url(pack["pid"], "report.xlsx", f"?as_of={TODAY.isoformat()}"), headers=VIEWER
    )
    assert response.status_code == 200
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f"-{TODAY.isoformat()}.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Projects", "Risks", "Actions", "Decisions", "KPIs"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.b for cell in ws[1]), ws.title
        assert ws.column_dimensions["A"].width > 8, ws.title
    projects = book["Projects"]
    header = [c.value for c in projects[1]]
    csv_header = next(
        csv.reader(io.StringIO((await client.get(url(pack["pid"], "report.csv"), headers=ADMIN)).text))
    )
    assert header == csv_header
    rows = {r[header.index("code")].value: r for r in projects.iter_rows(min_row=2)}
    assert len(rows) == LATE + 1
    big = {name: rows["BIG"][i] for i, name in enumerate(header)}
    for name in ("bac", "pv", "ev", "ac", "eac", "baseline_cost", "forecast_cost"):
        assert isinstance(big[name].value, int | float), name
        assert big[name].number_format == MONEY, name
    assert big["bac"].value == pytest.approx(44790000.49) and big["ac"].value == pytest.approx(20000000)
    for name in ("report_as_of", "baseline_start", "baseline_finish", "forecast_finish", "field.gate_date"):
        assert isinstance(big[name].value, datetime) and big[name].is_date, name
    assert big["forecast_finish"].value == datetime(2027, 3, 31)
    assert big["percent_complete"].value == 40 and big["escalated_risks"].value == 0
    assert isinstance(big["spi"].value, float) and big["spi"].number_format == "0.00"
    assert big["field.capex"].value == 1250000.5 and big["field.region"].value == "north"
    assert big["tags"].value == "=cmd;erp" and big["tags"].data_type == "s"  # text, not a formula
    risk = next(book["Risks"].iter_rows(min_row=2))
    assert [c.value for c in risk[:2]] == ["BIG", "Regulator delays"]
    assert risk[6].value == pytest.approx(1234567.89) and risk[6].number_format == MONEY
    assert risk[4].value == 25 and risk[7].value is False
    action = [c.value for c in next(book["Actions"].iter_rows(min_row=2))]
    assert action[:4] == ["Sign the vendor contract", "BIG", "olga", "open"]
    assert action[4] == datetime.combine(TODAY - timedelta(days=9), datetime.min.time())
    assert action[6:] == [True, True, 9]
    decision = [c.value for c in next(book["Decisions"].iter_rows(min_row=2))]
    assert (
        decision[0] == 1
        and isinstance(decision[1], datetime)
        and decision[2:6]
        == [
            "gate",
            "Proceed to build",
            "board",
            "BIG",
        ]
    )
    kpis = list(book["KPIs"].iter_rows(min_row=2, values_only=True))
    assert (
        len(kpis) == 12
        and kpis[-1][0] == TODAY.strftime("%Y-%m")
        and kpis[-1][1] == datetime.combine(TODAY, datetime.min.time())
    )
    assert kpis[-1][2] == LATE + 1 and kpis[-1][3] == pytest.approx(44790000.49 + LATE * 100000)


def _pdf_text(body: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True, timeout=120
    ).stdout.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
async def test_report_pdf_lists_formatted_amounts_and_every_attention_row_over_pages(
    client: httpx.AsyncClient, pack: dict[str, Any]
) -> None:
    response = await client.get(url(pack["pid"], "report.pdf"), headers=VIEWER)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = await anyio.to_thread.run_sync(_pdf_text, response.content)
    pages = text.split("\f")
    total = re.search(r"page 1 of (\d+)", pages[0])
    assert total and int(total.group(1)) >= 4 and f"page {total.group(1)} of {total.group(1)}" in text
    assert _expected_bac() in pages[0] and "20,000,000 EUR" in pages[0]  # BAC and AC, for reading
    assert "44790000" not in text and "1234567.89" not in text  # never raw
    assert "Portfolio earned value (S-curve)" in pages[0] and "Open risks: probability × impact" in pages[0]
    assert f"Needs attention ({LATE + 1})" in text and "Needs attention (111) (continued)" in text
    for code in ["BIG", *(f"ATT-{i:03d}" for i in range(LATE))]:
        assert re.search(rf"^\s*{code}\s", text, re.MULTILINE), code
    assert GREEK in text  # on a page of its own font
    head = f"Board Pack & Co — board report as of {TODAY.isoformat()}"
    assert all(head in page for page in pages if page.strip())  # the running head, on every page
    assert "1,234,568 EUR" in text  # the top risk's EMV
    assert "Sign the vendor contract" in text and "Proceed to build" in text


async def test_report_html_formats_amounts_and_lists_every_attention_row(
    client: httpx.AsyncClient, pack: dict[str, Any]
) -> None:
    response = await client.get(url(pack["pid"], "report.html"), headers=VIEWER)
    html = response.text
    assert f"<b>{_expected_bac()}</b>" in html and "<b>20,000,000 EUR</b>" in html
    assert "44790000" not in html and "1234567.89" not in html
    table = html.split('<table class="attention">')[1].split("</table>")[0]
    assert html.count(f"<h2>Needs attention ({LATE + 1})</h2>") == 1 and table.count("<tr><td>") == LATE + 1
    assert "1,234,568 EUR" in html.split('<table class="top-risks">')[1]
    # The S-curve covers the whole span: BIG's start to its reported forecast finish.
    assert "<figcaption>2024-01 – 2027-03</figcaption>" in html
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html) and "url(" not in html
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html


async def test_report_amounts_follow_the_locale_and_an_unknown_one_is_a_422(
    client: httpx.AsyncClient, pack: dict[str, Any]
) -> None:
    german = await client.get(url(pack["pid"], "report.html", "?locale=de"), headers=VIEWER)
    assert _expected_bac().replace(",", ".") in german.text and '<html lang="de">' in german.text
    for name in ("report.html", "report.pdf"):
        response = await client.get(url(pack["pid"], name, "?locale=zz"), headers=VIEWER)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "query.locale"


async def test_exports_as_of_a_past_date_read_the_projects_of_that_date(
    client: httpx.AsyncClient, pack: dict[str, Any]
) -> None:
    """Before any event: no project, empty sheets, and the PDF still renders."""
    before = (date(2000, 1, 31)).isoformat()
    rows = list(
        csv.DictReader(
            io.StringIO(
                (await client.get(url(pack["pid"], "report.csv", f"?as_of={before}"), headers=ADMIN)).text
            )
        )
    )
    assert rows == []
    book = load_workbook(
        io.BytesIO(
            (await client.get(url(pack["pid"], "report.xlsx", f"?as_of={before}"), headers=ADMIN)).content
        )
    )
    assert [book[name].max_row for name in ("Projects", "Risks", "Actions", "Decisions")] == [1, 1, 1, 1]
    assert (
        await client.get(url(pack["pid"], "report.pdf", f"?as_of={before}"), headers=ADMIN)
    ).status_code == 200
    unknown = await client.get(url(str(uuid.uuid4()), "report.xlsx"), headers=ADMIN)
    assert unknown.status_code == 404
