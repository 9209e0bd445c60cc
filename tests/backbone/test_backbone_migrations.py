"""Each service's Alembic head builds exactly the schema its models declare (SQLite and PostgreSQL):
a model changed without a revision, or a revision that differs from the model, fails here."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pmo_common.cli import SERVICES, load_spec
from pmo_common.db import Database
from pmo_common.migrations import upgrade_to_head


def _differences(connection: Any, metadata: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("service", SERVICES)
async def test_the_migrations_build_the_schema_the_models_declare(service: str, database_url: str):
    spec = load_spec(service)
    db = Database(database_url)
    try:
        await upgrade_to_head(db.engine, spec.migrations)
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_differences, spec.metadata)
    finally:
        await db.dispose()
    assert differences == []
