"""Capacity rows validated by the hundred thousand: one pydantic-core call over the whole list with
a plain row type, and the exact row model (`CapacityRow`) only for the rows that call refuses.

The plain type accepts a subset of what `CapacityRow` accepts and yields the same values: the
external_id is the very same annotated type, the period a plain `YYYY-MM`, and hours are taken only
in forms whose meaning is beyond doubt (an int, a float that is exactly a number of hundredths, a
plain decimal string) and turned into hundredths of an hour, which is what the table stores.
Anything else — a bad row, an odd but valid one, a NUL — goes through the row model one row at a
time, so the errors, their wording and what is accepted are those of `CapacityRow`.

A JSON body whose every row is plain, with no (external_id, period) twice, is read straight from its
bytes: parsed and validated in one pydantic-core pass (`plain_capacity_records`), without building
the row dicts `json.loads` would and walking them again. Any other body — a bad or odd row, a repeat,
a body pydantic's parser reads differently from `parse_json` or refuses (a BOM, NaN, a lone
surrogate, too many rows) — is judged by `parse_rows` and `validate_capacity_rows`, so the answer is
the same whichever path a body takes (a test holds the two to that).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Annotated, Any

from pydantic import ConfigDict, Field, Strict, StringConstraints, TypeAdapter, ValidationError, with_config
from typing_extensions import TypedDict

from pmo_resource.imports.parsing import body_format, check_row, duplicate, parse_rows, validate_all
from pmo_resource.imports.schemas import MAX_ROWS, CapacityRow, RejectedRow
from pmo_resource.types import MAX_HOURS_PER_MONTH, ExternalId

_MAX_HUNDREDTHS = MAX_HOURS_PER_MONTH * 100
_PLAIN_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"  # what `Month` accepts, but ASCII digits and no trailing newline
_PLAIN_DECIMAL = r"^[0-9]{1,3}(\.[0-9]{1,2})?$"

CapacityRecord = tuple[int, str, str, int]
"""(row number, external_id, period, hundredths of an hour): one staged row."""

# Checked in pydantic-core (Rust), with no Python call per row: the checks of `MonthHours` that hold
# for these forms (strict: a bool is no int, bytes no str; NaN and infinities fail the bounds).
# Decimal places are checked in `_hundredths`.
_PlainHours = (
    Annotated[int, Strict(), Field(ge=0, le=MAX_HOURS_PER_MONTH)]
    | Annotated[float, Strict(), Field(ge=0, le=MAX_HOURS_PER_MONTH)]
    | Annotated[str, Strict(), StringConstraints(pattern=_PLAIN_DECIMAL)]
)


@with_config(ConfigDict(extra="forbid"))
class _PlainCapacityRow(TypedDict):
    external_id: ExternalId
    period: Annotated[str, Strict(), StringConstraints(pattern=_PLAIN_MONTH)]
    available_hours: _PlainHours


@with_config(ConfigDict(extra="forbid"))
class _PlainCapacityBody(TypedDict):
    rows: Annotated[list[_PlainCapacityRow], Field(max_length=MAX_ROWS)]


_PLAIN_BODY = TypeAdapter(_PlainCapacityBody)
_KEY = itemgetter(1, 2)


def _hundredths(value: float | str) -> int | None:
    """Hundredths of an hour of a plain float or decimal string, or None to leave it to the row
    model. A float qualifies only when it is the double nearest to a number of hundredths, which
    is when its shortest repr (what pydantic makes the Decimal from) has at most two decimals."""
    if isinstance(value, float):
        hundredths = round(value * 100)
        return hundredths if hundredths / 100 == value else None
    whole, _, fraction = value.partition(".")
    hundredths = int(whole) * 100 + int(fraction.ljust(2, "0"))
    return hundredths if hundredths <= _MAX_HUNDREDTHS else None


def _record(number: int, plain: _PlainCapacityRow) -> CapacityRecord | None:
    external_id, hours = plain["external_id"], plain["available_hours"]
    if "\x00" in external_id:  # the one plain field that can hold NUL: the row model's path says so
        return None
    hundredths = hours * 100 if type(hours) is int else _hundredths(hours)
    return None if hundredths is None else (number, external_id, plain["period"], hundredths)


@dataclass
class CapacityRows:
    records: list[CapacityRecord]
    rejected: list[RejectedRow]


def _exact(number: int, raw: Any) -> CapacityRecord | RejectedRow:
    """A row the plain type refused, judged by the row model itself."""
    item = check_row(number, raw, CapacityRow)
    if isinstance(item, RejectedRow):
        return item
    return (number, item.external_id, item.period, int(item.available_hours * 100))


def _checked(number: int, raw: Any, plain: _PlainCapacityRow | None) -> CapacityRecord | RejectedRow:
    record = None if plain is None else _record(number, plain)
    return _exact(number, raw) if record is None else record


def validate_capacity_rows(raw_rows: list[Any]) -> CapacityRows:
    """Like `validate_rows(raw_rows, CapacityRow, ...)`: each row valid or rejected with the row
    model's errors, and a repeat of an earlier row's (external_id, period) rejected (the first wins)."""
    plain = validate_all(raw_rows, _PlainCapacityRow)
    checked = [_checked(n, raw, p) for n, (raw, p) in enumerate(zip(raw_rows, plain, strict=True), start=1)]
    records = [c for c in checked if type(c) is tuple]
    result = CapacityRows(records, [c for c in checked if type(c) is not tuple])
    if len({(r[1], r[2]) for r in records}) < len(records):  # rare: then find the repeats, in order
        seen: dict[tuple[str, str], int] = {}
        result.records = []
        for record in records:
            first = seen.setdefault((record[1], record[2]), record[0])
            if first == record[0]:
                result.records.append(record)
            else:
                result.rejected.append(duplicate(record[0], raw_rows[record[0] - 1], first, "period"))
        result.rejected.sort(key=lambda r: r.row)
    return result


def plain_capacity_records(body: bytes) -> list[CapacityRecord] | None:
    """The records of a JSON body of plain rows, none repeating another's key, numbered from 1; None
    for any other body."""
    try:
        rows = _PLAIN_BODY.validate_json(body)["rows"]
    except ValidationError:
        return None
    records: list[CapacityRecord] = []
    for number, plain in enumerate(rows, start=1):
        record = _record(number, plain)
        if record is None:
            return None
        records.append(record)
    return records if len(set(map(_KEY, records))) == len(records) else None


def capacity_rows(body: bytes, content_type: str | None) -> tuple[int, CapacityRows]:
    """How many rows a capacity import's body holds, and each valid or rejected as the row model
    judges it (a body as a whole unreadable is a 415/422 from `parse_rows`)."""
    records = plain_capacity_records(body) if body_format(content_type) == "json" else None
    if records is not None:
        return len(records), CapacityRows(records, [])
    raw = parse_rows(body, content_type, CapacityRow)
    return len(raw), validate_capacity_rows(raw)
