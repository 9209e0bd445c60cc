"""The gate tables agree with the lifecycle and the contract (§7.5)."""

from __future__ import annotations

from typing import get_args

from pmo_portfolio.gates.facts import FACTS
from pmo_portfolio.gates.policy_schemas import GatedStage
from pmo_portfolio.logic.lifecycle import DECISION_FOR, RESUMABLE, STAGES


def test_gated_stages_are_those_an_approve_decision_enters():
    approve_targets = {stage for stage, decision in DECISION_FOR.items() if decision == "approve"}
    expected = [s for s in STAGES if s in approve_targets | set(RESUMABLE)]
    assert list(get_args(GatedStage)) == expected


def test_the_facts_are_the_contracts():
    assert set(FACTS) == {
        "risks.open_count",
        "risks.max_open_score",
        "risks.escalated_without_response",
        "evm.cpi",
        "evm.spi",
        "status_report.age_days",
        "status_report.overall",
        "scores.complete",
        "baseline.exists",
        "actions.overdue",
        "benefits.count",
    }
    assert FACTS["status_report.overall"] == "text"
    assert {FACTS["scores.complete"], FACTS["baseline.exists"]} == {"boolean"}
