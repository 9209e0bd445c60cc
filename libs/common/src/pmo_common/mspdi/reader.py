"""Reading an MSPDI file into plain data (see the package docstring for units and safety)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

NAMESPACE = "http://schemas.microsoft.com/project"
NO_RESOURCE = -65535
MATERIAL, WORK, COST = 0, 1, 2
MONEY_MAX = Decimal("999999999999999.99")
MAX_HOURS = Decimal(1_000_000_000)
_CENT = Decimal("0.01")
_DURATION = re.compile(
    r"^P(?:(?P<D>\d+(?:\.\d+)?)D)?(?:T(?:(?P<H>\d+(?:\.\d+)?)H)?(?:(?P<M>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<S>\d+(?:\.\d+)?)S)?)?$",
    re.ASCII,
)


class MspdiError(ValueError):
    """A file that cannot be imported; the message says what is wrong and what to do."""


class UnsafeXml(MspdiError):
    """A DTD, an entity declaration or an external reference: refused, never expanded."""


@dataclass(frozen=True)
class Baseline:
    """A task's Baseline 0 (the baseline Project saves with "Set Baseline")."""

    cost: Decimal | None
    start: datetime | None
    finish: datetime | None


@dataclass(frozen=True)
class Task:
    uid: int
    name: str
    outline_level: int
    summary: bool
    start: datetime | None
    finish: datetime | None
    cost: Decimal
    baseline: Baseline | None
    active: bool = True  # Project 2010+ can inactivate a task: it stays in the plan, out of its sums


@dataclass(frozen=True)
class Resource:
    uid: int
    guid: str | None
    name: str
    type: int
    email: str | None
    group: str | None
    max_units: Decimal | None


@dataclass(frozen=True)
class Assignment:
    uid: int
    task_uid: int
    resource_uid: int | None
    start: datetime | None
    finish: datetime | None
    work_hours: Decimal


@dataclass(frozen=True)
class MspdiProject:
    guid: str
    guid_in_file: bool
    name: str
    start: datetime | None
    finish: datetime | None
    currency: str | None
    minutes_per_week: int | None
    tasks: tuple[Task, ...]
    resources: tuple[Resource, ...]
    assignments: tuple[Assignment, ...]

    @property
    def summary_task(self) -> Task:
        """The project summary task (UID 0, outline level 0); `parse` ensures there is one."""
        return next(t for t in self.tasks if t.uid == 0 or t.outline_level == 0)

    @property
    def leaf_tasks(self) -> list[Task]:
        return [t for t in self.tasks if not t.summary and t.outline_level > 0 and t.active]

    @property
    def work_resources(self) -> list[Resource]:
        return [r for r in self.resources if r.type == WORK]


def parse(data: bytes) -> MspdiProject:
    """The project a Microsoft Project XML file describes. Raises `UnsafeXml` for a DTD, entities
    or external references, `MspdiError` for anything else that is not a usable MSPDI file."""
    root = _safe_root(data)
    ns = _namespace_of(root)
    read = _Reader(ns)
    tasks = tuple(read.task(e) for e in read.all(root, "Tasks", "Task") if not read.is_null(e))
    if not any(t.uid == 0 or t.outline_level == 0 for t in tasks):
        raise MspdiError(
            "The file has no project summary task (the task with UID 0 and OutlineLevel 0). Save the "
            "plan again from Microsoft Project as XML (File > Save As > XML Format)."
        )
    resources = tuple(
        read.resource(e)
        for e in read.all(root, "Resources", "Resource")
        if not read.is_null(e) and read.integer(e, "UID", "resource") != 0 and read.text(e, "Name")
    )
    assignments = tuple(read.assignment(e) for e in read.all(root, "Assignments", "Assignment"))
    summary = next(t for t in tasks if t.uid == 0 or t.outline_level == 0)
    name = read.text(root, "Title") or summary.name or _without_extension(read.text(root, "Name") or "")
    guid_text = read.text(root, "GUID")
    return MspdiProject(
        guid=_normalised_guid(guid_text) if guid_text else _digest_guid(read, root),
        guid_in_file=bool(guid_text),
        name=(name or "Imported project")[:200],
        start=read.datetime(root, "StartDate", "the project") or summary.start,
        finish=read.datetime(root, "FinishDate", "the project") or summary.finish,
        currency=read.text(root, "CurrencyCode"),
        minutes_per_week=read.integer(root, "MinutesPerWeek", "the project", default=None),
        tasks=tasks,
        resources=resources,
        assignments=assignments,
    )


