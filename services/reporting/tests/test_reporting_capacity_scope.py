"""A portfolio dashboard's capacity section covers only the roles and people its own projects'
allocations use (issue 13; contract §7.8): another portfolio's over-allocated people stay out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pmo_common.contracts.events import ProjectUpdated
from pmo_common.testing.harness import auth, eventually

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")


async def test_each_portfolio_sees_the_roles_and_people_its_projects_use(client, feed) -> None:
    north, south = await feed.portfolio(name="North"), await feed.portfolio(name="South")
    build = await feed.project(north["id"], code="BUILD")
    audit = await feed.project(south["id"], code="AUDIT")
    now = datetime.now(UTC)
    month, next_year = now.strftime("%Y-%m"), f"{now.year + 1:04d}-{now.month:02d}"
    capacity = [("dev", 320), ("qa", 160), ("architect", 80), ("ops", 100)]  # nobody's projects use ops
    await feed.capacity(1, [{"role": role, "period": month, "hours": hours} for role, hours in capacity])
    # Each project's roles, this month or later (a role used later is listed with this month's load).
    build_demand = [("dev", month, 200), ("architect", next_year, 50)]
    audit_demand = [("qa", month, 200), ("pmo", next_year, 40)]  # nobody has the pmo role's capacity
    for project, demand in ((build, build_demand), (audit, audit_demand)):
        cells = [{"role": role, "period": period, "hours": hours} for role, period, hours in demand]
        await feed.demand(project["id"], 1, cells)
    developer, tester = str(uuid.uuid4()), str(uuid.uuid4())
    for person, role in ((developer, "dev"), (tester, "qa")):
        await feed.overallocation(
            id=person,
            version=1,
            resource_id=person,
            role=role,
            period=month,
            capacity_hours=160,
            demand_hours=200,
            excess_hours=40,
        )

    async def capacity_of(portfolio: dict[str, Any]) -> dict[str, Any] | None:
        url = f"{PREFIX}/portfolios/{portfolio['id']}/dashboard"
        section: dict[str, Any] = (await client.get(url, headers=ADMIN)).json()["capacity"]
        return section if section["overallocated"] and section["utilisation_by_role"] else None

    north_capacity = await eventually(lambda: capacity_of(north))
    south_capacity = await eventually(lambda: capacity_of(south))
    assert north_capacity["utilisation_by_role"] == {"architect": 0.0, "dev": 0.625}  # 200 / 320
    assert [o["resource_id"] for o in north_capacity["overallocated"]] == [developer]
    assert south_capacity["utilisation_by_role"] == {"pmo": None, "qa": 1.25}  # 200 / 160
    assert [o["resource_id"] for o in south_capacity["overallocated"]] == [tester]

    # A project moving to North brings its roles (and their over-allocated people) along.
    await feed.publish(ProjectUpdated, audit | {"version": 2, "portfolio_id": north["id"]})

    async def moved() -> dict[str, Any] | None:
        section = await capacity_of(north)
        return section if section and len(section["overallocated"]) == 2 else None

    north_capacity = await eventually(moved)
    assert north_capacity["utilisation_by_role"] == {"architect": 0.0, "dev": 0.625, "pmo": None, "qa": 1.25}
    url = f"{PREFIX}/portfolios/{south['id']}/dashboard"
    south_capacity = (await client.get(url, headers=ADMIN)).json()["capacity"]
    assert (south_capacity["utilisation_by_role"], south_capacity["overallocated"]) == ({}, [])
