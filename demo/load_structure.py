"""Loads how the portfolio is organised (contract §7.2, §7.7) and reads it back from reporting (§7.8):
the custom fields before any project (`phase` is required), the programmes the projects join, the
benefits register with its measurements; then each programme's dashboard and the breakdown by phase,
once reporting has learned them from the events."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from demo.client import status_is
from demo.steps import Steps, gather
from demo.structure import FIELDS, PROGRAMMES, BenefitPlan


class StructureSteps(Steps):
    async def define_fields(self, portfolio_id: str) -> None:
        await self.api.call("PUT", "portfolio", f"/portfolios/{portfolio_id}/fields", json=FIELDS)

    async def create_programmes(self, portfolio_id: str) -> None:
        created = await gather(
            self.api.json("POST", "portfolio", "/programmes", json={**p.body(), "portfolio_id": portfolio_id})
            for p in PROGRAMMES
        )
        self.programmes = {p["code"]: p["id"] for p in created}

    async def structure(self, portfolio_id: str) -> None:
        await asyncio.gather(self.define_fields(portfolio_id), self.create_programmes(portfolio_id))
        fields = "; ".join(
            f"{f['key']} ({'required, ' if f['required'] else ''}{' / '.join(f['choices'])})" for f in FIELDS
        )
        shown = ", ".join(f"{p.code} {p.name!r}" for p in PROGRAMMES)
        self.say(f"custom fields {fields}; programmes {shown}")

    def project_links(self, code: str) -> dict[str, Any]:
        """The programme, custom fields and tags of a project's POST body."""
        s = self.demo.structure[code]
        programme = self.programmes[s.programme] if s.programme else None
        return {"programme_id": programme, "fields": s.fields, "tags": s.tags}

    def programme_counts(self) -> str:
        counts = {p.code: 0 for p in PROGRAMMES}
        alone = 0
        for s in self.demo.structure.values():
            if s.programme:
                counts[s.programme] += 1
            else:
                alone += 1
        return ", ".join(f"{code} {n}" for code, n in counts.items()) + f", {alone} standing alone"

    # -- benefits ----------------------------------------------------------------------------

    async def benefit(self, portfolio_id: str, plan: BenefitPlan) -> None:
        body = {
            **plan.body,
            "portfolio_id": portfolio_id,
            "project_id": self.ids[plan.project] if plan.project else None,
            "programme_id": self.programmes[plan.programme] if plan.programme else None,
        }
        created = await self.api.json("POST", "portfolio", "/benefits", json=body)
        self.count("benefits")
        # One after the other: each measurement raises the benefit's version.
        for measurement in plan.measurements:
            await self.api.call(
                "POST", "portfolio", f"/benefits/{created['id']}/measurements", json=measurement
            )
            self.count("measurements")

    async def benefits(self, portfolio_id: str) -> None:
        await gather(self.benefit(portfolio_id, b) for b in self.demo.benefits)
        units = sorted({str(b.body["unit"]) for b in self.demo.benefits})
        measured = sum(1 for b in self.demo.benefits if b.measurements)
        self.say(
            f"{self.counts.get('benefits', 0)} benefits in {', '.join(units)}; {measured} of them with "
            f"{self.counts.get('measurements', 0)} monthly measurements over the last year"
        )

    def benefits_of(self, programme: str) -> int:
        """How many benefits a programme's dashboard covers: its projects' and its own."""
        return sum(
            1
            for b in self.demo.benefits
            if b.programme == programme
            or (b.project and self.demo.structure[b.project].programme == programme)
        )

    # -- read back from reporting --------------------------------------------------------------

    async def programme_dashboard(self, code: str) -> dict[str, Any]:
        """A programme's dashboard once reporting has every benefit it covers, measured."""
        expected = self.benefits_of(code)
        deadline = time.monotonic() + self.config.patience
        board: dict[str, Any] = {}
        while time.monotonic() < deadline:
            board = await self.api.json(
                "GET", "reporting", f"/programmes/{self.programmes[code]}/dashboard", retry=status_is(404)
            )
            benefits = board["benefits"]
            if benefits["count"] == expected and benefits["realised_percent"] is not None:
                return board
            await asyncio.sleep(0.3)
        self.notes.append(f"the {code} programme dashboard was still catching up when the loader finished")
        return board

    async def programme_dashboards(self) -> dict[str, dict[str, Any]]:
        boards = await gather(self.programme_dashboard(p.code) for p in PROGRAMMES)
        return {p.code: b for p, b in zip(PROGRAMMES, boards, strict=True)}

    async def breakdown(self, portfolio_id: str, by: str = "field.phase") -> list[dict[str, Any]]:
        body = await self.api.json(
            "GET", "reporting", f"/portfolios/{portfolio_id}/breakdown", params={"by": by}
        )
        return list(body["items"])