def _safe_root(data: bytes) -> Element:
    if not data.strip():
        raise MspdiError("The file is empty; send a Microsoft Project XML file (MSPDI).")
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise UnsafeXml(
            f"The file declares a document type (<!DOCTYPE {exc.name}>){_what_it_declares(data, exc.sysid)}. "
            "Document type declarations are refused, never expanded or fetched: they carry entity-expansion "
            "bombs and external entities (XXE), and Microsoft Project never writes one. Remove the DOCTYPE, "
            "or save the plan again from Project (File > Save As > XML Format)."
        ) from None
    except defusedxml.EntitiesForbidden as exc:
        raise UnsafeXml(
            f"The file declares the entity {exc.name!r}; entity declarations are refused."
        ) from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise UnsafeXml(
            f"The file refers to an external resource ({exc.sysid!r}); that is refused."
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise MspdiError(
            f"The file is not well-formed XML (line {line}, column {column + 1}: {_expat_reason(exc)}). "
            "Send the file as Microsoft Project saved it (File > Save As > XML Format)."
        ) from None
    return root


_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s>]{1,100})\s+(SYSTEM|PUBLIC)?\s*[\"']([^\"']{0,200})")


def _what_it_declares(data: bytes, sysid: str | None) -> str:
    """What the refused declaration was for, read from its text (never parsed or expanded), so the
    problem names it: an external DTD, external entities (XXE) or internal ones (a bomb)."""
    entities = _ENTITY.findall(data[:65536])
    external = [(name, target) for _pct, name, kind, target in entities if kind]
    if external:
        name, target = external[0]
        return f" with an external entity ({name.decode(errors='replace')!r} -> {target.decode(errors='replace')!r}: XXE)"
    if entities:
        return (
            f" with {len(entities)} entity declarations (entity expansion, as in the billion-laughs XML bomb)"
        )
    return f" referring to the external DTD {sysid!r}" if sysid else ""


def _expat_reason(exc: ParseError) -> str:
    return str(exc).split(":")[0]


def _namespace_of(root: Element) -> str:
    if root.tag == f"{{{NAMESPACE}}}Project":
        return f"{{{NAMESPACE}}}"
    if root.tag == "Project":  # some exporters leave the namespace out; the elements are the same
        return ""
    raise MspdiError(
        f"This XML is not a Microsoft Project file: its root element is {root.tag!r}, not Project in the "
        f"namespace {NAMESPACE} (MSPDI). Save the plan from Project as XML (File > Save As > XML Format)."
    )


def _without_extension(name: str) -> str:
    return re.sub(r"\.(xml|mpp|mpt)$", "", name, flags=re.IGNORECASE)


def _normalised_guid(text: str) -> str:
    return text.strip().strip("{}").upper()[:64]


def _digest_guid(read: _Reader, root: Element) -> str:
    name, created = read.text(root, "Name"), read.text(root, "CreationDate")
    if not name and not created:
        raise MspdiError(
            "The file has no GUID, and no Name and CreationDate to identify the project by; save it "
            "from Microsoft Project 2010 or later, which writes the project's GUID."
        )
    return hashlib.sha256(f"{name or ''}{created or ''}".encode()).hexdigest().upper()


