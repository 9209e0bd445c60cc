"""Turning an import's raw body (JSON `{rows: [...]}` or CSV with a header) into row dicts and
validated rows. Problems with the body as a whole are a 415/422 naming the row; problems with
one row make that row rejected."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pmo_common.boundary import NUL, find_nul, parse_json
from pmo_common.contracts.problem import FieldError
from pmo_common.errors import Unprocessable, UnsupportedMediaType, invalid
from pydantic import BaseModel, TypeAdapter, ValidationError

from pmo_resource.imports.schemas import MAX_ROWS, RejectedRow

M = TypeVar("M", bound=BaseModel)
LIST_COLUMNS = frozenset({"skills"})


def body_format(content_type: str | None) -> str:
    """`json` or `csv` from the Content-Type; anything else is a 415."""
    mime, _, params = (content_type or "").partition(";")
    mime = mime.strip().lower()
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"Imports are UTF-8; got charset {value.strip()!r}.")
    if mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json")):
        return "json"
    if mime in ("text/csv", "application/csv"):
        return "csv"
    raise UnsupportedMediaType(
        f'Send the import as `application/json` ({{"rows": [...]}}) or `text/csv`, not {mime or "no Content-Type"}.'
    )


def _too_many(count: int | str) -> Unprocessable:
    return invalid("rows", f"an import has at most {MAX_ROWS} rows (got {count}); split it")


def decode_utf8(body: bytes, fmt: str) -> str:
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        where = f"row {line - 1} (line {line})" if fmt == "csv" else f"line {line}"
        raise Unprocessable(
            f"The body is not valid UTF-8: {where} has byte 0x{body[exc.start]:02x} at offset {exc.start}.",
            errors=[FieldError(field="body", message=f"{where}: not valid UTF-8")],
            extra={"row": line - 1 if fmt == "csv" else None, "line": line},
        ) from None


def parse_json_rows(text: str) -> list[Any]:
    # pmo_common's parser: hostile nesting or a 5,000-digit number is a 4xx, never a RecursionError.
    document = parse_json(text.encode("utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise invalid("rows", 'the body must be an object {"rows": [...]}')
    extra = sorted(set(document) - {"rows"})
    if extra:
        raise invalid(extra[0], "unknown member; the body has only `rows`")
    rows: list[Any] = document["rows"]
    if len(rows) > MAX_ROWS:
        raise _too_many(len(rows))
    return rows


def _malformed(row: int, line: int, message: str) -> Unprocessable:
    return Unprocessable(
        f"Malformed CSV at row {row} (line {line}): {message}.",
        errors=[FieldError(field=f"rows[{row}]", message=f"row {row} (line {line}): {message}")],
        extra={"row": row, "line": line},
    )


def parse_csv_rows(text: str, columns: frozenset[str], required: frozenset[str]) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 0
    try:
        header = next(reader, None)
        if header is None:
            raise invalid("body", "the CSV is empty; its first line must be a header row naming the columns")
        names = [h.strip() for h in header]
        unknown = [n for n in names if n not in columns]
        if unknown or len(set(names)) != len(names):
            problem = (
                f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown else "a column appears twice"
            )
            raise _malformed(0, 1, f"header: {problem}; the columns are {', '.join(sorted(columns))}")
        missing = sorted(required - set(names))
        if missing:
            raise _malformed(0, 1, f"header: missing column(s) {', '.join(missing)}")
        rows: list[dict[str, Any]] = []
        for record in reader:
            if not record:
                continue  # a blank line
            row += 1
            if row > MAX_ROWS:
                raise _too_many(f"more than {MAX_ROWS}")
            if len(record) != len(names):
                raise _malformed(
                    row, reader.line_num, f"{len(record)} fields where the header has {len(names)}"
                )
            rows.append(_csv_values(names, record))
        return rows
    except csv.Error as exc:
        raise _malformed(row + 1, reader.line_num, str(exc)) from None


def _csv_values(names: list[str], record: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in zip(names, record, strict=True):
        value = raw.strip()
        if not value:
            continue  # an empty cell takes the field's default
        values[name] = [s.strip() for s in value.split(";") if s.strip()] if name in LIST_COLUMNS else value
    return values


def parse_rows(body: bytes, content_type: str | None, model: type[BaseModel]) -> list[Any]:
    fmt = body_format(content_type)
    text = decode_utf8(body, fmt)
    if fmt == "json":
        return parse_json_rows(text)
    fields = model.model_fields
    required = frozenset(n for n, f in fields.items() if f.is_required())
    return parse_csv_rows(text, frozenset(fields), required)


@dataclass
class Validated(Generic[M]):
    rows: list[tuple[int, M]]
    rejected: list[RejectedRow]


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "row"


def _external_id(raw: Any) -> str | None:
    value = raw.get("external_id") if isinstance(raw, dict) else None
    return value.replace(NUL, "")[:100] if isinstance(value, str) else None


def _nul_error(raw: dict[str, Any]) -> FieldError | None:
    where = find_nul(raw, "")
    if where is None:
        return None
    return FieldError(field=where.lstrip(".") or "row", message="must not contain the NUL character (U+0000)")


def check_row(number: int, raw: Any, model: type[M]) -> M | RejectedRow:
    """One row judged on its own: an object, without NUL, valid for the row model."""
    if not isinstance(raw, dict):
        return RejectedRow(
            row=number, external_id=None, errors=[FieldError(field="row", message="must be an object")]
        )
    nul = _nul_error(raw)
    if nul is not None:  # refused here on every database (PostgreSQL cannot store it)
        return RejectedRow(row=number, external_id=_external_id(raw), errors=[nul])
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [FieldError(field=_field(e["loc"]), message=e["msg"]) for e in exc.errors()[:20]]
        return RejectedRow(row=number, external_id=_external_id(raw), errors=errors)


def duplicate(number: int, raw: Any, first: int, key_field: str) -> RejectedRow:
    error = FieldError(field=key_field, message=f"repeats row {first} of this import")
    return RejectedRow(row=number, external_id=_external_id(raw), errors=[error])


@lru_cache(maxsize=8)
def _list_of(row_type: Any) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[row_type])


def validate_all(raw_rows: list[Any], row_type: Any) -> list[Any]:
    """Each row validated as `row_type` (a model or a TypedDict) in one pydantic-core call over the
    list, and one more over the rest when some fail (a list's items are validated independently, so
    that one passes): the validated row, or None where it fails, for `check_row` to judge."""
    adapter = _list_of(row_type)
    try:
        return list(adapter.validate_python(raw_rows))
    except ValidationError as exc:
        failed = {
            e["loc"][0] for e in exc.errors(include_url=False, include_context=False, include_input=False)
        }
    kept = [i for i in range(len(raw_rows)) if i not in failed]
    valid: list[Any] = [None] * len(raw_rows)
    for i, item in zip(kept, adapter.validate_python([raw_rows[i] for i in kept]), strict=True):
        valid[i] = item
    return valid


def validate_rows(
    raw_rows: list[Any], model: type[M], key: Callable[[M], Hashable], key_field: str
) -> Validated[M]:
    """Validate each row; reject invalid ones and repeats of an earlier row's key (the first wins)."""
    result: Validated[M] = Validated([], [])
    seen: dict[Hashable, int] = {}
    for number, (raw, item) in enumerate(zip(raw_rows, validate_all(raw_rows, model), strict=True), start=1):
        checked = item if item is not None and _nul_error(raw) is None else check_row(number, raw, model)
        if isinstance(checked, RejectedRow):
            result.rejected.append(checked)
            continue
        first = seen.setdefault(key(checked), number)
        if first != number:
            result.rejected.append(duplicate(number, raw, first, key_field))
            continue
        result.rows.append((number, checked))
    return result
