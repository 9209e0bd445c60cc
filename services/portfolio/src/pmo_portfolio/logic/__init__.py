"""Pure domain logic of the portfolio service: AHP, scoring, WSJF, lifecycle and project selection."""

from pmo_portfolio.logic.ahp import RANDOM_INDEX, AhpMatrixError, AhpResult, ahp_weights
from pmo_portfolio.logic.instances import random_instance
from pmo_portfolio.logic.lifecycle import (
    DECISION_FOR,
    STAGES,
    TRANSITIONS,
    IllegalTransition,
    allowed_targets,
    check_transition,
)
from pmo_portfolio.logic.problem import Candidate, InfeasibleSelection
from pmo_portfolio.logic.scoring import Criterion, normalise, normalised_weights, weighted_score, wsjf
from pmo_portfolio.logic.selection import (
    Exclusion,
    FrontierPoint,
    SelectionResult,
    efficient_frontier,
    greedy_select,
    select_projects,
)

__all__ = [
    "DECISION_FOR",
    "RANDOM_INDEX",
    "STAGES",
    "TRANSITIONS",
    "AhpMatrixError",
    "AhpResult",
    "Candidate",
    "Criterion",
    "Exclusion",
    "FrontierPoint",
    "IllegalTransition",
    "InfeasibleSelection",
    "SelectionResult",
    "ahp_weights",
    "allowed_targets",
    "check_transition",
    "efficient_frontier",
    "greedy_select",
    "normalise",
    "normalised_weights",
    "random_instance",
    "select_projects",
    "weighted_score",
    "wsjf",
]
