"""Narrowed dashboards, breakdowns and benefits are worked out in SQL from the per-version history
(programme, manager, finish date, tags and field values of the version in force on the date). The
oracle below recomputes them project by project in Python from the stored rows, with the EVM
oracle of `test_reporting_dashboard_sql`; on random data — projects moving between programmes,
changing fields, tags, managers and finish dates over time, a programme deleted, reports with
forecasts, benefits measured and deleted — both must agree for every date and scope, and a
breakdown's rows must add up to the dashboard."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pmo_common.auth import Principal
from pmo_common.contracts.events import (
    BaselineApproved,
    BenefitCreated,
    BenefitDeleted,
    BenefitMeasured,
    PortfolioCreated,
    ProgrammeCreated,
    ProgrammeDeleted,
    ProjectCreated,
    ProjectStageChanged,
    ProjectUpdated,
    RiskRaised,
)
from pmo_common.db import Database
from pmo_common.events.outbox import build_envelope
from pmo_common.migrations import upgrade_to_head
from pmo_reporting.dashboards import breakdown, service
from pmo_reporting.dashboards.schemas import BreakdownRow
from pmo_reporting.handlers import handlers
from pmo_reporting.logic.benefits import BenefitFigures, latest_value, summarise
from pmo_reporting.logic.dashboard import EVM_STAGES
from pmo_reporting.logic.evm import Baseline, Evm, Totals, compute_evm, earned_value, rounded_ratio
from pmo_reporting.logic.forecast import forecast_of, slip_days
from pmo_reporting.logic.periods import end_of_day, latest_on_or_before, today
from pmo_reporting.logic.structure import EVERYTHING, Dimension, KeyOrder, Scope, canonical
from pmo_reporting.main import SPEC
from pmo_reporting.readmodels.benefits import BenefitMeasurementView, BenefitView
from pmo_reporting.readmodels.models import (
    BaselineView,
    PlanPeriod,
    PortfolioView,
    ProgrammeView,
    ProjectStageHistory,
    ProjectView,
    RiskView,
)
from pmo_reporting.status_reports import service as reports
from pmo_reporting.status_reports.models import StatusReport
from pmo_reporting.status_reports.schemas import StatusReportCreate
from pmo_reporting.status_reports.service import progress_of
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

ADMIN = Principal("root", frozenset({"admin"}))
STAGES = ["proposal", "approved", "in_progress", "on_hold", "closed"]
FIELDS = [
    {"key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"], "required": False},
    {"key": "capex", "label": "Capex", "type": "number", "choices": [], "required": False},
]
TAGS = ["cloud", "eu", "risky"]
MANAGERS = ["ada", "bob", None]


# --- the oracle ----------------------------------------------------------------------------------


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def _apply(db: Database, event: Any, data: dict[str, Any], when: datetime) -> None:
    envelope = build_envelope(event.model_validate({"data": data})).model_copy(update={"time": when})
    async with db.transaction() as session:
        handled = [await sub.dispatch(session, envelope) for sub in handlers.subscriptions]
        assert any(handled), envelope.type


def _newest_in_effect(rows: list[Any], key: str, until: datetime) -> list[Any]:
    """Per aggregate, the highest version that took effect before `until`."""
    newest: dict[uuid.UUID, Any] = {}
    for row in rows:
        if row.effective_at < until and (
            getattr(row, key) not in newest or row.version > newest[getattr(row, key)].version
        ):
            newest[getattr(row, key)] = row
    return list(newest.values())


async def _plans(session: AsyncSession) -> dict[uuid.UUID, Baseline]:
    """The seed approves at most one baseline per project: it is in force on every date."""
    profiles: dict[uuid.UUID, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in (await session.scalars(select(PlanPeriod).order_by(PlanPeriod.period))).all():
        profiles[row.project_id].append((row.period, row.amount))
    return {
        b.project_id: Baseline(b.budget, b.start_date, b.finish_date, tuple(profiles[b.project_id]), b.number)
        for b in (await session.scalars(select(BaselineView))).all()
    }


def _evm(plan: Baseline, report: StatusReport | None, as_of: date) -> Evm:
    if report is None:
        return compute_evm(plan, None, as_of)
    progress = progress_of(report)
    return compute_evm(plan, replace(progress, earned_value=earned_value(plan, progress)), as_of)


def sum_evm(items: list[Evm]) -> Totals:
    """Sums of the known figures; SPI's and CPI's over the projects with both of theirs."""
    zero = Decimal("0.00")

    def total(values: Any) -> Decimal:
        return sum((v for v in values if v is not None), zero)

    timed = [e for e in items if e.ev is not None and e.pv is not None]
    costed = [e for e in items if e.ev is not None and e.ac is not None]
    return Totals(
        total(e.bac for e in items),
        total(e.pv for e in items),
        total(e.ev for e in items),
        total(e.ac for e in items),
        total(e.ev for e in timed),
        total(e.pv for e in timed),
        total(e.ev for e in costed),
        total(e.ac for e in costed),
    )


@dataclass
class Covered:
    """A live project as of the date, with what was in force then."""

    project: ProjectView
    stage: str
    programme_id: uuid.UUID | None
    manager: str | None
    fields: dict[str, Any]
    tags: list[str]
    evm: Evm
    slip: int | None
    report: StatusReport | None


async def covered(session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope) -> list[Covered]:
    current = as_of >= today()
    views = {p.id: p for p in (await session.scalars(select(ProjectView))).all()}
    if current:
        states: list[Any] = [p for p in views.values() if p.portfolio_id == portfolio_id and not p.deleted]
    else:
        history = list((await session.scalars(select(ProjectStageHistory))).all())
        newest = _newest_in_effect(history, "project_id", end_of_day(as_of))
        states = [h for h in newest if h.portfolio_id == portfolio_id and not h.deleted]
    plans = await _plans(session)
    submitted = (await session.scalars(select(StatusReport))).all()
    result = []
    for s in states:
        project = views[s.id if current else s.project_id]
        if not scope.covers(s.programme_id, s.tags, s.fields):
            continue
        report = latest_on_or_before([r for r in submitted if r.project_id == project.id], as_of)
        current_plan = Baseline(project.budget, project.start_date, project.finish_date)
        plan = plans.get(project.id, current_plan)
        own = s.finish_date if plan.number is not None else plan.finish_date
        forecast = report.forecast_finish_date if report else None
        evm = _evm(plan, report, as_of)
        slip = slip_days(forecast, own, plan.finish_date)
        result.append(
            Covered(project, s.stage, s.programme_id, s.manager, s.fields, s.tags, evm, slip, report)
        )
    return result


def expected_row(key: str | None, items: list[Covered]) -> BreakdownRow:
    committed = [c for c in items if c.stage in EVM_STAGES]
    t = sum_evm([c.evm for c in committed])
    f = forecast_of((c.evm, c.slip) for c in committed)
    return BreakdownRow(
        key=key,
        projects=len(items),
        bac=t.bac,
        pv=t.pv,
        ev=t.ev,
        ac=t.ac,
        eac=f.eac,
        vac=f.vac,
        spi=rounded_ratio(t.spi),
        cpi=rounded_ratio(t.cpi),
    )


async def key_of(session: AsyncSession, item: Covered, dimension: Dimension, as_of: date) -> str | None:
    if dimension.kind == "stage":
        return item.stage
    if dimension.kind == "manager":
        return item.manager
    if dimension.kind == "programme":
        programme = None if item.programme_id is None else await session.get(ProgrammeView, item.programme_id)
        gone = programme is None or (
            programme.deleted_at is not None and programme.deleted_at < end_of_day(as_of)
        )
        return None if gone or programme is None else programme.code
    return canonical(item.fields.get(dimension.key or ""))


async def expected_benefits(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, scope: Scope, items: list[Covered]
) -> tuple[int, float | None]:
    until, projects = end_of_day(as_of), {c.project.id for c in items}
    measured: dict[uuid.UUID, list[tuple[date, float]]] = defaultdict(list)
    for m in (await session.scalars(select(BenefitMeasurementView))).all():
        measured[m.benefit_id].append((m.as_of, m.value))
    chosen = []
    for b in (await session.scalars(select(BenefitView))).all():
        latest = latest_value(measured[b.id], as_of)
        if b.portfolio_id != portfolio_id or (b.created_at >= until and latest is None):
            continue
        if b.deleted_at is not None and b.deleted_at < until:
            continue
        mine = b.project_id in projects or (
            scope.programme_id is not None and b.programme_id == scope.programme_id
        )
        if scope.narrowed and not mine:
            continue
        chosen.append(BenefitFigures(b.baseline_value, b.target_value, latest))
    totals = summarise(chosen)
    return totals.count, totals.realised_percent


# --- random data through the real handlers --------------------------------------------------------


@dataclass
class Seeded:
    portfolio_id: uuid.UUID
    programmes: list[uuid.UUID]
    deleted_programme: uuid.UUID


def _values(rnd: random.Random) -> tuple[dict[str, Any], list[str], str | None]:
    fields: dict[str, Any] = {}
    if rnd.random() < 0.7:
        fields["tier"] = rnd.choice(["gold", "silver"])
    if rnd.random() < 0.6:
        fields["capex"] = rnd.choice([5, 5.0, 12.5, 100])
    return fields, rnd.sample(TAGS, rnd.randint(0, 3)), rnd.choice(MANAGERS)


async def _seed(db: Database, rnd: random.Random, now: date) -> Seeded:
    portfolio_id, start = uuid.uuid4(), now - timedelta(days=300)
    portfolio = {"id": str(portfolio_id), "version": 1, "name": "P", "currency": "EUR", "budget": "1.00"}
    await _apply(db, PortfolioCreated, portfolio | {"fields": FIELDS}, at(start - timedelta(days=5)))
    programmes = [uuid.uuid4() for _ in range(3)]
    for i, programme_id in enumerate(programmes):
        data = {
            "id": str(programme_id),
            "version": 1,
            "portfolio_id": str(portfolio_id),
            "code": f"PG-{i}",
            "name": f"Programme {i}",
        }
        await _apply(db, ProgrammeCreated, data, at(start - timedelta(days=4)))
    doomed = programmes[2]
    deleted = {
        "id": str(doomed),
        "version": 2,
        "portfolio_id": str(portfolio_id),
        "code": "PG-2",
        "name": "Programme 2",
    }
    await _apply(db, ProgrammeDeleted, deleted | {"deleted": True}, at(start + timedelta(days=150)))
    projects = []
    for i in range(30):
        first = start + timedelta(days=rnd.randint(0, 200))
        fields, tags, manager = _values(rnd)
        data: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": str(portfolio_id),
            "code": f"P-{i:02d}",
            "name": f"Project {i}",
            "manager": manager,
            "budget": f"{rnd.randint(1_000, 2_000_000)}.{rnd.randint(0, 99):02d}",
            "start_date": (first - timedelta(days=30)).isoformat(),
            "finish_date": (first + timedelta(days=rnd.randint(60, 400))).isoformat(),
            "stage": "proposal",
            "programme_id": str(rnd.choice([*programmes, None])),
            "fields": fields,
            "tags": tags,
        }
        data["programme_id"] = None if data["programme_id"] == "None" else data["programme_id"]
        await _apply(db, ProjectCreated, data, at(first))
        version, when = 1, first
        for _ in range(rnd.randint(1, 4)):
            version, when = version + 1, min(when + timedelta(days=rnd.randint(1, 60)), now)
            changed = data | {"version": version}
            if rnd.random() < 0.5:
                stage = rnd.choice(STAGES)
                changed |= {"stage": stage, "from_stage": data["stage"], "to_stage": stage, "decision": "approve",
                            "decided_by": "board", "decided_at": at(when, 9).isoformat()}  # fmt: skip
                await _apply(db, ProjectStageChanged, changed, at(when))
            else:  # a re-plan of structure: programme, fields, tags, manager, finish date
                fields, tags, manager = _values(rnd)
                programme = rnd.choice([*programmes, None])
                finish = date.fromisoformat(data["finish_date"]) + timedelta(days=rnd.randint(-30, 90))
                changed |= {"fields": fields, "tags": tags, "manager": manager, "finish_date": finish.isoformat(),
                            "programme_id": None if programme is None else str(programme)}  # fmt: skip
                await _apply(db, ProjectUpdated, changed, at(when))
            data = {
                k: v
                for k, v in changed.items()
                if k not in ("from_stage", "to_stage", "decision", "decided_by", "decided_at")
            }
        if rnd.random() < 0.5:
            approved = first + timedelta(days=rnd.randint(0, 30))
            baseline = {"id": str(uuid.uuid4()), "version": 1, "project_id": data["id"], "portfolio_id": str(portfolio_id),
                        "number": 1, "budget": data["budget"], "start_date": data["start_date"],
                        "finish_date": (first + timedelta(days=200)).isoformat(), "approved_at": at(approved).isoformat(),
                        "approved_by": "board"}  # fmt: skip
            await _apply(db, BaselineApproved, baseline, at(approved))
        projects.append(uuid.UUID(data["id"]))
    await _reports(db, rnd, projects, start, now)
    await _risks_and_benefits(db, rnd, portfolio_id, projects, programmes, start, now)
    return Seeded(portfolio_id, programmes[:2], doomed)


async def _reports(
    db: Database, rnd: random.Random, projects: list[uuid.UUID], start: date, now: date
) -> None:
    for project_id in projects:
        for _ in range(rnd.randint(0, 4)):
            as_of = min(start + timedelta(days=rnd.randint(0, 300)), now)
            body: dict[str, Any] = {
                "as_of": as_of.isoformat(),
                "overall": rnd.choice(["green", "amber", "red"]),
                **{k: "green" for k in ("scope", "schedule", "cost", "risk", "resources")},
                "percent_complete": rnd.choice([0, 12.5, rnd.uniform(0, 100)]),
                "actual_cost": f"{rnd.randint(0, 3_000_000)}.{rnd.randint(0, 99):02d}",
            }
            if rnd.random() < 0.4:
                body["forecast_cost"] = f"{rnd.randint(0, 4_000_000)}.50"
            if rnd.random() < 0.5:
                body["forecast_finish_date"] = (as_of + timedelta(days=rnd.randint(-60, 500))).isoformat()
            async with db.transaction() as session:
                project = await session.get(ProjectView, project_id)
                assert project is not None
                await reports.submit(session, project, StatusReportCreate.model_validate(body), ADMIN)


async def _risks_and_benefits(
    db: Database,
    rnd: random.Random,
    portfolio_id: uuid.UUID,
    projects: list[uuid.UUID],
    programmes: list[uuid.UUID],
    start: date,
    now: date,
) -> None:
    for _ in range(40):
        risk = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": str(portfolio_id),
                "project_id": str(rnd.choice(projects)) if rnd.random() < 0.8 else None, "kind": "threat",
                "title": "Risk", "probability": 3, "impact": 3, "score": 9, "level": "medium", "emv": "100.00",
                "escalated": rnd.random() < 0.3, "status": "open"}  # fmt: skip
        await _apply(db, RiskRaised, risk, at(start + timedelta(days=rnd.randint(0, 300))))
    for i in range(25):
        owner = rnd.choice(["project", "programme", "portfolio"])
        baseline, target = rnd.choice([(0.0, 100.0), (12.0, 8.0), (5.0, 5.0)])
        data = {"id": str(uuid.uuid4()), "version": 1, "portfolio_id": str(portfolio_id),
                "project_id": str(rnd.choice(projects)) if owner == "project" else None,
                "programme_id": str(rnd.choice(programmes)) if owner == "programme" else None,
                "name": f"Benefit {i}", "kind": "financial", "baseline_value": baseline, "target_value": target}  # fmt: skip
        created = start + timedelta(days=rnd.randint(0, 250))
        await _apply(db, BenefitCreated, data, at(created))
        version = 1
        for _ in range(rnd.randint(0, 3)):
            version += 1
            measurement = {"as_of": (created + timedelta(days=rnd.randint(-20, 200))).isoformat(),
                           "value": rnd.uniform(-10, 120), "note": ""}  # fmt: skip
            when = min(created + timedelta(days=rnd.randint(0, 40)), now)
            await _apply(
                db, BenefitMeasured, data | {"version": version, "measurement": measurement}, at(when)
            )
        if rnd.random() < 0.2:
            gone = min(created + timedelta(days=rnd.randint(1, 100)), now)
            await _apply(db, BenefitDeleted, data | {"version": version + 1, "deleted": True}, at(gone))


# --- the comparison ------------------------------------------------------------------------------


def _scopes(seeded: Seeded) -> list[Scope]:
    a, b = seeded.programmes
    return [
        EVERYTHING,
        Scope(programme_id=a),
        Scope(programme_id=b),
        Scope(programme_id=seeded.deleted_programme),
        Scope(tags=("cloud",)),
        Scope(tags=("cloud", "eu")),
        Scope(fields=(("tier", "gold"),)),
        Scope(fields=(("capex", "5"),)),
        Scope(programme_id=a, tags=("risky",), fields=(("tier", "silver"),)),
    ]


async def _check_dashboard(
    session: AsyncSession, portfolio: PortfolioView, as_of: date, scope: Scope
) -> None:
    items = await covered(session, portfolio.id, as_of, scope)
    board = await service.dashboard(session, portfolio, as_of, scope)
    label = (as_of, scope)
    assert board.projects.total == len(items), label
    assert board.projects.by_stage == dict(sorted(Counter(c.stage for c in items).items())), label
    whole = expected_row(None, items)
    evm = board.evm
    assert (evm.bac, evm.pv, evm.ev, evm.ac, evm.eac, evm.vac) == (
        whole.bac,
        whole.pv,
        whole.ev,
        whole.ac,
        whole.eac,
        whole.vac,
    ), label
    f = forecast_of((c.evm, c.slip) for c in items if c.stage in EVM_STAGES)
    assert (evm.etc, evm.budget_growth, evm.slipped_projects, evm.avg_slip_days) == (
        f.etc, f.budget_growth, f.slipped_projects, f.avg_slip_days,
    ), label  # fmt: skip
    assert (evm.spi, evm.cpi) == (whole.spi, whole.cpi), label
    benefits = await expected_benefits(session, portfolio.id, as_of, scope, items)
    assert (board.benefits.count, board.benefits.realised_percent) == benefits, label
    if scope.narrowed:  # the risks of the covered projects only
        ids = {c.project.id for c in items}
        risks = (await session.scalars(select(RiskView))).all()
        if as_of >= today():
            assert board.risks.open == sum(1 for r in risks if r.project_id in ids and r.is_open), label


async def _check_breakdown(
    session: AsyncSession, portfolio: PortfolioView, as_of: date, dimension: Dimension
) -> None:
    items = await covered(session, portfolio.id, as_of, EVERYTHING)
    grouped: dict[str | None, list[Covered]] = defaultdict(list)
    for item in items:
        grouped[await key_of(session, item, dimension, as_of)].append(item)
    expected = [expected_row(key, grouped[key]) for key in sorted(grouped, key=KeyOrder(dimension))]
    actual = await breakdown.breakdown(session, portfolio, as_of, dimension)
    assert actual.items == expected, (as_of, dimension)
    board = await service.dashboard(session, portfolio, as_of)
    assert sum(r.projects for r in actual.items) == board.projects.total
    for name in ("bac", "pv", "ev", "ac", "eac", "vac"):
        total = sum((getattr(r, name) for r in actual.items), Decimal("0.00"))
        assert total == getattr(board.evm, name), (as_of, dimension, name)


async def test_narrowed_dashboards_and_breakdowns_match_the_per_project_oracle(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_to_head(db.engine, SPEC.migrations)
        rnd = random.Random(23)
        now = datetime.now(UTC).date()
        seeded = await _seed(db, rnd, now)
        async with db.sessionmaker() as session:
            portfolio = await session.get(PortfolioView, seeded.portfolio_id)
            assert portfolio is not None
            days = [
                now,
                now - timedelta(days=1),
                *(now - timedelta(days=rnd.randint(2, 300)) for _ in range(6)),
            ]
            dimensions = [Dimension("stage"), Dimension("programme"), Dimension("manager"),
                          Dimension("field", "tier"), Dimension("field", "capex")]  # fmt: skip
            for as_of in days:
                for scope in _scopes(seeded):
                    await _check_dashboard(session, portfolio, as_of, scope)
                for dimension in dimensions:
                    await _check_breakdown(session, portfolio, as_of, dimension)
    finally:
        await db.dispose()
