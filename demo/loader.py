"""Loads the demo portfolio through the public HTTP APIs, in the order a real organisation would:
the PMO sets up the portfolio, HR pushes people and capacity, projects pass their gates, resource
managers allocate, project managers raise risks and report status, and the PMO selects the next
round's projects with capacity respected."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar

import httpx
from pmo_common.contracts.types import month_from_index, month_index

from demo import data
from demo.client import Api, Config, DemoError, status_is, unknown_field

T = TypeVar("T")
Out = Callable[[str], None]


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
    urls: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


async def gather(tasks: Iterable[Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*tasks))


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


class Loader:
    def __init__(self, api: Api, config: Config, demo: data.DemoData, out: Out) -> None:
        self.api = api
        self.config = config
        self.demo = demo
        self.out = out
        self.ids: dict[str, str] = {}
        self.people: dict[str, str] = {}  # external_id -> resource id
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        self.out(f"[{time.monotonic() - self.started:5.1f}s] {text}")

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # -- portfolio set-up --------------------------------------------------------------------

    async def existing_demo(self) -> list[dict[str, Any]]:
        portfolios = await self.api.all_pages("portfolio", "/portfolios")
        return [p for p in portfolios if str(p["name"]).startswith(data.PORTFOLIO_PREFIX)]

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
            "description": f"{data.COMPANY}'s change portfolio: claims, customer, data, finance, security and "
            "infrastructure programmes (demo data).",
            "currency": "EUR",
            "budget": f"{budget:.2f}",
            "start_date": data.month_start(cur - 18).isoformat(),
            "end_date": data.month_end(cur + 30).isoformat(),
        }
        portfolio: dict[str, Any] = await self.api.json("POST", "portfolio", "/portfolios", json=body)
        self.say(f"portfolio {name!r} {portfolio['id']} (EUR {_money(budget)})")
        return portfolio

    async def criteria(self, portfolio_id: str) -> list[str]:
        created = await gather(
            self.api.json(
                "POST", "portfolio", f"/portfolios/{portfolio_id}/criteria", json={**c, "weight": 1}
            )
            for c in data.CRITERIA
        )
        ids = [c["id"] for c in created]
        ahp = await self.api.json(
            "POST",
            "portfolio",
            f"/portfolios/{portfolio_id}/criteria/ahp",
            json={"criteria": ids, "matrix": data.AHP_MATRIX, "apply": True},
        )
        weights = ", ".join(
            f"{c['name']} {ahp['weights'][i]:.2f}" for c, i in zip(data.CRITERIA, ids, strict=True)
        )
        self.say(f"{len(ids)} criteria weighted by AHP (CR {ahp['consistency_ratio']:.3f}): {weights}")
        return ids

    async def project(self, portfolio_id: str, plan: data.ProjectPlan, criteria: list[str]) -> None:
        body = {
            **plan.body,
            "portfolio_id": portfolio_id,
            "depends_on": [self.ids[c] for c in plan.spec.depends_on],
            "excludes": [self.ids[c] for c in plan.spec.excludes],
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
        for to_stage, decision, rationale, decided_at in data.gate_decisions(plan, datetime.now(UTC)):
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
        self.say(
            f"{len(plans)} projects with scores and WSJF, {self.counts.get('gate decisions', 0)} gate decisions: {shown}"
        )

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
        rows = data.capacity_rows(self.demo.people)
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

    async def allocation(self, plan: data.AllocationPlan) -> None:
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

    async def risk(self, portfolio_id: str, plan: data.RiskPlan) -> None:
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
            "name": "Next planning round — capacity-aware",
            "budget": f"{budget:.2f}",
            "respect_capacity": True,
            "force_in": [],
            "force_out": [],
            "weights": None,
        }
        scenario: dict[str, Any] = await self.api.json(
            "POST",
            "portfolio",
            f"/portfolios/{portfolio_id}/scenarios",
            json=body,
            retry=status_is(422),
            patience=5,
        )
        result = scenario["result"]
        approved = await self.api.json(
            "POST", "portfolio", f"/portfolios/{portfolio_id}/scenarios/{scenario['id']}/approve"
        )
        codes = {v: k for k, v in self.ids.items()}
        moved = ", ".join(sorted(codes[p] for p in approved["approved_projects"])) or "none"
        self.say(
            f"scenario with respect_capacity within EUR {_money(budget)}: {len(result['selected'])} selected, "
            f"{len(result['excluded'])} excluded ({result['solver']['status']}, "
            f"{result['solver']['seconds']:.2f}s); approved, moving {moved} to approved"
        )
        for item in result["excluded"][:5]:
            reasons = item["reasons"]
            more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
            self.out(f"          not selected {codes.get(item['project_id'], '?')}: {reasons[0]}{more}")
        return approved

    # -- the result ------------------------------------------------------------------------------

    async def mark_complete(self, portfolio_id: str) -> None:
        current = await self.api.call("GET", "portfolio", f"/portfolios/{portfolio_id}")
        description = f"{current.json()['description']} {data.COMPLETE} (seed {self.config.seed})."
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
            ):
                return board
            await asyncio.sleep(0.3)
        self.notes.append("the reporting read models were still catching up when the loader finished")
        return board


def urls(config: Config, portfolio_id: str) -> dict[str, str]:
    rep = config.url("reporting") + f"/portfolios/{portfolio_id}"
    now = month_index(datetime.now(UTC).strftime("%Y-%m"))
    year_ago, next_year = month_from_index(now - 11), month_from_index(now + 11)
    return {
        "dashboard": f"{rep}/dashboard",
        "report.html": f"{rep}/report.html",
        "report.csv": f"{rep}/report.csv",
        "kpis": f"{rep}/kpis?from={year_ago}&to={month_from_index(now)}",
        "ranking": config.url("portfolio") + f"/portfolios/{portfolio_id}/ranking?method=weighted",
        "risks": config.url("risk") + f"/risks?portfolio_id={portfolio_id}&sort=-score",
        "capacity": config.url("resource")
        + f"/capacity?group_by=role&from={month_from_index(now)}&to={next_year}",
    }


def print_urls(config: Config, result: DemoResult, out: Out) -> None:
    out("")
    out("Open (every URL needs the token):")
    for name, url in result.urls.items():
        out(f"  {name:<12} {url}")
    token = "$PMO_TOKEN" if not config.minted else config.bearer()
    out("")
    if config.minted:
        out("The loader minted an admin token with the development secret:")
        out(f"  export PMO_TOKEN={token}")
    out(f'  curl -s -H "Authorization: Bearer $PMO_TOKEN" {result.urls["dashboard"]} | python -m json.tool')
    out(f'  curl -s -H "Authorization: Bearer $PMO_TOKEN" -o report.html {result.urls["report.html"]}')
    out(f'  curl -s -H "Authorization: Bearer $PMO_TOKEN" -o report.csv {result.urls["report.csv"]}')
    out(f"  API docs: {config.root('portfolio')}/docs, {config.root('risk')}/docs, "
        f"{config.root('resource')}/docs, {config.root('reporting')}/docs")  # fmt: skip


def summarise(board: dict[str, Any], out: Out) -> None:
    projects, evm, risks, cap = board["projects"], board["evm"], board["risks"], board["capacity"]
    stages = ", ".join(f"{n} {s}" for s, n in sorted(projects["by_stage"].items(), key=lambda kv: -kv[1]))
    rag = ", ".join(f"{n} {s}" for s, n in sorted(projects["by_rag"].items(), key=lambda kv: -kv[1]))
    out("")
    out(f"Dashboard as of {board['as_of']} ({board['currency']}):")
    out(f"  projects     {projects['total']}: {stages}")
    out(f"  RAG          {rag}")
    out(
        f"  EVM          BAC {_money(Decimal(evm['bac']))}, PV {_money(Decimal(evm['pv']))}, "
        f"EV {_money(Decimal(evm['ev']))}, AC {_money(Decimal(evm['ac']))}, SPI {evm['spi']}, CPI {evm['cpi']}"
    )
    out(
        f"  risks        {risks['open']} open, {risks['escalated']} escalated, "
        f"EMV {_money(Decimal(risks['emv_total']))}"
    )
    busiest = sorted(
        ((r, u) for r, u in cap["utilisation_by_role"].items() if u is not None), key=lambda ru: -ru[1]
    )[:4]
    shown = ", ".join(f"{r} {u:.0%}" for r, u in busiest)
    out(f"  capacity     {cap['period']}: {shown}; {len(cap['overallocated'])} people over-allocated")
    out(f"  attention    {board['attention_total']} projects, e.g.")
    for item in board["attention"][:3]:
        out(f"               {item['code']}: {'; '.join(item['reasons'])}")


async def load(config: Config, out: Out = print) -> DemoResult:
    started = time.monotonic()
    today = datetime.now(UTC).date()
    demo = data.generate(config.seed, today)
    limits = httpx.Limits(
        max_connections=config.concurrency * 2, max_keepalive_connections=config.concurrency
    )
    async with httpx.AsyncClient(timeout=config.timeout, limits=limits) as http:
        api = Api(config, http)
        loader = Loader(api, config, demo, out)
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
        existing = await loader.existing_demo()
        complete = [p for p in existing if data.COMPLETE in str(p["description"])]
        if complete and not config.again:
            first = complete[0]
            result = DemoResult(first["id"], first["name"], existing=True, urls=urls(config, first["id"]))
            out(f"A demo portfolio is already loaded: {first['name']!r} ({first['id']}).")
            out("Load another copy with `PMO_DEMO_AGAIN=1 make demo` (or `python -m demo --again`).")
            print_urls(config, result, out)
            return result
        if len(existing) > len(complete):
            out(
                f"note: {len(existing) - len(complete)} earlier demo load(s) did not finish; loading a new copy"
            )
        name = data.PORTFOLIO_PREFIX + (f" #{len(existing) + 1})" if existing else ")")
        loader.say(f"loading {name!r} into {config.root('portfolio')} … (seed {config.seed})")
        scenario_budget, portfolio_budget = loader.budgets()

        async def portfolio_side() -> str:
            portfolio = await loader.create_portfolio(name, portfolio_budget)
            criteria = await loader.criteria(portfolio["id"])
            await loader.projects(portfolio["id"], criteria)
            return str(portfolio["id"])

        portfolio_id, _ = await asyncio.gather(portfolio_side(), loader.people_and_capacity())
        await asyncio.gather(loader.allocations(), loader.risks(portfolio_id), loader.status_reports())
        scenario = await loader.scenario(portfolio_id, scenario_budget)
        await loader.mark_complete(portfolio_id)
        stages = await loader.final_stages(portfolio_id)
        board = await loader.dashboard(portfolio_id, stages)
        result = DemoResult(
            portfolio_id,
            name,
            projects=dict(loader.ids),
            stages=stages,
            counts=dict(loader.counts),
            scenario=scenario,
            dashboard=board,
            urls=urls(config, portfolio_id),
            seconds=time.monotonic() - started,
            notes=loader.notes,
        )
        summarise(board, out)
        for note in loader.notes:
            out(f"note: {note}")
        out("")
        out(
            f"Loaded in {result.seconds:.1f}s with {api.requests} HTTP requests "
            f"({api.retries} retries while events propagated)."
        )
        print_urls(config, result, out)
        return result
