"""The board pack's pure parts: amounts and axes formatted for reading (Babel), the S-curve's span and
planned totals, the PDF's table pagination, the workbook's typed cells — directly and with
hypothesis."""

from __future__ import annotations

import io
import itertools
import string
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from openpyxl import load_workbook
from pmo_reporting import charts
from pmo_reporting.boardpack.layout import MAX_CELL_LINES, Column, Table, paginate, wrap
from pmo_reporting.boardpack.money import axis_scale, format_amount, format_scaled, known_locale
from pmo_reporting.boardpack.xlsx import Sheet, SheetColumn, typed_field, workbook_bytes
from pmo_reporting.logic.curve import (
    MAX_MONTHS_AHEAD,
    MAX_MONTHS_BACK,
    curve_months,
    planned_totals,
    split_at,
)
from pmo_reporting.logic.periods import month_end
from pmo_reporting.logic.schedule import PlannedCost, planned_value_at

# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "locale", "expected"),
    [
        ("44790000.49", "EUR", "en", "44,790,000 EUR"),
        ("37210959511.01", "USD", "en", "37,210,959,511 USD"),
        ("44790000.50", "EUR", "en", "44,790,000 EUR"),  # half-even: to the even unit
        ("44790001.50", "EUR", "en", "44,790,002 EUR"),
        ("-1234.56", "GBP", "en", "-1,235 GBP"),
        ("0.00", "CHF", "en", "0 CHF"),
        ("44790000.49", "EUR", "de", "44.790.000 EUR"),
        ("1234567", "JPY", "en", "1,234,567 JPY"),
    ],
)
def test_amounts_are_whole_units_grouped_with_the_currency_code(
    value: str, currency: str, locale: str, expected: str
) -> None:
    assert format_amount(Decimal(value), currency, locale) == expected


def test_an_unknown_amount_is_a_dash_and_unknown_locales_are_refused() -> None:
    assert format_amount(None, "EUR") == "—"
    assert known_locale("en") and known_locale("de_CH") and known_locale("fr")
    assert not known_locale("zz") and not known_locale("en_ZZZ") and not known_locale("")


@given(st.decimals(min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2))
def test_an_amount_reads_back_as_the_rounded_value(value: Decimal) -> None:
    text = format_amount(value, "EUR")
    number, code = text.rsplit(" ", 1)
    assert code == "EUR" and "E" not in number and "." not in number
    assert Decimal(number.replace(",", "")) == value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)


@pytest.mark.parametrize(
    ("largest", "ticks", "expected"),
    [
        (3.7e10, [0, 1e10, 2.5e10], ["0", "10bn", "25bn"]),
        (4.5e7, [0, 1e7, 2.5e7], ["0", "10M", "25M"]),
        (7.5e5, [0, 2.5e5, 5e5], ["0", "250k", "500k"]),
        (1.2e6, [0, 5e5, 1e6], ["0", "0.5M", "1M"]),
        (900, [0, 250, 500], ["0", "250", "500"]),
    ],
)
def test_axis_ticks_share_one_readable_unit(largest: float, ticks: list[float], expected: list[str]) -> None:
    divisor, suffix = axis_scale(largest)
    assert [format_scaled(t, divisor, suffix) for t in ticks] == expected


def test_the_s_curve_axis_has_readable_ticks_and_no_offset_text() -> None:
    """The "1e10" matplotlib prints above a large axis is gone: every tick says its unit."""
    figure = Figure()
    ax = figure.add_subplot()
    months = ["2025-01", "2025-02", "2025-03", "2025-04"]
    pv = [Decimal("0"), Decimal("12000000000"), Decimal("25000000000"), Decimal("37210959511.01")]
    charts.draw_s_curve(
        ax, months, pv, [Decimal("1e10"), Decimal("2e10"), None, None], [*pv[:2], None, None], "USD"
    )
    figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(label == "0" or label.endswith("bn") for label in labels), labels
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert ax.get_ylabel() == "USD"


# --- the S-curve --------------------------------------------------------------------------------


def test_the_span_runs_from_the_earliest_start_to_the_latest_finish() -> None:
    as_of = date(2025, 6, 15)
    months = curve_months([date(2024, 11, 3), None], [date(2026, 2, 1), date(2025, 3, 1)], as_of)
    assert months[0] == "2024-11" and months[-1] == "2026-02" and len(months) == 16
    assert split_at(months, as_of) == (months[:8], months[8:])
    # Nothing dated: the year up to the as-of month. Everything past: still up to the as-of month.
    assert curve_months([], [], as_of) == [f"2024-{m:02d}" for m in range(7, 13)] + [
        f"2025-{m:02d}" for m in range(1, 7)
    ]
    assert curve_months([date(2020, 1, 1)], [date(2021, 1, 1)], date(2021, 3, 1))[-1] == "2021-03"


def test_the_span_is_cut_at_its_far_ends() -> None:
    months = curve_months([date(1900, 1, 1)], [date(2200, 1, 1)], date(2025, 6, 15))
    assert len(months) == MAX_MONTHS_BACK + 1 + MAX_MONTHS_AHEAD
    assert "2025-06" in months


