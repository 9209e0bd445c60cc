"""Read models built only from other services' events (event-carried state transfer).

Current-state tables keep the newest version of each aggregate (deleted ones stay as tombstones so an
older, late event cannot bring them back); history tables keep one row per change so figures can be
answered "as of" a past date. All of them are dropped and replayed by `POST /admin/rebuild`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pmo_common.db import JSONText, MoneyType, UTCDateTime
from pmo_common.upstream import (
    CODE_LENGTH,
    NAME_LENGTH,
    PERSON_LENGTH,
    STAGE_LENGTH,
    UpstreamPortfolio,
    UpstreamProject,
)
from sqlalchemy import Boolean, Date, Float, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pmo_reporting.db import Base
from pmo_reporting.logic.structure import FACET_KEY_LENGTH
from pmo_reporting.readmodels.benefits import BenefitMeasurementView, BenefitView
from pmo_reporting.readmodels.governance import ActionView, DecisionView

END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


class PortfolioView(UpstreamPortfolio, Base):
    __tablename__ = "rm_portfolios"

    budget: Mapped[Decimal] = mapped_column(MoneyType)
    # The portfolio's custom project field definitions [{key, label, type, choices, required}].
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list, server_default="[]")


class ProgrammeView(Base):
    """A programme of a portfolio (from the programme events); deleted ones stay as tombstones."""

    __tablename__ = "rm_programmes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    owner: Mapped[str | None] = mapped_column(String(PERSON_LENGTH))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    """When the delete event was published: as of an earlier date the programme still groups its
    projects."""
    version: Mapped[int] = mapped_column(Integer)


class ProjectView(UpstreamProject, Base):
    """The upstream project (`pmo_common.upstream`) with its current budget and dates (its cost
    profile is in `PlanPeriod`, number 0; its baselines in `BaselineView`) and the figures of its
    latest status report."""

    __tablename__ = "rm_projects"
    __table_args__ = (Index("ix_rm_projects_portfolio", "portfolio_id", "deleted"),)

    budget: Mapped[Decimal] = mapped_column(MoneyType)
    start_date: Mapped[date | None] = mapped_column(Date)
    finish_date: Mapped[date | None] = mapped_column(Date)
    sponsor: Mapped[str | None] = mapped_column(String(PERSON_LENGTH), default=None)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict, server_default="{}")
    tags: Mapped[list[str]] = mapped_column(JSONText, default=list, server_default="[]")
    # The cost profile the latest event carried (as JSON), so that an event which leaves it as it was
    # does not rewrite its `PlanPeriod` rows; NULL (rows from before it was kept): not known.
    cost_profile: Mapped[list[Any] | None] = mapped_column(JSONText, default=None)
    # The figures of the project's latest status report (none: NULL), copied here when a report
    # becomes the latest and when the row is (re)built, so that current dashboards read one table.
    report_as_of: Mapped[date | None] = mapped_column(Date, default=None)
    report_overall: Mapped[str | None] = mapped_column(String(5), default=None)
    report_pv: Mapped[Decimal | None] = mapped_column(MoneyType, default=None)
    report_ev: Mapped[Decimal | None] = mapped_column(MoneyType, default=None)
    report_ac: Mapped[Decimal | None] = mapped_column(MoneyType, default=None)
    report_forecast_cost: Mapped[Decimal | None] = mapped_column(MoneyType, default=None)
    report_forecast_finish: Mapped[date | None] = mapped_column(Date, default=None)


class BaselineView(Base):
    """A project's approved baseline (from `baseline.approved` and the `baseline` that project events
    carry); a baseline never changes, so the first copy of (project, number) stays."""

    __tablename__ = "rm_baselines"

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget: Mapped[Decimal] = mapped_column(MoneyType)
    start_date: Mapped[date | None] = mapped_column(Date)
    finish_date: Mapped[date | None] = mapped_column(Date)
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Derived, maintained whenever one of the project's baselines arrives (see
    # `readmodels.baselines.record_baseline`): in force on D (until = the end of D) is the one row with
    # (approved_at < until or first) and superseded_at >= until.
    first: Mapped[bool] = mapped_column(Boolean, default=False)
    """The earliest approved: it also serves the dates before its approval."""
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=END_OF_TIME)
    """The next baseline's `approved_at` (END_OF_TIME for the latest)."""


class PlanPeriod(Base):
    """One month of a cost profile: of baseline `number`, or (number 0) of the project's current fields."""

    __tablename__ = "rm_plan_periods"

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType)


CURRENT_PLAN = 0
"""`PlanPeriod.number` of a project's current cost profile (baselines are numbered from 1)."""


class ProjectStageHistory(Base):
    """One row per project event: the stage, membership and structure (programme, manager, finish
    date, custom fields and tags) from `effective_at` on. Stage changes take effect at the gate
    decision's `decided_at`, other changes at the event's time. The fields and tags of each version
    are also in `ProjectFacet` rows, which is what the SQL filters and groups by."""

    __tablename__ = "rm_project_history"
    __table_args__ = (
        Index("ix_rm_project_history_portfolio_at", "portfolio_id", "superseded_at", "effective_at"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    stage: Mapped[str] = mapped_column(String(STAGE_LENGTH))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    manager: Mapped[str | None] = mapped_column(String(PERSON_LENGTH), default=None)
    finish_date: Mapped[date | None] = mapped_column(Date, default=None)
    fields: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict, server_default="{}")
    tags: Mapped[list[str]] = mapped_column(JSONText, default=list, server_default="[]")
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=END_OF_TIME)
    """Derived: the earliest `effective_at` of a higher version (END_OF_TIME if none), so the version
    in effect at `t` is the one row with effective_at < t <= superseded_at."""


