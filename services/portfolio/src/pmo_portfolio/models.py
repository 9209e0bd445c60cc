"""Every table of the portfolio service, registered on `Base.metadata` by importing this module
(the app and the Alembic environment both do, so they see the same schema)."""

from pmo_portfolio.actions.models import Action
from pmo_portfolio.baselines.models import Baseline
from pmo_portfolio.benefits.models import Benefit, BenefitMeasurement
from pmo_portfolio.capacity.models import CapacitySnapshot, ProjectDemand
from pmo_portfolio.criteria.models import Criterion
from pmo_portfolio.db import Base
from pmo_portfolio.decisions.models import Decision
from pmo_portfolio.gates.fact_models import ResponseFact, RiskFact, StatusReportFact
from pmo_portfolio.gates.models import GateDecision
from pmo_portfolio.gates.policy_models import GateApproval, GateCriteriaSet, GatePolicy
from pmo_portfolio.portfolios.models import Portfolio
from pmo_portfolio.programmes.models import Programme
from pmo_portfolio.projects.models import Project
from pmo_portfolio.scenarios.models import Scenario

metadata = Base.metadata

__all__ = [
    "Action",
    "Baseline",
    "Benefit",
    "BenefitMeasurement",
    "CapacitySnapshot",
    "Criterion",
    "Decision",
    "GateApproval",
    "GateCriteriaSet",
    "GateDecision",
    "GatePolicy",
    "Portfolio",
    "Programme",
    "Project",
    "ProjectDemand",
    "ResponseFact",
    "RiskFact",
    "Scenario",
    "StatusReportFact",
    "metadata",
]
