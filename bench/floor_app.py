"""The HTTP floor: a bare FastAPI app doing the same JSON work as the portfolio service's read and
create (the same pydantic models, validation and serialisation), without database, auth or events.
Run as `uvicorn --factory bench.floor_app:create_app`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import FastAPI, status
from pmo_portfolio.portfolios.schemas import PortfolioCreate, PortfolioRead


def create_app() -> FastAPI:
    app = FastAPI()
    stored = PortfolioRead(
        id=uuid.uuid4(),
        name="Floor",
        description="",
        currency="EUR",
        budget="1000000.00",  # type: ignore[arg-type]
        start_date=None,
        end_date=None,
        version=1,
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
    )

    @app.get("/portfolio/v1/portfolios/{portfolio_id}", response_model=PortfolioRead)
    async def read(portfolio_id: uuid.UUID) -> PortfolioRead:
        return stored.model_copy(update={"id": portfolio_id})

    @app.post("/portfolio/v1/portfolios", status_code=status.HTTP_201_CREATED, response_model=PortfolioRead)
    async def create(body: PortfolioCreate) -> PortfolioRead:
        now = datetime.now(UTC)
        return PortfolioRead(
            id=uuid.uuid4(),
            version=1,
            created_at=now,
            updated_at=now,
            description=body.description,
            name=body.name,
            currency=body.currency,
            budget=body.budget,
            start_date=body.start_date,
            end_date=body.end_date,
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
