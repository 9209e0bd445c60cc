"""Heat map and Monte Carlo exposure over open risks."""

from __future__ import annotations

import secrets
import uuid
from decimal import Decimal
from functools import partial
from typing import Literal

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_risk.analytics.dependencies import Scope
from pmo_risk.analytics.schemas import MAX_CELL_IDS, Exposure, Heatmap, HeatmapCell, Simulation
from pmo_risk.logic.exposure import simulate_exposure
from pmo_risk.logic.scoring import SCALE
from pmo_risk.matrices import repository as matrices
from pmo_risk.risks import repository as risks
from pmo_risk.risks.models import Risk


def _cell_of(risk: Risk, basis: str) -> tuple[int, int]:
    if basis == "residual" and risk.residual_probability is not None and risk.residual_impact is not None:
        return risk.residual_probability, risk.residual_impact
    return risk.probability, risk.impact


async def heatmap(
    session: AsyncSession,
    *,
    portfolio_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    basis: Literal["inherent", "residual"],
) -> Heatmap:
    cells: dict[tuple[int, int], list[Risk]] = {(p, i): [] for p in SCALE for i in SCALE}
    open_risks = await risks.open_risks(session, portfolio_id=portfolio_id, project_id=project_id)
    for risk in open_risks:
        cells[_cell_of(risk, basis)].append(risk)
    return Heatmap(
        basis=basis,
        total=len(open_risks),
        cells=[
            HeatmapCell(
                probability=p, impact=i, count=len(members), risk_ids=[r.id for r in members[:MAX_CELL_IDS]]
            )
            for (p, i), members in cells.items()
        ],
    )


def _money(value: float) -> Decimal:
    return Decimal(f"{max(value, 0.0):.2f}")


async def exposure(session: AsyncSession, scope: Scope, *, iterations: int, seed: int | None) -> Exposure:
    threats = [
        r
        for r in await risks.open_risks(
            session, portfolio_id=scope.portfolio_id, project_id=scope.project_id, kind="threat"
        )
        if r.cost_triple is not None
    ]
    rules = await matrices.rules_for_many(session, {r.portfolio_id for r in threats})
    probabilities = [float(rules[r.portfolio_id].percent_for(r.probability)) / 100 for r in threats]
    costs = [r.cost_triple for r in threats if r.cost_triple is not None]
    seed = secrets.randbits(63) if seed is None else seed
    result = await anyio.to_thread.run_sync(
        partial(
            simulate_exposure,
            probabilities,
            [float(c[0]) for c in costs],
            [float(c[1]) for c in costs],
            [float(c[2]) for c in costs],
            iterations,
            seed,
        )
    )
    assert scope.currency is not None  # a money scope always names one portfolio
    return Exposure(
        currency=scope.currency,
        threats=len(threats),
        emv_total=sum((r.emv for r in threats), Decimal("0.00")),
        simulation=Simulation(
            iterations=iterations,
            seed=seed,
            mean=_money(result.mean),
            p50=_money(result.p50),
            p80=_money(result.p80),
            p95=_money(result.p95),
        ),
    )
