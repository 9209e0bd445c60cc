"""Programmes, custom fields and tags as reporting uses them (contract §7.8), as pure functions: the
canonical text a field value is stored and compared as, what a dashboard is narrowed to (`Scope`),
and the dimensions a breakdown groups by.

Field values arrive as JSON numbers or strings (dates as YYYY-MM-DD). They are compared as text in
SQL, so each is kept in one canonical form: a whole number as its digits (5 and 5.0 are both "5"),
another number as Python's shortest repr ("0.1"), a string as itself. A `field.<key>=<value>` query
value is read the way the portfolio service reads it (a number field takes any float syntax, a date
field only YYYY-MM-DD, a choice field one of its choices) and put in the same form, so "5.50"
finds 5.5. A value that could never match is refused (the route's 422), as a typo should be.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

FACET_KEY_LENGTH = 100
"""Longest tag or field key kept (the portfolio service allows 40 characters)."""

STAGE_ORDER = ("proposal", "approved", "in_progress", "on_hold", "closed", "cancelled", "rejected")
"""The lifecycle order (contract §3): stage breakdown rows come in it."""

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

DimensionKind = Literal["stage", "programme", "manager", "field"]
FIXED_DIMENSIONS: tuple[DimensionKind, ...] = ("stage", "programme", "manager")
FIELD_PREFIX = "field."


def canonical(value: Any) -> str | None:
    """A field value as the text it is stored and compared as (None: not a value a field holds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None


def facets_of(fields: Mapping[str, Any], tags: Iterable[str]) -> list[tuple[str, str, str]]:
    """`(kind, key, value)` rows for a project version's tags and field values (once each)."""
    rows: dict[tuple[str, str], str] = {}
    for tag in tags:
        if isinstance(tag, str) and len(tag) <= FACET_KEY_LENGTH:
            rows.setdefault(("tag", tag), "")
    for key, value in fields.items():
        text = canonical(value)
        if text is not None and len(key) <= FACET_KEY_LENGTH:
            rows[("field", key)] = text
    return [(kind, key, value) for (kind, key), value in rows.items()]


def filter_value(definition: Mapping[str, Any], raw: str) -> tuple[str | None, str | None]:
    """A query value for the field `definition` ({key, type, choices, ...}) in canonical form, or
    the reason it can never match."""
    kind = definition.get("type")
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return None, "must be a number"
        if not math.isfinite(number):
            return None, "must be a finite number"
        return canonical(number), None
    if kind == "date":
        if not ISO_DATE.fullmatch(raw):
            return None, "must be a date YYYY-MM-DD"
        try:
            return date.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, "must be a date YYYY-MM-DD"
    choices = definition.get("choices") or []
    if kind == "choice" and raw not in choices:
        return None, f"must be one of {', '.join(map(repr, choices))}"
    return raw, None


@dataclass(frozen=True)
class Scope:
    """The projects a dashboard covers: all of a portfolio's, or those of one programme, carrying
    every tag listed and every field value listed (canonical text)."""

    programme_id: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def narrowed(self) -> bool:
        return self.programme_id is not None or bool(self.tags) or bool(self.fields)

    @property
    def key(self) -> tuple[Any, ...]:
        """Hashable and order-insensitive: what a cached dashboard is keyed by."""
        return (self.programme_id, tuple(sorted(set(self.tags))), tuple(sorted(self.fields)))

    def covers(self, programme_id: uuid.UUID | None, tags: Sequence[str], fields: Mapping[str, Any]) -> bool:
        """Whether a project with these values is covered (the rule the SQL applies)."""
        if self.programme_id is not None and programme_id != self.programme_id:
            return False
        if not set(self.tags) <= set(tags):
            return False
        return all(canonical(fields.get(key)) == value for key, value in self.fields)


EVERYTHING = Scope()


@dataclass(frozen=True)
class Dimension:
    """What a breakdown groups by: a stage, programme (its code), manager, or a custom field's value."""

    kind: DimensionKind
    key: str | None = None
    """The field's key (kind "field")."""

    @property
    def name(self) -> str:
        return f"{FIELD_PREFIX}{self.key}" if self.kind == "field" else self.kind


def parse_dimension(by: str, field_keys: Iterable[str]) -> tuple[Dimension | None, str | None]:
    """`by` as a dimension, or why it is not one (an unknown name, a field the portfolio lacks)."""
    for kind in FIXED_DIMENSIONS:
        if by == kind:
            return Dimension(kind), None
    keys = sorted(field_keys)
    if by.startswith(FIELD_PREFIX):
        key = by.removeprefix(FIELD_PREFIX)
        if key in keys:
            return Dimension("field", key), None
        known = ", ".join(keys) or "none"
        return None, f"{key!r} is not a custom field of this portfolio (its fields: {known})"
    allowed = ", ".join([*FIXED_DIMENSIONS, *(f"{FIELD_PREFIX}{k}" for k in keys)])
    return None, f"must be one of {allowed}"


@dataclass(frozen=True)
class KeyOrder:
    """Breakdown rows in a stable order: stages in lifecycle order, other keys in code-point order,
    the row of projects without a value last."""

    dimension: Dimension
    _stages: dict[str, int] = field(default_factory=lambda: {s: i for i, s in enumerate(STAGE_ORDER)})

    def __call__(self, key: str | None) -> tuple[int, int, str]:
        if key is None:
            return (1, 0, "")
        if self.dimension.kind == "stage":
            return (0, self._stages.get(key, len(STAGE_ORDER)), key)
        return (0, 0, key)
