"""What a Microsoft Project file asks of the resource service, as pure functions: the people (its
work resources, keyed for upserting) and the allocations (hours per month per person, or per role
for work nobody is assigned to), with the ids that let a re-import of the same file find the
allocations an earlier import of it made.

Allocation ids are RFC 9562 version-8 ("custom") UUIDs: the first 48 bits are a digest of the file's
project GUID and the project, the rest a digest of who and from which month. So the allocations one
file made for one project are recognisable among the project's others (no column or table needed),
and the same file always yields the same ids — a re-import compares, it does not duplicate."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pmo_common import mspdi
from pmo_common.contracts.types import month_index

from pmo_resource.types import MAX_ALLOCATION_MONTHS, MAX_HOURS_PER_MONTH

UNASSIGNED_ROLE = "unassigned"
"""The role of work nobody is assigned to on an unnamed task, and of people the file gives no Group."""
_MAX_ROLE = 100


@dataclass(frozen=True)
class Person:
    """A work resource of the file, as the person it is upserted as."""

    external_id: str
    uid: int
    name: str
    email: str | None
    role: str | None  # the resource's Group, if it has one
    fte: Decimal
    hours_per_week: Decimal


@dataclass(frozen=True)
class Demand:
    """Hours per month for one span of months: one allocation. `person` is None for role demand."""

    id: uuid.UUID
    person: Person | None
    role: str | None  # the role of role demand; a person's allocation takes the person's role
    start_period: str
    end_period: str
    hours_per_period: Decimal


def external_id(plan: mspdi.MspdiProject, resource: mspdi.Resource) -> str:
    """A resource's GUID, else the file's project GUID and the resource's UID."""
    return resource.guid or f"{plan.guid}:{resource.uid}"


def people(plan: mspdi.MspdiProject) -> list[Person]:
    hours_per_week = Decimal(40)
    if plan.minutes_per_week and 0 < plan.minutes_per_week <= 80 * 60:
        hours_per_week = (Decimal(plan.minutes_per_week) / 60).quantize(Decimal("0.01"))
    found: list[Person] = []
    for r in plan.work_resources:
        units = r.max_units if r.max_units is not None and r.max_units > 0 else Decimal(1)
        found.append(
            Person(
                external_id=external_id(plan, r),
                uid=r.uid,
                name=r.name.strip()[:200],
                email=r.email,
                role=(r.group or "").strip()[:_MAX_ROLE] or None,
                fte=min(units, Decimal(1)).quantize(Decimal("0.001")),
                hours_per_week=hours_per_week,
            )
        )
    return found


def file_prefix(plan: mspdi.MspdiProject, project_id: uuid.UUID) -> bytes:
    """The first 6 bytes of every allocation id this file makes for this project."""
    return hashlib.sha256(f"msproject:{plan.guid}:{project_id}".encode()).digest()[:6]


def allocation_id(prefix: bytes, key: str, start_period: str) -> uuid.UUID:
    rest = bytearray(hashlib.sha256(f"{key}:{start_period}".encode()).digest()[:10])
    rest[0] = (rest[0] & 0x0F) | 0x80  # version 8 (byte 6 of the UUID)
    rest[2] = (rest[2] & 0x3F) | 0x80  # the RFC 9562 variant (byte 8)
    return uuid.UUID(bytes=prefix + bytes(rest))


def made_by(allocation_id: uuid.UUID, prefix: bytes) -> bool:
    """Whether an allocation is one this file's import made for this project."""
    return allocation_id.version == 8 and allocation_id.bytes[:6] == prefix


def _role_of_task(task: mspdi.Task) -> str:
    return task.name.strip()[:_MAX_ROLE] or UNASSIGNED_ROLE


def _runs(hours: dict[str, Decimal]) -> list[tuple[str, str, Decimal]]:
    """Consecutive months with the same hours merged into `(first, last, hours)` spans (each at most
    the longest allocation)."""
    runs: list[tuple[str, str, Decimal]] = []
    for month in sorted(hours):
        if runs:
            first, last, h = runs[-1]
            adjacent = month_index(month) == month_index(last) + 1
            if (
                adjacent
                and h == hours[month]
                and month_index(month) - month_index(first) < MAX_ALLOCATION_MONTHS
            ):
                runs[-1] = (first, month, h)
                continue
        runs.append((month, month, hours[month]))
    return runs


def demands(plan: mspdi.MspdiProject, project_id: uuid.UUID) -> list[Demand]:
    """Every assignment's hours per month, summed per person (or per role for unassigned work),
    as allocations. Raises `MspdiError` for a month over the most hours a month has."""
    by_person = {p.uid: p for p in people(plan)}
    totals: dict[tuple[str, Person | None, str | None], dict[str, Decimal]] = {}
    for assigned in mspdi.assigned_hours(plan):
        person = by_person.get(assigned.resource.uid) if assigned.resource is not None else None
        role = None if person is not None else _role_of_task(assigned.task)
        group = (f"person:{person.external_id}" if person else f"role:{role}", person, role)
        months = totals.setdefault(group, {})
        for month, h in assigned.hours.items():
            months[month] = months.get(month, Decimal(0)) + h
    prefix = file_prefix(plan, project_id)
    found: list[Demand] = []
    for (key, person, role), months in sorted(totals.items(), key=lambda item: item[0][0]):
        for month, h in months.items():
            if h > MAX_HOURS_PER_MONTH:
                who = person.name if person else f"role {role!r}"
                raise mspdi.MspdiError(
                    f"{who} has {h} hours of work in {month}, more than the {MAX_HOURS_PER_MONTH} hours a month "
                    "has; level the plan in Project and save it again."
                )
        for first, last, h in _runs(months):
            found.append(Demand(allocation_id(prefix, key, first), person, role, first, last, h))
    return found
