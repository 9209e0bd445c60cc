"""The event catalogue: one class per subject of contract §4 and §7, one module per owning service.

`data` carries the aggregate's full state after the change (so consumers apply "newest version
wins" and never call back) plus `changed`, the names of the fields the change touched. The
aggregate's `version` becomes the envelope's `sequence`; its `id` the envelope's `subject`.

An event is a typed value: `ProjectCreated(data=ProjectData(...))`. `emit(session, event)` and
consumers registered with `handlers.on(ProjectCreated, ...)` both see the same class, so what a
producer sends and what a consumer reads are checked by mypy and by pydantic. Importing this package
registers every class in `CATALOGUE`.
"""

from pmo_common.contracts.events.base import (
    CATALOGUE,
    Event,
    EventData,
    event_class,
    validate_data,
)
from pmo_common.contracts.events.portfolio import (
    PortfolioCreated,
    PortfolioData,
    PortfolioDeleted,
    PortfolioUpdated,
    ProjectCreated,
    ProjectData,
    ProjectDeleted,
    ProjectStageChanged,
    ProjectStageChangedData,
    ProjectUpdated,
    ScenarioApproved,
    ScenarioApprovedData,
    Wsjf,
)
from pmo_common.contracts.events.reporting import (
    ProjectHealthChanged,
    ProjectHealthData,
    StatusReportData,
    StatusReportSubmitted,
)
from pmo_common.contracts.events.resource import (
    CapacityChanged,
    CapacityChangedData,
    DemandChanged,
    DemandChangedData,
    ImportCompleted,
    ImportCompletedData,
    OverallocationDetected,
    OverallocationDetectedData,
    ResourceData,
    ResourceDeleted,
    ResourceUpserted,
    RoleMonthHours,
)
from pmo_common.contracts.events.risk import (
    CostImpact,
    IssueData,
    IssueOpened,
    IssueUpdated,
    RiskClosed,
    RiskData,
    RiskDeescalated,
    RiskEscalated,
    RiskRaised,
    RiskUpdated,
    ScoreSnapshot,
)

__all__ = [
    "CATALOGUE",
    "CapacityChanged",
    "CapacityChangedData",
    "CostImpact",
    "DemandChanged",
    "DemandChangedData",
    "Event",
    "EventData",
    "ImportCompleted",
    "ImportCompletedData",
    "IssueData",
    "IssueOpened",
    "IssueUpdated",
    "OverallocationDetected",
    "OverallocationDetectedData",
    "PortfolioCreated",
    "PortfolioData",
    "PortfolioDeleted",
    "PortfolioUpdated",
    "ProjectCreated",
    "ProjectData",
    "ProjectDeleted",
    "ProjectHealthChanged",
    "ProjectHealthData",
    "ProjectStageChanged",
    "ProjectStageChangedData",
    "ProjectUpdated",
    "ResourceData",
    "ResourceDeleted",
    "ResourceUpserted",
    "RiskClosed",
    "RiskData",
    "RiskDeescalated",
    "RiskEscalated",
    "RiskRaised",
    "RiskUpdated",
    "RoleMonthHours",
    "ScenarioApproved",
    "ScenarioApprovedData",
    "ScoreSnapshot",
    "StatusReportData",
    "StatusReportSubmitted",
    "Wsjf",
    "event_class",
    "validate_data",
]
