"""The database layer: one async engine per service, the transaction boundary, shared column types
and the tables every service carries (outbox, inbox, idempotency keys, audit trail).

SQLite is the embedded default (a file under ./var/, WAL, foreign keys on); PostgreSQL is used when
`PMO_DATABASE_URL` names it. Services never call `commit()`: `Database.transaction()` and the request
session dependency are the only places a transaction ends, which is what lets the outbox row share
the business change's transaction.
"""

from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Executable,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    event,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Row, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import TypeDecorator

from pmo_common import sqlite

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AutoIncrementBigInt = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class MoneyType(TypeDecorator[Decimal]):
    """Exact money stored as integer cents, so sums in SQL stay exact on SQLite too."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class JSONText(TypeDecorator[Any]):
    """JSON kept as text: the same bytes on SQLite and PostgreSQL, no dialect-specific operators."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def service_metadata() -> MetaData:
    """A service's MetaData, with the naming convention and the shared tables already in it."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    define_common_tables(metadata)
    return metadata


def define_common_tables(metadata: MetaData) -> None:
    Table(
        "outbox",
        metadata,
        Column("seq", AutoIncrementBigInt, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("aggregate_id", String(64), nullable=False),
        Column("aggregate_version", BigInteger, nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text, nullable=True),
        Index(
            "ix_outbox_pending",
            "seq",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
    )
    Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("subject", String(200), nullable=False),
        Column("consumer", String(100), nullable=False),
        Column("handled_at", UTCDateTime(), nullable=False),
    )
    Table(
        "audit_entries",
        metadata,
        Column("seq", AutoIncrementBigInt, primary_key=True, autoincrement=True),
        Column("entity_type", String(40), nullable=False, index=True),
        Column("entity_id", Uuid, nullable=False),
        Column("version", Integer, nullable=False),
        Column("action", String(40), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("changes", JSONText(), nullable=False),
        Index("ix_audit_entries_entity", "entity_id", "seq"),
    )
    Table(
        "idempotency_keys",
        metadata,
        Column("scope_key", String(64), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("state", String(16), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("headers", Text, nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("expires_at", UTCDateTime(), nullable=False),
    )


# The shared tables as Core objects for pmo_common's own statements (outbox, relay, inbox,
# idempotency); each service's metadata holds an identical copy for its migrations.
_COMMON = MetaData()
define_common_tables(_COMMON)
OUTBOX_TABLE: Table = _COMMON.tables["outbox"]
INBOX_TABLE: Table = _COMMON.tables["inbox"]
IDEMPOTENCY_TABLE: Table = _COMMON.tables["idempotency_keys"]
AUDIT_TABLE: Table = _COMMON.tables["audit_entries"]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def code_point_order(column: Any, dialect: str) -> Any:
    """`column` compared in code-point order, as Python sorts strings, on both backends: SQLite
    compares bytes, PostgreSQL's default collation would follow the locale (so a sort, a page
    boundary or a keyset cursor means the same thing everywhere)."""
    return column.collate("C") if dialect == "postgresql" else column


IDLE_PING_SECONDS = 1.0
"""A pooled connection idle longer than this is pinged before it is handed out (`ping_when_idle`)."""


def ping_when_idle(engine: AsyncEngine, seconds: float) -> None:
    """Ping a pooled connection at checkout only when it has sat idle in the pool for `seconds`.

    SQLAlchemy's `pool_pre_ping` pings at every checkout; on asyncpg outside a transaction that is
    BEGIN, `;` and ROLLBACK — three round trips before a read by key's one (10 % of reporting's CPU
    under the mixed load of issue #17). A connection used a moment ago is as alive as a ping would
    show, and one that broke while in use (a database stopped mid-work) invalidates every older
    connection in the pool when its error is seen, so a stale connection is never handed out after
    an outage longer than `seconds`. A failed ping discards the connection and the pool opens a new
    one (SQLAlchemy's pessimistic disconnect handling)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < seconds:
            return  # a new connection, or one in use a moment ago
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("the pooled connection failed its ping") from error


_IDLE_SINCE = "pmo.idle_since"

CommitHook = Callable[[AsyncSession], None]
AtCommit = Callable[[Session, Any], None]

# `async_creator_fn` is how SQLAlchemy's aiosqlite adapter takes a connect function in place of
# `aiosqlite.connect`, called with the arguments the dialect derives from the URL (pmo_common.sqlite).
_SQLITE_CONNECT: dict[str, Any] = {"timeout": 30, "async_creator_fn": sqlite.connect}
READ_POOL_SIZE = 16


class Database:
    """An async engine and session factory, built in the app's lifespan, never at import."""

    def __init__(
        self, url: str, *, pool_size: int = 10, idle_ping_seconds: float = IDLE_PING_SECONDS
    ) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        self._commit_hooks: list[CommitHook] = []
        if self.sqlite:
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # SQLite has one writer at a time. One pooled write connection makes this process's writers
            # queue for it first come first served, instead of meeting in SQLite's busy handler, whose
            # sleeps (up to 100 ms a try, woken in no order) stretch p99 to seconds under concurrent writes.
            self.engine: AsyncEngine = create_async_engine(
                url, connect_args=_SQLITE_CONNECT, pool_size=1, max_overflow=0, pool_timeout=30
            )
            sqlite.configure(self.engine, immediate=True)
            # Reads take no write lock: in WAL mode they run beside the writer instead of queueing.
            # Reads run in autocommit: no BEGIN/COMMIT round trips through aiosqlite's thread, and no lock.
            # Enough pooled connections for the requests a worker serves at once: a connection beyond
            # the pool is opened (a thread, the PRAGMAs) and closed again for every read that needs it.
            self.read_engine: AsyncEngine = create_async_engine(
                url,
                connect_args=_SQLITE_CONNECT,
                isolation_level="AUTOCOMMIT",
                pool_reset_on_return=None,
                pool_size=READ_POOL_SIZE,
                max_overflow=READ_POOL_SIZE,
            )
            sqlite.configure(self.read_engine, immediate=None)
        else:
            self.engine = create_async_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=1800,
                # Prepared statements per connection (SQLAlchemy's asyncpg LRU; default 100): a service
                # issues a few hundred distinct statements, and one evicted is parsed and planned again.
                connect_args={"prepared_statement_cache_size": 500} if is_postgres(url) else {},
            )
            ping_when_idle(self.engine, idle_ping_seconds)
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)

    def on_commit(self, hook: CommitHook) -> None:
        """Run `hook(session)` after every successful commit (e.g. to wake the outbox relay)."""
        self._commit_hooks.append(hook)

    def after_commit(self, session: AsyncSession) -> None:
        for hook in self._commit_hooks:
            hook(session)

    @asynccontextmanager
    async def transaction(
        self,
        *,
        read_only: bool = False,
        before_commit: Callable[[AsyncSession], Awaitable[None]] | None = None,
    ) -> AsyncIterator[AsyncSession]:
        """The one unit of work: commit on success, roll back on any error, then run the commit
        hooks. `read_only` sessions use the read engine (autocommit, no write lock)."""
        maker = self.read_sessionmaker if read_only else self.sessionmaker
        async with maker() as session:
            try:
                yield session
                if before_commit is not None:
                    await before_commit(session)
                if not read_only or session.new or session.dirty or session.deleted:
                    await session.commit()  # the read engine autocommits: what a read executed is done
            except BaseException:
                await session.rollback()
                raise
        self.after_commit(session)

    async def read_one(self, statement: Executable, parameters: Mapping[str, Any]) -> Row[Any] | None:
        """The first row of a Core statement, on a read connection: for the hot reads by key, with
        no session (identity map, transaction bookkeeping) built and torn down around one SELECT."""
        async with self.read_engine.connect() as connection:
            return (await connection.execute(statement, parameters)).first()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.sqlite:
            await self.read_engine.dispose()


