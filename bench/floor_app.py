"""The HTTP floor: a bare FastAPI app doing the same JSON work as the portfolio service's read and
create (the same pydantic models, validation and serialisation), without database, auth or events.
Run as `uvicorn --factory bench.floor_app:create_app`.

`PMO_BENCH_FLOOR_READ` may hold a portfolio as the service answered it: the floor then serves that
one, so it renders exactly what the service renders even as the read model gains fields."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, status
from pmo_portfolio.portfolios.schemas import PortfolioCreate, PortfolioRead


def _stored() -> PortfolioRead:
    now = datetime.now(UTC).isoformat()
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": "Floor",
        "description": "",
        "currency": "EUR",
        "budget": "1000000.00",
        "start_date": None,
        "end_date": None,
        "fields": [],
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    values.update(json.loads(os.environ.get("PMO_BENCH_FLOOR_READ") or "{}"))
    return PortfolioRead.model_validate({k: v for k, v in values.items() if k in PortfolioRead.model_fields})


def create_app() -> FastAPI:
    app = FastAPI()
    stored = _stored()

    @app.get("/portfolio/v1/portfolios/{portfolio_id}", response_model=PortfolioRead)
    async def read(portfolio_id: uuid.UUID) -> PortfolioRead:
        return stored.model_copy(update={"id": portfolio_id})

    @app.post("/portfolio/v1/portfolios", status_code=status.HTTP_201_CREATED, response_model=PortfolioRead)
    async def create(body: PortfolioCreate) -> PortfolioRead:
        now = datetime.now(UTC)
        # Validated like the service's read of the new row (`model_validate` of the stored object).
        return PortfolioRead.model_validate(
            {
                **dict(stored),
                **dict(body),
                "id": uuid.uuid4(),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
