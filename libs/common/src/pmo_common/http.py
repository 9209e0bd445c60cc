"""HTTP helpers every service uses the same way: cursor pagination, ETag/If-Match, the session
dependency (the transaction boundary) and `Annotated` aliases."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pmo_common.errors import AppError, PreconditionFailed, PreconditionRequired, invalid
from pmo_common.examples import page_examples

T = TypeVar("T")
M = TypeVar("M")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """A page of a collection; pass `next_cursor` back as `cursor` for the next one."""

    model_config = ConfigDict(json_schema_extra=page_examples)

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Opaque; null on the last page.")


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1–{MAX_LIMIT}.")]
Cursor = Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page.")]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_tagged(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != count:
            raise ValueError("wrong arity")
        return [_untagged(v) for v in values]
    except (binascii.Error, ValueError, TypeError, KeyError, InvalidOperation):
        raise invalid(
            "query.cursor", "not a cursor this listing issued; pass `next_cursor` unchanged"
        ) from None


# Cursor values keep their type, so keyset comparisons bind exactly as the column expects.
_ENCODERS: list[tuple[type, str, Any]] = [
    (datetime, "dt", lambda v: v.isoformat()),
    (date, "d", lambda v: v.isoformat()),
    (uuid.UUID, "u", str),
    (Decimal, "m", str),
]
_DECODERS: dict[str, Any] = {
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "u": uuid.UUID,
    "m": Decimal,
}


def _tagged(value: Any) -> Any:
    for kind, tag, encode in _ENCODERS:
        if isinstance(value, kind):
            return {tag: encode(value)}
    return value


def _untagged(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, raw),) = value.items()
        return _DECODERS[tag](raw)
    return value


def _keyset(
    stmt: Select[Any], order: Sequence[tuple[Any, bool]], limit: int, cursor: str | None
) -> Select[Any]:
    if cursor:
        values = decode_cursor(cursor, len(order))
        clauses = []
        for i, (col, desc) in enumerate(order):
            equal_before = [order[j][0] == values[j] for j in range(i)]
            beyond = col < values[i] if desc else col > values[i]
            clauses.append(and_(*equal_before, beyond))
        stmt = stmt.where(or_(*clauses))
    return stmt.order_by(*[(col.desc() if desc else col.asc()) for col, desc in order]).limit(limit + 1)


def _page_of(rows: list[Any], order: Sequence[tuple[Any, bool]], limit: int) -> tuple[list[Any], str | None]:
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor([getattr(rows[-1], col.key) for col, _ in order])


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    order: Sequence[tuple[InstrumentedAttribute[Any], bool]],
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """Keyset pagination over `order` — (column, descending) pairs whose last column is unique —
    so pages stay stable while rows are added. Returns the scalars and the next cursor."""
    rows = list((await session.scalars(_keyset(stmt, order, limit, cursor))).all())
    return _page_of(rows, order, limit)


async def paginate_rows(
    session: AsyncSession,
    stmt: Select[Any],
    order: Sequence[tuple[Any, bool]],
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """`paginate` for a Core select: returns its rows (named tuples) rather than scalars."""
    rows = list((await session.execute(_keyset(stmt, order, limit, cursor))).all())
    return _page_of(rows, order, limit)


class Repository(Generic[M]):
    """The typed base of a domain's repository: `get` by primary key and `list_page` of a filtered
    select in a stable keyset order. A domain's repository adds only its own queries."""

    model: type[M]
    order: Sequence[tuple[InstrumentedAttribute[Any], bool]]

    def __init__(self, model: type[M], order: Sequence[tuple[InstrumentedAttribute[Any], bool]]) -> None:
        self.model = model
        self.order = order

    async def get(self, session: AsyncSession, key: Any) -> M | None:
        return await session.get(self.model, key)

    async def list_page(
        self, session: AsyncSession, *where: Any, limit: int, cursor: str | None
    ) -> tuple[list[M], str | None]:
        stmt = select(self.model).where(*where)
        return await paginate(session, stmt, self.order, limit, cursor)


# --- ETag / If-Match -------------------------------------------------------------------------


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def set_location(request: Request, response: Response, *path: object) -> None:
    """`Location` of a created resource, under the service's prefix (`/risk/v1` …) as mounted."""
    prefix: str = request.app.state.prefix
    response.headers["Location"] = "/".join([prefix, *(str(p).strip("/") for p in path)])


def _parse_if_match(header: str) -> list[str]:
    # Strong comparison (RFC 9110 §13.1.1): a weak tag `W/"2"` is kept as it is and never matches.
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def check_if_match(request: Request, version: int, *, required: bool) -> None:
    """PATCH and DELETE require `If-Match` (428 without it); PUT honours it when sent."""
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise PreconditionRequired(
                f"Send `If-Match: {etag(version)}` (the ETag from your last GET) to change this resource."
            )
        return
    tags = _parse_if_match(header)
    if "*" in tags or etag(version) in tags:
        return
    raise PreconditionFailed(
        f"The resource is at version {version} (ETag {etag(version)}), not {header}: "
        "GET it again, reapply your change and retry."
    )


# --- the transaction boundary ------------------------------------------------------------------


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    from pmo_common.db import Database
    from pmo_common.idempotency import IDEMPOTENCY_SCOPE_KEY, mark_committed

    db: Database = request.app.state.db
    scope_key = request.scope.get(IDEMPOTENCY_SCOPE_KEY)

    async def before_commit(session: AsyncSession) -> None:
        if scope_key:
            # Recorded in the business transaction: a crash after this commit can never let a
            # retry with the same key apply the change a second time.
            await mark_committed(session, scope_key)

    kept: AppError | None = None
    async with db.transaction(read_only=request.method in ("GET", "HEAD"), before_commit=before_commit) as s:
        try:
            yield s
        except AppError as error:
            if not error.keeps_changes:
                raise
            kept = error  # leave the block normally: it commits, then the error is the answer
    if kept is not None:
        raise kept


# `scope="function"` commits before the response is sent: an acknowledged write is a committed one.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
