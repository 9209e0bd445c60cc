"""The one change path (`pmo_common.changes`) against a real database: the event built from the
object, `changed`, one version bump on delete, and the audit entry, all in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from pmo_common.audit import AuditEntryRead
from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import PortfolioCreated, PortfolioDeleted, PortfolioUpdated
from pmo_common.contracts.types import NonNegativeMoney
from pmo_common.db import AUDIT_TABLE, OUTBOX_TABLE, Database, MoneyType, service_metadata
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class Folio(Base):
    __tablename__ = "folios"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    budget: Mapped[Decimal] = mapped_column(MoneyType)
    secret_note: Mapped[str] = mapped_column(String(50), default="")
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}


class FolioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    currency: str
    budget: NonNegativeMoney
    version: int


FOLIOS = Aggregate[Folio]("portfolio", read=FolioRead.model_validate)
ALICE = Principal(sub="alice", roles=frozenset({"admin"}))


@pytest.fixture
async def db(database_url: str):
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


async def _outbox(db: Database) -> list[dict]:
    async with db.sessionmaker() as session:
        rows = (await session.execute(select(OUTBOX_TABLE).order_by(OUTBOX_TABLE.c.seq))).all()
    return [{**json.loads(r.payload), "subject": r.subject} for r in rows]


async def _audit(db: Database) -> list[AuditEntryRead]:
    async with db.sessionmaker() as session:
        rows = (await session.execute(select(AUDIT_TABLE).order_by(AUDIT_TABLE.c.seq))).all()
    return [AuditEntryRead.model_validate(r) for r in rows]


async def test_create_update_delete_emit_typed_events_and_write_the_audit_trail(db: Database):
    folio = Folio(name="Growth", currency="EUR", budget=Decimal("10.00"), secret_note="not in events")
    async with db.transaction() as session:
        created = await FOLIOS.create(session, folio, ALICE, PortfolioCreated, changed=["name", "budget"])
    assert created.version == 1
    async with db.transaction() as session:
        folio = await session.get(Folio, folio.id)
        assert folio is not None
        unchanged = await FOLIOS.update(session, folio, ALICE, {"name": "Growth"}, PortfolioUpdated)
        changed = await FOLIOS.update(
            session, folio, ALICE, {"name": "Growth II", "budget": Decimal("12.50")}, PortfolioUpdated
        )
    assert unchanged == []
    assert changed == ["budget", "name"]
    async with db.transaction() as session:
        folio = await session.get(Folio, folio.id)
        assert folio is not None
        await FOLIOS.delete(session, folio, ALICE, PortfolioDeleted)
        assert await session.get(Folio, folio.id) is None

    events = await _outbox(db)
    assert [e["subject"] for e in events] == [
        "pmo.portfolio.portfolio.created",
        "pmo.portfolio.portfolio.updated",
        "pmo.portfolio.portfolio.deleted",
    ]
    assert [e["sequence"] for e in events] == [1, 2, 3]  # the delete bumps the version once
    assert events[0]["data"]["changed"] == ["budget", "name"]
    assert events[1]["data"] == {
        "id": str(folio.id),
        "version": 2,
        "changed": ["budget", "name"],
        "name": "Growth II",
        "description": "",
        "currency": "EUR",
        "budget": "12.50",
        "start_date": None,
        "end_date": None,
        "fields": [],
        "deleted": False,
    }
    assert events[2]["data"]["deleted"] is True and events[2]["data"]["version"] == 3
    assert all("secret_note" not in e["data"] for e in events)  # only the data model's fields

    audit = await _audit(db)
    assert [(a.action, a.version, a.actor, a.entity_type) for a in audit] == [
        ("created", 1, "alice", "portfolio"),
        ("updated", 2, "alice", "portfolio"),
        ("deleted", 3, "alice", "portfolio"),
    ]
    assert audit[0].changes == {
        "id": str(folio.id),
        "name": "Growth",
        "description": "",
        "currency": "EUR",
        "budget": "10.00",
    }
    assert audit[1].changes == {
        "name": {"from": "Growth", "to": "Growth II"},
        "budget": {"from": "10.00", "to": "12.50"},
    }


async def test_a_change_block_names_what_changed_adds_fields_and_further_events(db: Database):
    folio = Folio(name="Growth", currency="EUR", budget=Decimal("10.00"))
    async with db.transaction() as session:
        await FOLIOS.create(session, folio, ALICE, PortfolioCreated)
        async with FOLIOS.change(session, folio, ALICE, PortfolioUpdated, action="renamed") as change:
            folio.description = "Now with a description"
            change.extra = {"note": "an extra field of this event"}
            change.also.append(PortfolioUpdated)
        assert change.data is not None and change.data.changed == ["description"]
        async with FOLIOS.change(session, folio, ALICE, PortfolioUpdated) as nothing:
            pass  # no mutation: no event, no audit entry, no version
    assert nothing.data is None
    events = await _outbox(db)
    assert [e["data"]["version"] for e in events] == [1, 2, 2]
    assert events[1]["data"]["note"] == "an extra field of this event"
    audit = await _audit(db)
    assert [a.action for a in audit] == ["created", "renamed"]


async def test_nothing_is_emitted_or_audited_when_the_transaction_rolls_back(db: Database):
    folio = Folio(name="Growth", currency="EUR", budget=Decimal("10.00"))
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await FOLIOS.create(session, folio, ALICE, PortfolioCreated)
            raise RuntimeError("a later rule failed")
    assert await _outbox(db) == []
    assert await _audit(db) == []


async def test_an_entity_no_event_announces_changes_the_same_way_without_an_outbox_row(db: Database):
    folio = Folio(name="Growth", currency="EUR", budget=Decimal("10.00"))
    async with db.transaction() as session:
        await FOLIOS.create(session, folio, ALICE, None)
    async with db.transaction() as session:
        folio = await session.get(Folio, folio.id)
        assert folio is not None
        assert await FOLIOS.update(session, folio, ALICE, {"name": "Growth"}, None) == []
        changed = await FOLIOS.update(
            session, folio, ALICE, {"name": "Growth", "budget": Decimal("12.50")}, None, action="rebudgeted"
        )
        assert changed == ["budget"] and folio.version == 2
    async with db.transaction() as session:
        folio = await session.get(Folio, folio.id)
        assert folio is not None
        await FOLIOS.delete(session, folio, ALICE, None)
        assert await session.get(Folio, folio.id) is None

    assert await _outbox(db) == []
    audit = await _audit(db)
    assert [(a.action, a.version, a.actor) for a in audit] == [
        ("created", 1, "alice"),
        ("rebudgeted", 2, "alice"),
        ("deleted", 3, "alice"),  # the version after the last, as for a published delete
    ]
    assert audit[0].changes["budget"] == "10.00" and "version" not in audit[0].changes
    assert audit[1].changes == {"budget": {"from": "10.00", "to": "12.50"}}
    assert audit[2].changes["name"] == "Growth"
