"""Loads what the organisation does once the projects exist: HR pushes people and capacity, resource
managers allocate, project managers raise risks and report status."""

from __future__ import annotations

from typing import Any

from demo.client import DemoError, status_is, unknown_field
from demo.people import AllocationPlan, capacity_rows
from demo.risks import RiskPlan
from demo.steps import Steps, gather


class DeliverySteps(Steps):
    # -- people ----------------------------------------------------------------------------------

    async def people_and_capacity(self) -> None:
        if self.config.hr_key:
            headers, who = {"X-API-Key": self.config.hr_key}, "the HR integration key"
        else:
            headers, who = {}, "the admin token (set PMO_DEMO_HR_KEY to push with an integration API key)"
        resources = [p.row for p in self.demo.people]
        report = await self.api.json(
            "POST", "resource", "/imports/resources", json={"rows": resources}, headers=headers
        )
        rows = capacity_rows(self.demo.people)
        capacity = await self.api.json(
            "POST", "resource", "/imports/capacity", json={"rows": rows}, headers=headers
        )
        for name, r in (("resources", report), ("capacity", capacity)):
            if r["rejected_count"]:
                raise DemoError(f"the {name} import rejected rows: {r['rejected'][:3]}")
        months = len({r["period"] for r in rows})
        self.say(
            f"HR import with {who}: {report['received']} people (created {report['created']}, "
            f"updated {report['updated']}, unchanged {report['unchanged']}), {capacity['received']} "
            f"capacity rows over {months} months"
        )
        listed = await self.api.all_pages("resource", "/resources")
        self.people = {r["external_id"]: r["id"] for r in listed}

    # -- allocations -----------------------------------------------------------------------------

    async def allocation(self, plan: AllocationPlan) -> None:
        resource_id = self.people[plan.person] if plan.person else None
        await self.api.call(
            "POST",
            "resource",
            "/allocations",
            json=plan.body(self.ids[plan.code], resource_id),
            retry=unknown_field("project_id"),
        )
        self.count("allocations")
        if plan.person:
            self.count("named allocations")

    async def allocations(self) -> None:
        # The capacity-hungry proposal last: when its demand reaches the portfolio service, the
        # earlier projects' demand has (the outbox relays in order).
        plans = self.demo.allocations
        await gather(self.allocation(a) for a in plans if a.code != "AI-TRIAGE")
        await gather(self.allocation(a) for a in plans if a.code == "AI-TRIAGE")
        projects = len({a.code for a in plans})
        self.say(
            f"{self.counts['allocations']} allocations for {projects} projects "
            f"({self.counts.get('named allocations', 0)} of named people, the rest role demand)"
        )

    # -- risks -----------------------------------------------------------------------------------

    async def risk(self, portfolio_id: str, plan: RiskPlan) -> None:
        body = {
            **plan.body,
            "portfolio_id": portfolio_id,
            "project_id": self.ids[plan.code] if plan.code else None,
        }
        created = await self.api.json(
            "POST",
            "risk",
            "/risks",
            json=body,
            retry=unknown_field("project_id" if plan.code else "portfolio_id"),
        )
        risk_id = created["id"]
        self.count("opportunities" if body["kind"] == "opportunity" else "threats")
        if plan.response:
            await self.api.call("POST", "risk", f"/risks/{risk_id}/responses", json=plan.response)
            self.count("responses")
        if plan.residual:
            p, i = plan.residual
            await self.api.call(
                "POST",
                "risk",
                f"/risks/{risk_id}/assessments",
                json={
                    "basis": "residual",
                    "probability": p,
                    "impact": i,
                    "note": "After the planned responses.",
                },
            )
            self.count("residual assessments")
        if plan.materialise:
            issue = await self.api.call(
                "POST",
                "risk",
                f"/risks/{risk_id}/materialise",
                json={"title": f"{body['title']} — it happened", "priority": "high"},
            )
            await self.api.call(
                "PATCH",
                "risk",
                f"/issues/{issue.json()['id']}",
                json={"status": "in_progress"},
                headers={"If-Match": issue.headers["etag"]},
            )
            self.count("issues")
        if plan.close:
            current = await self.api.call("GET", "risk", f"/risks/{risk_id}")
            await self.api.call(
                "PATCH",
                "risk",
                f"/risks/{risk_id}",
                json={"status": "closed"},
                headers={"If-Match": current.headers["etag"]},
            )
            self.count("closed risks")

    async def risks(self, portfolio_id: str) -> None:
        await gather(self.risk(portfolio_id, r) for r in self.demo.risks)
        c = self.counts
        self.say(
            f"{c.get('threats', 0)} threats and {c.get('opportunities', 0)} opportunities with cost impacts, "
            f"{c.get('responses', 0)} responses, {c.get('residual assessments', 0)} residual assessments, "
            f"{c.get('issues', 0)} materialised as an issue, {c.get('closed risks', 0)} closed"
        )

    # -- status reports --------------------------------------------------------------------------

    async def reports_of(self, code: str, reports: list[dict[str, Any]]) -> None:
        project_id = self.ids[code]
        for report in reports:
            await self.api.call(
                "POST",
                "reporting",
                f"/projects/{project_id}/status-reports",
                json=report,
                retry=status_is(404),
            )
            self.count("status reports")

    async def status_reports(self) -> None:
        await gather(self.reports_of(code, reports) for code, reports in self.demo.reports.items() if reports)
        projects = sum(1 for r in self.demo.reports.values() if r)
        self.say(f"{self.counts.get('status reports', 0)} monthly status reports for {projects} projects")
