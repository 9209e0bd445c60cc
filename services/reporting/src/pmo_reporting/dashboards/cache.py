"""Serialised dashboards (and breakdowns) kept per process, keyed by what they depend on: the
portfolio, the as-of date (and whether it is answered from current state or history), the data
versions of the portfolio and of org-wide data, and what was asked (the dashboard's narrowing, the
breakdown's dimension). Every write that can change a figure bumps a version in its own
transaction (`readmodels.repository.bump_versions`), so an entry is never served stale and
replicas never need to tell each other anything; the versions are read in one Core statement of
two primary-key look-ups on a read connection, with no session: a cached answer costs that one
statement after the portfolio's."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from fastapi import FastAPI
from pmo_common.db import Database
from pydantic import BaseModel
from sqlalchemy import bindparam, func, select

from pmo_reporting.readmodels.models import GLOBAL_SCOPE, DataVersion

CacheKey = tuple[Any, ...]
"""(portfolio id, as-of date, current, portfolio version, global version, what was asked)."""


class DashboardCache:
    """A small LRU of response bodies."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[CacheKey, asyncio.Lock] = {}

    def computing(self, key: CacheKey) -> asyncio.Lock:
        """Held while one request computes `key`: concurrent requests for it wait and reuse the
        result instead of all computing it at once."""
        return self._computing.setdefault(key, asyncio.Lock())

    def done(self, key: CacheKey) -> None:
        lock = self._computing.get(key)
        if lock is not None and not lock.locked():
            del self._computing[key]

    def get(self, key: CacheKey) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    async def body(self, key: CacheKey, compute: Callable[[], Awaitable[BaseModel]]) -> bytes:
        """The cached JSON body of `key`, else `compute()`'s, serialised and kept."""
        body = self.get(key)
        if body is not None:
            return body
        try:
            async with self.computing(key):
                body = self.get(key)  # computed by a concurrent request meanwhile
                if body is None:
                    body = (await compute()).model_dump_json().encode()
                    self.put(key, body)
        finally:
            self.done(key)
        return body

    def put(self, key: CacheKey, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def cache_of(app: FastAPI) -> DashboardCache:
    cache = getattr(app.state, "dashboard_cache", None)
    if cache is None:
        cache = app.state.dashboard_cache = DashboardCache()
    return cache


def _version_of(scope: Any) -> Any:
    version = select(DataVersion.version).where(DataVersion.scope_id == scope).scalar_subquery()
    return func.coalesce(version, 0)


_VERSIONS = select(
    _version_of(bindparam("portfolio", type_=DataVersion.scope_id.type)).label("portfolio"),
    _version_of(GLOBAL_SCOPE).label("everything"),
)


async def cache_key(
    db: Database, portfolio_id: uuid.UUID, as_of: date, current: bool, asked: Any = ()
) -> CacheKey:
    row = await db.read_one(_VERSIONS, {"portfolio": portfolio_id})
    assert row is not None  # a SELECT without FROM always has its one row
    return (portfolio_id, as_of, current, row.portfolio, row.everything, asked)
