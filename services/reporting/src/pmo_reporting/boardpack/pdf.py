"""The board report as a PDF, drawn with matplotlib's PDF backend (`PdfPages`): A4 landscape; page 1
the summary (headline figures, the S-curve, the risk heat map), then the tables (every project that
needs attention, the top risks, every overdue action, the recent decisions), paged by
`boardpack.layout`. matplotlib is already the charts' library and needs no system library (no
Cairo, Pango or browser), so the PDF renders the same on any machine the wheels install on.

Text can be searched and copied (and extracted by `pdftotext`); user text is drawn as plain text,
never as mathtext. A table page whose text is all in the PDF standard fonts' Latin (Windows-1252)
repertoire is set in Helvetica, one of the 14 fonts every PDF reader has: matplotlib then writes each
string whole instead of laying out and embedding glyph by glyph, an order of magnitude faster for a
portfolio's hundreds of attention rows. Any other page (the summary with its charts, a page with
Greek, Cyrillic or CJK text) embeds DejaVu Sans as TrueType (`pdf.fonttype` 42), which has those
glyphs. The output is deterministic: no creation date in the metadata.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pmo_reporting import charts
from pmo_reporting.boardpack.layout import Block, Column, Page, Table, paginate
from pmo_reporting.boardpack.model import BoardPack, counts_text

PAGE_SIZE = (11.69, 8.27)  # A4 landscape, inches
LEFT, WIDTH = 0.05, 0.90
TOP, BOTTOM = 0.88, 0.07
FONT_SIZE = 8.0
LINE = FONT_SIZE * 1.4 / (PAGE_SIZE[1] * 72)  # one text line, as a share of the page's height
CHAR_POINTS = FONT_SIZE * 0.55  # the average advance of DejaVu Sans (Helvetica's is narrower)
_METADATA = {"Creator": "pmo-reporting", "CreationDate": None}
EMBEDDED: dict[Any, Any] = {"pdf.fonttype": 42}
STANDARD: dict[Any, Any] = {
    "pdf.use14corefonts": True,
    "font.family": "sans-serif",
    "font.sans-serif": ["Helvetica"],
    "font.weight": "medium",  # Helvetica's AFM names its regular weight "Medium"
}
_HEADER_COLOUR, _SHADE_COLOUR = "#dde6f3", "#f3f6fa"


def _column(header: str, width: float, align: str = "left") -> Column:
    chars = int(width * WIDTH * PAGE_SIZE[0] * 72 / CHAR_POINTS) - 1
    return Column(header, width, chars, align)


def tables(pack: BoardPack) -> list[Table]:
    """The report's tables, in order, every row of each."""
    board = pack.board
    attention = Table(
        f"Needs attention ({len(pack.attention)})",
        [_column("Code", 0.12), _column("Project", 0.30), _column("Reasons", 0.58)],
        [[a.code, a.name, "; ".join(a.reasons)] for a in pack.attention],
        "Nothing needs attention.",
    )
    risks = Table(
        "Top risks",
        [
            _column("Score", 0.07),
            _column("Level", 0.10),
            _column("Risk", 0.51),
            _column("EMV", 0.20, "right"),
            _column("Escalated", 0.12),
        ],
        [
            [str(t.score), t.level, t.title, pack.amount(t.emv), "yes" if t.escalated else ""]
            for t in board.risks.top
        ],
        "No open risks.",
    )
    overdue = Table(
        f"Overdue actions ({board.actions.overdue} of {board.actions.open} open)",
        [
            _column("Due", 0.11),
            _column("Days overdue", 0.11),
            _column("Action", 0.44),
            _column("Owner", 0.20),
            _column("Status", 0.14),
        ],
        [
            [a.due_date.isoformat(), str((board.as_of - a.due_date).days), a.title, a.owner or "—", a.status]
            for a in pack.overdue
        ],
        "No overdue actions.",
    )
    decisions = Table(
        "Recent decisions",
        [
            _column("Decided", 0.12),
            _column("No.", 0.06),
            _column("Kind", 0.14),
            _column("Decision", 0.48),
            _column("Decided by", 0.20),
        ],
        [
            [d.decided_at.date().isoformat(), str(d.sequence), d.kind, d.title, d.decided_by]
            for d in board.decisions.latest
        ],
        "No decisions recorded.",
    )
    return [attention, risks, overdue, decisions]


def _text(figure: Figure, x: float, y: float, text: str, **style: object) -> None:
    figure.text(x, y, text, parse_math=False, va="top", **style)  # type: ignore[arg-type]


def _head(pack: BoardPack) -> str:
    return f"{pack.portfolio_name} — board report as of {pack.board.as_of.isoformat()}"


def _frame(figure: Figure, head: str, number: int, total: int) -> None:
    """The running head and the page number."""
    _text(figure, LEFT, 0.96, head, fontsize=9, color="#555")
    _text(figure, LEFT + WIDTH, 0.04, f"page {number} of {total}", fontsize=8, color="#555", ha="right")


