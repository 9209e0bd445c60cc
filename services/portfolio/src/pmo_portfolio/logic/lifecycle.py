"""Project lifecycle: which stage may follow which, and which gate decision moves it there."""

from __future__ import annotations

from typing import Literal, get_args

Stage = Literal["proposal", "approved", "in_progress", "on_hold", "closed", "cancelled", "rejected"]
STAGES: tuple[str, ...] = get_args(Stage)

# on_hold's resume target is the stage it left (see allowed_targets); the table lists every stage a
# project can be resumed to so that the table alone answers "can this edge ever exist?".
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposal": frozenset({"approved", "rejected", "on_hold", "cancelled"}),
    "approved": frozenset({"in_progress", "on_hold", "cancelled"}),
    "in_progress": frozenset({"on_hold", "closed", "cancelled"}),
    "on_hold": frozenset({"proposal", "approved", "in_progress", "cancelled"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
    "rejected": frozenset(),
}

# Target stage -> the decision verb that moves a project there. Resuming from on_hold is "approve".
DECISION_FOR: dict[str, str] = {
    "approved": "approve",
    "in_progress": "approve",
    "rejected": "reject",
    "on_hold": "hold",
    "cancelled": "cancel",
    "closed": "close",
}
RESUME_DECISION = "approve"
# Stages a project can be put on hold from, i.e. the valid values of `held_from`.
RESUMABLE = ("proposal", "approved", "in_progress")


class IllegalTransition(Exception):
    """A gate decision that the lifecycle does not allow (HTTP 409)."""

    def __init__(self, message: str, allowed: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.allowed = allowed


def allowed_targets(current: str, held_from: str | None) -> list[str]:
    """Stages reachable from `current`, in STAGES order.

    From on_hold a project resumes to the stage it left (`held_from`). When that stage is unknown
    (None, e.g. data from before it was recorded) every stage it could have left is allowed, so that
    a held project can never get stuck.
    """
    if current not in TRANSITIONS:
        return []
    targets = TRANSITIONS[current]
    if current == "on_hold" and held_from is not None:
        targets = frozenset({held_from, "cancelled"}) & TRANSITIONS["on_hold"]
    return [s for s in STAGES if s in targets]


def _decision_for(current: str, to_stage: str) -> str:
    if current == "on_hold" and to_stage != "cancelled":
        return RESUME_DECISION
    return DECISION_FOR[to_stage]


def check_transition(current: str, to_stage: str, decision: str, held_from: str | None) -> None:
    """Raise IllegalTransition unless `decision` may move a project from `current` to `to_stage`."""
    if current not in TRANSITIONS:
        raise IllegalTransition(f"unknown current stage {current!r}; stages are {', '.join(STAGES)}", [])
    allowed = allowed_targets(current, held_from)
    if to_stage not in allowed:
        shown = ", ".join(allowed) if allowed else "none, it is a final stage"
        raise IllegalTransition(
            f"a project in stage {current} cannot move to {to_stage}; allowed: {shown}", allowed
        )
    expected = _decision_for(current, to_stage)
    if decision != expected:
        raise IllegalTransition(
            f"moving a project from {current} to {to_stage} needs the decision {expected!r}, not {decision!r}",
            allowed,
        )
