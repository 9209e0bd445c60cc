"""Custom project fields (contract §7.2), as pure functions: a portfolio defines them, every project
write is checked against the definitions. Each problem names `fields.<key>` (or `tags[i]`)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

FieldType = Literal["text", "number", "date", "choice"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_FIELDS = 50
MAX_TEXT = 500
MAX_TAGS, MAX_TAG_LENGTH = 20, 40
# Numbers are kept as JSON numbers: beyond this, a float no longer holds every integer exactly.
MAX_NUMBER = 1e15
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FieldDefinition:
    key: str
    label: str
    type: FieldType
    choices: tuple[str, ...] = ()
    required: bool = False


def check_definitions(definitions: Sequence[FieldDefinition]) -> list[tuple[str, str]]:
    """(field, message) for every problem with a portfolio's definitions."""
    problems: list[tuple[str, str]] = []
    if len(definitions) > MAX_FIELDS:
        problems.append(("body", f"a portfolio has at most {MAX_FIELDS} custom fields"))
    seen: set[str] = set()
    for i, definition in enumerate(definitions):
        where = f"body[{i}]"
        if not KEY.fullmatch(definition.key):
            problems.append((f"{where}.key", "a key is a lower-case letter then up to 39 of a-z, 0-9, _"))
        if definition.key in seen:
            problems.append((f"{where}.key", f"{definition.key!r} is defined twice"))
        seen.add(definition.key)
        if definition.type not in FIELD_TYPES:
            problems.append((f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}"))
        if definition.type == "choice" and not definition.choices:
            problems.append((f"{where}.choices", "a choice field lists its choices"))
        if definition.type != "choice" and definition.choices:
            problems.append((f"{where}.choices", "only a choice field has choices"))
        if len(set(definition.choices)) != len(definition.choices):
            problems.append((f"{where}.choices", "a choice is listed twice"))
    return problems


def _typed(definition: FieldDefinition, value: Any) -> tuple[Any, str | None]:
    """The value in its stored form, or a message saying why it is not one."""
    if definition.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            return None, f"must be a finite number between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e}"
        return value, None
    if definition.type == "date":
        # Only YYYY-MM-DD: `date.fromisoformat` also reads 20270101 and week dates, which would be
        # stored differently from what was sent.
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            return None, "must be a date YYYY-MM-DD"
        try:
            return date.fromisoformat(value).isoformat(), None
        except ValueError:
            return None, "must be a date YYYY-MM-DD"
    if not isinstance(value, str) or not value.strip():
        return None, "must be a non-empty text"
    if len(value) > MAX_TEXT:
        return None, f"is at most {MAX_TEXT} characters"
    if definition.type == "choice" and value not in definition.choices:
        return None, f"must be one of {', '.join(map(repr, definition.choices))}"
    return value, None


def check_values(
    definitions: Sequence[FieldDefinition], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A project's `fields` against its portfolio's definitions: the stored values and the problems
    (an unknown key, a wrong type, a value outside `choices`, a missing required field)."""
    by_key = {d.key: d for d in definitions}
    stored: dict[str, Any] = {}
    problems = [(f"fields.{k}", "not a custom field of this portfolio") for k in values if k not in by_key]
    for key, definition in by_key.items():
        value = values.get(key)
        if value is None:
            if definition.required:
                problems.append((f"fields.{key}", f"{definition.label!r} is required"))
            continue
        typed, message = _typed(definition, value)
        if message is not None:
            problems.append((f"fields.{key}", message))
        else:
            stored[key] = typed
    return stored, problems


def check_tags(tags: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Tags trimmed, de-duplicated in order; at most 20, each 1–40 characters."""
    problems: list[tuple[str, str]] = []
    kept: list[str] = []
    for i, tag in enumerate(tags):
        text = tag.strip()
        if not text or len(text) > MAX_TAG_LENGTH:
            problems.append((f"tags[{i}]", f"a tag is 1 to {MAX_TAG_LENGTH} characters"))
        elif text not in kept:
            kept.append(text)
    if len(kept) > MAX_TAGS:
        problems.append(("tags", f"a project has at most {MAX_TAGS} tags"))
    return kept, problems


def definitions_of(stored: Iterable[Mapping[str, Any]]) -> list[FieldDefinition]:
    """The definitions as a portfolio stores them (`[{key, label, type, choices, required}]`)."""
    return [
        FieldDefinition(
            key=d["key"],
            label=d["label"],
            type=d["type"],
            choices=tuple(d.get("choices") or ()),
            required=bool(d.get("required", False)),
        )
        for d in stored
    ]


def invalidated(
    definitions: Sequence[FieldDefinition], projects: Iterable[tuple[str, Mapping[str, Any]]]
) -> list[tuple[str, str, str]]:
    """`(project code, fields.<key>, message)` for every stored value that the new `definitions`
    would refuse — a removed key, a changed type, a narrowed choice, a field made
    required that a project lacks. Definitions that leave every project valid are safe to apply."""
    # A valid value's stored form is the value itself (dates are taken only as YYYY-MM-DD), so a
    # project that passes is stored exactly as the new definitions would store it.
    return [
        (code, field, message)
        for code, values in projects
        for field, message in check_values(definitions, values)[1]
    ]


def filter_value(definition: FieldDefinition, raw: str) -> tuple[Any, str | None]:
    """A `field.<key>=<raw>` query value in the field's stored form (number as number, date as
    YYYY-MM-DD), or a message saying why it can never match."""
    if definition.type == "number":
        try:
            number = float(raw)
        except ValueError:
            return None, "must be a number"
        if not math.isfinite(number) or abs(number) > MAX_NUMBER:
            return None, "must be a finite number"
        return (int(number) if number.is_integer() else number), None
    return _typed(definition, raw)
