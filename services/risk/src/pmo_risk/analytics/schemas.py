from __future__ import annotations

import uuid
from typing import Any, Literal

from pmo_common.contracts.types import Money, NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field

MAX_CELL_IDS = 200
RISK_IDS = ["9a3d5e7f-1b2c-4d4e-8f60-7a8b9c0d1e2f", "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"]


def _heatmap_example() -> dict[str, Any]:
    """Three open risks: two at probability 3 × impact 4, one at 1 × 2; every other cell empty."""
    counts = {(3, 4): RISK_IDS, (1, 2): ["5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"]}
    cells = [
        {"probability": p, "impact": i, "count": len(ids := counts.get((p, i), [])), "risk_ids": ids}
        for p in range(1, 6)
        for i in range(1, 6)
    ]
    return {"basis": "inherent", "total": 3, "cells": cells}


class HeatmapCell(BaseModel):
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    count: int
    risk_ids: list[uuid.UUID] = Field(
        description=f"The cell's risks, oldest first; at most {MAX_CELL_IDS} of them (`count` is exact)."
    )


class Heatmap(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_heatmap_example()]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "currency": "EUR",
                    "threats": 2,
                    "emv_total": "-95000.00",
                    "simulation": {
                        "iterations": 10000,
                        "seed": 42,
                        "mean": "95210.37",
                        "p50": "70000.00",
                        "p80": "180512.44",
                        "p95": "262301.90",
                    },
                }
            ]
        }
    )

    currency: str = Field(description="The portfolio's ISO 4217 currency, which every amount here is in.")
    threats: int = Field(description="Open threats in scope with a cost impact.")
    emv_total: Money = Field(
        description="Σ EMV of the open threats in scope: negative (an expected loss), so it is minus the "
        "analytic mean of the simulated cost."
    )
    simulation: Simulation = Field(
        description="The simulated total cost (positive = loss) of the open threats."
    )
