"""Charts for the board report, rendered with matplotlib (Agg, no pyplot state) as SVG.

Rendering is CPU-bound and blocking: call these from a worker thread (`anyio.to_thread`). A lock
serialises them because matplotlib's font and text caches are not guaranteed thread-safe.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

_LOCK = threading.Lock()
_SVG_METADATA = {"Date": None, "Creator": "pmo-reporting"}


def _svg(figure: Figure) -> bytes:
    """The figure as SVG, the same bytes for the same figures: no date, and element ids hashed with a
    fixed salt (matplotlib salts them with a random one by default), so a board report as of a past
    date is reproducible byte for byte."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "pmo-reporting"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=_SVG_METADATA)
    return buffer.getvalue()


def s_curve_svg(
    months: Sequence[str], pv: Sequence[Decimal], ev: Sequence[Decimal], ac: Sequence[Decimal], currency: str
) -> bytes:
    """Cumulative PV, EV and AC by month end (the S-curve)."""
    with _LOCK:
        figure = Figure(figsize=(7.5, 3.4))
        ax = figure.add_subplot()
        x = range(len(months))
        for label, values, style in (
            ("PV (planned)", pv, "--"),
            ("EV (earned)", ev, "-"),
            ("AC (actual)", ac, ":"),
        ):
            ax.plot(list(x), [float(v) for v in values], style, marker="o", markersize=3, label=label)
        step = max(1, len(months) // 12)
        ax.set_xticks(list(x)[::step], list(months)[::step], rotation=45, ha="right", fontsize=8)
        ax.set_ylabel(currency)
        ax.set_title("Portfolio earned value (S-curve)")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        return _svg(figure)


def heatmap_svg(counts: Mapping[tuple[int, int], int]) -> bytes:
    """Open risks on the 5×5 probability × impact grid (probability up, impact across)."""
    with _LOCK:
        grid = [[counts.get((p, i), 0) for i in range(1, 6)] for p in range(1, 6)]
        figure = Figure(figsize=(4.2, 3.8))
        ax = figure.add_subplot()
        image = ax.imshow(grid, origin="lower", cmap="YlOrRd", vmin=0, vmax=max(1, *(max(r) for r in grid)))
        for p in range(5):
            for i in range(5):
                ax.text(i, p, str(grid[p][i]), ha="center", va="center", fontsize=10)
        ax.set_xticks(range(5), [str(i) for i in range(1, 6)])
        ax.set_yticks(range(5), [str(p) for p in range(1, 6)])
        ax.set_xlabel("Impact")
        ax.set_ylabel("Probability")
        ax.set_title("Open risks: probability × impact")
        figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        return _svg(figure)
