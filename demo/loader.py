"""Loads the demo portfolio through the public HTTP APIs, in the order a real organisation would:
the PMO sets up the portfolio, its custom fields and programmes, HR pushes people and capacity,
projects pass their gates, resource managers allocate, project managers raise risks, report status
and measure benefits, and the PMO selects the next round's projects within each fiscal year's budget
and with capacity respected."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx

from demo import data
from demo.client import Api, Config, DemoError, status_is
from demo.load_delivery import DeliverySteps
from demo.load_structure import StructureSteps
from demo.output import amount, print_urls, summarise, summarise_structure, urls
from demo.projects import (
    AHP_MATRIX,
    COMPANY,
    COMPLETE,
    CRITERIA,
    PORTFOLIO_PREFIX,
    ProjectPlan,
    gate_decisions,
    month_end,
    month_start,
)
from demo.scenario import scenario_body
from demo.steps import Out, gather
from demo.structure import PROGRAMMES


@dataclass
class DemoResult:
    portfolio_id: str
    portfolio_name: str
    existing: bool = False
    projects: dict[str, str] = field(default_factory=dict)  # code -> id
    stages: dict[str, str] = field(default_factory=dict)  # code -> final stage
    counts: dict[str, int] = field(default_factory=dict)
    scenario: dict[str, Any] | None = None
    dashboard: dict[str, Any] | None = None
    programmes: dict[str, str] = field(default_factory=dict)  # code -> id
    programme_dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> dashboard
    by_phase: list[dict[str, Any]] = field(default_factory=list)  # the breakdown by field.phase
    urls: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Loader(StructureSteps, DeliverySteps):
    # -- portfolio set-up --------------------------------------------------------------------

    async def existing_demo(self) -> list[dict[str, Any]]:
        portfolios = await self.api.all_pages("portfolio", "/portfolios")
        return [p for p in portfolios if str(p["name"]).startswith(PORTFOLIO_PREFIX)]

    def budgets(self) -> tuple[Decimal, Decimal]:
        """(scenario budget, portfolio budget): everything committed and mandatory plus about half of
        the rest, so the selection has to choose; the portfolio also carries the delivered projects."""
        cost = {p.code: Decimal(p.body["budget"]) for p in self.demo.projects}
        stage = {p.code: p.spec.stage for p in self.demo.projects}
        committed = sum(
            (cost[c] for c in cost if stage[c] == "in_progress" or self.demo.project(c).spec.mandatory),
            Decimal(0),
        )
        optional = sum(
            (
                cost[c]
                for c in cost
                if stage[c] in ("approved", "on_hold", "proposal") and not self.demo.project(c).spec.mandatory
            ),
            Decimal(0),
        )
        scenario = ((committed + optional * Decimal("0.5")) / 100_000).quantize(Decimal(1)) * 100_000
        held = sum((cost[c] for c in cost if stage[c] in ("closed", "on_hold")), Decimal(0))
        portfolio = ((scenario + held) / 1_000_000 + 1).quantize(Decimal(1), rounding=ROUND_DOWN) * 1_000_000
        return scenario, portfolio

    async def create_portfolio(self, name: str, budget: Decimal) -> dict[str, Any]:
        cur = self.demo.current_month
        body = {
            "name": name,
            "description": f"{COMPANY}'s change portfolio: claims, customer, data, finance, security and "
            "infrastructure programmes (demo data).",
            "currency": "EUR",
            "budget": f"{budget:.2f}",
            "start_date": month_start(cur - 18).isoformat(),
            "end_date": month_end(cur + 30).isoformat(),
        }
        portfolio: dict[str, Any] = await self.api.json("POST", "portfolio", "/portfolios", json=body)
        self.say(f"portfolio {name!r} {portfolio['id']} (EUR {amount(budget)})")
        return portfolio

    async def criteria(self, portfolio_id: str) -> list[str]:
        created = await gather(
            self.api.json(
                "POST", "portfolio", f"/portfolios/{portfolio_id}/criteria", json={**c, "weight": 1}
            )
            for c in CRITERIA
        )
        ids = [c["id"] for c in created]
        ahp = await self.api.json(
            "POST",
            "portfolio",
            f"/portfolios/{portfolio_id}/criteria/ahp",
            json={"criteria": ids, "matrix": AHP_MATRIX, "apply": True},
        )
        weights = ", ".join(
            f"{c['name']} {ahp['weights'][i]:.2f}" for c, i in zip(CRITERIA, ids, strict=True)
        )
        self.say(f"{len(ids)} criteria weighted by AHP (CR {ahp['consistency_ratio']:.3f}): {weights}")
        return ids

    async def project(self, portfolio_id: str, plan: ProjectPlan, criteria: list[str]) -> None:
        body = {
            **plan.body,
            "portfolio_id": portfolio_id,
            "depends_on": [self.ids[c] for c in plan.spec.depends_on],
            "excludes": [self.ids[c] for c in plan.spec.excludes],
            **self.project_links(plan.code),
        }
        created = await self.api.json("POST", "portfolio", "/projects", json=body)
        project_id = created["id"]
        self.ids[plan.code] = project_id
        await self.api.call(
            "PUT",
            "portfolio",
            f"/projects/{project_id}/scores",
            json=dict(zip(criteria, plan.scores, strict=True)),
        )
        for to_stage, decision, rationale, decided_at in gate_decisions(plan, datetime.now(UTC)):
            body = {"to_stage": to_stage, "decision": decision, "rationale": rationale}
            if decided_at is not None:  # history, back-dated
                body["decided_at"] = decided_at.isoformat()
            await self.api.call("POST", "portfolio", f"/projects/{project_id}/gate-decisions", json=body)
            self.count("gate decisions")

    async def projects(self, portfolio_id: str, criteria: list[str]) -> None:
        plans = self.demo.projects
        linked = [p for p in plans if p.spec.depends_on or p.spec.excludes]
        await gather(self.project(portfolio_id, p, criteria) for p in plans if p not in linked)
        await gather(self.project(portfolio_id, p, criteria) for p in linked)
        stages: dict[str, int] = {}
        for p in plans:
            stages[p.spec.stage] = stages.get(p.spec.stage, 0) + 1
        shown = ", ".join(f"{n} {s}" for s, n in sorted(stages.items(), key=lambda kv: -kv[1]))
        tagged = sum(1 for s in self.demo.structure.values() if s.tags)
        self.say(
            f"{len(plans)} projects ({self.programme_counts()}) with scores, WSJF, phase, business unit and "
            f"{tagged} with tags; {self.counts.get('gate decisions', 0)} gate decisions: {shown}"
        )

    # -- selection -------------------------------------------------------------------------------

    async def capacity_known(self, portfolio_id: str) -> bool:
        """True once the portfolio service has the capacity and the hungry proposal's demand: the
        best selection at an unlimited budget then leaves AI-TRIAGE out."""
        hungry = self.ids["AI-TRIAGE"]
        deadline = time.monotonic() + self.config.patience
        while time.monotonic() < deadline:
            response = await self.api.call(
                "GET",
                "portfolio",
                f"/portfolios/{portfolio_id}/frontier",
                params={"points": 2, "respect_capacity": "true"},
                expect=(200, 422),
            )
            if response.status_code == 200 and hungry not in response.json()[-1]["project_ids"]:
                return True
            await asyncio.sleep(0.3)
        return False

    async def scenario(self, portfolio_id: str, budget: Decimal) -> dict[str, Any]:
        if not await self.capacity_known(portfolio_id):
            self.notes.append("the portfolio service had not applied the capacity events in time")
        body = {
            "name": "Next planning round — fiscal years, capacity-aware",
            "budget": f"{budget:.2f}",
            **scenario_body(self.demo.rules, self.ids),
            "respect_capacity": True,
            "force_in": [],
            "force_out": [],
            "weights": None,
        }
        solved: dict[str, Any] = await self.api.json(
            "POST",
            "portfolio",
            f"/portfolios/{portfolio_id}/scenarios",
            json=body,
            retry=status_is(422),
            patience=5,
        )
        approved: dict[str, Any] = await self.api.json(
            "POST", "portfolio", f"/portfolios/{portfolio_id}/scenarios/{solved['id']}/approve"
        )
        self.describe_scenario(budget, approved)
        return approved

    def describe_scenario(self, budget: Decimal, scenario: dict[str, Any]) -> None:
        result = scenario["result"]
        codes = {v: k for k, v in self.ids.items()}
        moved = ", ".join(sorted(codes[p] for p in scenario["approved_projects"])) or "none"
        years = ", ".join(
            f"{p['name']} {amount(p['amount'])} (slack {amount(p['slack'])})"
            for p in result["period_budgets"]
        )
        self.say(
            f"scenario within EUR {amount(budget)} overall and per fiscal year {years}, "
            f"{len(scenario['groups'])} groups, respecting capacity: {len(result['selected'])} selected, "
            f"{len(result['excluded'])} excluded ({result['solver']['status']}, "
            f"{result['solver']['seconds']:.2f}s); approved, moving {moved} to approved"
        )
        self.out(f"          binding: {'; '.join(result['binding_constraints'])}")
        for item in result["excluded"]:
            reasons = item["reasons"]
            more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
            self.out(f"          not selected {codes.get(item['project_id'], '?')}: {reasons[0]}{more}")

    # -- the result ------------------------------------------------------------------------------

    async def mark_complete(self, portfolio_id: str) -> None:
        current = await self.api.call("GET", "portfolio", f"/portfolios/{portfolio_id}")
        description = f"{current.json()['description']} {COMPLETE} (seed {self.config.seed})."
        await self.api.call(
            "PATCH",
            "portfolio",
            f"/portfolios/{portfolio_id}",
            json={"description": description},
            headers={"If-Match": current.headers["etag"]},
        )

    async def final_stages(self, portfolio_id: str) -> dict[str, str]:
        projects = await self.api.all_pages("portfolio", "/projects", {"portfolio_id": portfolio_id})
        return {p["code"]: p["stage"] for p in projects}

    async def dashboard(self, portfolio_id: str, stages: dict[str, str]) -> dict[str, Any]:
        """The reporting dashboard once its read models have caught up with everything loaded."""
        expected: dict[str, int] = {}
        for stage in stages.values():
            expected[stage] = expected.get(stage, 0) + 1
        open_risks = self.counts.get("threats", 0) + self.counts.get("opportunities", 0)
        open_risks -= self.counts.get("issues", 0) + self.counts.get("closed risks", 0)
        deadline = time.monotonic() + self.config.patience
        board: dict[str, Any] = {}
        while time.monotonic() < deadline:
            board = await self.api.json(
                "GET", "reporting", f"/portfolios/{portfolio_id}/dashboard", retry=status_is(404)
            )
            if (
                board["projects"]["by_stage"] == expected
                and board["risks"]["open"] == open_risks
                and board["capacity"]["utilisation_by_role"]
                and board["benefits"]["count"] == len(self.demo.benefits)
            ):
                return board
            await asyncio.sleep(0.3)
        self.notes.append("the reporting read models were still catching up when the loader finished")
        return board


async def check_ready(http: httpx.AsyncClient, config: Config) -> None:
    for service in ("portfolio", "risk", "resource", "reporting"):
        try:
            ready = await http.get(config.root(service) + "/readyz", timeout=5)
        except httpx.TransportError as exc:
            raise DemoError(
                f"the {service} service does not answer at {config.root(service)} — start the stack with "
                "`make run` in another terminal (or set PMO_DEMO_<SERVICE>_URL)"
            ) from exc
        if ready.status_code != 200:
            raise DemoError(f"the {service} service is not ready: {ready.text[:300]}")


async def load_portfolio(loader: Loader, name: str) -> DemoResult:
    """Every step, in dependency order: fields and programmes before the projects that use them,
    projects before what refers to them, the selection once capacity and demand are known."""
    scenario_budget, portfolio_budget = loader.budgets()

    async def portfolio_side() -> str:
        portfolio = await loader.create_portfolio(name, portfolio_budget)
        criteria, _ = await asyncio.gather(
            loader.criteria(portfolio["id"]), loader.structure(portfolio["id"])
        )
        await loader.projects(portfolio["id"], criteria)
        return str(portfolio["id"])

    portfolio_id, _ = await asyncio.gather(portfolio_side(), loader.people_and_capacity())
    await asyncio.gather(
        loader.allocations(),
        loader.risks(portfolio_id),
        loader.status_reports(),
        loader.benefits(portfolio_id),
    )
    scenario = await loader.scenario(portfolio_id, scenario_budget)
    await loader.mark_complete(portfolio_id)
    stages = await loader.final_stages(portfolio_id)
    board = await loader.dashboard(portfolio_id, stages)
    programmes = await loader.programme_dashboards()
    return DemoResult(
        portfolio_id,
        name,
        projects=dict(loader.ids),
        stages=stages,
        counts=dict(loader.counts),
        scenario=scenario,
        dashboard=board,
        programmes=dict(loader.programmes),
        programme_dashboards=programmes,
        by_phase=await loader.breakdown(portfolio_id),
        urls=urls(loader.config, portfolio_id),
        notes=loader.notes,
    )


async def load(config: Config, out: Out = print) -> DemoResult:
    started = time.monotonic()
    demo = data.generate(config.seed, datetime.now(UTC).date())
    limits = httpx.Limits(
        max_connections=config.concurrency * 2, max_keepalive_connections=config.concurrency
    )
    async with httpx.AsyncClient(timeout=config.timeout, limits=limits) as http:
        await check_ready(http, config)
        api = Api(config, http)
        loader = Loader(api, config, demo, out)
        existing = await loader.existing_demo()
        complete = [p for p in existing if COMPLETE in str(p["description"])]
        if complete and not config.again:
            first = complete[0]
            result = DemoResult(first["id"], first["name"], existing=True, urls=urls(config, first["id"]))
            out(f"A demo portfolio is already loaded: {first['name']!r} ({first['id']}).")
            out("Load another copy with `PMO_DEMO_AGAIN=1 make demo` (or `python -m demo --again`).")
            print_urls(config, result.urls, out)
            return result
        if len(existing) > len(complete):
            out(
                f"note: {len(existing) - len(complete)} earlier demo load(s) did not finish; loading a new copy"
            )
        name = PORTFOLIO_PREFIX + (f" #{len(existing) + 1})" if existing else ")")
        loader.say(f"loading {name!r} into {config.root('portfolio')} … (seed {config.seed})")
        result = await load_portfolio(loader, name)
        result.seconds = time.monotonic() - started
        if result.dashboard:
            summarise(result.dashboard, out)
        names = {p.code: p.name for p in PROGRAMMES}
        summarise_structure(result.programme_dashboards, names, result.by_phase, out)
        for note in loader.notes:
            out(f"note: {note}")
        out("")
        out(
            f"Loaded in {result.seconds:.1f}s with {api.requests} HTTP requests "
            f"({api.retries} retries while events propagated)."
        )
        print_urls(config, result.urls, out)
        return result
