"""Subject patterns over the event catalogue, with the NATS wildcards: `*` stands for exactly one
token, `>` (last token only) for one or more. Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pmo_common.contracts.events import CATALOGUE

# The token alphabet of the catalogue's subjects (`pmo.risk.risk.escalated`, `status_report`...).
_TOKEN = re.compile(r"^[a-z0-9_]+$")
MAX_PATTERN_LENGTH = 200


class PatternError(ValueError):
    """Why a pattern is not a valid subject pattern."""


def check_pattern(pattern: str) -> None:
    """Raise `PatternError` unless `pattern` is tokens of `[a-z0-9_]`, `*` or a final `>`."""
    if not pattern or len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"must be 1–{MAX_PATTERN_LENGTH} characters")
    tokens = pattern.split(".")
    for index, token in enumerate(tokens):
        if token == ">":
            if index != len(tokens) - 1:
                raise PatternError("`>` may only be the last token")
        elif token != "*" and not _TOKEN.match(token):
            raise PatternError(f"token {index + 1} ({token!r}) is not `*`, `>` or of [a-z0-9_]")


def matches(pattern: str, subject: str) -> bool:
    """Whether a (valid) pattern matches a subject, as NATS matches them."""
    wanted, given = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(given) > index
        if index >= len(given) or (token != "*" and token != given[index]):
            return False
    return len(given) == len(wanted)


def matches_any(patterns: Iterable[str], subject: str) -> bool:
    return any(matches(p, subject) for p in patterns)


def catalogue_matches(pattern: str) -> list[str]:
    """The catalogue subjects a pattern matches, sorted."""
    return sorted(s for s in CATALOGUE if matches(pattern, s))
