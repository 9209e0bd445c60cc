"""Every table of the risk service, registered on `Base.metadata` by importing this module (the app
and the Alembic environment both do, so they see the same schema)."""

from pmo_risk.catalog.models import KnownPortfolio, KnownProject
from pmo_risk.db import Base
from pmo_risk.issues.models import Issue
from pmo_risk.matrices.models import RiskMatrix
from pmo_risk.risks.models import Assessment, Risk, RiskResponse

metadata = Base.metadata

__all__ = [
    "Assessment",
    "Issue",
    "KnownPortfolio",
    "KnownProject",
    "Risk",
    "RiskMatrix",
    "RiskResponse",
    "metadata",
]
