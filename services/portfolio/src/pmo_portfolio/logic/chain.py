"""The decision log's hash chain (contract §7.6), as pure functions.

Each portfolio's entries are numbered 1, 2, …; an entry's `hash` is the SHA-256 (hex) of the entry as
served, without `hash`, in canonical JSON (keys sorted, separators `,` and `:`, non-ASCII unescaped,
UTF-8), and it names its predecessor's hash in `previous_hash` (64 zeros for the first). Changing,
removing or reordering any entry therefore breaks every hash after it, which `verify` finds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The hash of an entry as served (its own `hash`, if present, left out)."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def seal(entry: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The next entry of a chain: numbered, linked to `previous` (None: the first) and hashed."""
    linked = {
        **entry,
        "sequence": 1 if previous is None else int(previous["sequence"]) + 1,
        "previous_hash": GENESIS if previous is None else str(previous["hash"]),
    }
    return {**linked, "hash": entry_hash(linked)}


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_bad_sequence: int | None


def verify(entries: Sequence[Mapping[str, Any]]) -> Verification:
    """Check a whole chain in sequence order: numbering, links and every hash recomputed."""
    previous_hash = GENESIS
    for position, entry in enumerate(entries, start=1):
        sequence = entry.get("sequence")
        if (
            sequence != position
            or entry.get("previous_hash") != previous_hash
            or entry.get("hash") != entry_hash(entry)
        ):
            return Verification(False, len(entries), sequence if isinstance(sequence, int) else position)
        previous_hash = str(entry["hash"])
    return Verification(True, len(entries), None)
