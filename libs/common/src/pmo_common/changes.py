"""The one path for changing an aggregate (docs/DEVELOPING.md, "the change path").

A service's rules decide *whether* and *what*; this module does the rest the same way everywhere,
inside the caller's transaction: snapshot the state, apply, flush (the ORM's `version_id_col` bumps
the version), work out `changed`, emit the typed event whose data is built from the object, bump
the version once on delete, and write the audit entry.

    PROJECTS = Aggregate("project", read=ProjectRead.model_validate)

    await PROJECTS.create(session, project, principal, ProjectCreated)
    changed = await PROJECTS.update(session, project, principal, {"name": "New"}, ProjectUpdated)
    async with PROJECTS.change(session, project, principal, ProjectStageChanged, action="stage_changed") as c:
        project.stage = "approved"            # any mutation the rules make
        c.extra = {"from_stage": "proposal"}  # fields of the event beyond the aggregate's state
    await PROJECTS.delete(session, project, principal, ProjectDeleted)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import TracebackType
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Insert, Table, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper

from pmo_common import audit
from pmo_common.auth import Principal
from pmo_common.contracts.events import Event, EventData
from pmo_common.db import write_behind
from pmo_common.events.outbox import emit_many

M = TypeVar("M")


@dataclass(frozen=True)
class Aggregate(Generic[M]):
    """How one kind of aggregate is changed. `read` gives its API read model, whose JSON form is
    what the audit trail records; `source` what its events' data is read from (attributes of the
    object itself unless said otherwise: derived fields, say); `extra_fields` what every event of it
    carries beyond the data model's. An aggregate the catalogue announces nothing for (a service's
    own configuration, such as scoring criteria) passes `event=None` and keeps the same audit trail."""

    entity_type: str
    read: Callable[[M], BaseModel]
    source: Callable[[M], Any] | None = None
    extra_fields: Callable[[M], Mapping[str, Any]] | None = None

    def state(self, obj: M) -> dict[str, Any]:
        return self.read(obj).model_dump(mode="json")

    def data(
        self,
        obj: M,
        event: type[Event[Any]],
        changed: Sequence[str],
        *,
        extra: Mapping[str, Any] | None = None,
        deleted: bool | None = None,
        version: int | None = None,
    ) -> EventData:
        """The event's data: the aggregate's full state after the change, plus `changed`."""
        source = obj if self.source is None else self.source(obj)
        base = _fields_of(source, event.data_model.model_fields)
        always = {} if self.extra_fields is None else dict(self.extra_fields(obj))
        update: dict[str, Any] = {**always, **(extra or {}), "changed": list(changed)}
        if deleted is not None:
            update["deleted"] = deleted
        if version is not None:
            update["version"] = version
        return event.data_model.model_validate({**base, **update})

    async def create(
        self,
        session: AsyncSession,
        obj: M,
        principal: Principal,
        event: type[Event[Any]] | None,
        *,
        changed: Sequence[str] = (),
        also: Sequence[type[Event[Any]]] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> EventData | None:
        """Add a new aggregate: flush it, emit `event` (and `also`), record `created`. `extra`: fields
        of the event beyond the aggregate's state (figures derived at creation, say)."""
        session.add(obj)
        await session.flush()
        return await self._created(session, obj, principal, event, changed, also, extra)

    async def insert(
        self,
        session: AsyncSession,
        obj: M,
        principal: Principal,
        event: type[Event[Any]] | None,
        *,
        changed: Sequence[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> EventData | None:
        """`create` for a hot path: the row is one Core INSERT of the columns set on `obj`, written
        behind (`pmo_common.db.write_behind`) with the event and the audit entry, so that on SQLite
        the whole create is one hop to the database thread, with the COMMIT. The caller sets every
        value the read model and the event show (id, version, timestamps, defaults): nothing is read
        back, and `obj` stays out of the session."""
        state = inspect(obj)
        statement, columns = _insert_of(state.mapper)
        values = state.dict
        row = {column: values[attribute] for attribute, column in columns if attribute in values}
        await write_behind(session, statement, row)
        return await self._created(session, obj, principal, event, changed, (), extra)

    async def _created(
        self,
        session: AsyncSession,
        obj: M,
        principal: Principal,
        event: type[Event[Any]] | None,
        changed: Sequence[str],
        also: Sequence[type[Event[Any]]],
        extra: Mapping[str, Any] | None,
    ) -> EventData | None:
        data = None if event is None else self.data(obj, event, sorted(changed), extra=extra)
        if data is not None and event is not None:
            await _emit(session, data, event, also)
        version: int = data.version if data is not None else getattr(obj, "version")  # noqa: B009
        await self._record(session, obj, version, "created", principal, audit.snapshot(self.state(obj)))
        return data

    async def update(
        self,
        session: AsyncSession,
        obj: M,
        principal: Principal,
        values: Mapping[str, Any],
        event: type[Event[Any]] | None,
        *,
        action: str = "updated",
    ) -> list[str]:
        """Set `values` on the object; the names whose value changed (none: nothing happens)."""
        changed = sorted(k for k, v in values.items() if getattr(obj, k) != v)
        if changed:
            async with self.change(session, obj, principal, event, action=action) as change:
                for name in changed:
                    setattr(obj, name, values[name])
                change.changed = changed
        return changed

    def change(
        self,
        session: AsyncSession,
        obj: M,
        principal: Principal,
        event: type[Event[Any]] | None,
        *,
        action: str = "updated",
        also: Sequence[type[Event[Any]]] = (),
    ) -> Change[M]:
        """A change the block makes to the object; on leaving it, the event and the audit entry."""
        return Change(self, session, obj, principal, event, action, list(also))

    async def delete(
        self,
        session: AsyncSession,
        obj: M,
        principal: Principal,
        event: type[Event[Any]] | None,
        *,
        remove: bool = True,
    ) -> EventData | None:
        """Delete the aggregate: its last event carries its state, `deleted=true` and the version
        after this one (bumped once, here). `remove=False` keeps the row (the caller tombstones it)."""
        version: int = getattr(obj, "version") + 1  # noqa: B009 - every aggregate has one
        data = None if event is None else self.data(obj, event, [], deleted=True, version=version)
        await self._record(session, obj, version, "deleted", principal, audit.snapshot(self.state(obj)))
        if remove:
            await session.delete(obj)
        await session.flush()
        if data is not None and event is not None:
            await _emit(session, data, event, ())
        return data

    async def _record(
        self, session: AsyncSession, obj: M, version: int, action: str, principal: Principal, changes: Any
    ) -> None:
        await audit.record(
            session,
            entity_type=self.entity_type,
            entity_id=getattr(obj, "id"),  # noqa: B009
            version=version,
            action=action,
            principal=principal,
            changes=changes,
        )


@dataclass
class Change(Generic[M]):
    """What `Aggregate.change` yields: set `extra` for event fields beyond the state, `also` for
    further events of the same data (an escalation, say), `changed` to name the changed fields
    yourself (else: the fields of the read model whose value changed)."""

    aggregate: Aggregate[M]
    session: AsyncSession
    obj: M
    principal: Principal
    event: type[Event[Any]] | None
    action: str
    also: list[type[Event[Any]]]
    extra: dict[str, Any] = field(default_factory=dict)
    changed: list[str] | None = None
    data: EventData | None = None
    _before: dict[str, Any] = field(default_factory=dict)

    async def __aenter__(self) -> Change[M]:
        self._before = self.aggregate.state(self.obj)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            return
        await self.session.flush()
        after = self.aggregate.state(self.obj)
        changes = audit.diff(self._before, after)
        changed = sorted(changes) if self.changed is None else self.changed
        if not changed:
            return
        version: int = getattr(self.obj, "version")  # noqa: B009
        if self.event is not None:
            self.data = self.aggregate.data(self.obj, self.event, changed, extra=self.extra)
            await _emit(self.session, self.data, self.event, self.also)
        await self.aggregate._record(self.session, self.obj, version, self.action, self.principal, changes)


async def _emit(
    session: AsyncSession, data: EventData, event: type[Event[Any]], also: Sequence[type[Event[Any]]]
) -> None:
    await emit_many(session, [cls.model_validate({"data": data}) for cls in (event, *also)])


@cache
def _insert_of(mapper: Mapper[Any]) -> tuple[Insert, list[tuple[str, str]]]:
    """The INSERT of a mapped class's table (built once: a statement built per call is also
    cache-keyed per call) and its (attribute, column) pairs."""
    columns = [(attr.key, attr.columns[0].key) for attr in mapper.column_attrs]
    return insert(cast(Table, mapper.local_table)), columns


def _fields_of(source: Any, names: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return {name: source[name] for name in names if name in source}
    return {name: getattr(source, name) for name in names if hasattr(source, name)}
