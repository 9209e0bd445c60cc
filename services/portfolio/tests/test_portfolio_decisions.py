"""The decision log (contract §7.6): append-only, a SHA-256 hash chain per portfolio that a reader can
recompute from the served entries alone, and `verify` naming the first entry edited or removed inside
the database; gate decisions, scenario approvals and re-baselines write their own entries."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pmo_common.events.outbox import OUTBOX
from pmo_common.testing.harness import auth
from pmo_portfolio.decisions.models import Decision
from sqlalchemy import delete, select, update

ADMIN = auth("alice", "admin")
PMO = auth("pat", "pmo")
PM_MARY = auth("mary", "project_manager")
VIEWER = auth("vic", "viewer")
GENESIS = "0" * 64
FIELDS = {
    "id", "portfolio_id", "project_id", "programme_id", "kind", "title", "rationale", "alternatives",
    "decided_by", "decided_at", "supersedes", "links", "sequence", "previous_hash", "hash",
}  # fmt: skip


def independent_hash(entry: dict[str, Any]) -> str:
    """The contract's definition, written out here rather than imported from the code under test."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def _record(
    client: httpx.AsyncClient, portfolio_id: str, headers: dict[str, str] = PMO, **fields: Any
) -> httpx.Response:
    body = {
        "portfolio_id": portfolio_id,
        "kind": "other",
        "title": "A decision",
        "rationale": "because",
        **fields,
    }
    return await client.post("/portfolio/v1/decisions", json=body, headers=headers)


async def _log(client: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    r = await client.get(f"/portfolio/v1/decisions?{query}", headers=VIEWER)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def _verify(client: httpx.AsyncClient, portfolio_id: str) -> dict[str, Any]:
    r = await client.get(f"/portfolio/v1/portfolios/{portfolio_id}/decisions/verify", headers=VIEWER)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _error_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [e["field"] for e in response.json()["errors"]]


async def test_entries_form_a_chain_a_reader_can_recompute(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    other = await api.portfolio(name="Other")
    project = await api.project(pf["id"], "P1")
    titles = ["Accept the vendor lock-in — €1,2 M exit cost", "Défer Atlas", "Keep the budget"]
    created = []
    for i, title in enumerate(titles):
        r = await _record(
            client,
            pf["id"],
            kind="risk_acceptance" if i == 0 else "other",
            title=title,
            project_id=project["id"] if i == 0 else None,
            alternatives=["Build in-house", "Dual vendor"] if i == 0 else [],
            links=[{"type": "risk", "id": "R-17"}] if i == 0 else [],
        )
        assert r.status_code == 201, r.text
        assert r.headers["Location"].endswith(f"/decisions/{r.json()['id']}")
        created.append(r.json())
    assert (await _record(client, other["id"])).json()["sequence"] == 1  # chains are per portfolio

    entries = await _log(client, f"portfolio_id={pf['id']}")
    assert entries == created
    assert all(set(e) == FIELDS for e in entries)
    assert [e["sequence"] for e in entries] == [1, 2, 3]
    assert [e["previous_hash"] for e in entries] == [GENESIS, entries[0]["hash"], entries[1]["hash"]]
    assert all(e["hash"] == independent_hash(e) for e in entries)
    first = entries[0]
    assert (first["kind"], first["project_id"], first["decided_by"]) == (
        "risk_acceptance",
        project["id"],
        "pat",
    )
    assert first["alternatives"] == ["Build in-house", "Dual vendor"] and first["programme_id"] is None
    for entry in entries:
        one = await client.get(f"/portfolio/v1/decisions/{entry['id']}", headers=VIEWER)
        assert (
            one.status_code == 200 and one.json() == entry and independent_hash(one.json()) == entry["hash"]
        )
    assert await _verify(client, pf["id"]) == {"ok": True, "entries": 3, "first_bad_sequence": None}

    async with app.state.db.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(OUTBOX.c.payload).where(OUTBOX.c.subject == "pmo.portfolio.decision.recorded")
            )
        ).all()
    published = [json.loads(p)["data"] for p in payloads if json.loads(p)["data"]["portfolio_id"] == pf["id"]]
    head = max(published, key=lambda d: d["sequence"])  # the head, for a subscriber to keep elsewhere
    assert (head["sequence"], head["hash"], head["version"]) == (3, entries[2]["hash"], 1)


