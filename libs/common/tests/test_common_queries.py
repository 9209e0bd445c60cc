"""Strict query strings (contract §7.1) and the month range every ranged listing shares."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from pmo_common.errors import install_error_handlers
from pmo_common.queries import MonthRange, month_range, strict_query
from pydantic import BaseModel

Months = Annotated[MonthRange, month_range(12)]


class Filters(BaseModel):
    owner: str | None = None


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/things")
    async def things(
        status: str | None = None,
        tag: Annotated[list[str] | None, Query()] = None,
        limit: int = 50,
    ) -> dict[str, object]:
        return {"status": status, "tag": tag, "limit": limit}

    @router.get("/span")
    async def span(months: Months) -> dict[str, object]:
        return {"months": months.months, "count": len(months)}

    @router.get("/modelled")
    async def modelled(filters: Annotated[Filters, Query()]) -> dict[str, object]:
        return filters.model_dump()

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, dependencies=[Depends(strict_query)])
    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


async def test_declared_parameters_pass_and_repeatable_ones_may_repeat(client):
    response = await client.get("/things?status=open&tag=a&tag=b&limit=5")
    assert response.json() == {"status": "open", "tag": ["a", "b"], "limit": 5}
    assert (await client.get("/modelled?owner=pam")).json() == {"owner": "pam"}


async def test_an_unknown_parameter_is_a_422_naming_it_and_what_is_taken(client):
    response = await client.get("/things?stauts=open")
    assert _fields(response) == ["query.stauts"]
    assert "limit, status, tag" in response.json()["errors"][0]["message"]
    assert _fields(await client.get("/modelled?ownr=pam")) == ["query.ownr"]


async def test_a_repeated_scalar_parameter_is_a_422(client):
    assert _fields(await client.get("/things?limit=1&limit=2")) == ["query.limit"]
    assert _fields(await client.get("/things?status=a&status=b&nope=1")) == ["query.status", "query.nope"]


async def test_a_month_range_is_inclusive_ordered_and_bounded(client):
    assert (await client.get("/span?from=2026-11&to=2027-02")).json() == {
        "months": ["2026-11", "2026-12", "2027-01", "2027-02"],
        "count": 4,
    }
    assert _fields(await client.get("/span?from=2026-05&to=2026-04")) == ["query.to"]
    assert _fields(await client.get("/span?from=2026-01&to=2027-01")) == ["query.to"]  # 13 months
    assert (await client.get("/span?from=2026-01&to=2026-12")).status_code == 200
    assert _fields(await client.get("/span?from=2026-13&to=2027-01"))[0] == "query.from"
