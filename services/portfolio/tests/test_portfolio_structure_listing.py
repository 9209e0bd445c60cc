"""`GET /projects` filters and sorts (contract §7.2) against the same query worked out here: over 60
projects, every sort key in both directions, paged with the cursor at small page sizes and combined with
the filters; tags must all match; custom field filters compare in the field's type; a cursor continues
only the sort it came from."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pmo_common.testing.harness import auth
from pmo_portfolio.logic.lifecycle import STAGES

BASE = "/portfolio/v1"
ADMIN = auth("alice", "admin")
VIEWER = auth("vic", "viewer")
SORTS = ["code", "name", "budget", "start_date", "finish_date", "stage"]
NAMES = ["alpha", "Alpha", "beta", "Zebra", "zebra", "Ärger", "émile", "Omega", "omega", "delta"]
TAGS = ["capital", "cap", 'a"b', "naïve", "x\\y", "bridges"]
FIELDS = [
    {"key": "phase", "label": "Phase", "type": "choice", "choices": ["Design", "Build"]},
    {"key": "cost", "label": "Cost centre", "type": "number"},
    {"key": "opened", "label": "Opened", "type": "date"},
    {"key": "borough", "label": "Borough", "type": "text"},
]
# Decisions that move a proposal to each stage (the lifecycle of contract §3).
PATHS: dict[str, list[tuple[str, str]]] = {
    "proposal": [],
    "approved": [("approved", "approve")],
    "in_progress": [("approved", "approve"), ("in_progress", "approve")],
    "on_hold": [("on_hold", "hold")],
    "closed": [("approved", "approve"), ("in_progress", "approve"), ("closed", "close")],
    "cancelled": [("cancelled", "cancel")],
    "rejected": [("rejected", "reject")],
}


def _project(rng: random.Random, i: int, programmes: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if rng.random() < 0.7:
        fields["phase"] = rng.choice(["Design", "Build"])
    if rng.random() < 0.7:
        fields["cost"] = rng.choice([5, 5.0, 2.5, 10, 7])
    if rng.random() < 0.5:
        fields["opened"] = rng.choice(["2026-03-01", "2026-04-15"])
    if rng.random() < 0.5:
        fields["borough"] = rng.choice(["Queens", "queens", "Bronx"])
    start = rng.choice([None, "2026-01-01", "2026-06-01", "2027-01-01", "2027-03-15"])
    finish = None if start is None or rng.random() < 0.2 else rng.choice(["2027-12-31", "2028-06-30"])
    return {
        "code": f"{rng.choice('ABCab')}{i:03d}",
        "name": rng.choice(NAMES),
        "budget": rng.choice(["100.00", "250.50", "1000.00", "99.99", "250.50"]),
        "start_date": start,
        "finish_date": finish,
        "manager": rng.choice([None, "mary", "john"]),
        "programme_id": rng.choice([None, *programmes]),
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
        "fields": fields,
    }


@pytest.fixture
async def portfolio(api: Any, client: httpx.AsyncClient) -> dict[str, Any]:
    """A portfolio of 64 projects in every stage, two programmes, tags and custom field values."""
    rng = random.Random(20270101)
    pf = await api.portfolio()
    r = await client.put(f"{BASE}/portfolios/{pf['id']}/fields", json=FIELDS, headers=ADMIN)
    assert r.status_code == 200, r.text
    programmes = []
    for code in ("P1", "P2"):
        r = await client.post(
            f"{BASE}/programmes", json={"portfolio_id": pf["id"], "code": code, "name": code}, headers=ADMIN
        )
        programmes.append(r.json()["id"])
    other = await api.portfolio(name="Other")
    await api.project(other["id"], "A000", tags=["capital"])  # never in a listing of the portfolio
    for i in range(64):
        project = await api.project(pf["id"], **_project(rng, i, programmes))
        for to_stage, decision in PATHS[STAGES[i % len(STAGES)]]:
            assert (await api.decide(project["id"], to_stage, decision)).status_code == 201
    return {"id": pf["id"], "programmes": programmes}


async def _all_pages(client: httpx.AsyncClient, params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_params = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"{BASE}/projects", params=page_params, headers=VIEWER)
        assert r.status_code == 200, r.text
        page = r.json()
        if page["next_cursor"] is not None:
            assert len(page["items"]) == limit  # never a short page while more follow
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _key(name: str) -> Callable[[dict[str, Any]], Any]:
    if name == "stage":
        return lambda p: STAGES.index(p["stage"])
    if name == "budget":
        return lambda p: Decimal(p["budget"])
    return lambda p: p[name]


def reference(projects: list[dict[str, Any]], sort: str) -> list[str]:
    """The order `sort` means: by the key (nulls last either way), ties by id."""
    key = _key(sort.removeprefix("-"))
    present = sorted((p for p in projects if key(p) is not None), key=lambda p: p["id"])
    present.sort(key=key, reverse=sort.startswith("-"))  # stable: ties stay in id order
    missing = sorted((p for p in projects if key(p) is None), key=lambda p: p["id"])
    return [p["code"] for p in present + missing]


def _matches(p: dict[str, Any], filters: dict[str, Any]) -> bool:
    checks = {
        "programme_id": lambda v: p["programme_id"] == v,
        "manager": lambda v: p["manager"] == v,
        "stage": lambda v: p["stage"] == v,
        "tag": lambda v: set(v) <= set(p["tags"]),
        "field.phase": lambda v: p["fields"].get("phase") == v,
        "field.cost": lambda v: p["fields"].get("cost") == float(v),
        "field.opened": lambda v: p["fields"].get("opened") == v,
        "field.borough": lambda v: p["fields"].get("borough") == v,
    }
    return all(checks[name](value) for name, value in filters.items())


def _filter_sets(programmes: list[str]) -> list[dict[str, Any]]:
    return [
        {},
        {"tag": ["capital"]},
        {"tag": ["capital", "cap"]},
        {"tag": ['a"b']},
        {"programme_id": programmes[0], "manager": "mary"},
        {"field.phase": "Design"},
        {"field.cost": "5"},
        {"field.cost": "2.50", "tag": ["naïve"]},
        {"field.opened": "2026-03-01", "stage": "proposal"},
        {"field.borough": "Queens"},
    ]


async def test_every_sort_in_both_directions_pages_as_the_reference_order(
    portfolio: dict[str, Any], client: httpx.AsyncClient
) -> None:
    everything = await _all_pages(client, {"portfolio_id": portfolio["id"]}, 500)
    assert len(everything) == 64 and {p["stage"] for p in everything} == set(STAGES)
    assert any(p["start_date"] is None for p in everything) and any(
        p["finish_date"] is None for p in everything
    )
    rng = random.Random(7)
    filter_sets = _filter_sets(portfolio["programmes"])
    for sort in SORTS + [f"-{s}" for s in SORTS]:
        for filters in [filter_sets[0], *rng.sample(filter_sets[1:], 3)]:
            expected = reference([p for p in everything if _matches(p, filters)], sort)
            params = {"portfolio_id": portfolio["id"], "sort": sort, **filters}
            got = await _all_pages(client, params, rng.randint(1, 9))
            assert [p["code"] for p in got] == expected, (sort, filters)


async def test_each_filter_alone_selects_exactly_its_projects(
    portfolio: dict[str, Any], client: httpx.AsyncClient
) -> None:
    everything = await _all_pages(client, {"portfolio_id": portfolio["id"]}, 500)
    for filters in _filter_sets(portfolio["programmes"])[1:]:
        expected = sorted(p["code"] for p in everything if _matches(p, filters))
        got = await _all_pages(client, {"portfolio_id": portfolio["id"], "sort": "code", **filters}, 500)
        assert [p["code"] for p in got] == expected, filters
        assert expected, f"{filters} selects nothing: the test data should exercise it"
    both = await _all_pages(client, {"portfolio_id": portfolio["id"], "tag": ["capital", "bridges"]}, 500)
    assert all({"capital", "bridges"} <= set(p["tags"]) for p in both)
    substring = await _all_pages(client, {"portfolio_id": portfolio["id"], "tag": ["capita"]}, 500)
    assert substring == []  # tags match whole, never as a substring
    numbers = await _all_pages(client, {"portfolio_id": portfolio["id"], "field.cost": "5.0"}, 500)
    assert {p["fields"]["cost"] for p in numbers} == {5}  # 5 and 5.0 alike: compared as numbers
    across = await _all_pages(client, {"tag": ["capital"], "manager": "mary"}, 500)
    assert {p["portfolio_id"] for p in across} == {portfolio["id"]}


async def test_without_sort_the_order_is_the_oldest_first(
    portfolio: dict[str, Any], client: httpx.AsyncClient
) -> None:
    everything = await _all_pages(client, {"portfolio_id": portfolio["id"]}, 500)
    paged = await _all_pages(client, {"portfolio_id": portfolio["id"]}, 5)
    assert [p["id"] for p in paged] == [p["id"] for p in everything]
    assert [p["created_at"] for p in everything] == sorted(p["created_at"] for p in everything)


async def test_a_cursor_continues_only_its_own_sort(
    portfolio: dict[str, Any], client: httpx.AsyncClient
) -> None:
    url = f"{BASE}/projects"
    params = {"portfolio_id": portfolio["id"], "limit": 3}
    first = (await client.get(url, params={**params, "sort": "budget"}, headers=VIEWER)).json()
    for other in ("-budget", "code", None):
        sort = {"sort": other} if other else {}
        r = await client.get(url, params={**params, **sort, "cursor": first["next_cursor"]}, headers=VIEWER)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.cursor", (other, r.text)
        assert "sort=budget" in r.json()["errors"][0]["message"]
    unsorted = (await client.get(url, params=params, headers=VIEWER)).json()
    r = await client.get(
        url, params={**params, "sort": "code", "cursor": unsorted["next_cursor"]}, headers=VIEWER
    )
    assert r.status_code == 422 and "no sort" in r.json()["errors"][0]["message"]
    for garbage in ("nope", "W10", "WyJidWRnZXQiLGZhbHNlLCJ4IiwieSJd"):  # the last: ["budget",false,"x","y"]
        r = await client.get(url, params={**params, "sort": "budget", "cursor": garbage}, headers=VIEWER)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.cursor", (garbage, r.text)


async def test_bad_filters_and_sorts_are_422s_naming_the_parameter(
    portfolio: dict[str, Any], client: httpx.AsyncClient
) -> None:
    url = f"{BASE}/projects"
    pf = {"portfolio_id": portfolio["id"]}
    cases: list[tuple[Any, str]] = [
        ({"field.phase": "Design"}, "query.portfolio_id"),  # fields are defined per portfolio
        ({**pf, "field.nope": "x"}, "query.field.nope"),
        ({**pf, "field.cost": "cheap"}, "query.field.cost"),
        ({**pf, "field.cost": "inf"}, "query.field.cost"),
        ({**pf, "field.opened": "2026-02-30"}, "query.field.opened"),
        ({**pf, "field.phase": "Demolition"}, "query.field.phase"),  # no project can hold it
        (
            [("portfolio_id", portfolio["id"]), ("field.phase", "Design"), ("field.phase", "Build")],
            "query.field.phase",
        ),
        ({**pf, "sort": "budget_desc"}, "query.sort"),
        ({**pf, "sort": "+code"}, "query.sort"),
        ([("sort", "code"), ("sort", "name")], "query.sort"),
        ({**pf, "tag": "x" * 41}, "query.tag.0"),
        ({**pf, "tags": "capital"}, "query.tags"),
        ({**pf, "programme_id": "P1"}, "query.programme_id"),
    ]
    for params, field in cases:
        r = await client.get(url, params=params, headers=VIEWER)
        assert r.status_code == 422, (params, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (params, r.text)
