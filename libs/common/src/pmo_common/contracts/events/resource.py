"""The resource service's events (contract §4 and §7)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, Field

from pmo_common.contracts.events.base import Event, EventData
from pmo_common.contracts.types import Month


class ResourceData(EventData):
    external_id: str
    name: str
    role: str
    skills: list[str] = Field(default_factory=list)
    org_unit: str | None = None
    fte: Decimal
    hours_per_week: Decimal
    active: bool
    deleted: bool = False


class RoleMonthHours(BaseModel):
    role: str
    period: Month
    hours: float = Field(ge=0)


class CapacityChangedData(EventData):
    """The whole role × month capacity table (active people only): consumers replace theirs."""

    totals: list[RoleMonthHours]


class DemandChangedData(EventData):
    """One project's whole role × month demand (`id` is the project id)."""

    demand: list[RoleMonthHours]


class OverallocationDetectedData(EventData):
    """`id` is the resource id; `version` counts the detections for that person."""

    resource_id: uuid.UUID
    role: str
    period: Month
    capacity_hours: float
    demand_hours: float
    excess_hours: float


class ImportCompletedData(EventData):
    """`id` is the import id."""

    kind: str
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    atomic: bool
    dry_run: bool


class ResourceUpserted(Event[ResourceData]):
    """A person was created or changed."""

    subject = "pmo.resource.resource.upserted"


class ResourceDeleted(Event[ResourceData]):
    """A person was deleted."""

    subject = "pmo.resource.resource.deleted"


class CapacityChanged(Event[CapacityChangedData]):
    """Role × month capacity totals changed."""

    subject = "pmo.resource.capacity.changed"


class DemandChanged(Event[DemandChangedData]):
    """One project's role × month demand changed."""

    subject = "pmo.resource.demand.changed"


class OverallocationDetected(Event[OverallocationDetectedData]):
    """A person newly exceeds their capacity in a month."""

    subject = "pmo.resource.overallocation.detected"


class ImportCompleted(Event[ImportCompletedData]):
    """A bulk import finished."""

    subject = "pmo.resource.import.completed"
