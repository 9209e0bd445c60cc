"""The dashboard, KPIs and exports are aggregated in SQL (integer cents, superseded-at timelines,
the baseline in force looked up by date), the one implementation of the portfolio's figures. The
oracle below computes the same figures project by project in Python with `logic.evm`, reading the
rows in effect and choosing each date's baseline naively; on random data with out-of-order events,
baselines and reports, same-day resubmissions, cost profiles, odd budgets and fractional
percentages, both must agree exactly for every as-of date."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pmo_common.auth import Principal
from pmo_common.contracts.events import (
    BaselineApproved,
    PortfolioCreated,
    ProjectCreated,
    ProjectStageChanged,
    ProjectUpdated,
    RiskRaised,
    RiskUpdated,
)
from pmo_common.db import Database
from pmo_common.events.outbox import build_envelope
from pmo_common.migrations import upgrade_to_head
from pmo_common.queries import MonthRange
from pmo_reporting.dashboards import board, exports, repository, service
from pmo_reporting.dashboards.benefits import benefit_summary
from pmo_reporting.dashboards.exports import ProjectLine
from pmo_reporting.dashboards.repository import RiskFigures
from pmo_reporting.dashboards.schemas import Attention, Dashboard, PortfolioEvm, ProjectCounts
from pmo_reporting.dashboards.state import end_of_day
from pmo_reporting.handlers import handlers
from pmo_reporting.logic.dashboard import EVM_STAGES, attention_reasons
from pmo_reporting.logic.evm import (
    Baseline,
    Evm,
    Progress,
    Totals,
    compute_evm,
    earned_value,
    rounded_ratio,
)
from pmo_reporting.logic.forecast import forecast_of, slip_days
from pmo_reporting.logic.periods import latest_on_or_before, today
from pmo_reporting.logic.structure import EVERYTHING
from pmo_reporting.logic.targets import DEFAULT_TARGETS, Targets, report_age_days
from pmo_reporting.main import SPEC
from pmo_reporting.readmodels.models import (
    BaselineView,
    PlanPeriod,
    PortfolioView,
    ProjectStageHistory,
    ProjectView,
    RiskHistory,
    RiskView,
)
from pmo_reporting.status_reports import service as reports
from pmo_reporting.status_reports.models import StatusReport
from pmo_reporting.status_reports.schemas import StatusReportCreate
from pmo_reporting.status_reports.service import progress_of
from pmo_reporting.targets.models import KpiTargets
from pmo_reporting.targets.repository import targets_for
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

ADMIN = Principal("root", frozenset({"admin"}))
STAGES = ["proposal", "approved", "in_progress", "on_hold", "closed", "cancelled"]
LEVELS = ["low", "medium", "high", "critical"]


# --- the oracle: the portfolio's figures project by project, in Python ---------------------------


def sum_evm(items: list[Evm]) -> Totals:
    """Portfolio sums of the known figures; SPI's and CPI's over the projects with both figures."""
    zero = Decimal("0.00")
    timed = [e for e in items if e.ev is not None and e.pv is not None]
    costed = [e for e in items if e.ev is not None and e.ac is not None]
    return Totals(
        bac=sum((e.bac for e in items), zero),
        pv=sum((e.pv or zero for e in items), zero),
        ev=sum((e.ev or zero for e in items), zero),
        ac=sum((e.ac or zero for e in items), zero),
        schedule_ev=sum((e.ev or zero for e in timed), zero),
        schedule_pv=sum((e.pv or zero for e in timed), zero),
        cost_ev=sum((e.ev or zero for e in costed), zero),
        cost_ac=sum((e.ac or zero for e in costed), zero),
    )


@dataclass
class ProjectFigures:
    project: ProjectView
    stage: str
    report: StatusReport | None
    evm: Evm
    plan_finish: date | None = None
    plan_start: date | None = None
    plan_bac: Decimal | None = None

    @property
    def slip(self) -> int | None:
        """`logic.forecast.slip_days` (the seed never moves a finish date: the project's is current)."""
        forecast = self.report.forecast_finish_date if self.report else None
        return slip_days(forecast, self.project.finish_date, self.plan_finish)


@dataclass
class PortfolioFigures:
    as_of: date
    projects: list[ProjectFigures]
    risks: RiskFigures
    escalated_by_project: Counter[uuid.UUID]
    targets: Targets

    @property
    def totals(self) -> Totals:
        return sum_evm([p.evm for p in self.projects if p.stage in EVM_STAGES])

    def counts(self) -> ProjectCounts:
        return ProjectCounts(
            total=len(self.projects),
            by_stage=dict(Counter(p.stage for p in self.projects)),
            by_rag=dict(Counter(p.report.overall if p.report else "none" for p in self.projects)),
        )

    def evm(self) -> PortfolioEvm:
        t = self.totals
        f = forecast_of((p.evm, p.slip) for p in self.projects if p.stage in EVM_STAGES)
        return PortfolioEvm(
            bac=t.bac,
            pv=t.pv,
            ev=t.ev,
            ac=t.ac,
            spi=rounded_ratio(t.spi),
            cpi=rounded_ratio(t.cpi),
            **{name: getattr(f, name) for name in ("eac", "etc", "vac", "budget_growth")},
            slipped_projects=f.slipped_projects,
            avg_slip_days=f.avg_slip_days,
        )

    def attention(self) -> list[Attention]:
        items = []
        for p in self.projects:
            reported = p.report.as_of if p.report else None
            reasons = attention_reasons(
                p.report.overall if p.report else None,
                p.evm.spi,
                p.evm.cpi,
                self.escalated_by_project[p.project.id],
                p.stage,
                reported,
                self.as_of,
                self.targets,
            )
            if reasons:
                items.append(
                    Attention(
                        project_id=p.project.id,
                        code=p.project.code,
                        name=p.project.name,
                        reasons=reasons,
                        suggested_rag=p.evm.suggested_rag,
                    )
                )
        items.sort(key=lambda a: (-len(a.reasons), a.code, str(a.project_id)))
        return items

    def lines(self) -> list[ProjectLine]:
        return [
            ProjectLine(
                project_id=p.project.id,
                code=p.project.code,
                name=p.project.name,
                stage=p.stage,
                manager=p.project.manager,
                report_as_of=p.report.as_of if p.report else None,
                overall=p.report.overall if p.report else None,
                percent_complete=p.report.percent_complete if p.report else None,
                evm=p.evm,
                escalated_risks=self.escalated_by_project[p.project.id],
                sponsor=p.project.sponsor,
                baseline_start=p.plan_start,
                baseline_finish=p.plan_finish,
                forecast_finish=_forecast_finish(p),
                forecast_cost=_forecast_cost(p, current=self.as_of >= today()),
            )
            for p in self.projects
        ]


def _forecast_finish(p: ProjectFigures) -> date | None:
    """The report's, else the project's own finish date (the seed never moves one)."""
    return (p.report.forecast_finish_date if p.report else None) or p.project.finish_date


def _forecast_cost(p: ProjectFigures, *, current: bool) -> Decimal | None:
    """The report's, else the project's budget: today's, or as of a past date the plan's then."""
    if p.report is not None and p.report.forecast_cost is not None:
        return p.report.forecast_cost
    return p.project.budget if current else p.plan_bac


def _newest_in_effect(rows: list[Any], key: str, until: datetime) -> list[Any]:
    """Per aggregate, the highest version that took effect before `until`."""
    newest: dict[uuid.UUID, Any] = {}
    for row in rows:
        if row.effective_at < until and (
            getattr(row, key) not in newest or row.version > newest[getattr(row, key)].version
        ):
            newest[getattr(row, key)] = row
    return list(newest.values())


async def _projects(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, current: bool
) -> list[tuple[ProjectView, str]]:
    views = {p.id: p for p in (await session.scalars(select(ProjectView))).all()}
    if current:
        live = [(p, p.stage) for p in views.values() if p.portfolio_id == portfolio_id and not p.deleted]
    else:
        history = list((await session.scalars(select(ProjectStageHistory))).all())
        live = [
            (views[h.project_id], h.stage)
            for h in _newest_in_effect(history, "project_id", end_of_day(as_of))
            if h.portfolio_id == portfolio_id and not h.deleted
        ]
    return sorted(live, key=lambda item: (item[0].code, str(item[0].id)))


async def _escalated(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, current: bool
) -> Counter[uuid.UUID]:
    if current:
        risks: list[Any] = list((await session.scalars(select(RiskView))).all())
    else:
        history = list((await session.scalars(select(RiskHistory))).all())
        risks = _newest_in_effect(history, "risk_id", end_of_day(as_of))
    return Counter(
        r.project_id
        for r in risks
        if r.portfolio_id == portfolio_id and r.is_open and r.escalated and r.project_id is not None
    )


@dataclass
class Plans:
    """Every project's baselines and cost profiles, as stored."""

    baselines: dict[uuid.UUID, list[BaselineView]]
    profiles: dict[tuple[uuid.UUID, int], list[tuple[str, Decimal]]]

    def on(self, project: ProjectView, day: date) -> Baseline:
        """Naively: the latest baseline approved before the day ends, else the earliest one, else
        the project's current fields."""
        rows, until = self.baselines.get(project.id, []), end_of_day(day)
        if not rows:
            current = tuple(self.profiles.get((project.id, 0), []))
            return Baseline(project.budget, project.start_date, project.finish_date, current)
        ordered = sorted(rows, key=lambda b: (b.approved_at, b.number))
        approved = [b for b in ordered if b.approved_at < until]
        b = approved[-1] if approved else ordered[0]
        profile = tuple(self.profiles.get((project.id, b.number), []))
        return Baseline(b.budget, b.start_date, b.finish_date, profile, b.number)


async def _plans(session: AsyncSession) -> Plans:
    baselines: dict[uuid.UUID, list[BaselineView]] = {}
    for b in (await session.scalars(select(BaselineView))).all():
        baselines.setdefault(b.project_id, []).append(b)
    profiles: dict[tuple[uuid.UUID, int], list[tuple[str, Decimal]]] = {}
    for row in (await session.scalars(select(PlanPeriod).order_by(PlanPeriod.period))).all():
        profiles.setdefault((row.project_id, row.number), []).append((row.period, row.amount))
    return Plans(baselines, profiles)


def project_evm(
    plans: Plans,
    project: ProjectView,
    report: StatusReport | None,
    as_of: date,
    targets: Targets = DEFAULT_TARGETS,
    stage: str | None = None,
) -> Evm:
    """EV stated as a percentage is valued against the plan in force on the report's date; the
    suggested RAG is judged by the portfolio's targets, with the report's age while `stage` reports."""
    plan = plans.on(project, as_of)
    if report is None:
        return compute_evm(plan, None, as_of, targets=targets)
    progress = progress_of(report)
    ev = earned_value(plans.on(project, report.as_of), progress)
    age = report_age_days(report.as_of, as_of, stage)
    return compute_evm(plan, replace(progress, earned_value=ev), as_of, targets=targets, report_age_days=age)


async def portfolio_figures(
    session: AsyncSession, portfolio_id: uuid.UUID, as_of: date, *, top_risks: int = 10
) -> PortfolioFigures:
    current = as_of >= today()
    submitted = (
        await session.scalars(select(StatusReport).where(StatusReport.portfolio_id == portfolio_id))
    ).all()
    plans, targets = await _plans(session), await targets_for(session, portfolio_id)
    figures = []
    for project, stage in await _projects(session, portfolio_id, as_of, current):
        report = latest_on_or_before([r for r in submitted if r.project_id == project.id], as_of)
        evm = project_evm(plans, project, report, as_of, targets, stage)
        plan = plans.on(project, as_of)
        figures.append(
            ProjectFigures(project, stage, report, evm, plan.finish_date, plan.start_date, plan.bac)
        )
    risks = await repository.risk_figures(session, portfolio_id, as_of, current=current, top=top_risks)
    escalated = await _escalated(session, portfolio_id, as_of, current)
    return PortfolioFigures(as_of, figures, risks, escalated, targets)


async def dashboard_of(
    session: AsyncSession, portfolio: PortfolioView, figures: PortfolioFigures
) -> Dashboard:
    attention = figures.attention()
    return Dashboard(
        portfolio_id=portfolio.id,
        currency=portfolio.currency,
        as_of=figures.as_of,
        projects=figures.counts(),
        evm=figures.evm(),
        risks=service.risk_summary(figures.risks),
        capacity=await service.capacity_summary(session, portfolio.id, figures.as_of),
        attention=attention[: service.MAX_ATTENTION],
        attention_total=len(attention),
        actions=await service.action_counts(session, portfolio.id, figures.as_of),
        decisions=await service.decision_summary(session, portfolio.id, figures.as_of),
        benefits=await benefit_summary(session, portfolio.id, figures.as_of, EVERYTHING),
    )


# --- random data, through the real handlers and the real submission path ---------------------------


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def _apply(db: Database, event: Any, data: dict[str, Any], when: datetime) -> None:
    envelope = build_envelope(event.model_validate({"data": data})).model_copy(update={"time": when})
    async with db.transaction() as session:
        handled = [await sub.dispatch(session, envelope) for sub in handlers.subscriptions]
        assert any(handled), envelope.type


async def _seed(db: Database, rnd: random.Random, today: date) -> uuid.UUID:
    portfolio_id = uuid.uuid4()
    other_id = uuid.uuid4()
    start = today - timedelta(days=400)
    forecasts = random.Random(11)
    gaps = random.Random(13)  # drawn apart too: which reports omit percent complete or actual cost
    for pid in (portfolio_id, other_id):
        portfolio = {"id": str(pid), "version": 1, "name": "P", "currency": "EUR", "budget": "1.00"}
        await _apply(db, PortfolioCreated, portfolio, at(start - timedelta(days=5)))
    projects, late = [], []
    for i in range(40):
        first = start + timedelta(days=rnd.randint(0, 300))
        dated = rnd.random() < 0.85
        data: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": str(portfolio_id),
            "code": rnd.choice(["A", "b", "Z", "ä"]) + f"-{rnd.randint(1, 5)}",  # duplicate codes: id decides
            "name": f"Project {i}",
            "budget": f"{rnd.randint(0, 5_000_000)}.{rnd.randint(0, 99):02d}",
            "start_date": (first - timedelta(days=rnd.randint(-30, 60))).isoformat() if dated else None,
            "finish_date": (first + timedelta(days=rnd.randint(1, 500))).isoformat() if dated else None,
            "stage": "proposal",
        }
        if dated and rnd.random() < 0.4:
            data["cost_profile"] = _profile(rnd, date.fromisoformat(data["start_date"]))
        await _apply(db, ProjectCreated, data, at(first))
        version, events = 1, _baselines(rnd, data, first, today, portfolio_id)
        for _ in range(rnd.randint(0, 4)):
            version += 1
            stage = rnd.choice(STAGES)
            decided = first + timedelta(days=rnd.randint(-10, 380))
            events.append(
                (
                    ProjectStageChanged,
                    data
                    | {
                        "version": version,
                        "stage": stage,
                        "from_stage": data["stage"],
                        "to_stage": stage,
                        "decision": "approve",
                        "decided_by": "board",
                        "decided_at": at(min(decided, today), 9).isoformat(),
                    },
                    at(min(decided + timedelta(days=1), today)),
                )
            )
        if rnd.random() < 0.3:  # a budget change, or a move to the other portfolio, or a deletion
            version += 1
            change = rnd.choice(["budget", "move", "delete"])
            updated = data | {"version": version, "stage": "in_progress"}
            if change == "budget":
                updated["budget"] = f"{rnd.randint(1, 900_000)}.{rnd.randint(0, 99):02d}"
            elif change == "move":
                updated["portfolio_id"] = str(other_id)
            else:
                updated["deleted"] = True
            events.append((ProjectUpdated, updated, at(first + timedelta(days=rnd.randint(1, 390)))))
        _carry_a_baseline(rnd, events)
        rnd.shuffle(events)  # arrive out of order, some only after the reports (which they re-derive)
        cut = rnd.randint(0, len(events))
        for event, payload, when in events[:cut]:
            await _apply(db, event, payload, min(when, at(today)))
        late += [(event, payload, min(when, at(today))) for event, payload, when in events[cut:]]
        projects.append(uuid.UUID(data["id"]))
    for project_id in projects:
        for _ in range(rnd.randint(0, 8)):
            as_of = start + timedelta(days=rnd.randint(0, 400))
            body: dict[str, Any] = {
                "as_of": min(as_of, today).isoformat(),
                "overall": rnd.choice(["green", "amber", "red"]),
                **{k: "green" for k in ("scope", "schedule", "cost", "risk", "resources")},
                "percent_complete": rnd.choice([rnd.uniform(0, 100), rnd.randint(0, 100), 12.5, 0.5]),
                "actual_cost": f"{rnd.randint(0, 3_000_000)}.{rnd.randint(0, 99):02d}",
            }
            if rnd.random() < 0.3:
                body["planned_value"] = f"{rnd.randint(0, 3_000_000)}.00"
            if rnd.random() < 0.3:
                body["earned_value"] = f"{rnd.randint(0, 3_000_000)}.05"
            if forecasts.random() < 0.3:  # drawn apart, so the data above stays what it was
                body["forecast_cost"] = f"{forecasts.randint(0, 6_000_000)}.50"
            if forecasts.random() < 0.3:
                body["forecast_finish_date"] = (
                    as_of + timedelta(days=forecasts.randint(-90, 400))
                ).isoformat()
            if gaps.random() < 0.2:  # §7.1: not tracked (EV unknown unless it is stated)
                del body["percent_complete"]
            if gaps.random() < 0.2:
                del body["actual_cost"]
            async with db.transaction() as session:
                project = await session.get(ProjectView, project_id)
                assert project is not None
                await reports.submit(session, project, StatusReportCreate.model_validate(body), ADMIN)
    for event, payload, when in late:
        await _apply(db, event, payload, when)
    for _ in range(120):
        probability, impact = rnd.randint(1, 5), rnd.randint(1, 5)
        data = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "portfolio_id": str(portfolio_id),
            "project_id": str(rnd.choice(projects)) if rnd.random() < 0.9 else None,
            "kind": "threat",
            "title": "Risk",
            "probability": probability,
            "impact": impact,
            "score": probability * impact,
            "level": rnd.choice(LEVELS),
            "emv": f"{rnd.randint(0, 90_000)}.{rnd.randint(0, 99):02d}",
            "escalated": rnd.random() < 0.3,
            "status": "open",
        }
        raised = start + timedelta(days=rnd.randint(0, 400))
        changes = [(RiskRaised, data, at(raised))]
        for version in range(2, rnd.randint(2, 5)):
            changes.append(
                (
                    RiskUpdated,
                    data
                    | {
                        "version": version,
                        "escalated": rnd.random() < 0.5,
                        "status": rnd.choice(["open", "open", "closed"]),
                    },
                    at(raised + timedelta(days=rnd.randint(0, 200))),
                )
            )
        rnd.shuffle(changes)
        for event, payload, when in changes:
            await _apply(db, event, payload, min(when, at(today)))
    return portfolio_id


