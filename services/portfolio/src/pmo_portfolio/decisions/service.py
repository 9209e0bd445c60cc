"""The decision log (contract §7.6): append-only entries, chained per portfolio by SHA-256 so that an
edit or a deletion inside the database shows. Never commits; an entry is written in the transaction
of the change it records (a gate decision, a scenario approval, a re-baseline, an override).

What the chain proves: that no entry of a portfolio's log was changed, removed or reordered after it
was written, unless every later entry was rewritten too. What it does not: that the whole log was not
rewritten consistently by someone with write access to the database; a subscriber that keeps the head
(`sequence` and `hash` of each `decision.recorded` event) elsewhere detects that as well.

Who: entries are recorded by `admin` and `pmo` (the governance roles); a project manager's own
decisions are recorded through what they do (status reports) or by the PMO."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.contracts.events import DecisionRecorded
from pmo_common.db import serialize, utcnow
from pmo_common.errors import invalid
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_portfolio.decisions import repository
from pmo_portfolio.decisions.models import Decision
from pmo_portfolio.decisions.schemas import DecisionBody, DecisionCreate, DecisionRead, VerificationRead
from pmo_portfolio.logic import chain
from pmo_portfolio.logic.chain import canonical
from pmo_portfolio.portfolios import repository as portfolio_repository
from pmo_portfolio.programmes import repository as programmes
from pmo_portfolio.projects import repository as project_repository

CLOCK_SKEW = timedelta(seconds=5)
"""How far in the future a client's `decided_at` may be (its clock running ahead of ours)."""


def read(decision: Decision) -> DecisionRead:
    """The entry as stored, which is the entry as served (its hash covers exactly this)."""
    return DecisionRead.model_validate(decision.served)


# Entries never change: `version` is 1, and the event carries the served entry with it.
DECISIONS = Aggregate[Decision](
    "decision",
    read=read,
    source=lambda d: d.served,
    extra_fields=lambda d: {"version": d.version},
)


async def _check_refs(
    session: AsyncSession,
    portfolio_id: uuid.UUID,
    project_id: uuid.UUID | None,
    programme_id: uuid.UUID | None,
    supersedes: uuid.UUID | None,
) -> None:
    if project_id is not None and not await project_repository.ids_in_portfolio(
        session, portfolio_id, [project_id]
    ):
        raise invalid("project_id", f"{project_id} is not a project of portfolio {portfolio_id}")
    if programme_id is not None and not await programmes.in_portfolio(session, portfolio_id, programme_id):
        raise invalid("programme_id", f"{programme_id} is not a programme of portfolio {portfolio_id}")
    if supersedes is not None and not await repository.in_portfolio(session, portfolio_id, supersedes):
        raise invalid(
            "supersedes", f"{supersedes} is not an entry of the decision log of portfolio {portfolio_id}"
        )


async def record(
    session: AsyncSession,
    principal: Principal,
    *,
    portfolio_id: uuid.UUID,
    kind: str,
    title: str,
    rationale: str = "",
    project_id: uuid.UUID | None = None,
    programme_id: uuid.UUID | None = None,
    alternatives: Sequence[str] = (),
    links: Sequence[Mapping[str, Any]] = (),
    decided_at: datetime | None = None,
    supersedes: uuid.UUID | None = None,
) -> Decision:
    """Append an entry to the portfolio's log (the next `sequence`, chained to the head) and emit
    `decision.recorded`, in the caller's transaction. `links` are `{type, id}` mappings; `decided_at`
    defaults to now. 422 naming `project_id`, `programme_id` or `supersedes` when they are not of this
    portfolio."""
    await _check_refs(session, portfolio_id, project_id, programme_id, supersedes)
    await serialize(session, f"decisions:{portfolio_id}")  # one append per portfolio at a time
    head = await repository.last(session, portfolio_id)
    body = DecisionBody(
        id=uuid.uuid4(),
        portfolio_id=portfolio_id,
        project_id=project_id,
        programme_id=programme_id,
        kind=kind,
        title=title,
        rationale=rationale,
        alternatives=list(alternatives),
        decided_by=principal.sub,
        decided_at=(decided_at or utcnow()).astimezone(UTC),
        supersedes=supersedes,
        links=[{"type": str(link["type"]), "id": str(link["id"])} for link in links],
    )
    entry = chain.seal(body.model_dump(mode="json"), None if head is None else head.served)
    decision = Decision(
        id=body.id,
        portfolio_id=portfolio_id,
        project_id=project_id,
        programme_id=programme_id,
        kind=kind,
        decided_at=body.decided_at,
        sequence=entry["sequence"],
        hash=entry["hash"],
        entry=canonical(entry).decode("utf-8"),
    )
    await DECISIONS.create(session, decision, principal, DecisionRecorded)
    return decision


async def create(session: AsyncSession, body: DecisionCreate, principal: Principal) -> Decision:
    """An entry recorded by hand (a risk acceptance, a board decision, a correction that supersedes an
    earlier entry). 422 for an unknown portfolio, a project or programme of another portfolio, or a
    `decided_at` in the future."""
    if await portfolio_repository.get(session, body.portfolio_id) is None:
        raise invalid("portfolio_id", f"no portfolio with id {body.portfolio_id}")
    decided_at = None
    if body.decided_at is not None:
        decided_at = body.decided_at.astimezone(UTC)
        now = utcnow()
        if decided_at > now + CLOCK_SKEW:
            raise invalid("decided_at", f"must not be in the future (now is {now.isoformat()})")
    return await record(
        session,
        principal,
        portfolio_id=body.portfolio_id,
        kind=body.kind,
        title=body.title,
        rationale=body.rationale,
        project_id=body.project_id,
        programme_id=body.programme_id,
        alternatives=body.alternatives,
        links=[link.model_dump() for link in body.links],
        decided_at=decided_at,
        supersedes=body.supersedes,
    )


def _agrees(row: Decision, entry: Mapping[str, Any]) -> bool:
    """Whether the columns lists filter on still say what the entry says."""
    try:
        return (
            entry.get("id") == str(row.id)
            and entry.get("portfolio_id") == str(row.portfolio_id)
            and entry.get("project_id") == (None if row.project_id is None else str(row.project_id))
            and entry.get("kind") == row.kind
            and entry.get("sequence") == row.sequence
            and entry.get("hash") == row.hash
            and datetime.fromisoformat(str(entry.get("decided_at"))) == row.decided_at
        )
    except ValueError:
        return False


def _parsed(row: Decision) -> dict[str, Any] | None:
    try:
        entry = row.served
    except ValueError:  # no longer JSON
        return None
    return entry if isinstance(entry, dict) else None


async def verify(session: AsyncSession, portfolio_id: uuid.UUID) -> VerificationRead:
    """Recompute the portfolio's chain: the first entry whose numbering, link or hash fails, or whose
    row no longer agrees with it (what a direct edit of the database leaves behind)."""
    rows = await repository.chain(session, portfolio_id)
    entries: list[Mapping[str, Any]] = []
    disagreeing: int | None = None
    for row in rows:
        entry = _parsed(row)
        if disagreeing is None and (entry is None or not _agrees(row, entry)):
            claimed = None if entry is None else entry.get("sequence")
            disagreeing = claimed if isinstance(claimed, int) else row.sequence
        entries.append(entry or {})
    result = chain.verify(entries)
    bad = [s for s in (result.first_bad_sequence, disagreeing) if s is not None]
    first_bad = min(bad) if bad else None
    return VerificationRead(ok=first_bad is None, entries=len(rows), first_bad_sequence=first_bad)
