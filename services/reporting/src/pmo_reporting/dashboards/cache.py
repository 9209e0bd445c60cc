"""Serialised dashboards (and breakdowns), and the sections a dashboard is made of, kept per process
and keyed by what they depend on: the portfolio, the as-of date (and whether it is answered from
current state or history), what was asked (the dashboard's narrowing, the breakdown's dimension) and
the data versions of the figures they show (`readmodels.models.Figures`). Every write that can
change a figure bumps the version of its kind in its own transaction
(`readmodels.repository.bump_versions`), so an entry is never served stale and replicas never need
to tell each other anything.

A dashboard computed again after a write takes from the cache the sections whose versions that write
left alone: a status report recomputes the projects' figures, not the risks, capacity or governance;
an allocation (demand) only the capacity. The versions are read in one Core statement of primary-key
look-ups on a read connection, with no session: a cached answer costs that one statement after the
portfolio's."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any

from fastapi import FastAPI
from pmo_common.db import Database
from pydantic import BaseModel
from sqlalchemy import bindparam, func, select

from pmo_reporting.readmodels.models import GLOBAL_SCOPE, DataVersion, Figures, version_scope

CacheKey = tuple[Any, ...]
"""(portfolio id, as-of date, current, what was asked, the versions of the figures it shows)."""

Versions = dict[Figures | str, int]
"""A portfolio's data version of each kind of figures (CAPACITY: the org-wide one) and, as
`EVERYTHING`, the org-wide version of every figure (bumped by a rebuild)."""

EVERYTHING = "everything"

SECTIONS: dict[str, tuple[Figures, ...]] = {
    "projects": (Figures.REPORTS, Figures.RISKS),  # counts, EVM, attention (escalated risks a reason)
    "risks": (Figures.RISKS,),
    "capacity": (Figures.CAPACITY,),
    "governance": (Figures.GOVERNANCE,),
}
"""What each section of a dashboard shows, besides the projects themselves (Figures.PROJECTS),
which every section depends on."""


class _Kept:
    """A small LRU whose misses are computed once: concurrent requests for a key being computed
    wait for it and reuse the result instead of all computing it at once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[CacheKey, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[CacheKey, asyncio.Lock] = {}

    def get(self, key: CacheKey) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: CacheKey, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    async def value(self, key: CacheKey, compute: Callable[[], Awaitable[Any]]) -> Any:
        found = self.get(key)
        if found is not None:
            return found
        lock = self._computing.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                found = self.get(key)  # computed by a concurrent request meanwhile
                if found is None:
                    found = await compute()
                    self.put(key, found)
        finally:
            if not lock.locked() and self._computing.get(key) is lock:
                del self._computing[key]
        return found


class DashboardCache:
    """Response bodies, and dashboard sections (immutable models: never changed once built)."""

    def __init__(self, size: int = 256) -> None:
        self._bodies = _Kept(size)
        self._sections = _Kept(size)
        self.computed: Counter[str] = Counter()
        """How many times each section was computed (not taken from the cache), by name."""

    async def body(self, key: CacheKey, compute: Callable[[], Awaitable[BaseModel]]) -> bytes:
        """The cached JSON body of `key`, else `compute()`'s, serialised and kept."""

        async def serialised() -> bytes:
            return (await compute()).model_dump_json().encode()

        body: bytes = await self._bodies.value(key, serialised)
        return body

    async def section(self, key: CacheKey, name: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """Section `name` kept under `key` (`key_of` with the figures `SECTIONS` gives it), else computed."""

        async def counted() -> Any:
            self.computed[name] += 1
            return await compute()

        return await self._sections.value(key, counted)


def cache_of(app: FastAPI) -> DashboardCache:
    cache = getattr(app.state, "dashboard_cache", None)
    if cache is None:
        cache = app.state.dashboard_cache = DashboardCache()
    return cache


def _version_of(scope: Any) -> Any:
    version = select(DataVersion.version).where(DataVersion.scope_id == scope).scalar_subquery()
    return func.coalesce(version, 0)


_PORTFOLIO_FIGURES = (Figures.PROJECTS, Figures.REPORTS, Figures.RISKS, Figures.GOVERNANCE)
_VERSIONS = select(
    *(
        _version_of(bindparam(f"p_{figures.value}", type_=DataVersion.scope_id.type)).label(figures.value)
        for figures in _PORTFOLIO_FIGURES
    ),
    _version_of(version_scope(GLOBAL_SCOPE, Figures.CAPACITY)).label(Figures.CAPACITY.value),
    _version_of(GLOBAL_SCOPE).label(EVERYTHING),
)


async def data_versions(db: Database, portfolio_id: uuid.UUID) -> Versions:
    """The portfolio's data versions, in one statement."""
    scopes = {f"p_{figures.value}": version_scope(portfolio_id, figures) for figures in _PORTFOLIO_FIGURES}
    row = await db.read_one(_VERSIONS, scopes)
    assert row is not None  # a SELECT without FROM always has its one row
    versions: Versions = {figures: row._mapping[figures.value] for figures in Figures}
    versions[EVERYTHING] = row._mapping[EVERYTHING]
    return versions


def key_of(
    portfolio_id: uuid.UUID,
    as_of: date,
    current: bool,
    asked: Any,
    versions: Versions,
    figures: Iterable[Figures] = tuple(Figures),
) -> CacheKey:
    """The key of what `asked` shows of `figures` (besides the projects themselves, always)."""
    shown = {Figures.PROJECTS, *figures}
    return (
        portfolio_id,
        as_of,
        current,
        asked,
        versions[EVERYTHING],
        *(versions[f] for f in Figures if f in shown),
    )


async def cache_key(
    db: Database,
    portfolio_id: uuid.UUID,
    as_of: date,
    current: bool,
    asked: Any = (),
    figures: Iterable[Figures] = tuple(Figures),
) -> CacheKey:
    """`key_of` from the versions as they are now."""
    return key_of(portfolio_id, as_of, current, asked, await data_versions(db, portfolio_id), figures)