async def write_behind(
    session: AsyncSession, statement: UpdateBase, rows: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> None:
    """Execute a write whose outcome the caller never reads — no rows, no rowcount, no generated key:
    an outbox row, an audit entry, the INSERT of a row whose every value the caller set. On SQLite it
    is queued on the connection and sent with the transaction's next statement or its COMMIT, in the
    same thread hop (`pmo_common.sqlite`); an error of it is raised there. Elsewhere it runs at once."""
    if not isinstance(rows, Mapping) and not rows:
        return
    driver, dialect = await _driver(session)
    if isinstance(driver, sqlite.OneHopConnection) and driver.queue(statement, rows, dialect):
        return
    await session.execute(statement, rows if isinstance(rows, Mapping) else list(rows))


_DRIVER = "pmo.driver_connection"


async def _driver(session: AsyncSession) -> tuple[Any, Dialect]:
    """The driver connection of the session's transaction, and its dialect: found once per
    transaction (`session.connection()` is a greenlet switch and two proxy look-ups each time)."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_DRIVER)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1], cached[2]
    connection = (await session.connection()).sync_connection
    if connection is None:
        return None, session.get_bind().dialect
    driver = connection.connection.driver_connection
    session.info[_DRIVER] = (session.sync_session.get_transaction(), driver, connection.dialect)
    return driver, connection.dialect


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def upsert_insert(session: AsyncSession, table: Any) -> Any:
    """An INSERT that offers `on_conflict_do_update`/`on_conflict_do_nothing` on both backends."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite_dialect.insert(table)


def upsert_inserts(build: Callable[[Any], Any]) -> dict[str, Any]:
    """`build(insert)` with each backend's INSERT (both offer `on_conflict_do_*`), keyed by dialect
    name: for statements built once at import (one built per call is also cache-keyed per call)."""
    return {"postgresql": build(postgresql.insert), "sqlite": build(sqlite_dialect.insert)}


def written_at_commit(session: AsyncSession, key: str, new: Callable[[], Any], write: AtCommit) -> Any:
    """A container in the session (`new()`, once per session under `key`) whose contents
    `write(session, contents)` writes when the transaction commits — after a flush of everything
    else it changed, inside the commit's greenlet, so synchronous calls are fine — and that a
    rollback empties. For writes a transaction makes many times but wants once, at its end: one
    statement for many rows, or rows locked last and in one order."""
    pending = session.info.get(key)
    if pending is None:
        pending = session.info[key] = new()

        def before_commit(sync_session: Session) -> None:
            if pending:
                sync_session.flush()
                write(sync_session, pending)
                pending.clear()

        event.listen(session.sync_session, "before_commit", before_commit)
        event.listen(session.sync_session, "after_rollback", lambda _: pending.clear())
    return pending


async def serialize(session: AsyncSession, name: str) -> None:
    """Let one transaction at a time past this point for `name`, until it ends: for derived state a
    service recomputes and versions itself (totals, counters), where two concurrent transactions
    would otherwise read the same version and both write the next. PostgreSQL takes a transaction
    advisory lock; SQLite already has a single writer."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # A transaction holds its advisory locks until it ends: taking one again is a round trip for
    # nothing (resource's derived events take theirs two or three times in one allocation write).
    key = zlib.crc32(name.encode())
    held: tuple[Any, set[int]] | None = session.info.get(_SERIALIZED)
    transaction = session.sync_session.get_transaction()
    if held is not None and transaction is not None and held[0] is transaction and key in held[1]:
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    transaction = session.sync_session.get_transaction()  # begun by the statement if none was
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info[_SERIALIZED] = held
    held[1].add(key)


_SERIALIZED = "pmo.serialized"


async def maintenance_connection(url: str, database: str = "postgres") -> Any:
    """A plain asyncpg connection to the server of a PostgreSQL URL, on its maintenance database (to
    create or drop databases, which no transaction may do)."""
    import asyncpg

    parsed = make_url(url)
    return await asyncpg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        database=database,
    )