def _plans() -> st.SearchStrategy[PlannedCost]:
    day = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
    amount = st.decimals(min_value=0, max_value=10_000_000, places=2)
    month = st.integers(0, 47).map(lambda i: f"{2024 + i // 12}-{i % 12 + 1:02d}")
    profile = st.lists(st.tuples(month, amount), max_size=6, unique_by=lambda p: p[0]).map(tuple)
    return st.builds(PlannedCost, amount, st.none() | day, st.none() | day, profile)


@given(st.lists(_plans(), max_size=8), st.lists(st.integers(0, 47), min_size=1, max_size=12, unique=True))
@settings(max_examples=150, deadline=None)
def test_planned_totals_are_the_sum_of_each_plans_pv_at_the_month_end(
    plans: list[PlannedCost], indexes: list[int]
) -> None:
    months = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in sorted(indexes)]
    expected = [
        sum((planned_value_at(p, month_end(m)) or Decimal(0) for p in plans), Decimal("0.00")) for m in months
    ]
    assert planned_totals(plans, months) == expected


# --- the PDF's pages ----------------------------------------------------------------------------


def _table(rows: list[list[str]], title: str = "T") -> Table:
    return Table(title, [Column("A", 0.3, 12), Column("B", 0.7, 30)], rows)


text = st.text(alphabet=string.ascii_letters + " ", max_size=120)


@given(st.lists(st.lists(st.tuples(text, text), max_size=150), max_size=3), st.integers(8, 60))
@settings(max_examples=100, deadline=None)
def test_every_row_is_laid_out_once_in_order_and_no_page_overflows(
    tables: list[list[tuple[str, str]]], lines: int
) -> None:
    laid = [_table([list(r) for r in rows], f"T{i}") for i, rows in enumerate(tables)]
    pages = paginate(laid, lines)
    for page in pages:
        used = [(row.line, row.line + row.height) for block in page.blocks for row in block.rows]
        assert all(end <= lines for _, end in used)
        assert all(b[0] >= a[1] for a, b in itertools.pairwise(used))  # rows never overlap
    for table in laid:
        placed = [
            row for page in pages for block in page.blocks if block.table is table for row in block.rows
        ]
        expected = max(len(table.rows), 1)  # an empty table shows its one "None." row
        assert len(placed) == expected
        if table.rows:
            assert [r.cells[0] for r in placed] == [wrap(row[0], 12) for row in table.rows]


def test_a_table_longer_than_a_page_continues_under_its_title_and_header() -> None:
    pages = paginate([_table([[f"P-{i:03d}", "x"] for i in range(203)], "Needs attention (203)")], 40)
    titles = [block.title for page in pages for block in page.blocks]
    assert len(pages) >= 6 and titles[0] == "Needs attention (203)"
    assert all(t == "Needs attention (203) (continued)" for t in titles[1:])
    assert sum(len(block.rows) for page in pages for block in page.blocks) == 203


def test_long_cells_wrap_and_are_cut_with_an_ellipsis() -> None:
    assert wrap("short", 20) == ["short"]
    lines = wrap("word " * 100, 20)
    assert len(lines) == MAX_CELL_LINES and lines[-1].endswith("…")
    assert all(len(line) <= 20 for line in lines)


# --- the workbook's cells -------------------------------------------------------------------------


def test_cells_are_typed_and_text_is_never_a_formula() -> None:
    columns = [
        SheetColumn("name"),
        SheetColumn("bac", "money"),
        SheetColumn("spi", "ratio"),
        SheetColumn("due", "date"),
        SheetColumn("at", "datetime"),
        SheetColumn("open", "bool"),
        SheetColumn("n", "integer"),
    ]
    at = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    rows = [
        ['=HYPERLINK("http://x")', Decimal("44790000.49"), 0.8123, date(2025, 6, 30), at, True, 3],
        ["bell\x07 and tab\tkept", None, None, None, None, False, None],
    ]
    body = workbook_bytes("Title \x01", "EUR", [Sheet("Projects", columns, rows)])
    ws = load_workbook(io.BytesIO(body))["Projects"]
    first, second = list(ws.iter_rows(min_row=2, values_only=False))
    assert first[0].data_type == "s" and first[0].value.startswith("=HYPERLINK")
    assert first[1].value == pytest.approx(44790000.49) and first[1].number_format == '#,##0.00 "EUR"'
    assert first[2].number_format == "0.00" and isinstance(first[2].value, float)
    assert first[3].value == datetime(2025, 6, 30) and first[3].number_format == "yyyy-mm-dd"
    assert first[4].value == datetime(2025, 3, 1, 9, 30) and first[4].is_date
    assert first[5].value is True and first[6].value == 3
    assert second[0].value == "bell and tab\tkept" and second[1].value is None
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G3"


def test_custom_field_values_are_typed_by_their_definition() -> None:
    assert typed_field(1250000.5, "number") == 1250000.5
    assert typed_field("2025-06-30", "date") == date(2025, 6, 30)
    assert typed_field("not a date", "date") == "not a date"
    assert typed_field("north", "choice") == "north" and typed_field(None, "text") is None
    assert typed_field(7, "text") == 7  # a number stays a number whatever its definition says


def test_a_timestamp_keeps_its_utc_wall_clock() -> None:
    later = datetime(2025, 3, 1, 23, 59, tzinfo=UTC) + timedelta(minutes=2)
    body = workbook_bytes("t", "EUR", [Sheet("S", [SheetColumn("at", "datetime")], [[later]])])
    assert load_workbook(io.BytesIO(body))["S"]["A2"].value == datetime(2025, 3, 2, 0, 1)