def _profile(rnd: random.Random, start: date) -> list[dict[str, str]]:
    """A few months of cost from the start month on (some months zero)."""
    year, month = start.year, start.month
    periods = []
    for _ in range(rnd.randint(1, 14)):
        amount = rnd.choice([0, rnd.randint(0, 900_000)])
        periods.append({"period": f"{year:04d}-{month:02d}", "amount": f"{amount}.{rnd.randint(0, 99):02d}"})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def _baselines(
    rnd: random.Random, data: dict[str, Any], first: date, today: date, portfolio_id: uuid.UUID
) -> list[tuple[Any, dict[str, Any], datetime]]:
    """Up to three baselines approved over the project's life (some on the same day, some with a
    cost profile), as `baseline.approved` events."""
    events: list[tuple[Any, dict[str, Any], datetime]] = []
    for number in range(1, rnd.choice([1, 1, 2, 3, 4])):
        approved = min(first + timedelta(days=rnd.randint(-20, 380)), today)
        start = first + timedelta(days=rnd.randint(-30, 60))
        baseline = {
            "id": str(uuid.uuid4()),
            "version": 1,
            "project_id": data["id"],
            "portfolio_id": str(portfolio_id),
            "number": number,
            "budget": f"{rnd.randint(0, 5_000_000)}.{rnd.randint(0, 99):02d}",
            "start_date": start.isoformat() if rnd.random() < 0.9 else None,
            "finish_date": (start + timedelta(days=rnd.randint(1, 500))).isoformat(),
            "cost_profile": _profile(rnd, start) if rnd.random() < 0.5 else [],
            "approved_at": at(approved, rnd.choice([0, 9, 23])).isoformat(),
            "approved_by": "board",
        }
        events.append((BaselineApproved, baseline, at(approved)))
    return events


