"""`GET /projects` (contract §3, §7.2): every filter is a SQL predicate, exact on SQLite and PostgreSQL
alike, so a page is always full while more follow; `sort=` orders by one key and the cursor is a keyset
over (key, id) that names its sort.

Tags and custom field values live in JSON text columns. PostgreSQL reads them as `jsonb` and tests
containment (`tags @> '["a","b"]'`: every tag; `fields @> '{"k": v}'`: numbers compare as numbers);
SQLite walks them with its JSON functions (`json_each`, `json_extract`). A LIKE on the text would be
portable but inexact (escaped characters, substrings), and a filter applied after the query would
leave short pages that break the cursor.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pmo_common.db import code_point_order
from pmo_common.errors import Unprocessable, field_errors, invalid
from pmo_common.http import decode_cursor, encode_cursor
from sqlalchemy import ColumnElement, Row, Select, Text, and_, case, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.logic.fields import definitions_of, filter_value
from pmo_portfolio.logic.lifecycle import STAGES
from pmo_portfolio.portfolios import repository as portfolios
from pmo_portfolio.projects import repository
from pmo_portfolio.projects.models import Project
from pmo_portfolio.projects.schemas import ProjectFilters

# Without `sort`: oldest first, as before sorts existed (the cursor names this as "").
DEFAULT = ""
_VALUE_TYPES: dict[str, type] = {
    DEFAULT: datetime,
    "code": str,
    "name": str,
    "budget": Decimal,
    "start_date": date,
    "finish_date": date,
    "stage": int,
}
_NULLABLE = frozenset({"start_date", "finish_date"})


@dataclass(frozen=True)
class Order:
    """One sort: the key's SQL expression, its direction, and whether the key can be null."""

    name: str
    key: ColumnElement[Any]
    descending: bool

    @property
    def sort(self) -> str:
        """The `sort=` value this order answers (what its cursors carry)."""
        return ("-" if self.descending else "") + self.name

    @property
    def nullable(self) -> bool:
        return self.name in _NULLABLE

    def beyond(self, value: Any) -> ColumnElement[bool]:
        return self.key < value if self.descending else self.key > value


def _key(session: AsyncSession, name: str) -> ColumnElement[Any]:
    if name == "stage":
        # Lifecycle order (contract §3), not the alphabet.
        return case(
            {stage: rank for rank, stage in enumerate(STAGES)}, value=Project.stage, else_=len(STAGES)
        )
    if name in ("code", "name"):
        column: ColumnElement[str] = getattr(Project, name)
        return code_point_order(column, session.get_bind().dialect.name)  # pages mean the same everywhere
    return getattr(Project, name) if name else Project.created_at


def order_of(session: AsyncSession, sort: str | None) -> Order:
    name = (sort or DEFAULT).removeprefix("-")
    return Order(name=name, key=_key(session, name), descending=bool(sort and sort.startswith("-")))


def _ordered(stmt: Select[Any], order: Order) -> Select[Any]:
    direction = order.key.desc() if order.descending else order.key.asc()
    # Nulls last in both directions: `IS NULL` (false before true) leads.
    leading = [order.key.is_(None).asc()] if order.nullable else []
    return stmt.order_by(*leading, direction, Project.id.asc())


def _after(order: Order, cursor: str) -> ColumnElement[bool]:
    """The rows after the cursor's (is-null, key, id) in this order."""
    sort, is_null, value, last_id = decode_cursor(cursor, 4)
    _check_cursor(order, sort, is_null, value, last_id)
    if is_null:
        return and_(order.key.is_(None), Project.id > last_id)
    after = or_(order.beyond(value), and_(order.key == value, Project.id > last_id))
    return or_(order.key.is_(None), after) if order.nullable else after


def _check_cursor(order: Order, sort: Any, is_null: Any, value: Any, last_id: Any) -> None:
    if sort != order.sort:
        shown = f"sort={sort}" if sort else "no sort"
        raise invalid(
            "query.cursor", f"this cursor was issued for {shown}; a cursor continues the listing it came from"
        )
    expected = _VALUE_TYPES[order.name]
    well_formed = (
        isinstance(is_null, bool)
        and isinstance(last_id, uuid.UUID)
        and (value is None if is_null else type(value) is expected)  # exactly: a datetime is a date too
    )
    if not well_formed or (is_null and not order.nullable):
        raise invalid("query.cursor", "not a cursor this listing issued; pass `next_cursor` unchanged")


