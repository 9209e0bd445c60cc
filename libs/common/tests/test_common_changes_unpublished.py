"""`Aggregate.*_unpublished`: an entity no catalogue event announces changes the same way (flush,
version, audit entry) and leaves nothing in the outbox."""

from __future__ import annotations

import uuid

import pytest
from pmo_common.audit import AuditEntryRead
from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.db import AUDIT_TABLE, OUTBOX_TABLE, Database, service_metadata
from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = service_metadata()


class Setting(Base):
    __tablename__ = "settings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(50))
    weight: Mapped[float]
    version: Mapped[int] = mapped_column(nullable=False)
    __mapper_args__ = {"version_id_col": version}


class SettingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    weight: float
    version: int


SETTINGS = Aggregate[Setting]("setting", read=SettingRead.model_validate)
PAT = Principal(sub="pat", roles=frozenset({"pmo"}))


@pytest.fixture
async def db(database_url: str):
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


async def test_unpublished_changes_bump_versions_and_are_audited_without_events(db: Database):
    setting = Setting(name="Value", weight=1.0)
    async with db.transaction() as session:
        await SETTINGS.create_unpublished(session, setting, PAT)
    async with db.transaction() as session:
        setting = await session.get(Setting, setting.id)
        assert setting is not None
        assert await SETTINGS.update_unpublished(session, setting, PAT, {"weight": 1.0}) == []
        changed = await SETTINGS.update_unpublished(
            session, setting, PAT, {"weight": 2.5, "name": "Value"}, action="reweighted"
        )
        assert changed == ["weight"] and setting.version == 2
    async with db.transaction() as session:
        setting = await session.get(Setting, setting.id)
        assert setting is not None
        await SETTINGS.delete_unpublished(session, setting, PAT)
        assert await session.get(Setting, setting.id) is None

    async with db.sessionmaker() as session:
        rows = (await session.execute(select(AUDIT_TABLE).order_by(AUDIT_TABLE.c.seq))).all()
        outbox = await session.scalar(select(func.count()).select_from(OUTBOX_TABLE))
    audit = [AuditEntryRead.model_validate(r) for r in rows]
    assert [(a.action, a.version, a.actor, a.entity_type) for a in audit] == [
        ("created", 1, "pat", "setting"),
        ("reweighted", 2, "pat", "setting"),
        ("deleted", 3, "pat", "setting"),
    ]
    assert audit[0].changes == {"id": str(setting.id), "name": "Value", "weight": 1.0}
    assert audit[1].changes == {"weight": {"from": 1.0, "to": 2.5}}
    assert audit[2].changes["weight"] == 2.5
    assert outbox == 0
