import pytest
from pmo_portfolio.logic.lifecycle import (
    DECISION_FOR,
    STAGES,
    TRANSITIONS,
    IllegalTransition,
    allowed_targets,
    check_transition,
)

DECISIONS = ("approve", "reject", "hold", "cancel", "close")

# The expected table, written out independently of the module: (current, held_from) -> {target: decision}.
EXPECTED: dict[tuple[str, str | None], dict[str, str]] = {
    ("proposal", None): {
        "approved": "approve",
        "rejected": "reject",
        "on_hold": "hold",
        "cancelled": "cancel",
    },
    ("approved", None): {"in_progress": "approve", "on_hold": "hold", "cancelled": "cancel"},
    ("in_progress", None): {"on_hold": "hold", "closed": "close", "cancelled": "cancel"},
    ("on_hold", "proposal"): {"proposal": "approve", "cancelled": "cancel"},
    ("on_hold", "approved"): {"approved": "approve", "cancelled": "cancel"},
    ("on_hold", "in_progress"): {"in_progress": "approve", "cancelled": "cancel"},
    # Unknown origin: any stage it could have left, so that a held project never gets stuck.
    ("on_hold", None): {
        "proposal": "approve",
        "approved": "approve",
        "in_progress": "approve",
        "cancelled": "cancel",
    },
    ("closed", None): {},
    ("cancelled", None): {},
    ("rejected", None): {},
}

CELLS = [(current, held_from, target) for (current, held_from) in EXPECTED for target in STAGES]


def test_every_stage_has_a_row() -> None:
    assert set(TRANSITIONS) == set(STAGES)
    assert {current for current, _ in EXPECTED} == set(STAGES)


@pytest.mark.parametrize(("current", "held_from", "target"), CELLS)
def test_transition_table_cell(current: str, held_from: str | None, target: str) -> None:
    expected = EXPECTED[(current, held_from)]
    assert (target in allowed_targets(current, held_from)) == (target in expected)
    for decision in DECISIONS:
        if target in expected and decision == expected[target]:
            check_transition(current, target, decision, held_from)
            continue
        with pytest.raises(IllegalTransition) as info:
            check_transition(current, target, decision, held_from)
        message = str(info.value)
        assert current in message and target in message
        assert info.value.allowed == allowed_targets(current, held_from)
        if target in expected:  # right edge, wrong verb: the message names the verb that fits
            assert repr(expected[target]) in message and repr(decision) in message
        else:
            assert all(stage in message for stage in info.value.allowed)


def test_allowed_targets_are_listed_in_stage_order() -> None:
    assert allowed_targets("proposal", None) == ["approved", "on_hold", "cancelled", "rejected"]


def test_terminal_stage_message_says_so() -> None:
    with pytest.raises(IllegalTransition, match="final stage") as info:
        check_transition("closed", "in_progress", "approve", None)
    assert info.value.allowed == []


def test_unknown_stage_is_illegal() -> None:
    with pytest.raises(IllegalTransition, match="unknown"):
        check_transition("draft", "approved", "approve", None)
    assert allowed_targets("draft", None) == []


def test_held_from_is_ignored_outside_on_hold() -> None:
    assert allowed_targets("approved", "proposal") == allowed_targets("approved", None)


def test_decision_for_table() -> None:
    assert DECISION_FOR == {
        "approved": "approve",
        "in_progress": "approve",
        "rejected": "reject",
        "on_hold": "hold",
        "cancelled": "cancel",
        "closed": "close",
    }