def summary_page(pack: BoardPack) -> Figure:
    board = pack.board
    figure = Figure(figsize=PAGE_SIZE)
    _text(figure, LEFT, 0.925, pack.portfolio_name, fontsize=18, weight="bold")
    generated = f"generated {pack.generated.isoformat()} · amounts in {board.currency}"
    _text(figure, LEFT, 0.875, f"Portfolio report as of {board.as_of.isoformat()} · {generated}", fontsize=10)
    for index, (label, value) in enumerate(pack.headline()):
        x, y = LEFT + (index % 5) * WIDTH / 5, 0.83 - (index // 5) * 0.085
        box = Rectangle((x, y - 0.07), WIDTH / 5 - 0.01, 0.07, transform=figure.transFigure)
        box.set(facecolor="#fafbfd", edgecolor="#ccd", linewidth=0.6)
        figure.add_artist(box)
        _text(figure, x + 0.008, y - 0.008, label, fontsize=8, color="#555")
        _text(figure, x + 0.008, y - 0.03, value, fontsize=12, weight="bold")
    p, r = board.projects, board.risks
    line = (
        f"By stage: {counts_text(p.by_stage)}.  By overall RAG: {counts_text(p.by_rag)}.  "
        f"Risks by level: {counts_text(r.by_level)}."
    )
    _text(figure, LEFT, 0.645, line, fontsize=8, wrap=True)
    c = pack.curve
    curve_axes = figure.add_axes((LEFT + 0.03, 0.13, 0.52, 0.44))
    charts.draw_s_curve(curve_axes, c.months, c.pv, c.ev, c.ac, board.currency, pack.locale)
    _text(figure, LEFT + 0.03, 0.05, f"S-curve {pack.period}", fontsize=8, color="#555")
    charts.draw_heatmap(figure, figure.add_axes((0.66, 0.13, 0.26, 0.44)), pack.heatmap)
    return figure


def _draw_block(figure: Figure, block: Block) -> None:
    top = TOP - block.line * LINE
    _text(figure, LEFT, top, block.title, fontsize=11, weight="bold")
    header_top = top - 2 * LINE
    _band(figure, header_top, 1, _HEADER_COLOUR)
    _cells(figure, block.table.columns, [[c.header] for c in block.table.columns], header_top, weight="bold")
    for row in block.rows:
        row_top = TOP - row.line * LINE
        if row.shaded:
            _band(figure, row_top, row.height, _SHADE_COLOUR)
        _cells(figure, block.table.columns, row.cells, row_top)


def _band(figure: Figure, top: float, lines: int, colour: str) -> None:
    band = Rectangle((LEFT, top - lines * LINE), WIDTH, lines * LINE, transform=figure.transFigure, zorder=0)
    band.set(facecolor=colour, edgecolor="none")
    figure.add_artist(band)


def _cells(
    figure: Figure, columns: Sequence[Column], cells: Sequence[Sequence[str]], top: float, **style: object
) -> None:
    x = LEFT
    for column, lines in zip(columns, cells, strict=True):
        width = column.width * WIDTH
        right = column.align == "right"
        anchor = x + width - 0.004 if right else x + 0.004
        text = "\n".join(lines)
        if text:
            _text(
                figure,
                anchor,
                top - 0.15 * LINE,
                text,
                fontsize=FONT_SIZE,
                linespacing=1.4,
                ha="right" if right else "left",
                **style,
            )
        x += width


def _texts(page: Page) -> Iterator[str]:
    for block in page.blocks:
        yield block.title
        yield from (c.header for c in block.table.columns)
        for row in block.rows:
            for lines in row.cells:
                yield from lines


def _standard(texts: Iterable[str]) -> bool:
    """Whether the standard fonts can show every text (their encoding is Windows-1252)."""
    try:
        for text in texts:
            text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def table_page(page: Page) -> Figure:
    figure = Figure(figsize=PAGE_SIZE)
    for block in page.blocks:
        _draw_block(figure, block)
    return figure


def lines_per_page() -> int:
    return int((TOP - BOTTOM) / LINE)


def board_report_pdf(pack: BoardPack) -> bytes:
    """Every page of the report, one figure at a time (memory stays at one page's worth)."""
    pages = paginate(tables(pack), lines_per_page())
    total = 1 + len(pages)
    buffer = io.BytesIO()
    head = _head(pack)
    # The embedded fonts are written when the file closes, under the fonttype in force then: the
    # whole file is made under EMBEDDED, the standard fonts switched on page by page.
    with charts.RENDER_LOCK, matplotlib.rc_context(EMBEDDED), PdfPages(buffer, metadata=_METADATA) as pdf:
        figure = summary_page(pack)
        _frame(figure, head, 1, total)
        pdf.savefig(figure)
        for number, page in enumerate(pages, start=2):
            with matplotlib.rc_context(STANDARD if _standard([head, *_texts(page)]) else {}):
                figure = table_page(page)
                _frame(figure, head, number, total)
                pdf.savefig(figure)
    return buffer.getvalue()