async def test_verify_names_the_first_entry_edited_or_removed_in_the_database(
    api: Any, client: httpx.AsyncClient, app: FastAPI
) -> None:
    pf = await api.portfolio()
    ids = [uuid.UUID((await _record(client, pf["id"], title=f"Decision {i}")).json()["id"]) for i in range(5)]
    assert (await _verify(client, pf["id"]))["ok"]

    async def sql(statement: Any) -> None:
        async with app.state.db.sessionmaker() as session:
            await session.execute(statement)
            await session.commit()

    async with app.state.db.sessionmaker() as session:
        stored = await session.scalar(select(Decision.entry).where(Decision.id == ids[2]))
    assert stored is not None and '"title":"Decision 2"' in stored
    await sql(
        update(Decision)
        .where(Decision.id == ids[2])
        .values(entry=stored.replace("Decision 2", "Decision 2b"))
    )
    assert await _verify(client, pf["id"]) == {"ok": False, "entries": 5, "first_bad_sequence": 3}

    forged = json.loads(stored.replace("Decision 2", "Decision 2b"))
    forged["hash"] = independent_hash(forged)  # a forger who re-hashes the entry they changed
    await sql(
        update(Decision).where(Decision.id == ids[2]).values(entry=json.dumps(forged), hash=forged["hash"])
    )
    assert (await _verify(client, pf["id"]))["first_bad_sequence"] == 4  # the next link breaks

    await sql(
        update(Decision).where(Decision.id == ids[2]).values(entry=stored, hash=json.loads(stored)["hash"])
    )
    assert (await _verify(client, pf["id"]))["ok"]  # restored exactly: the chain holds again
    await sql(update(Decision).where(Decision.id == ids[1]).values(kind="gate"))  # a column lists filter on
    assert (await _verify(client, pf["id"]))["first_bad_sequence"] == 2
    await sql(update(Decision).where(Decision.id == ids[1]).values(kind="other"))
    await sql(delete(Decision).where(Decision.id == ids[0]))
    assert await _verify(client, pf["id"]) == {"ok": False, "entries": 4, "first_bad_sequence": 2}
    missing = await client.get(f"/portfolio/v1/portfolios/{uuid.uuid4()}/decisions/verify", headers=VIEWER)
    assert missing.status_code == 404


