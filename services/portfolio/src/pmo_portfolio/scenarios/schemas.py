from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pmo_common.contracts.types import Money, Month, NonNegativeMoney
from pydantic import BaseModel, ConfigDict, Field

MAX_FORCED = 1000
MAX_WEIGHTS = 100
MAX_FRONTIER_POINTS = 50
MAX_PERIOD_BUDGETS = 20
MAX_GROUPS = 200
MAX_GROUP_SIZE = 1000

Weight = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
GroupRule = Literal["all_or_none", "at_most_one", "at_least_one"]


class PeriodBudget(BaseModel):
    """A budget for the months `from`..`to` (both included), e.g. one fiscal year."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Month = Field(alias="from")
    to: Month
    amount: NonNegativeMoney
    name: str = Field(default="", max_length=100, description='Shown in reasons, e.g. "FY2027".')


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_ids: list[uuid.UUID] = Field(min_length=2, max_length=MAX_GROUP_SIZE)
    rule: GroupRule = Field(
        description="all_or_none: selected together or not at all; at_most_one: alternatives, one at "
        "most; at_least_one: one of them must be selected."
    )
    name: str = Field(default="", max_length=100, description="Shown in reasons beside the group's number.")


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    budget: NonNegativeMoney | None = Field(
        default=None, description="The overall budget; may be left out when `period_budgets` are given."
    )
    period_budgets: list[PeriodBudget] = Field(
        default_factory=list,
        max_length=MAX_PERIOD_BUDGETS,
        description="Budgets for periods of months that may not overlap; a project's cost in a period is "
        "its cost profile's months in it (linear by day over its dates without a profile).",
    )
    groups: list[Group] = Field(default_factory=list, max_length=MAX_GROUPS)
    start_period: Month | None = Field(
        default=None,
        description="The month from which an in_progress project's cost counts (default: the current "
        "month, UTC); an undated project's whole cost falls in it.",
    )
    respect_capacity: bool = Field(
        default=False,
        description="Keep each role's monthly demand within the capacity from the resource service.",
    )
    force_in: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_FORCED)
    force_out: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_FORCED)
    weights: dict[uuid.UUID, Weight] | None = Field(
        default=None,
        max_length=MAX_WEIGHTS,
        description="{criterion_id: weight} replacing the stored weights for this scenario; criteria not "
        "named weigh 0. null uses the criteria's weights.",
    )


class ExcludedProject(BaseModel):
    project_id: uuid.UUID
    reasons: list[str]


class SolverInfo(BaseModel):
    status: str
    optimal: bool
    seconds: float


class PeriodBudgetResult(PeriodBudget):
    cost: NonNegativeMoney = Field(description="What the selection costs in the period.")
    slack: NonNegativeMoney


class PeriodCost(BaseModel):
    period: Month
    cost: NonNegativeMoney


class ScenarioResult(BaseModel):
    selected: list[uuid.UUID]
    excluded: list[ExcludedProject]
    total_value: float = Field(description="Sum of the selected projects' weighted priority scores.")
    total_cost: NonNegativeMoney = Field(
        description="What the selection counts: in_progress projects from `start_period` on."
    )
    budget_slack: NonNegativeMoney | None = Field(description="null without an overall budget.")
    binding_constraints: list[str]
    solver: SolverInfo
    period_budgets: list[PeriodBudgetResult] = Field(default_factory=list)
    cost_by_period: list[PeriodCost] | None = Field(
        default=None,
        description="The selection's counted cost month by month; null for a scenario solved before "
        "monthly costs were recorded.",
    )


class ScenarioRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    portfolio_id: uuid.UUID
    name: str
    budget: NonNegativeMoney | None
    period_budgets: list[PeriodBudget]
    groups: list[Group]
    start_period: Month | None = Field(
        description="null for a scenario solved before start periods existed (in_progress projects "
        "counted in full)."
    )
    respect_capacity: bool
    force_in: list[uuid.UUID]
    force_out: list[uuid.UUID]
    weights: dict[str, float] | None
    result: ScenarioResult
    status: str = Field(
        description="proposed, approved, or superseded (a later scenario of the portfolio was approved)"
    )
    created_by: str
    approved_by: str | None
    approved_at: datetime | None
    approved_projects: list[uuid.UUID] = Field(description="The proposals approving moved to approved.")
    version: int
    created_at: datetime
    updated_at: datetime


class FrontierPointRead(BaseModel):
    budget: NonNegativeMoney
    value: float
    project_ids: list[uuid.UUID]
    optimal: bool


class Comparison(BaseModel):
    a: float
    b: float
    delta: float = Field(description="b − a")


class CostComparison(BaseModel):
    a: NonNegativeMoney
    b: NonNegativeMoney
    delta: Money = Field(description="b − a")


class PeriodComparison(BaseModel):
    period: Month
    cost_a: NonNegativeMoney
    cost_b: NonNegativeMoney


class BindingComparison(BaseModel):
    a: list[str]
    b: list[str]


class ScenarioComparison(BaseModel):
    a: uuid.UUID
    b: uuid.UUID
    only_in_a: list[uuid.UUID]
    only_in_b: list[uuid.UUID]
    in_both: list[uuid.UUID]
    value: Comparison
    cost: CostComparison
    by_period: list[PeriodComparison] = Field(description="Month by month, over the months either costs in.")
    binding_constraints: BindingComparison
