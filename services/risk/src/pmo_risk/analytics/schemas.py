from __future__ import annotations

import uuid
from typing import Literal

from pmo_common.contracts.types import Money, NonNegativeMoney
from pydantic import BaseModel, Field

MAX_CELL_IDS = 200


class HeatmapCell(BaseModel):
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    count: int
    risk_ids: list[uuid.UUID] = Field(
        description=f"The cell's risks, oldest first; at most {MAX_CELL_IDS} of them (`count` is exact)."
    )


class Heatmap(BaseModel):
    basis: Literal["inherent", "residual"]
    total: int
    cells: list[HeatmapCell] = Field(description="25 cells, probability 1–5 × impact 1–5, probability-major.")


class Simulation(BaseModel):
    iterations: int
    seed: int = Field(description="The seed used; pass it back to reproduce this result exactly.")
    mean: NonNegativeMoney
    p50: NonNegativeMoney
    p80: NonNegativeMoney
    p95: NonNegativeMoney


class Exposure(BaseModel):
    currency: str = Field(description="The portfolio's ISO 4217 currency, which every amount here is in.")
    threats: int = Field(description="Open threats in scope with a cost impact.")
    emv_total: Money = Field(
        description="Σ EMV of the open threats in scope: negative (an expected loss), so it is minus the "
        "analytic mean of the simulated cost."
    )
    simulation: Simulation = Field(
        description="The simulated total cost (positive = loss) of the open threats."
    )