async def test_the_log_is_append_only(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    entry = (await _record(client, pf["id"])).json()
    url = f"/portfolio/v1/decisions/{entry['id']}"
    for method in ("PATCH", "PUT", "DELETE"):
        r = await client.request(method, url, json={"title": "x"}, headers={**ADMIN, "If-Match": '"1"'})
        assert r.status_code == 405, (method, r.status_code)
    correction = await _record(client, pf["id"], title="Corrected", supersedes=entry["id"])
    assert correction.status_code == 201 and correction.json()["supersedes"] == entry["id"]
    assert (await client.get(url, headers=VIEWER)).json() == entry  # the original is untouched
    assert (await client.get(f"/portfolio/v1/decisions/{uuid.uuid4()}", headers=VIEWER)).status_code == 404


async def test_an_entry_about_a_programme_names_one_of_its_portfolio_and_is_found_by_it(
    api: Any, client: httpx.AsyncClient
) -> None:
    """Contract §7.6/§7.2: `programme_id` is null or a programme of the entry's portfolio."""
    pf = await api.portfolio()
    other = await api.portfolio(name="Other")

    async def programme(portfolio_id: str, code: str) -> str:
        body = {"portfolio_id": portfolio_id, "code": code, "name": code}
        r = await client.post("/portfolio/v1/programmes", json=body, headers=PMO)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    own, foreign = await programme(pf["id"], "CX"), await programme(other["id"], "OPS")
    assert _error_fields(await _record(client, pf["id"], programme_id=foreign)) == ["programme_id"]
    recorded = await _record(client, pf["id"], programme_id=own, title="Programme board: phase 2 funded")
    assert recorded.status_code == 201, recorded.text
    entry = recorded.json()
    assert entry["programme_id"] == own and entry["hash"] == independent_hash(entry)
    await _record(client, pf["id"], title="Not about the programme")
    assert [e["id"] for e in await _log(client, f"programme_id={own}")] == [entry["id"]]
    assert (await _verify(client, pf["id"]))["ok"]


async def test_recording_needs_pmo_or_admin_and_valid_references(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    other = await api.portfolio(name="Other")
    foreign_project = await api.project(other["id"], "X")
    foreign_entry = (await _record(client, other["id"])).json()
    assert (await _record(client, pf["id"], PM_MARY)).status_code == 403
    assert (await _record(client, pf["id"], VIEWER)).status_code == 403
    assert (await _record(client, pf["id"], ADMIN)).status_code == 201
    assert _error_fields(await _record(client, str(uuid.uuid4()))) == ["portfolio_id"]
    assert _error_fields(await _record(client, pf["id"], project_id=foreign_project["id"])) == ["project_id"]
    assert _error_fields(await _record(client, pf["id"], supersedes=foreign_entry["id"])) == ["supersedes"]
    assert _error_fields(await _record(client, pf["id"], programme_id=str(uuid.uuid4()))) == ["programme_id"]
    assert _error_fields(await _record(client, pf["id"], kind="whim")) == ["body.kind"]
    assert _error_fields(await _record(client, pf["id"], rationale="")) == ["body.rationale"]
    assert _error_fields(await _record(client, pf["id"], links=[{"type": "Risk!", "id": "1"}])) == [
        "body.links.0.type"
    ]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert _error_fields(await _record(client, pf["id"], decided_at=future)) == ["decided_at"]
    assert _error_fields(await _record(client, pf["id"], title="nul\u0000")) == ["body.title"]
    past = await _record(client, pf["id"], decided_at="2025-03-14T10:30:00+01:00")
    assert past.status_code == 201 and past.json()["decided_at"] == "2025-03-14T09:30:00Z"
    assert (await _verify(client, pf["id"]))["entries"] == 2


async def test_gate_decisions_and_scenario_approvals_write_their_entries(
    api: Any, client: httpx.AsyncClient
) -> None:
    pf = await api.portfolio()
    early = await api.project(pf["id"], "EARLY")
    r = await client.post(
        f"/portfolio/v1/projects/{early['id']}/gate-decisions",
        json={
            "to_stage": "approved",
            "decision": "approve",
            "rationale": "strong case",
            "decided_at": "2025-02-01T08:00:00Z",
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    gate = r.json()
    (entry,) = await _log(client, f"project_id={early['id']}")
    baseline = (await client.get(f"/portfolio/v1/projects/{early['id']}/baselines", headers=VIEWER)).json()[
        "items"
    ][0]
    assert (entry["kind"], entry["rationale"], entry["decided_by"]) == ("gate", "strong case", "alice")
    assert entry["decided_at"] == "2025-02-01T08:00:00Z" and "proposal → approved" in entry["title"]
    assert entry["links"] == [
        {"type": "gate_decision", "id": gate["id"]},
        {"type": "project", "id": early["id"]},
        {"type": "baseline", "id": baseline["id"]},
    ]
    held = await api.decide(early["id"], "on_hold", "hold")
    assert held.status_code == 201
    kinds = [e["kind"] for e in await _log(client, f"project_id={early['id']}")]
    assert kinds == ["gate", "gate"]

    chosen = await api.project(pf["id"], "CHOSEN")
    await api.scores(chosen["id"], {(await api.criterion(pf["id"], "Value"))["id"]: 5})
    await client.post(
        f"/portfolio/v1/portfolios/{pf['id']}/scenarios",
        json={"name": "Lean", "budget": "0.00"},
        headers=ADMIN,
    )
    scenario = (
        await client.post(
            f"/portfolio/v1/portfolios/{pf['id']}/scenarios",
            json={"name": "Full", "budget": "1000.00"},
            headers=ADMIN,
        )
    ).json()
    approved = await client.post(
        f"/portfolio/v1/portfolios/{pf['id']}/scenarios/{scenario['id']}/approve", headers=ADMIN
    )
    assert approved.status_code == 200, approved.text
    (chosen_gate,) = await _log(client, f"project_id={chosen['id']}")
    assert chosen_gate["kind"] == "gate" and scenario["id"] in chosen_gate["rationale"]
    (logged,) = await _log(client, f"portfolio_id={pf['id']}&kind=scenario")
    assert logged["project_id"] is None and logged["decided_by"] == "alice"
    assert logged["links"][0] == {"type": "scenario", "id": scenario["id"]}
    assert {"type": "project", "id": chosen["id"]} in logged["links"]
    assert len(logged["alternatives"]) == 1 and "Lean" in logged["alternatives"][0]
    assert logged["decided_at"] == approved.json()["approved_at"].replace("+00:00", "Z")
    assert [e["sequence"] for e in await _log(client, f"portfolio_id={pf['id']}&limit=500")] == [1, 2, 3, 4]
    assert await _verify(client, pf["id"]) == {"ok": True, "entries": 4, "first_bad_sequence": None}


async def test_filters_pagination_and_strict_queries(api: Any, client: httpx.AsyncClient) -> None:
    pf = await api.portfolio()
    other = await api.portfolio(name="Other")
    project = await api.project(pf["id"], "F")
    for day, kind in (("2025-03-01", "other"), ("2025-03-31", "risk_acceptance"), ("2025-04-01", "other")):
        r = await _record(
            client, pf["id"], kind=kind, decided_at=f"{day}T23:59:59Z", project_id=project["id"]
        )
        assert r.status_code == 201, r.text
    await _record(client, other["id"], decided_at="2025-03-15T12:00:00Z")
    march = await _log(client, f"portfolio_id={pf['id']}&from=2025-03-01&to=2025-03-31")
    assert [e["decided_at"][:10] for e in march] == ["2025-03-01", "2025-03-31"]  # whole days, both included
    assert len(await _log(client, "from=2025-03-01&to=2025-03-31")) == 3  # across portfolios, by decided_at
    assert [e["kind"] for e in await _log(client, f"portfolio_id={pf['id']}&kind=risk_acceptance")] == [
        "risk_acceptance"
    ]
    assert len(await _log(client, f"project_id={project['id']}")) == 3
    assert await _log(client, f"programme_id={uuid.uuid4()}") == []
    pages, cursor = [], None
    while True:
        query = f"portfolio_id={pf['id']}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(f"/portfolio/v1/decisions?{query}", headers=VIEWER)).json()
        pages += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert [e["decided_at"][:10] for e in pages] == ["2025-03-01", "2025-03-31", "2025-04-01"]  # oldest first
    for query, field in (
        ("kind=whim", "query.kind"),
        ("stauts=open", "query.stauts"),
        ("kind=gate&kind=other", "query.kind"),
        ("from=2025-04-01&to=2025-03-01", "query.to"),
        ("from=2025-13-01", "query.from"),
        ("portfolio_id=nope", "query.portfolio_id"),
    ):
        r = await client.get(f"/portfolio/v1/decisions?{query}", headers=VIEWER)
        assert _error_fields(r) == [field], query
