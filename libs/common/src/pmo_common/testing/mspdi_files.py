"""Microsoft Project XML files written by tests, in the shapes Project saves: the project summary
task (UID 0), summary and leaf tasks, milestones, a Baseline 0 or none, work, material and cost
resources (with or without assignments), assignments to no resource (-65535), timephased data,
calendars, costs in hundredths of the currency unit and work as `PT…H…M…S`.

    xml = mspdi_file(tasks=[TaskSpec(1, "Build", "2027-01-04", "2027-02-26", cost="12000.00")])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

NAMESPACE = "http://schemas.microsoft.com/project"
DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
"""The sample files of `libs/common/tests/data` (as Project desktop saves them, and hostile ones)."""


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass
class TaskSpec:
    uid: int
    name: str
    start: str
    finish: str
    cost: str = "0.00"
    outline_level: int = 1
    summary: bool = False
    milestone: bool = False
    baseline: tuple[str, str, str] | None = None  # (cost, start, finish)
    active: bool = True


@dataclass
class ResourceSpec:
    uid: int
    name: str
    type: int = 1
    guid: str | None = None
    email: str | None = None
    group: str | None = None
    max_units: str = "1.00"


@dataclass
class AssignmentSpec:
    uid: int
    task_uid: int
    resource_uid: int
    work_hours: str
    start: str | None = None
    finish: str | None = None
    timephased: list[tuple[str, str, str]] = field(default_factory=list)  # (start, finish, hours)


def _moment(value: str, end: bool = False) -> str:
    return value if "T" in value else f"{value}T{'17:00:00' if end else '08:00:00'}"


def _hundredths(amount: str) -> str:
    return f"{Decimal(amount) * 100:f}".rstrip("0").rstrip(".") or "0"


def _work(hours: str) -> str:
    whole = Decimal(hours)
    minutes = (whole - int(whole)) * 60
    return f"PT{int(whole)}H{int(minutes)}M{int((minutes - int(minutes)) * 60)}S"


def _add(parent: Element, tag: str, text: object) -> Element:
    child = SubElement(parent, tag)
    child.text = str(text)
    return child


def _task(tasks: Element, spec: TaskSpec) -> None:
    t = SubElement(tasks, "Task")
    for tag, value in (("UID", spec.uid), ("ID", spec.uid), ("Name", spec.name), ("Type", 0), ("IsNull", 0)):
        _add(t, tag, value)
    _add(t, "Active", int(spec.active))
    _add(t, "OutlineLevel", spec.outline_level)
    _add(t, "Start", _moment(spec.start))
    _add(t, "Finish", _moment(spec.finish, end=True))
    _add(t, "Duration", "PT0H0M0S" if spec.milestone else "PT40H0M0S")
    _add(t, "Milestone", int(spec.milestone))
    _add(t, "Summary", int(spec.summary))
    _add(t, "Cost", _hundredths(spec.cost))
    if spec.baseline is not None:
        cost, start, finish = spec.baseline
        b = SubElement(t, "Baseline")
        _add(b, "Number", 0)
        _add(b, "Start", _moment(start))
        _add(b, "Finish", _moment(finish, end=True))
        _add(b, "Cost", _hundredths(cost))


def _resource(resources: Element, spec: ResourceSpec) -> None:
    r = SubElement(resources, "Resource")
    _add(r, "UID", spec.uid)
    if spec.guid:
        _add(r, "GUID", spec.guid)
    for tag, value in (("ID", spec.uid), ("Name", spec.name), ("Type", spec.type), ("IsNull", 0)):
        _add(r, tag, value)
    if spec.group:
        _add(r, "Group", spec.group)
    if spec.email:
        _add(r, "EmailAddress", spec.email)
    _add(r, "MaxUnits", spec.max_units)


def _assignment(assignments: Element, spec: AssignmentSpec, tasks: dict[int, TaskSpec]) -> None:
    a = SubElement(assignments, "Assignment")
    task = tasks[spec.task_uid]
    for tag, value in (("UID", spec.uid), ("TaskUID", spec.task_uid), ("ResourceUID", spec.resource_uid)):
        _add(a, tag, value)
    _add(a, "Start", _moment(spec.start or task.start))
    _add(a, "Finish", _moment(spec.finish or task.finish, end=True))
    _add(a, "Work", _work(spec.work_hours))
    for start, finish, hours in spec.timephased:
        tp = SubElement(a, "TimephasedData")
        _add(tp, "Type", 1)
        _add(tp, "UID", spec.uid)
        _add(tp, "Start", _moment(start))
        _add(tp, "Finish", _moment(finish))
        _add(tp, "Unit", 2)
        _add(tp, "Value", _work(hours))


def mspdi_file(
    *,
    tasks: Sequence[TaskSpec],
    resources: Sequence[ResourceSpec] = (),
    assignments: Sequence[AssignmentSpec] = (),
    guid: str | None = "5E0C4E7A-9B1F-4C2D-8E3F-A4B5C6D7E8F9",
    title: str | None = "Test plan",
    name: str = "Test plan.xml",
    creation_date: str = "2026-11-02T09:00:00",
    start: str | None = None,
    finish: str | None = None,
    currency: str | None = "EUR",
    budget: str | None = None,
    baseline: tuple[str, str, str] | None = None,
    namespace: bool = True,
) -> bytes:
    """A project summary task (UID 0) over `tasks`: its cost is `budget`, else the leaf tasks' sum;
    its dates `start`/`finish`, else the tasks' span; `baseline` (cost, start, finish) its Baseline 0."""
    leaves = [t for t in tasks if not t.summary and t.active]
    start = start or min(t.start for t in tasks)
    finish = finish or max(t.finish for t in tasks)
    total = budget or f"{sum((Decimal(t.cost) for t in leaves), Decimal(0)):.2f}"
    root = Element("Project", {"xmlns": NAMESPACE} if namespace else {})
    _add(root, "SaveVersion", 14)
    _add(root, "Name", name)
    if guid:
        _add(root, "GUID", guid)
    if title:
        _add(root, "Title", title)
    _add(root, "CreationDate", creation_date)
    _add(root, "StartDate", _moment(start))
    _add(root, "FinishDate", _moment(finish, end=True))
    if currency:
        _add(root, "CurrencyCode", currency)
    _add(root, "MinutesPerWeek", 2400)
    calendar = SubElement(SubElement(root, "Calendars"), "Calendar")
    _add(calendar, "UID", 1)
    _add(calendar, "Name", "Standard")
    _add(calendar, "IsBaseCalendar", 1)
    all_tasks = SubElement(root, "Tasks")
    summary = TaskSpec(
        0, title or name, start, finish, total, outline_level=0, summary=True, baseline=baseline
    )
    for spec in [summary, *tasks]:
        _task(all_tasks, spec)
    all_resources = SubElement(root, "Resources")
    _resource(all_resources, ResourceSpec(0, ""))  # Project's blank resource row
    for r in resources:
        _resource(all_resources, r)
    all_assignments = SubElement(root, "Assignments")
    by_uid = {t.uid: t for t in tasks}
    for a in assignments:
        _assignment(all_assignments, a, by_uid)
    body = tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()
