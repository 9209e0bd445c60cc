"""The PDF board report's tables laid out on pages (pure, no drawing): each table's rows flow down
the page, a row's cells wrapped to their column, and continue on the next page under a repeated
title and header, so every row is listed whatever the count (no "first 100 of 203").

Positions are in lines from the top of the page's table area; `boardpack.pdf` turns them into
figure coordinates.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_CELL_LINES = 3
TITLE_LINES = 2
"""A table title takes two lines (its text and a gap)."""


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    """A share of the page's width (a table's columns add up to at most 1)."""
    chars: int
    """How many characters fit on one line of the column."""
    align: str = "left"


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[str]]
    empty: str = "None."


@dataclass(frozen=True)
class Row:
    cells: Sequence[Sequence[str]]
    """Per column, the lines of its wrapped text."""
    line: int
    """The row's first line on the page."""
    height: int
    shaded: bool = False


@dataclass
class Block:
    """A table's part on one page: its title (with "continued"), its header and the rows that fit."""

    table: Table
    title: str
    line: int
    rows: list[Row] = field(default_factory=list)


@dataclass
class Page:
    blocks: list[Block] = field(default_factory=list)


def wrap(text: str, chars: int) -> list[str]:
    """The text on at most MAX_CELL_LINES lines of `chars` characters, an ellipsis ending a cut."""
    lines = textwrap.wrap(text, width=max(chars, 4), break_long_words=True) or [""]
    if len(lines) > MAX_CELL_LINES:
        lines = lines[:MAX_CELL_LINES]
        lines[-1] = lines[-1][: max(chars - 1, 1)].rstrip() + "…"
    return lines


def _cells(table: Table, values: Sequence[str]) -> list[list[str]]:
    return [wrap(value, column.chars) for value, column in zip(values, table.columns, strict=True)]


def paginate(tables: Sequence[Table], lines_per_page: int) -> list[Page]:
    """Lay the tables out one after the other on pages of `lines_per_page` lines."""
    pages, page, line = [], Page(), 0

    def new_page() -> None:
        nonlocal page, line
        pages.append(page)
        page, line = Page(), 0

    for table in tables:
        rows = [_cells(table, r) for r in table.rows] or [[[table.empty], *([""] for _ in table.columns[1:])]]
        first_height = max(len(c) for c in rows[0])
        if line and line + TITLE_LINES + 1 + first_height > lines_per_page:
            new_page()
        block = Block(table, table.title, line)
        page.blocks.append(block)
        line += TITLE_LINES + 1  # the title, then the header line
        for index, cells in enumerate(rows):
            height = max(len(c) for c in cells)
            if line + height > lines_per_page and block.rows:
                new_page()
                block = Block(table, f"{table.title} (continued)", line)
                page.blocks.append(block)
                line += TITLE_LINES + 1
            block.rows.append(Row(cells, line, height, shaded=index % 2 == 1))
            line += height
        line += 1  # a blank line between tables
    if page.blocks:
        pages.append(page)
    return pages
