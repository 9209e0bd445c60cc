"""The checked-in AsyncAPI document matches the event catalogue (regenerate with `make asyncapi`)."""

from __future__ import annotations

import json
from pathlib import Path

from pmo_common.asyncapi import build, render
from pmo_common.contracts.events import CATALOGUE

DOC = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"

CONTRACT_SUBJECTS = {
    "pmo.portfolio.project.created",
    "pmo.portfolio.project.updated",
    "pmo.portfolio.project.stage_changed",
    "pmo.portfolio.project.deleted",
    "pmo.portfolio.portfolio.created",
    "pmo.portfolio.portfolio.updated",
    "pmo.portfolio.portfolio.deleted",
    "pmo.portfolio.scenario.approved",
    "pmo.risk.risk.raised",
    "pmo.risk.risk.updated",
    "pmo.risk.risk.closed",
    "pmo.risk.risk.escalated",
    "pmo.risk.risk.deescalated",
    "pmo.risk.issue.opened",
    "pmo.risk.issue.updated",
    "pmo.resource.resource.upserted",
    "pmo.resource.resource.deleted",
    "pmo.resource.capacity.changed",
    "pmo.resource.demand.changed",
    "pmo.resource.overallocation.detected",
    "pmo.resource.import.completed",
    "pmo.reporting.status_report.submitted",
    "pmo.reporting.project.health_changed",
    # §7 (the second release)
    "pmo.portfolio.baseline.approved",
    "pmo.portfolio.decision.recorded",
    "pmo.portfolio.action.created",
    "pmo.portfolio.action.updated",
    "pmo.portfolio.action.overdue",
    "pmo.portfolio.benefit.created",
    "pmo.portfolio.benefit.updated",
    "pmo.portfolio.benefit.deleted",
    "pmo.portfolio.benefit.measured",
}
# Subjects the platform adds beyond the contract's names (documented in the AsyncAPI document): risk
# responses, which the portfolio's action register lists; programmes, which reporting groups by.
PLATFORM_SUBJECTS = {
    "pmo.risk.response.created",
    "pmo.risk.response.updated",
    "pmo.portfolio.programme.created",
    "pmo.portfolio.programme.updated",
    "pmo.portfolio.programme.deleted",
}


def test_the_catalogue_has_exactly_the_contract_subjects_and_the_platform_s_own():
    assert set(CATALOGUE) == CONTRACT_SUBJECTS | PLATFORM_SUBJECTS


def test_the_checked_in_document_has_not_drifted():
    assert DOC.read_text() == render(), "docs/asyncapi.json is stale: run `make asyncapi` and commit it"


def test_every_subject_is_a_channel_with_a_resolvable_message():
    doc = build()
    assert doc["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert addresses == CONTRACT_SUBJECTS | PLATFORM_SUBJECTS
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        node = doc
        for step in ref.removeprefix("#/").split("/"):
            node = node[step]
        assert node, ref
