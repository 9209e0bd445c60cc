"""SQLite through aiosqlite with one thread hop per statement — or per transaction.

aiosqlite runs every call on the connection's own thread, and each call is a hop there and back: a
queue put, a thread wake-up, the GIL handed over twice and a wake-up of the event loop. SQLAlchemy's
adapter makes four such calls for one statement (make a cursor, execute, fetch, close it) and one more
for the rollback with which the pool resets a returned connection, so a read by id cost five hops and
a create fifteen — under load the hops, not SQLite, were most of a request's time (issue #17).

`OneHopConnection` is what the engines' connect function returns in place of aiosqlite's own:

- a statement, its rows and its cursor's closing are one call on the connection's thread;
- `BEGIN` is sent with the transaction's first statement rather than alone;
- a write whose outcome no one reads (`pmo_common.db.write_behind`: the outbox row, the audit entry,
  the INSERT of a new row) is queued, compiled once and bound by its columns' own types, and sent with
  the next statement or with the COMMIT: a create that writes three rows is one hop — BEGIN, the
  INSERTs and COMMIT together;
- `commit()` and `rollback()` with nothing to end are no-ops in sqlite3 itself: they are answered
  without a hop (the rollback of a read, the pool's reset after a commit); a rollback drops what is
  queued, which the transaction's end would have undone anyway.

A read of one row by key (`Database.read_one`) is one hop on a pooled read connection. It is not
run on the event loop's own thread, although that would be faster still: no synchronous database
call in an async route, so a slow disk or a checkpoint can never stall every request of a worker.

Statements run exactly in the order they were issued, so a transaction reads its own queued writes;
what changes is only when an error of a queued write is raised: by the next statement or by the
commit, which then rolls the transaction back as any failed commit does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

import aiosqlite
from sqlalchemy import Dialect, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

_Statement = tuple[str, Any, bool]  # sql, parameters, executemany
_Outcome = tuple[list[Any], Any, int, int | None]
_Prepared = tuple[str, list[tuple[str, Callable[[Any], Any]]]]  # sql, (parameter, bind processor)


def _send(connection: sqlite3.Connection, begin: str | None, queued: list[_Statement]) -> None:
    if begin is not None:
        connection.execute(begin)
    for sql, parameters, many in queued:
        (connection.executemany if many else connection.execute)(sql, parameters).close()


def _run(
    connection: sqlite3.Connection, begin: str | None, queued: list[_Statement], statement: _Statement
) -> _Outcome:
    """On the connection's thread: what is pending, then the statement and its rows; cursors closed."""
    _send(connection, begin, queued)
    sql, parameters, many = statement
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return rows, description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _commit(connection: sqlite3.Connection, begin: str | None, queued: list[_Statement]) -> None:
    _send(connection, begin, queued)
    connection.commit()


class OneHopCursor:
    """The part of aiosqlite's cursor SQLAlchemy's adapter uses, its results buffered in one hop."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneHopCursor:
        return await self._execute((sql, () if parameters is None else parameters, False))

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> OneHopCursor:
        return await self._execute((sql, parameters, True))

    async def _execute(self, statement: _Statement) -> OneHopCursor:
        connection = self._connection
        begin, queued = connection.take_pending()
        outcome: _Outcome = await connection._execute(_run, connection._conn, begin, queued, statement)
        self._rows, self.description, self.rowcount, self.lastrowid = outcome
        return self

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchall(self) -> Sequence[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []  # the sqlite3 cursor was closed in the hop that ran the statement


class OneHopConnection(aiosqlite.Connection):
    # The `BEGIN ...` SQLAlchemy's begin hook asked for, and the queued writes: sent with the next
    # statement or the commit.
    pending_begin: str | None = None
    queued: list[_Statement]

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self.queued = []

    def cursor(self) -> OneHopCursor:  # type: ignore[override]  # no hop: see OneHopCursor
        return OneHopCursor(self)

    def queue(
        self, statement: UpdateBase, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]], dialect: Dialect
    ) -> bool:
        """Queue a write (one row, or rows with the same keys); False when it cannot be bound here
        (a column default or a bind parameter the rows do not give): the caller executes it."""
        batch = [rows] if isinstance(rows, Mapping) else list(rows)
        if not batch or any(row.keys() != batch[0].keys() for row in batch):
            return False
        prepared = _prepared(statement, dialect, frozenset(batch[0]))
        if prepared is None:
            return False
        sql, binders = prepared
        bound = [tuple(bind(row[name]) for name, bind in binders) for row in batch]
        self.queued.append((sql, bound, True) if len(bound) > 1 else (sql, bound[0], False))
        return True

    def take_pending(self) -> tuple[str | None, list[_Statement]]:
        pending = self.pending_begin, self.queued
        self.pending_begin, self.queued = None, []
        return pending

    def _in_transaction(self) -> bool:
        return self._connection is not None and self._connection.in_transaction

    async def commit(self) -> None:
        begin, queued = self.take_pending()
        if queued:
            await self._execute(_commit, self._conn, begin, queued)
        elif self._in_transaction():
            await super().commit()

    async def rollback(self) -> None:
        self.take_pending()  # never sent: nothing of them to undo
        if self._in_transaction():
            await super().rollback()


def _unchanged(value: Any) -> Any:
    return value


@lru_cache(maxsize=256)
def _prepared(statement: UpdateBase, dialect: Dialect, keys: frozenset[str]) -> _Prepared | None:
    """The SQL of a statement for these keys and, in order, each parameter with its column type's
    bind processor (what SQLAlchemy applies when it executes the statement itself). Bounded: callers
    pass constant statements, a statement built per call only churns this cache."""
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        return None
    names = list(compiled.positiontup)
    if not set(names) <= keys:
        return None  # a default or a literal bind SQLAlchemy would compute: its own execute does
    binders: list[tuple[str, Callable[[Any], Any]]] = []
    for name in names:
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        binders.append((name, processor or _unchanged))
    return compiled.string, binders


def connect(database: str, **kwargs: Any) -> OneHopConnection:
    """What SQLAlchemy's aiosqlite adapter calls in place of `aiosqlite.connect` (through the
    `async_creator_fn` connect argument, with the arguments its dialect derived from the URL); it
    awaits the connection, which starts the thread and opens the database."""
    connection = OneHopConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own: never blocks the exit
    return connection


MMAP_BYTES = 1 << 30
"""How much of the database file a connection reads through a memory map. Without one, every page
a new pooled connection touches is a read() into its own 2 MB page cache; mapped, the connections
share the OS page cache: a past-date dashboard over 5,000 projects in 74 ms, not 82 (issue #17).
Address space, not memory: only the pages read are resident."""


def configure(engine: AsyncEngine, *, immediate: bool | None) -> None:
    """WAL, foreign keys, the busy timeout and the memory map on every connection; `immediate`: write transactions
    take the write lock when they begin. `immediate=None`: an autocommit engine that never opens a
    transaction itself."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so that `BEGIN IMMEDIATE` below holds.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cursor.close()

    if immediate is None:
        return

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes cannot wait for the write lock
        # (SQLITE_BUSY at once); taking it up front makes concurrent writers queue instead. Sent
        # with the transaction's first statement: one hop fewer.
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        driver = conn.connection.driver_connection
        if isinstance(driver, OneHopConnection):
            driver.pending_begin = begin
        else:
            conn.exec_driver_sql(begin)
