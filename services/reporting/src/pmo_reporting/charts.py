"""Charts for the board report, drawn with matplotlib (Agg, no pyplot state): as SVG for the HTML
report, and onto the PDF's pages (`boardpack.pdf`) by the same drawing functions.

Rendering is CPU-bound and blocking: call these from a worker thread (`anyio.to_thread`). One lock
(`RENDER_LOCK`) serialises all drawing because matplotlib's font and text caches are not guaranteed
thread-safe.

Money axes are in readable units (`boardpack.money.axis_scale`: k, M, bn, with the currency as the
axis label), never matplotlib's default "1e10" offset notation.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from pmo_reporting.boardpack.money import DEFAULT_LOCALE, axis_scale, format_scaled

RENDER_LOCK = threading.Lock()
_SVG_METADATA = {"Date": None, "Creator": "pmo-reporting"}


def _svg(figure: Figure) -> bytes:
    """The figure as SVG, the same bytes for the same figures: no date, and element ids hashed with a
    fixed salt (matplotlib salts them with a random one by default), so a board report as of a past
    date is reproducible byte for byte."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "pmo-reporting"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=_SVG_METADATA)
    return buffer.getvalue()


def money_axis(ax: Axes, largest: float, currency: str, locale: str = DEFAULT_LOCALE) -> None:
    """Ticks in one readable unit for the axis (`250k`, `1.5M`), the currency as its label."""
    divisor, suffix = axis_scale(largest)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], min_n_ticks=3))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_scaled(v, divisor, suffix, locale)))
    ax.set_ylabel(currency)


def draw_s_curve(
    ax: Axes,
    months: Sequence[str],
    pv: Sequence[Decimal],
    ev: Sequence[Decimal | None],
    ac: Sequence[Decimal | None],
    currency: str,
    locale: str = DEFAULT_LOCALE,
) -> None:
    """Cumulative PV over every month of the span, EV and AC up to the as-of month (`None` after)."""
    x = list(range(len(months)))
    known = [i for i in x if ev[i] is not None or ac[i] is not None]
    ax.plot(x, [float(v) for v in pv], "--", marker="o", markersize=2.5, label="PV (planned)")
    for label, values, style in (("EV (earned)", ev, "-"), ("AC (actual)", ac, ":")):
        ax.plot(known, [float(values[i] or 0) for i in known], style, marker="o", markersize=2.5, label=label)
    if known and known[-1] < len(months) - 1:
        ax.axvline(known[-1], color="#888", linewidth=0.8, linestyle="-.", label="as of")
    step = max(1, len(months) // 12)
    ax.set_xticks(x[::step], list(months)[::step], rotation=45, ha="right", fontsize=8)
    largest = max([float(v) for v in pv] + [float(v) for v in (*ev, *ac) if v is not None] + [0.0])
    money_axis(ax, largest, currency, locale)
    ax.set_ylim(bottom=0)
    ax.set_title("Portfolio earned value (S-curve)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)


def draw_heatmap(figure: Figure, ax: Axes, counts: Mapping[tuple[int, int], int]) -> None:
    """Open risks on the 5×5 probability × impact grid (probability up, impact across)."""
    grid = [[counts.get((p, i), 0) for i in range(1, 6)] for p in range(1, 6)]
    image = ax.imshow(grid, origin="lower", cmap="YlOrRd", vmin=0, vmax=max(1, *(max(r) for r in grid)))
    for p in range(5):
        for i in range(5):
            ax.text(i, p, str(grid[p][i]), ha="center", va="center", fontsize=10)
    ax.set_xticks(range(5), [str(i) for i in range(1, 6)])
    ax.set_yticks(range(5), [str(p) for p in range(1, 6)])
    ax.set_xlabel("Impact")
    ax.set_ylabel("Probability")
    ax.set_title("Open risks: probability × impact")
    colorbar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colorbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def s_curve_svg(
    months: Sequence[str],
    pv: Sequence[Decimal],
    ev: Sequence[Decimal | None],
    ac: Sequence[Decimal | None],
    currency: str,
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    with RENDER_LOCK:
        figure = Figure(figsize=(7.5, 3.4))
        draw_s_curve(figure.add_subplot(), months, pv, ev, ac, currency, locale)
        return _svg(figure)


def heatmap_svg(counts: Mapping[tuple[int, int], int]) -> bytes:
    with RENDER_LOCK:
        figure = Figure(figsize=(4.2, 3.8))
        draw_heatmap(figure, figure.add_subplot(), counts)
        return _svg(figure)
