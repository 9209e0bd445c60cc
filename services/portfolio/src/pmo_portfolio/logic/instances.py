"""Random but realistic selection instances, for tests and `make bench`."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from pmo_common.mspdi.monthly import largest_remainder

from pmo_portfolio.logic.periods import GROUP_RULES, Group, PeriodBudget
from pmo_portfolio.logic.problem import Candidate


def _month(start_year: int, offset: int) -> str:
    return f"{start_year + offset // 12:04d}-{offset % 12 + 1:02d}"


def random_instance(
    n: int, roles: int, months: int, seed: int
) -> tuple[list[Candidate], int, dict[tuple[str, str], float]]:
    """(candidates, budget, capacity) with ids "P-0".."P-{n-1}", roles "role-0".., months from 2027-01.

    Shaped like a real portfolio: costs 50k-5M (log-uniform), scores 0-100 loosely tied to size;
    each project needs 1-3 roles for 2-8 consecutive months; about 15 % depend on an earlier project
    (acyclic), about 3 % exclude another, about 3 % mandatory and 5 % committed. The budget is about
    35 % of the total cost and binds; each (role, month) capacity is 80 % of the total demand for it,
    so capacity binds only where the best projects cluster (a few rows), as with a bottleneck role.
    Much tighter capacity on every row turns selection into a hard multidimensional knapsack: HiGHS
    then needs seconds to minutes to prove optimality (see the time_limit of select_projects).
    """
    rng = random.Random(seed)
    role_names = [f"role-{r}" for r in range(roles)]
    month_names = [_month(2027, m) for m in range(months)]
    candidates: list[Candidate] = []
    demand_total: dict[tuple[str, str], float] = {}
    for i in range(n):
        cost = round(10 ** rng.uniform(6.7, 8.7))  # cents: 50,000.00 .. 5,000,000.00
        value = round(min(100.0, max(0.0, rng.gauss(50, 20) + 5 * (cost / 10**8))), 1)
        demand: dict[tuple[str, str], float] = {}
        if roles and months:
            length = rng.randint(min(2, months), min(8, months))
            start = rng.randint(0, months - length)
            for role in rng.sample(role_names, rng.randint(1, min(3, roles))):
                hours = float(rng.choice((20, 40, 80, 120, 160)))
                for m in month_names[start : start + length]:
                    demand[(role, m)] = hours
                    demand_total[(role, m)] = demand_total.get((role, m), 0.0) + hours
        depends_on = (f"P-{rng.randrange(i)}",) if i > 0 and rng.random() < 0.15 else ()
        excludes = (f"P-{rng.randrange(i)}",) if i > 0 and rng.random() < 0.03 else ()
        roll = rng.random()
        candidates.append(
            Candidate(
                id=f"P-{i}",
                cost=cost,
                value=value,
                mandatory=roll < 0.03,
                committed=0.03 <= roll < 0.08,
                depends_on=depends_on,
                excludes=excludes,
                demand=demand,
            )
        )
    # Required projects (and their dependencies) must fit; clear flags that would make it infeasible.
    candidates = _keep_feasible(candidates)
    required_cost, required_demand = _required_load(candidates)
    total_cost = sum(c.cost for c in candidates)
    budget = max(round(total_cost * 0.35), required_cost)
    capacity = {
        key: max(round(total * 0.8 / 10) * 10.0, required_demand.get(key, 0.0))
        for key, total in demand_total.items()
    }
    return candidates, budget, capacity


def _required_closure(candidates: list[Candidate]) -> set[str]:
    by_id = {c.id: c for c in candidates}
    stack = [c.id for c in candidates if c.mandatory or c.committed]
    seen: set[str] = set()
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            stack.extend(by_id[pid].depends_on)
    return seen


def _keep_feasible(candidates: list[Candidate]) -> list[Candidate]:
    # A required project that excludes another required one would make every instance infeasible:
    # drop such exclusions (this generator is for benchmarks, not for infeasibility tests).
    required = _required_closure(candidates)
    out = []
    for c in candidates:
        if c.excludes and (c.id in required or any(e in required for e in c.excludes)):
            c = Candidate(c.id, c.cost, c.value, c.mandatory, c.committed, c.depends_on, (), c.demand)
        out.append(c)
    return out


def _required_load(candidates: list[Candidate]) -> tuple[int, dict[tuple[str, str], float]]:
    required = _required_closure(candidates)
    cost = 0
    demand: dict[tuple[str, str], float] = {}
    for c in candidates:
        if c.id in required:
            cost += c.cost
            for key, hours in c.demand.items():
                demand[key] = demand.get(key, 0.0) + hours
    return cost, demand


@dataclass(frozen=True)
class PhasedInstance:
    candidates: list[Candidate]
    budget: int
    capacity: dict[tuple[str, str], float]
    periods: list[PeriodBudget]
    groups: list[Group]


def random_phased_instance(n: int, roles: int, years: int, groups: int, seed: int) -> PhasedInstance:
    """`random_instance`'s projects (cost, score, links, roles) scheduled over `years` years from 2027
    the way a real multi-year portfolio is: one budget per calendar year and `groups` groups of 2-4
    optional projects, the rules taken in turn.

    The schedule is drawn again rather than taken from `random_instance`, whose projects all last 2-8
    months whatever they cost (a 5M project in two months) and need 20-160 h a month of each of their
    roles whatever they cost (a 50k project up to 3,840 h): here a project lasts about
    4 * (cost / 50k)^0.4 months (50k: ~4, 500k: ~10, 5M: ~25; 3-36), its cost ramps up and down over
    three months at each end, and its roles share 60 % of each month's cost at 100 an hour, so that
    yearly costs follow the schedule and big projects need many people. Each (role, month) capacity
    is 80 % of the demand for it, as in `random_instance`. Each yearly budget is 40-60 % of what the
    projects cost in that year (never below what the required ones cost in it); `budget`, for the
    single-budget solve of the same candidates, is their sum: the same money in one pot.
    """
    base, _budget, _capacity = random_instance(n, roles, years * 12, seed)
    rng = random.Random(seed + 1)
    phased = [_scheduled(c, years * 12, rng) for c in base]
    required = _required_closure(phased)
    demand_total: dict[tuple[str, str], float] = {}
    for c in phased:
        for key, hours in c.demand.items():
            demand_total[key] = demand_total.get(key, 0.0) + hours
    _cost, required_demand = _required_load(phased)
    capacity = {
        key: max(round(total * 0.8 / 10) * 10.0, required_demand.get(key, 0.0))
        for key, total in demand_total.items()
    }
    periods = []
    for y in range(years):
        first, last = _month(2027 + y, 0), _month(2027 + y, 11)
        in_year = [
            (c.id in required, v) for c in phased for m, v in c.period_costs.items() if first <= m <= last
        ]
        total, must = sum(v for _r, v in in_year), sum(v for r, v in in_year if r)
        amount = max(round(total * rng.uniform(0.4, 0.6)), must)
        periods.append(PeriodBudget(first, last, amount, f"FY{2027 + y}"))
    optional = [c.id for c in phased if c.id not in required and not c.excludes]
    chosen = [
        Group(tuple(rng.sample(optional, rng.randint(2, 4))), GROUP_RULES[k % 3], number=k + 1)
        for k in range(groups)
    ]
    return PhasedInstance(phased, sum(p.amount for p in periods), capacity, periods, chosen)


def _scheduled(c: Candidate, months: int, rng: random.Random) -> Candidate:
    """`c` with a schedule within the `months` from 2027-01 that fits its cost (see
    `random_phased_instance`): its cost by month and its demand over those months."""
    length = round(4 * (c.cost / 5_000_000) ** 0.4 * math.exp(rng.gauss(0, 0.3)))
    length = min(months, max(3, min(36, length)))
    start = rng.randrange(months - length + 1)
    ramp = {_month(2027, start + k): min(k + 1, length - k, 3) for k in range(length)}
    monthly = largest_remainder(c.cost, ramp)
    used = sorted({role for role, _m in c.demand})  # none when the instance has no roles
    demand = {
        (role, month): max(10.0, round(cents * 0.6 / 10_000 / len(used) / 10) * 10.0)
        for role in used
        for month, cents in monthly.items()
    }
    return replace(c, period_costs=monthly, demand=demand)
