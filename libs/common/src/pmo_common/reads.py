"""Independent reads of one response, run at once.

A page built from several queries over different tables (a dashboard: project figures, risk cells,
capacity) takes as long as its slowest query rather than their sum when each runs on a connection of
its own: on SQLite every connection has its own thread and sqlite3 lets go of the GIL while a
statement runs; on PostgreSQL they are separate backends. Nothing is lost in consistency: a GET's
session is an autocommit read session, so each of its statements already sees its own snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pmo_common.db import Database

Read = Callable[[AsyncSession], Awaitable[Any]]


async def gather_reads(db: Database | None, session: AsyncSession, *reads: Read) -> list[Any]:
    """The reads' results in order: the first on `session`, each other on a read session of its own
    from `db`. Without `db` (a caller inside one transaction, which must see its own writes) all of
    them one after another on `session`."""
    if db is None or len(reads) < 2:
        return [await read(session) for read in reads]

    async def alone(read: Read) -> Any:
        async with db.transaction(read_only=True) as own:
            return await read(own)

    first, *others = reads
    # Every read finishes before this returns or raises, so none still uses `session` once the
    # caller goes on; the first error in order is the one raised.
    results = await asyncio.gather(first(session), *(alone(read) for read in others), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
