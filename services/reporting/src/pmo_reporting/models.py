"""Every table of the reporting service, registered on `Base.metadata` by importing this module
(the app and the Alembic environment both do, so they see the same schema)."""

from pmo_reporting.db import Base
from pmo_reporting.readmodels.governance import ActionView, DecisionView
from pmo_reporting.readmodels.models import READ_MODELS, DataVersion
from pmo_reporting.status_reports.models import ProjectHealth, StatusReport
from pmo_reporting.targets.models import KpiTargets
from pmo_reporting.webhooks import models as webhook_models  # noqa: F401  (registers its tables)

metadata = Base.metadata

__all__ = [
    "READ_MODELS",
    "ActionView",
    "DataVersion",
    "DecisionView",
    "KpiTargets",
    "ProjectHealth",
    "StatusReport",
    "metadata",
]