def _carry_a_baseline(rnd: random.Random, events: list[tuple[Any, dict[str, Any], datetime]]) -> None:
    """Project events carry the baseline in force too: put one on a project event (sometimes its
    only copy, dropping its `baseline.approved`)."""
    approvals = [e for e in events if e[0] is BaselineApproved]
    if not approvals or len(events) == len(approvals) or rnd.random() >= 0.6:
        return
    chosen = rnd.choice(approvals)
    keys = ("number", "budget", "start_date", "finish_date", "cost_profile", "approved_at")
    index = rnd.choice([i for i, e in enumerate(events) if e[0] is not BaselineApproved])
    event, payload, when = events[index]
    events[index] = (event, payload | {"baseline": {k: chosen[1][k] for k in keys}}, when)
    if rnd.random() < 0.5:
        events.remove(chosen)


async def test_sql_figures_match_per_project_figures(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade_to_head(db.engine, SPEC.migrations)
        rnd = random.Random(7)
        today = datetime.now(UTC).date()
        portfolio_id = await _seed(db, rnd, today)
        async with db.sessionmaker() as session:
            portfolio = await session.get(PortfolioView, portfolio_id)
            assert portfolio is not None
            days = [today, today + timedelta(days=3)]
            days += [today - timedelta(days=rnd.randint(1, 420)) for _ in range(25)]
            for index, as_of in enumerate(days):
                if index == len(days) // 2:  # the rest under the portfolio's own targets
                    await session.rollback()  # frees the connection (SQLite's pool has one)
                    await _set_targets(db, portfolio_id)
                    portfolio = await session.get(PortfolioView, portfolio_id)
                    assert portfolio is not None
                figures = await portfolio_figures(session, portfolio_id, as_of)
                expected = await dashboard_of(session, portfolio, figures)
                actual = await service.dashboard(session, portfolio, as_of)
                assert actual.model_dump() == expected.model_dump(), as_of
                csv = await board.report_csv(session, portfolio, as_of)
                assert csv == exports.portfolio_csv(figures.lines()), as_of
            first = f"{today.year - 1:04d}-{today.month:02d}"
            last = f"{today.year:04d}-{today.month:02d}"
            series = await service.kpis(session, portfolio, MonthRange(first, last))
            for point in series.items:
                figures = await portfolio_figures(session, portfolio_id, point.as_of, top_risks=0)
                assert point.projects == figures.counts() and point.evm == figures.evm(), point.month
                assert point.risks.open == figures.risks.open
                assert point.risks.emv_total == figures.risks.emv_total
    finally:
        await db.dispose()


async def _set_targets(db: Database, portfolio_id: uuid.UUID) -> None:
    """Targets whose amber limits are an odd and an even number of basis points (either rounding
    tie of the printed ratio), and a report age outside the defaults."""
    async with db.transaction() as session:
        session.add(
            KpiTargets(
                portfolio_id=portfolio_id,
                spi_green_bp=10000,
                spi_amber_bp=9001,
                cpi_green_bp=9700,
                cpi_amber_bp=8500,
                report_age_green_days=20,
                report_age_amber_days=45,
            )
        )


def test_dashboard_money_sums_are_exact() -> None:
    assert service.totals_of([]).bac == Decimal("0.00")


def test_portfolio_ratios_cover_only_the_projects_with_both_figures() -> None:
    base = Baseline(bac=Decimal("100000.00"), start_date=date(2025, 1, 1), finish_date=date(2025, 12, 31))
    reported = Progress(
        percent_complete=0,
        actual_cost=Decimal("45000"),
        planned_value=Decimal("50000"),
        earned_value=Decimal("40000"),
    )
    a = compute_evm(base, reported, date(2025, 6, 30))
    b = compute_evm(base, None, date(2025, 12, 31))  # no report: PV but no EV
    uncosted = Progress(percent_complete=None, actual_cost=None, planned_value=Decimal("10000"))
    c = compute_evm(base, replace(uncosted, earned_value=Decimal("20000")), date(2025, 6, 30))  # no AC
    totals = sum_evm([a, b, c])
    assert (totals.bac, totals.pv, totals.ev, totals.ac) == (
        Decimal("300000.00"),
        Decimal("160000.00"),
        Decimal("60000"),
        Decimal("45000"),
    )
    # SPI: (40,000 + 20,000) / (50,000 + 10,000), b left out; CPI: 40,000 / 45,000, c left out.
    assert rounded_ratio(totals.spi) == 1.0 and rounded_ratio(totals.cpi) == 0.8889
    assert sum_evm([]).spi is None and sum_evm([b]).spi is None
