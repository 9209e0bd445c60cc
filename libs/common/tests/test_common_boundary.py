"""The boundary (contract §7.1): strict query strings, NUL refused everywhere, hostile JSON, and the
month range every ranged listing shares."""

from __future__ import annotations

import json
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from hypothesis import given
from hypothesis import strategies as st
from pmo_common.boundary import _depth_exceeds, _valid_json_depth, find_nul, parse_json, refuse_nul
from pmo_common.errors import Unprocessable, install_error_handlers
from pmo_common.queries import MonthRange, field_filters, month_range, strict_query
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

    @router.get("/fielded")
    async def fielded(
        fields: Annotated[dict[str, str], Depends(field_filters)], status: str | None = None
    ) -> dict[str, object]:
        return {"fields": fields, "status": status}

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


async def test_field_filters_are_taken_only_where_declared_and_once_each(client):
    response = await client.get("/fielded?field.borough=Brooklyn&field.phase=Design&status=open")
    assert response.json() == {"fields": {"borough": "Brooklyn", "phase": "Design"}, "status": "open"}
    assert _fields(await client.get("/fielded?field.borough=a&field.borough=b")) == ["query.field.borough"]
    assert _fields(await client.get("/fielded?field.=x")) == ["query.field."]
    assert _fields(await client.get("/things?field.borough=Brooklyn")) == ["query.field.borough"]
    assert "field.<key>" in (await client.get("/fielded?x=1")).json()["errors"][0]["message"]


async def test_a_month_range_is_inclusive_ordered_and_bounded(client):
    assert (await client.get("/span?from=2026-11&to=2027-02")).json() == {
        "months": ["2026-11", "2026-12", "2027-01", "2027-02"],
        "count": 4,
    }
    assert _fields(await client.get("/span?from=2026-05&to=2026-04")) == ["query.to"]
    assert _fields(await client.get("/span?from=2026-01&to=2027-01")) == ["query.to"]  # 13 months
    assert (await client.get("/span?from=2026-01&to=2026-12")).status_code == 200
    assert _fields(await client.get("/span?from=2026-13&to=2027-01"))[0] == "query.from"


class Thing(BaseModel):
    name: str
    tags: list[dict[str, str]] = []


def _boundary_app() -> FastAPI:
    router = APIRouter()

    @router.post("/things/{code}")
    async def create(code: str, thing: Thing) -> dict[str, object]:
        return {"code": code, **thing.model_dump()}

    @router.post("/imports/raw")
    async def imports(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    app = FastAPI()
    app.state.nul_exempt_paths = ("/imports/",)
    install_error_handlers(app)
    app.include_router(router, dependencies=[Depends(strict_query), Depends(refuse_nul)])
    return app


@pytest.fixture
async def boundary():
    transport = httpx.ASGITransport(app=_boundary_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_nul_is_refused_in_queries_paths_and_json_bodies_naming_the_field(client, boundary):
    assert _fields(await client.get("/things?status=a%00b")) == ["query.status"]
    assert _fields(await boundary.post("/things/A%00B", json={"name": "x"})) == ["path.code"]
    body = {"name": "ok", "tags": [{"k": "fine"}, {"k": "bad\x00"}]}
    assert _fields(await boundary.post("/things/A", json=body)) == ["body.tags[1].k"]
    # A backslash followed by "u0000" is six ordinary characters, not NUL.
    ok = await boundary.post("/things/A", json={"name": "C:\\u0000"})
    assert ok.status_code == 200 and ok.json()["name"] == "C:\\u0000"
    # Bulk imports are exempt: their parser rejects the row that holds it.
    assert (await boundary.post("/imports/raw", json={"rows": ["\x00"]})).status_code == 200


def test_hostile_json_is_a_4xx_naming_what_is_wrong():
    with pytest.raises(Unprocessable, match="nests deeper"):
        parse_json(b"[" * 10_000 + b"]" * 10_000, field="body")
    with pytest.raises(Unprocessable, match="cannot read"):
        parse_json(b'{"n": ' + b"9" * 5000 + b"}")
    with pytest.raises(Unprocessable, match="not valid JSON"):
        parse_json(b'{"n": ')
    with pytest.raises(Unprocessable, match="UTF-8"):
        parse_json(b'"\xff"')
    assert parse_json(b'{"a": "[[[[", "b": [[1]]}') == {"a": "[[[[", "b": [[1]]}
    assert find_nul({"rows": [{"a": "x"}, {"b": "y\x00"}]}, "body") == "body.rows[1].b"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=40,
)


def _nesting(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(_nesting, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_nesting, value.values()), default=0)
    return 0


@given(_JSON, st.booleans())
def test_the_fast_depth_of_a_valid_document_is_its_nesting(value, ascii_only):
    # Strings full of quotes, backslashes and brackets, escaped or (ensure_ascii=False) raw UTF-8.
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    depth = _nesting(value)
    assert _valid_json_depth(raw) == depth
    assert _depth_exceeds(raw, depth) is False and (depth == 0 or _depth_exceeds(raw, depth - 1))


def test_nesting_past_the_limit_is_refused_whether_or_not_the_c_parser_could_read_it():
    readable = b'{"rows": [' + b"[" * 70 + b'"\\\\\\"]]"' + b"]" * 70 + b"]}"
    with pytest.raises(Unprocessable, match="nests deeper"):
        parse_json(readable)
    assert parse_json(b"[" * 64 + b'"\\\\"' + b"]" * 64) is not None
    with pytest.raises(Unprocessable, match="nests deeper"):
        parse_json(b"[" * 65 + b"]" * 65)
