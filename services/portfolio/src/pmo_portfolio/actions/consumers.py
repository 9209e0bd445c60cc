"""The action register's share of consumed events: a status report's actions and a risk's responses
appear in the register on their own (source `status_report` / `risk_response`).

Idempotent: each upstream item has one action, found by its `origin` — a status report's action by
(report id, index), a response by its id. A report never changes (a correction is a new report, and
a later report of the same project leaves earlier reports' actions alone), so a repeated report adds
nothing; a response is applied in place, newest version wins, and its deletion deletes its action.
A response first seen deleted leaves a tombstone, so an older event arriving late brings nothing back."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pmo_common.auth import Principal
from pmo_common.contracts.events import ResponseCreated, ResponseData, ResponseUpdated, StatusReportSubmitted
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.actions import repository, rules, service
from pmo_portfolio.actions.models import Action
from pmo_portfolio.projects import repository as project_repository

log = logging.getLogger("pmo.portfolio.actions")

MAX_TITLE = 200


def _upstream(event: StatusReportSubmitted | ResponseCreated | ResponseUpdated) -> Principal:
    """Who the audit trail names for what the register takes from events: the producing service."""
    return Principal(sub=event.envelope.source, roles=frozenset(), via="event")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


async def on_status_report(session: AsyncSession, event: StatusReportSubmitted) -> None:
    """The report's actions enter the register, one per action (matched by report id and index)."""
    data = event.data
    if not data.actions:
        return
    project = await project_repository.get(session, data.project_id)
    portfolio_id = project.portfolio_id if project is not None else data.portfolio_id
    if portfolio_id is None:
        log.warning(
            "status report %s: project %s is unknown here; its actions are skipped", data.id, data.project_id
        )
        return
    origins = [f"status_report:{data.id}:{index}" for index in range(len(data.actions))]
    present = await repository.origins_present(session, origins)
    principal = _upstream(event)
    for origin, item in zip(origins, data.actions, strict=True):
        if origin in present:
            continue  # already in the register: a repeated report adds nothing
        action = Action(
            id=uuid.uuid4(),
            portfolio_id=portfolio_id,
            project_id=data.project_id,
            title=_clip(item.title),
            description="",
            owner=item.owner,
            due_date=item.due_date,
            status=item.status if item.status in rules.STATUSES else "open",
            source_type="status_report",
            source_id=str(data.id),
            origin=origin,
        )
        await service.add(session, action, principal)


def _response_title(strategy: str, description: str) -> str:
    """A response has no title: its strategy and the first line of its description stand in."""
    label = strategy.replace("_", " ").capitalize()
    lines = description.strip().splitlines()
    return _clip(f"{label}: {lines[0].strip()}" if lines else f"{label} (risk response)")


def _response_columns(data: ResponseData) -> dict[str, Any]:
    return {
        "portfolio_id": data.portfolio_id,
        "project_id": data.project_id,
        "title": _response_title(data.strategy, data.description),
        "description": data.description,
        "owner": data.owner,
        "due_date": data.due_date,
        "status": rules.RESPONSE_STATUS.get(data.status, "open"),
        "source_type": "risk_response",
        "source_id": str(data.id),
    }


async def on_response(session: AsyncSession, event: ResponseCreated | ResponseUpdated) -> None:
    """A risk response enters the register, or updates its action in place (newest version wins)."""
    data = event.data
    origin = f"risk_response:{data.id}"
    action = await repository.by_origin(session, origin)
    principal = _upstream(event)
    if action is None:
        await _first_seen(session, data, origin, principal)
        return
    if action.origin_version is not None and action.origin_version >= data.version:
        return  # an older or repeated version
    if action.deleted:
        await service.note_origin_version(session, action, data.version)
        return
    if data.deleted:
        action.origin_version = data.version
        await service.tombstone(session, action, principal)
        return
    values = _response_columns(data)
    if any(getattr(action, key) != value for key, value in values.items()):
        await service.apply(session, action, principal, {**values, "origin_version": data.version})
    else:
        await service.note_origin_version(session, action, data.version)


async def _first_seen(session: AsyncSession, data: ResponseData, origin: str, principal: Principal) -> None:
    action = Action(id=uuid.uuid4(), origin=origin, origin_version=data.version, **_response_columns(data))
    if data.deleted:
        action.deleted = True
        await service.ACTIONS.create(
            session, action, principal, None
        )  # a tombstone: audited, announced never
        return
    await service.add(session, action, principal)