def _cursor_of(order: Order, project: Row[Any]) -> str:
    value = getattr(project, order.name) if order.name else project.created_at
    if order.name == "stage":
        value = STAGES.index(project.stage) if project.stage in STAGES else len(STAGES)
    return encode_cursor([order.sort, value is None, value, project.id])


def _json_predicates(
    session: AsyncSession, tags: list[str], fields: dict[str, Any]
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if session.get_bind().dialect.name == "postgresql":
        for column, wanted in ((Project.tags, tags), (Project.fields, fields)):
            if wanted:
                document = cast(literal(json.dumps(wanted), type_=Text), JSONB)
                where.append(cast(column, JSONB).op("@>")(document))
        return where
    for tag in tags:
        element = func.json_each(Project.tags).table_valued("value")
        where.append(select(element.c.value).where(element.c.value == tag).exists())
    for key, value in fields.items():
        # Keys are `[a-z][a-z0-9_]*` (checked against the definitions): safe inside the JSON path.
        where.append(func.json_extract(Project.fields, f"$.{key}") == value)
    return where


def _where(
    session: AsyncSession, filters: ProjectFilters, fields: dict[str, Any]
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    for column, value in (
        (Project.portfolio_id, filters.portfolio_id),
        (Project.stage, filters.stage),
        (Project.programme_id, filters.programme_id),
        (Project.manager, filters.manager),
    ):
        if value is not None:
            where.append(column == value)
    if filters.q:
        needle = filters.q.lower()
        where.append(
            or_(
                func.lower(Project.code).contains(needle, autoescape=True),
                func.lower(Project.name).contains(needle, autoescape=True),
            )
        )
    tags = list(dict.fromkeys(tag.strip() for tag in filters.tag or []))  # stored tags are trimmed
    return where + _json_predicates(session, tags, fields)


async def list_page(
    session: AsyncSession, filters: ProjectFilters, fields: dict[str, Any], *, limit: int, cursor: str | None
) -> tuple[list[Row[Any]], str | None]:
    """A page of the projects every filter holds for (`fields`: `{key: value}` in stored form), in
    `filters.sort` order, and the cursor of the next page (None on the last). Rows of
    `repository.read_statement` (`service.read_from_row`): one statement, no ORM objects."""
    order = order_of(session, filters.sort)
    stmt = repository.read_statement().where(*_where(session, filters, fields))
    if cursor:
        stmt = stmt.where(_after(order, cursor))
    rows = list((await session.execute(_ordered(stmt, order).limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], _cursor_of(order, rows[limit - 1])


async def field_filters(
    session: AsyncSession, portfolio_id: uuid.UUID | None, raw: dict[str, str]
) -> dict[str, Any]:
    """`field.<key>=<value>` filters in the stored form of each field's type (a number as a number, a
    date as YYYY-MM-DD). Custom fields are defined per portfolio, so they need `portfolio_id`; an
    unknown key, or a value that no project could hold, is a 422 naming `query.field.<key>`."""
    if not raw:
        return {}
    if portfolio_id is None:
        raise invalid(
            "query.portfolio_id", "required with field.<key> filters: each portfolio defines its fields"
        )
    portfolio = await portfolios.get(session, portfolio_id)
    if portfolio is None:
        raise invalid("query.portfolio_id", f"no portfolio with id {portfolio_id}")
    definitions = {d.key: d for d in definitions_of(portfolio.fields)}
    typed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in raw.items():
        definition = definitions.get(key)
        if definition is None:
            known = ", ".join(sorted(definitions)) or "none"
            problems.append(
                (f"query.field.{key}", f"not a custom field of this portfolio (its fields: {known})")
            )
            continue
        typed[key], message = filter_value(definition, value)
        if message is not None:
            problems.append((f"query.field.{key}", message))
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems[:5])
        raise Unprocessable(f"The field filters are invalid — {summary}", errors=field_errors(problems))
    return typed