class _Reader:
    """Typed reads of MSPDI elements; a malformed value names its element and its task/resource."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def all(self, root: Element, group: str, item: str) -> list[Element]:
        container = root.find(self.ns + group)
        return [] if container is None else container.findall(self.ns + item)

    def text(self, element: Element, tag: str) -> str | None:
        found = element.find(self.ns + tag)
        value = None if found is None or found.text is None else found.text.strip()
        return value or None

    def is_null(self, element: Element) -> bool:
        return self.text(element, "IsNull") == "1"

    def integer(self, element: Element, tag: str, owner: str, default: Any = 0) -> Any:
        value = self.text(element, tag)
        if value is None:
            return default
        if not re.fullmatch(r"-?\d{1,10}", value, re.ASCII):
            raise MspdiError(f"{tag} of {owner} is {value[:40]!r}, not a whole number.")
        return int(value)

    def decimal(self, element: Element, tag: str, owner: str) -> Decimal | None:
        value = self.text(element, tag)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or number < 0 or not re.fullmatch(r"[\d.]+", value, re.ASCII):
            raise MspdiError(f"{tag} of {owner} is {value[:40]!r}, not a number of 0 or more.")
        return number

    def money(self, element: Element, tag: str, owner: str) -> Decimal | None:
        """A currency element: hundredths of the unit in the file, the unit here (to the cent)."""
        hundredths = self.decimal(element, tag, owner)
        if hundredths is None:
            return None
        amount = (hundredths / 100).quantize(_CENT)
        if amount > MONEY_MAX:
            raise MspdiError(f"{tag} of {owner} is {amount}, more than the largest amount {MONEY_MAX}.")
        return amount

    def datetime(self, element: Element, tag: str, owner: str) -> datetime | None:
        value = self.text(element, tag)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            raise MspdiError(
                f"{tag} of {owner} is {value[:40]!r}, not a date-time like 2027-01-04T08:00:00."
            ) from None

    def hours(self, element: Element, tag: str, owner: str) -> Decimal:
        value = self.text(element, tag)
        if value is None:
            return Decimal(0)
        match = _DURATION.fullmatch(value)
        if match is None:
            raise MspdiError(
                f"{tag} of {owner} is {value[:40]!r}, not a duration in hours like PT120H0M0S "
                "(years and months are refused: they have no fixed number of hours)."
            )
        parts = {k: Decimal(v) if v else Decimal(0) for k, v in match.groupdict().items()}
        total = parts["D"] * 24 + parts["H"] + parts["M"] / 60 + parts["S"] / 3600
        if total > MAX_HOURS:
            raise MspdiError(f"{tag} of {owner} is {value[:40]!r}, more hours than any plan holds.")
        return total

    def task(self, e: Element) -> Task:
        uid = self.integer(e, "UID", "a task", default=None)
        if uid is None:
            raise MspdiError("A task has no UID; every task in an MSPDI file has one.")
        owner = f"task UID {uid}"
        return Task(
            uid=uid,
            name=(self.text(e, "Name") or "")[:255],
            outline_level=self.integer(e, "OutlineLevel", owner, default=1 if uid else 0),
            summary=self.text(e, "Summary") == "1",
            start=self.datetime(e, "Start", owner),
            finish=self.datetime(e, "Finish", owner),
            cost=self.money(e, "Cost", owner) or Decimal("0.00"),
            baseline=self.baseline(e, owner),
            active=self.text(e, "Active") != "0",
        )

    def baseline(self, task: Element, owner: str) -> Baseline | None:
        for b in task.findall(self.ns + "Baseline"):
            if self.integer(b, "Number", f"a baseline of {owner}") == 0:
                where = f"Baseline 0 of {owner}"
                return Baseline(
                    self.money(b, "Cost", where),
                    self.datetime(b, "Start", where),
                    self.datetime(b, "Finish", where),
                )
        return None

    def resource(self, e: Element) -> Resource:
        uid = self.integer(e, "UID", "a resource")
        owner = f"resource UID {uid}"
        guid = self.text(e, "GUID")
        return Resource(
            uid=uid,
            guid=_normalised_guid(guid) if guid else None,
            name=(self.text(e, "Name") or "")[:200],
            type=self.integer(e, "Type", owner, default=WORK),
            email=self.text(e, "EmailAddress"),
            group=self.text(e, "Group"),
            max_units=self.decimal(e, "MaxUnits", owner),
        )

    def assignment(self, e: Element) -> Assignment:
        uid = self.integer(e, "UID", "an assignment")
        owner = f"assignment UID {uid}"
        resource = self.integer(e, "ResourceUID", owner, default=NO_RESOURCE)
        return Assignment(
            uid=uid,
            task_uid=self.integer(e, "TaskUID", owner),
            resource_uid=None if resource == NO_RESOURCE else resource,
            start=self.datetime(e, "Start", owner),
            finish=self.datetime(e, "Finish", owner),
            work_hours=self.hours(e, "Work", owner),
        )


def day_span(start: datetime | date, finish: datetime | date) -> tuple[date, date]:
    """The calendar days a task or assignment covers, both included. A finish at midnight ends
    the day before (an elapsed task that ends "at 00:00" did no work on that day)."""
    first = start.date() if isinstance(start, datetime) else start
    last = finish.date() if isinstance(finish, datetime) else finish
    if isinstance(finish, datetime) and finish.time() == time(0) and last > first:
        last -= timedelta(days=1)
    return first, max(first, last)
