"""`pmo_common.db.written_at_commit` against a real database: what a transaction collects is written
once, at its commit, after the rest of its changes; a rollback writes nothing and forgets it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pmo_common.db import Database, upsert_inserts, written_at_commit
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

METADATA = MetaData()
COUNTERS = Table("test_counters", METADATA, Column("key", String(40), primary_key=True), Column("n", Integer))
LOG = Table("test_log", METADATA, Column("id", Integer, primary_key=True), Column("what", String(40)))
BUMP = upsert_inserts(
    lambda insert_: insert_(COUNTERS).on_conflict_do_update(
        index_elements=[COUNTERS.c.key], set_={"n": COUNTERS.c.n + 1}
    )
)
KEY = "test.pending_counters"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(METADATA.drop_all)
        await conn.run_sync(METADATA.create_all)
    yield database
    async with database.engine.begin() as conn:
        await conn.run_sync(METADATA.drop_all)
    await database.dispose()


def _bump(session: Session, pending: set[str]) -> None:
    order = session.execute(select(LOG.c.what).order_by(LOG.c.id)).scalars().all()
    session.execute(BUMP[session.get_bind().dialect.name], [{"key": k, "n": 1} for k in sorted(pending)])
    session.info.setdefault("seen_before_bump", []).append(list(order))


async def _counters(db: Database) -> dict[str, int]:
    async with db.transaction(read_only=True) as session:
        return {k: n for k, n in (await session.execute(select(COUNTERS.c.key, COUNTERS.c.n))).all()}


async def test_what_a_transaction_collects_is_written_once_at_commit_after_its_other_changes(
    db: Database,
) -> None:
    seen: list[Any] = []
    async with db.transaction() as session:
        for keys in (["a", "b"], ["b"], ["c", "a"]):
            written_at_commit(session, KEY, set, _bump).update(keys)
        await session.execute(insert(LOG).values(id=1, what="the rest of the transaction"))
        seen = session.info.setdefault("seen_before_bump", [])
    assert await _counters(db) == {"a": 1, "b": 1, "c": 1}  # each once, however often collected
    assert seen == [["the rest of the transaction"]]


async def test_a_rollback_writes_nothing_and_forgets_what_was_collected(db: Database) -> None:
    key = f"k{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            written_at_commit(session, KEY, set, _bump).add(key)
            await session.execute(insert(LOG).values(id=2, what="rolled back"))
            raise RuntimeError("the unit of work fails")
    assert session.info[KEY] == set()
    assert await _counters(db) == {}