class ProjectFacet(Base):
    """A tag or a custom field value of one version of a project (`kind` "tag": `key` is the tag;
    "field": `key` is the field's key, `value` its canonical text, `logic.structure.canonical`). The
    current version's rows serve today's figures, the version in effect on D those as of D."""

    __tablename__ = "rm_project_facets"

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)
    key: Mapped[str] = mapped_column(String(FACET_KEY_LENGTH), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class RiskView(Base):
    __tablename__ = "rm_risks"
    __table_args__ = (
        # Covering indexes: the dashboard's counts, sums and per-project escalations read no table rows.
        Index("ix_rm_risks_portfolio_open", "portfolio_id", "is_open", "score"),
        Index(
            "ix_rm_risks_portfolio_cells",
            "portfolio_id",
            "is_open",
            "level",
            "probability",
            "impact",
            "escalated",
            "emv",
        ),
        Index("ix_rm_risks_portfolio_escalated", "portfolio_id", "is_open", "escalated", "project_id"),
        Index("ix_rm_risks_project", "project_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    probability: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(40))
    emv: Mapped[Decimal] = mapped_column(MoneyType)
    escalated: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    is_open: Mapped[bool] = mapped_column(Boolean)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class RiskHistory(Base):
    """One row per risk event: the risk's state from the event's time on."""

    __tablename__ = "rm_risk_history"
    __table_args__ = (
        # Covering: the as-of risk counts and sums read no table rows.
        Index(
            "ix_rm_risk_history_portfolio_at",
            "portfolio_id",
            "is_open",
            "superseded_at",
            "effective_at",
            "level",
            "probability",
            "impact",
            "escalated",
            "emv",
            "project_id",
        ),
        # The top risks as of a date: read in score order, stopping after the first few in effect.
        Index(
            "ix_rm_risk_history_portfolio_top",
            "portfolio_id",
            "is_open",
            "score",
            "emv",
            "superseded_at",
            "effective_at",
        ),
    )

    risk_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(300))
    probability: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(40))
    emv: Mapped[Decimal] = mapped_column(MoneyType)
    escalated: Mapped[bool] = mapped_column(Boolean)
    is_open: Mapped[bool] = mapped_column(Boolean)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=END_OF_TIME)
    """Derived, as in `ProjectStageHistory`."""


class CapacityState(Base):
    """The version of the last whole capacity table applied (the table is replaced, never merged)."""

    __tablename__ = "rm_capacity_state"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class CapacityCell(Base):
    __tablename__ = "rm_capacity"

    role: Mapped[str] = mapped_column(String(100), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    hours: Mapped[float] = mapped_column(Float)


class DemandState(Base):
    """Per project, the version of the last whole demand table applied."""

    __tablename__ = "rm_demand_state"

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class DemandCell(Base):
    __tablename__ = "rm_demand"
    __table_args__ = (Index("ix_rm_demand_period", "period", "role"),)

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[str] = mapped_column(String(100), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    hours: Mapped[float] = mapped_column(Float)


class Overallocation(Base):
    """A person's latest over-allocation detection per month."""

    __tablename__ = "rm_overallocations"
    __table_args__ = (Index("ix_rm_overallocations_period", "period"),)

    resource_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(100))
    capacity_hours: Mapped[float] = mapped_column(Float)
    demand_hours: Mapped[float] = mapped_column(Float)
    excess_hours: Mapped[float] = mapped_column(Float)


class DataVersion(Base):
    """Counters per portfolio (and for org-wide data, GLOBAL_SCOPE), one per kind of figures
    (`Figures`, the row `version_scope` names), bumped in the same transaction as every change that
    can alter those figures: cached dashboards and their sections are keyed by them. Not a read
    model: a rebuild bumps the global counter of every figure instead of emptying the table."""

    __tablename__ = "rm_data_versions"

    scope_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


GLOBAL_SCOPE = uuid.UUID(int=0)


class Figures(StrEnum):
    """What a change can alter, each counted apart: a dashboard computed again after a change takes
    the sections that change left alone from the cache (`dashboards.cache`)."""

    PROJECTS = "projects"
    """The projects themselves (which are live, their stage, plan, programme, tags, fields), the
    portfolio and its programmes: every figure. GLOBAL_SCOPE's (a rebuild): every portfolio's."""
    REPORTS = "reports"
    """The projects' figures: status reports, baselines, KPI targets (EVM, RAG, attention)."""
    RISKS = "risks"
    """The risks, and the projects needing attention (an escalated risk is a reason)."""
    GOVERNANCE = "governance"
    """Actions, decisions and benefits."""
    CAPACITY = "capacity"
    """Capacity, demand and over-allocations: org-wide, counted on GLOBAL_SCOPE."""


def version_scope(scope: uuid.UUID, figures: Figures) -> uuid.UUID:
    """The `DataVersion` row counting `figures` of `scope`: the scope's own id for PROJECTS (the
    one counter of every figure kept before the figures were told apart), else one derived from it."""
    return scope if figures is Figures.PROJECTS else uuid.uuid5(scope, figures.value)


READ_MODELS: tuple[type[Base], ...] = (
    PortfolioView,
    ProgrammeView,
    ProjectView,
    BaselineView,
    PlanPeriod,
    ProjectStageHistory,
    ProjectFacet,
    RiskView,
    RiskHistory,
    CapacityState,
    CapacityCell,
    DemandState,
    DemandCell,
    Overallocation,
    ActionView,
    DecisionView,
    BenefitView,
    BenefitMeasurementView,
)
"""Every table a rebuild empties and refills from the streams."""
