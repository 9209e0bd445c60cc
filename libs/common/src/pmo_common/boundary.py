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
from typing import Any

from fastapi import Request

from pmo_common.errors import invalid

NUL = "\x00"
MAX_JSON_DEPTH = 64
_ESCAPED_NUL = b"\\u0000"


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


def parse_json(raw: bytes, *, field: str = "body") -> Any:
    """Decode a JSON document, answering anything malformed or hostile with a 422 that says what to fix."""
    if _depth_exceeds(raw, MAX_JSON_DEPTH):
        raise invalid(field, f"nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise invalid(field, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except UnicodeDecodeError:
        raise invalid(field, "not valid UTF-8") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of thousands of digits
        raise invalid(field, f"holds a value this service cannot read: {str(exc)[:120]}") from None


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
