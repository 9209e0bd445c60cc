"""The board pack as an Excel workbook (openpyxl, write-only mode: rows go to disk as they are
written, so memory stays flat whatever the portfolio's size). Pure formatting, no I/O.

Sheets `Projects`, `Risks`, `Actions`, `Decisions`, `KPIs`, each with a bold header row that stays
frozen (panes at A2) and an auto-filter. Numbers and dates are typed cells, never text: money with
the number format `#,##0.00 "EUR"` (the portfolio's currency code in the format, the exact cents in
the cell), ratios `0.00`, percentages `0.0`, dates `yyyy-mm-dd`, timestamps `yyyy-mm-dd h:mm:ss` in
UTC (Excel has no time zones). User text is always a text cell: a leading `=` is not a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

SHEETS = ("Projects", "Risks", "Actions", "Decisions", "KPIs")
FORMATS = {"ratio": "0.00", "percent": "0.0"}
"""Number formats by column kind besides money (integers, numbers, dates and times need none of
their own: openpyxl writes dates `yyyy-mm-dd` and times `yyyy-mm-dd h:mm:ss`)."""
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F3")
_HEADER_ALIGN = Alignment(vertical="top", wrap_text=True)


@dataclass(frozen=True)
class SheetColumn:
    header: str
    kind: str = "text"
    """text, money, ratio, percent, integer, number, date, datetime or bool."""
    width: float = 14


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: Sequence[SheetColumn]
    rows: Iterable[Sequence[Any]]


def money_format(currency: str) -> str:
    return f'#,##0.00 "{currency}"'


def _clean(text: str) -> str:
    """Control characters Excel cannot store are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _cell(ws: WriteOnlyWorksheet, value: Any, column: SheetColumn, currency: str) -> Any:
    """The value as the row writes it: a cell of its own only where a number needs a format or text
    could be read as a formula (making one per value is most of openpyxl's cost)."""
    if isinstance(value, str):
        text = _clean(value)
        if not text.startswith("="):
            return text
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    if isinstance(value, datetime):  # Excel stores no time zone: the workbook's times are UTC
        return value.replace(tzinfo=None)
    if value is None or isinstance(value, bool | int | date):
        return value  # dates get openpyxl's yyyy-mm-dd, integers need none
    number_format = money_format(currency) if column.kind == "money" else FORMATS.get(column.kind)
    if number_format is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _header(ws: WriteOnlyWorksheet, columns: Sequence[SheetColumn]) -> list[WriteOnlyCell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        cells.append(cell)
    return cells


def _write_sheet(workbook: Workbook, sheet: Sheet, currency: str) -> None:
    ws = workbook.create_sheet(sheet.name)
    for index, column in enumerate(sheet.columns, start=1):  # widths before the first row (write-only)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    ws.append(_header(ws, sheet.columns))
    count = 0
    for row in sheet.rows:
        ws.append(
            [_cell(ws, value, column, currency) for value, column in zip(row, sheet.columns, strict=True)]
        )
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{count + 1}"


def workbook_bytes(title: str, currency: str, sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = _clean(title)
    workbook.properties.creator = "pmo-reporting"
    for sheet in sheets:
        _write_sheet(workbook, sheet, currency)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def typed_field(value: Any, kind: str | None) -> Any:
    """A custom field's value as its definition types it: a number, a date, else text."""
    if value is None or isinstance(value, bool):
        return value
    if kind == "number" and isinstance(value, int | float | Decimal):
        return value
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value if isinstance(value, int | float) else str(value)
