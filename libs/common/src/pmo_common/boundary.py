"""What every input passes at the boundary, whatever the database behind it (contract §7.1).

- Strings never hold NUL (U+0000): PostgreSQL cannot store it and no user means it. `refuse_nul` (a
  router-level dependency the app factory adds) answers one in a path parameter or a JSON body with a
  422 naming the field; query strings are checked by `strict_query`. Bulk import bodies are exempt:
  their parser rejects the row that holds one (`find_nul`), or the whole import when it is atomic.
- `parse_json` reads a JSON document a service parses itself (imports) and maps hostile input —
  nesting deep enough to exhaust the parser, integers past Python's digit limit, invalid UTF-8 — to a
  422 naming the field, as FastAPI does for the bodies it parses, instead of a 500.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any

from fastapi import Request

from pmo_common.errors import invalid

NUL = "\x00"
MAX_JSON_DEPTH = 64
_ESCAPED_NUL = b"\\u0000"
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # as signed bytes: +1, +1, -1, -1


def find_nul(value: Any, path: str) -> str | None:
    """The path (`body.rows[3].name`) of the first string holding NUL in a decoded JSON value."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if NUL in current:
                return where
        elif isinstance(current, dict):
            for key, item in current.items():
                if NUL in key:
                    return f"{where}.{key.replace(NUL, '')}"
                stack.append((item, f"{where}.{key}"))
        elif isinstance(current, list):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(current))
    return None


def _depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than `limit` (strings skipped), before the parser recurses."""
    depth, in_string, escaped = 0, False, False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _valid_json_depth(raw: bytes) -> int:
    """How deep a document `json.loads` accepted nests, at C speed (a multi-megabyte import body
    takes `_depth_exceeds` most of a second). In valid UTF-8 JSON a backslash only escapes inside a
    string: dropping escaped backslashes, then escaped quotes, leaves quotes that only open and close
    strings; what is outside them is brackets, whose running sum is the depth."""
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Strings reduce to their quotes unless they hold brackets; pairs of adjacent quotes are then
    # exactly the strings (greedy pairing cannot reach past the first string that holds one).
    outside = raw.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in outside:
        outside = _STRING.sub(b"", outside)
    return max(accumulate(array("b", outside.translate(_DEPTH_STEPS))), default=0)


def _unreadable(raw: bytes, exc: Exception, field: str) -> Exception:
    if _depth_exceeds(raw, MAX_JSON_DEPTH):
        return invalid(field, f"nests deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(exc, json.JSONDecodeError):
        return invalid(field, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
    if isinstance(exc, UnicodeDecodeError):
        return invalid(field, "not valid UTF-8")
    return invalid(field, f"holds a value this service cannot read: {str(exc)[:120]}")  # e.g. 5,000 digits


def parse_json(raw: bytes, *, field: str = "body") -> Any:
    """Decode a JSON document, answering anything malformed or hostile with a 422 that says what to fix.
    The C parser runs first (it raises RecursionError, never crashes, on hostile nesting); only a
    document it refuses is scanned byte by byte, to say why."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _unreadable(raw, exc, field) from None
    # NUL bytes: not UTF-8 JSON (json.loads also reads UTF-16 and UTF-32), so the byte-by-byte scan.
    too_deep = (
        _depth_exceeds(raw, MAX_JSON_DEPTH) if b"\x00" in raw else _valid_json_depth(raw) > MAX_JSON_DEPTH
    )
    if too_deep:
        raise invalid(field, f"nests deeper than {MAX_JSON_DEPTH} levels")
    return document


async def refuse_nul(request: Request) -> None:
    """Router-level dependency: 422 for NUL in a path parameter or anywhere in a JSON body."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise invalid(f"path.{name}", "must not contain the NUL character (U+0000)")
    exempt: tuple[str, ...] = getattr(request.app.state, "nul_exempt_paths", ())
    if request.method in ("GET", "HEAD", "DELETE") or request.url.path.startswith(exempt):
        return
    body = await request.body()  # already read (and cached) by the route before its dependencies
    if _ESCAPED_NUL not in body or "json" not in request.headers.get("content-type", ""):
        return
    where = find_nul(parse_json(body), "body")
    if where is not None:
        raise invalid(where, "must not contain the NUL character (U+0000)")
