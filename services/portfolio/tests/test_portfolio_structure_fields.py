"""Custom project fields and tags over HTTP (contract §7.2): a portfolio's definitions (`GET|PUT
/portfolios/{id}/fields`), every project value checked against them naming `fields.<key>`, a PUT
that would invalidate stored values refused, tags bounded and kept once, custom fields as gate facts,
and imported plans that cannot carry required fields."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from pmo_common.natsserver import NatsServer
from pmo_common.testing.harness import auth, eventually
from pmo_common.testing.mspdi_files import sample

from .test_portfolio_events import _stream_events

BASE = "/portfolio/v1"
ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
VIEWER = auth("vic", "viewer")
PM_MARY = auth("mary", "project_manager")

PHASE = {"key": "phase", "label": "Phase", "type": "choice", "choices": ["Design", "Build"], "required": True}
BOROUGH = {"key": "borough", "label": "Borough", "type": "text", "choices": [], "required": False}
COST = {"key": "cost_centre", "label": "Cost centre", "type": "number", "choices": [], "required": False}
OPENED = {"key": "opened", "label": "Opened on", "type": "date", "choices": [], "required": False}
OPENED_SINCE_2027 = {
    "to_stage": "approved",
    "key": "opened",
    "description": "d",
    "rule": "field.opened >= '2027-01-01'",
}
DEFINITIONS = [PHASE, BOROUGH, COST, OPENED]


def fields_url(portfolio_id: str) -> str:
    return f"{BASE}/portfolios/{portfolio_id}/fields"


async def put_fields(
    client: httpx.AsyncClient, portfolio_id: str, definitions: list[dict[str, Any]], **headers: str
) -> httpx.Response:
    return await client.put(fields_url(portfolio_id), json=definitions, headers={**PMO, **headers})


async def defined(api: Any, client: httpx.AsyncClient, definitions: list[dict[str, Any]]) -> dict[str, Any]:
    pf = await api.portfolio()
    r = await put_fields(client, pf["id"], definitions)
    assert r.status_code == 200, r.text
    return dict(pf)


async def create(client: httpx.AsyncClient, portfolio_id: str, code: str, **fields: Any) -> httpx.Response:
    body = {"portfolio_id": portfolio_id, "code": code, "name": code, "budget": "1.00", **fields}
    return await client.post(f"{BASE}/projects", json=body, headers=ADMIN)


def errors(r: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in r.json()["errors"]}


async def test_definitions_are_replaced_as_a_whole_and_served_with_the_portfolio(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    got = await client.get(fields_url(pf["id"]), headers=VIEWER)
    assert (got.status_code, got.json(), got.headers["ETag"]) == (200, [], '"1"')
    assert pf["fields"] == []
    r = await put_fields(client, pf["id"], [PHASE, {"key": "borough", "label": "Borough", "type": "text"}])
    assert r.status_code == 200, r.text
    assert r.json() == [PHASE, BOROUGH] and r.headers["ETag"] == '"2"'
    portfolio = (await client.get(f"{BASE}/portfolios/{pf['id']}", headers=VIEWER)).json()
    assert (portfolio["fields"], portfolio["version"]) == ([PHASE, BOROUGH], 2)
    again = await put_fields(client, pf["id"], [PHASE, BOROUGH], **{"If-Match": '"2"'})
    assert (again.status_code, again.headers["ETag"]) == (200, '"2"')  # the same list: no new version
    assert (await put_fields(client, pf["id"], [], **{"If-Match": '"1"'})).status_code == 412
    for who in (PM_MARY, VIEWER):
        assert (await client.put(fields_url(pf["id"]), json=[], headers=who)).status_code == 403
    cleared = await put_fields(client, pf["id"], [], **{"If-Match": '"2"'})
    assert (cleared.json(), cleared.headers["ETag"]) == ([], '"3"')
    patch = await client.patch(
        f"{BASE}/portfolios/{pf['id']}", json={"fields": []}, headers={**ADMIN, "If-Match": '"3"'}
    )
    assert patch.status_code == 422  # definitions change only through PUT .../fields


async def test_bad_definitions_are_422s_naming_each_one(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    r = await put_fields(
        client,
        pf["id"],
        [
            {"key": "Phase", "label": "Phase", "type": "text"},
            {"key": "size", "label": "Size", "type": "colour"},
            {"key": "kind", "label": "Kind", "type": "choice"},
            {"key": "kind", "label": "Kind again", "type": "text", "choices": ["a"]},
            {"key": "x" * 41, "label": "Long", "type": "number"},
        ],
    )
    assert r.status_code == 422, r.text
    assert list(errors(r)) == [
        "body[0].key",
        "body[1].type",
        "body[2].choices",
        "body[3].key",
        "body[3].choices",
        "body[4].key",
    ]
    too_many = [{"key": f"k{i}", "label": "K", "type": "text"} for i in range(51)]
    assert (await put_fields(client, pf["id"], too_many)).status_code == 422
    assert (await client.get(fields_url(pf["id"]), headers=VIEWER)).json() == []


async def test_values_of_each_type_are_kept_and_served_on_every_read(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await defined(api, client, DEFINITIONS)
    values = {"phase": "Design", "borough": "Brooklyn", "cost_centre": 4711, "opened": "2026-03-01"}
    r = await create(client, pf["id"], "A", fields={**values, "borough": "Brooklyn"}, tags=["capital"])
    assert r.status_code == 201, r.text
    project = r.json()
    assert (project["fields"], project["tags"], project["programme_id"]) == (values, ["capital"], None)
    got = await client.get(f"{BASE}/projects/{project['id']}", headers=VIEWER)
    listed = await client.get(f"{BASE}/projects", params={"portfolio_id": pf["id"]}, headers=VIEWER)
    assert got.json()["fields"] == values and listed.json()["items"][0]["fields"] == values
    optional_null = await create(client, pf["id"], "B", fields={"phase": "Build", "borough": None})
    assert optional_null.status_code == 201 and optional_null.json()["fields"] == {"phase": "Build"}


async def test_every_invalid_value_is_a_422_naming_its_field(api: Any, client: httpx.AsyncClient) -> None:
    pf = await defined(api, client, DEFINITIONS)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"phase": "Demolition"}, "fields.phase"),  # outside the choices
        ({"phase": "design"}, "fields.phase"),  # choices are exact
        ({}, "fields.phase"),  # required
        ({"phase": None}, "fields.phase"),  # null is no value
        ({"phase": "Design", "cost_centre": "4711"}, "fields.cost_centre"),  # a number, not text
        ({"phase": "Design", "cost_centre": True}, "fields.cost_centre"),
        ({"phase": "Design", "cost_centre": 1e16}, "fields.cost_centre"),  # beyond the documented range
        ({"phase": "Design", "opened": "2026-02-30"}, "fields.opened"),
        ({"phase": "Design", "opened": "20260301"}, "fields.opened"),  # only YYYY-MM-DD
        ({"phase": "Design", "opened": 20260301}, "fields.opened"),
        ({"phase": "Design", "borough": ""}, "fields.borough"),
        ({"phase": "Design", "borough": ["Queens"]}, "fields.borough"),
        ({"phase": "Design", "borough": "x" * 501}, "fields.borough"),
        ({"phase": "Design", "bureau": "x"}, "fields.bureau"),  # not defined
    ]
    for values, field in cases:
        r = await create(client, pf["id"], "A", fields=values)
        assert r.status_code == 422 and list(errors(r)) == [field], (values, r.text)
    r = await client.post(
        f"{BASE}/projects",
        content=f'{{"portfolio_id": "{pf["id"]}", "code": "N", "name": "N", "budget": "1.00", '
        '"fields": {"phase": "Design", "cost_centre": NaN}}',
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and "fields.cost_centre" in errors(r), r.text
    several = await create(client, pf["id"], "A", fields={"cost_centre": "x"}, tags=[""])
    assert set(errors(several)) == {"fields.phase", "fields.cost_centre", "tags[0]"}
    assert (await client.get(f"{BASE}/projects", params={"portfolio_id": pf["id"]}, headers=VIEWER)).json()[
        "items"
    ] == []


async def test_a_patch_replaces_the_values_as_a_whole_and_is_checked_too(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await defined(api, client, DEFINITIONS)
    project = (await create(client, pf["id"], "A", fields={"phase": "Design", "borough": "Queens"})).json()
    url = f"{BASE}/projects/{project['id']}"
    r = await client.patch(url, json={"fields": {"phase": "Build"}}, headers={**ADMIN, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["fields"] == {"phase": "Build"}  # borough is gone
    for body, field in [
        ({"fields": {"borough": "Queens"}}, "fields.phase"),
        ({"fields": None}, "fields.phase"),
        ({"fields": {"phase": "Build", "cost_centre": "7"}}, "fields.cost_centre"),
    ]:
        r = await client.patch(url, json=body, headers={**ADMIN, "If-Match": '"2"'})
        assert r.status_code == 422 and list(errors(r)) == [field], (body, r.text)
    r = await client.patch(url, json={"name": "Renamed"}, headers={**ADMIN, "If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["fields"] == {"phase": "Build"}  # kept as it was


async def test_tags_are_trimmed_kept_once_and_bounded(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    r = await create(client, pf["id"], "A", tags=[" capital ", "capital", "Capital", "bridges"])
    assert r.status_code == 201 and r.json()["tags"] == ["capital", "Capital", "bridges"]
    url = f"{BASE}/projects/{r.json()['id']}"
    for tags, field in [
        ([""], "tags[0]"),
        (["ok", "  "], "tags[1]"),
        (["x" * 41], "tags[0]"),
        ([f"t{i}" for i in range(21)], "tags"),
    ]:
        r = await create(client, pf["id"], "B", tags=tags)
        assert r.status_code == 422 and list(errors(r)) == [field], (tags, r.text)
    twenty = [f"t{i}" for i in range(20)]
    assert (await create(client, pf["id"], "C", tags=[*twenty, "t0"])).json()["tags"] == twenty
    cleared = await client.patch(url, json={"tags": None}, headers={**ADMIN, "If-Match": '"1"'})
    assert cleared.status_code == 200 and cleared.json()["tags"] == []


async def test_a_put_that_would_invalidate_stored_values_is_a_409_listing_them(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await defined(api, client, DEFINITIONS)
    for code, values in [
        ("A", {"phase": "Design", "borough": "Queens", "cost_centre": 7}),
        ("B", {"phase": "Build", "opened": "2026-03-01"}),
        ("C", {"phase": "Build"}),
    ]:
        assert (await create(client, pf["id"], code, fields=values)).status_code == 201
    refused: list[tuple[list[dict[str, Any]], dict[str, list[str]]]] = [
        ([PHASE, COST, OPENED], {"A": ["fields.borough"]}),  # a key removed that A holds
        ([PHASE, BOROUGH, {**COST, "type": "text"}, OPENED], {"A": ["fields.cost_centre"]}),  # a type changed
        (
            [{**PHASE, "choices": ["Design"]}, BOROUGH, COST, OPENED],
            {"B": ["fields.phase"], "C": ["fields.phase"]},
        ),
        (
            [PHASE, BOROUGH, COST, {**OPENED, "required": True}],
            {"A": ["fields.opened"], "C": ["fields.opened"]},
        ),
    ]
    for definitions, expected in refused:
        r = await put_fields(client, pf["id"], definitions)
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["projects"] == list(expected)
        listed: dict[str, list[str]] = {}
        for e in problem["errors"]:
            code = e["message"].removeprefix("project ").split(":")[0]
            listed.setdefault(code, []).append(e["field"])
        assert listed == expected
        assert all(code in problem["detail"] for code in expected)
    assert (await client.get(fields_url(pf["id"]), headers=VIEWER)).json() == DEFINITIONS  # nothing applied
    allowed = [
        {**PHASE, "choices": ["Design", "Build", "Close-out"], "label": "Stage"},  # widened, relabelled
        {**BOROUGH, "type": "choice", "choices": ["Queens", "Bronx"]},  # every value held is a choice
        COST,
        {**OPENED, "required": False},
        {"key": "ward", "label": "Ward", "type": "number"},
    ]
    r = await put_fields(client, pf["id"], allowed)
    assert r.status_code == 200, r.text
    without_unused = [d for d in allowed if d["key"] != "ward"]
    assert (await put_fields(client, pf["id"], without_unused)).status_code == 200  # nobody held a ward


async def test_a_definitions_change_publishes_portfolio_updated_with_the_fields(
    api: Any, client: httpx.AsyncClient, nats_server: NatsServer
) -> None:
    pf = await defined(api, client, [PHASE])
    project = (await create(client, pf["id"], "A", fields={"phase": "Design"}, tags=["capital"])).json()

    async def published() -> list[dict[str, Any]] | None:
        events = await _stream_events(nats_server.url)
        counts = Counter(e["type"] for e in events)
        done = (
            counts["pmo.portfolio.portfolio.updated.v1"] == 1
            and counts["pmo.portfolio.project.created.v1"] == 1
        )
        return events if done else None

    events = {e["type"]: e for e in await eventually(published)}
    updated = events["pmo.portfolio.portfolio.updated.v1"]
    assert (updated["sequence"], updated["data"]["changed"], updated["data"]["fields"]) == (
        2,
        ["fields"],
        [PHASE],
    )
    created = events["pmo.portfolio.project.created.v1"]["data"]
    assert created["id"] == project["id"]
    assert (created["fields"], created["tags"], created["programme_id"]) == (
        {"phase": "Design"},
        ["capital"],
        None,
    )


async def test_custom_fields_are_gate_facts_of_their_portfolio(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    criteria_url = f"{BASE}/portfolios/{pf['id']}/gate-criteria"
    criterion = {
        "to_stage": "approved",
        "key": "designed",
        "description": "d",
        "rule": "field.phase == 'Design'",
    }
    r = await client.put(criteria_url, json=[criterion], headers=ADMIN)
    assert r.status_code == 422 and "unknown fact 'field.phase'" in errors(r)["body[0].rule"]
    await put_fields(client, pf["id"], [PHASE, COST])
    number_as_text = {**criterion, "rule": "field.cost_centre == 'seven'"}
    r = await client.put(criteria_url, json=[number_as_text], headers=ADMIN)
    assert r.status_code == 422 and "is a number" in errors(r)["body[0].rule"]
    ruled = [criterion, {**criterion, "key": "costed", "rule": "field.cost_centre >= 100"}]
    assert (await client.put(criteria_url, json=ruled, headers=ADMIN)).status_code == 200
    project = (await create(client, pf["id"], "A", fields={"phase": "Design", "cost_centre": 50})).json()
    check = await client.get(
        f"{BASE}/projects/{project['id']}/gate-check", params={"to_stage": "approved"}, headers=VIEWER
    )
    assert check.status_code == 200, check.text
    results = {c["key"]: (c["passed"], c["facts"]) for c in check.json()["criteria"]}
    assert results == {
        "designed": (True, {"field.phase": "Design"}),
        "costed": (False, {"field.cost_centre": 50}),
    }


async def test_a_date_field_is_ordered_as_a_date_in_gate_rules_and_a_text_field_is_not(
    api: Any, client: httpx.AsyncClient
) -> None:
    # Before, `field.opened >= '2027-01-01'` was accepted and compared as text (never true) and
    # `field.borough > 'M'` was accepted and always false: one is a date now, the other a 422.
    pf = await api.portfolio()
    await put_fields(client, pf["id"], [OPENED, BOROUGH])
    criteria_url = f"{BASE}/portfolios/{pf['id']}/gate-criteria"
    criterion = OPENED_SINCE_2027
    for rule, message in (
        ("field.borough > 'M'", "is a text: compare it with == or !="),
        ("field.opened >= 2027", "is a date; compare it with a quoted date"),
        ("field.opened >= '2027-13-01'", "is a date"),
    ):
        r = await client.put(criteria_url, json=[{**criterion, "rule": rule}], headers=ADMIN)
        assert r.status_code == 422 and message in errors(r)["body[0].rule"], r.text
    assert (await client.put(criteria_url, json=[criterion], headers=ADMIN)).status_code == 200
    for code, opened, passed in (
        ("LATE", "2027-03-01", True),
        ("EARLY", "2026-12-31", False),
        ("NONE", None, False),
    ):
        fields = {} if opened is None else {"opened": opened}
        project = (await create(client, pf["id"], code, fields=fields)).json()
        check = await client.get(
            f"{BASE}/projects/{project['id']}/gate-check", params={"to_stage": "approved"}, headers=VIEWER
        )
        assert check.status_code == 200, check.text
        [result] = check.json()["criteria"]
        assert (result["passed"], result["facts"]) == (passed, {"field.opened": opened}), code


async def test_fields_a_gate_criterion_reads_cannot_be_removed_or_retyped_under_it(
    api: Any, client: httpx.AsyncClient
) -> None:
    # Before, the PUT succeeded and the criterion then failed every gate check without saying why.
    pf = await api.portfolio()
    await put_fields(client, pf["id"], [OPENED, BOROUGH, COST])
    criteria_url = f"{BASE}/portfolios/{pf['id']}/gate-criteria"
    criterion = OPENED_SINCE_2027
    assert (await client.put(criteria_url, json=[criterion], headers=ADMIN)).status_code == 200
    fields_url = f"{BASE}/portfolios/{pf['id']}/fields"
    for definitions in ([BOROUGH, COST], [{**OPENED, "type": "text"}, BOROUGH, COST]):
        r = await client.put(fields_url, json=definitions, headers=ADMIN)
        assert r.status_code == 409, r.text
        assert r.json()["gate_criteria"] == [{"to_stage": "approved", "key": "opened"}]
        assert list(errors(r)) == ["gate_criteria.approved.opened"] and "field.opened" in r.json()["detail"]
    assert (await client.get(fields_url, headers=VIEWER)).json() == [OPENED, BOROUGH, COST]  # nothing changed
    assert (await client.put(fields_url, json=[OPENED, COST], headers=ADMIN)).status_code == 200  # unread
    assert (await client.put(criteria_url, json=[], headers=ADMIN)).status_code == 200
    assert (await client.put(fields_url, json=[COST], headers=ADMIN)).status_code == 200


async def test_a_plan_cannot_create_a_project_where_fields_are_required(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await defined(api, client, [PHASE, BOROUGH])
    url = f"{BASE}/portfolios/{pf['id']}/imports/msproject"
    headers = {**ADMIN, "Content-Type": "application/xml"}
    for query in ("?dry_run=true", ""):
        r = await client.post(url + query, content=sample("office_move.xml"), headers=headers)
        assert r.status_code == 422 and list(errors(r)) == ["fields.phase"], r.text
    await put_fields(client, pf["id"], [{**PHASE, "required": False}, BOROUGH])
    r = await client.post(url, content=sample("office_move.xml"), headers=headers)
    assert r.status_code == 201 and r.json()["project"]["fields"] == {}, r.text
