"""The decision log's hash chain, with every hash recomputed independently of the code under test."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st
from pmo_portfolio.logic.chain import GENESIS, seal, verify


def independent_hash(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain(titles: list[str]) -> list[dict]:
    entries: list[dict] = []
    for i, title in enumerate(titles):
        entries.append(
            seal(
                {"title": title, "kind": "other", "links": [{"type": "project", "id": str(i)}]},
                entries[-1] if entries else None,
            )
        )
    return entries


def test_entries_are_numbered_linked_and_hashed_as_the_contract_says():
    first, second = chain(["Approve Phoenix — €1,2 M", "Défer Atlas"])
    assert first["sequence"] == 1 and first["previous_hash"] == GENESIS
    assert second["sequence"] == 2 and second["previous_hash"] == first["hash"]
    assert first["hash"] == independent_hash(first) and second["hash"] == independent_hash(second)
    # Non-ASCII is hashed as UTF-8, not as \\u escapes.
    assert "€".encode() in json.dumps(first, ensure_ascii=False).encode()
    assert verify([first, second]).ok


def test_a_changed_removed_or_reordered_entry_is_found():
    entries = chain(["a", "b", "c", "d"])
    changed = [dict(e) for e in entries]
    changed[1]["title"] = "b, edited afterwards"
    assert verify(changed) == type(verify(changed))(False, 4, 2)
    assert verify([entries[0], entries[2], entries[3]]).first_bad_sequence == 3
    assert verify([entries[1], entries[0]]).first_bad_sequence == 2
    rehashed = [dict(e) for e in entries]
    rehashed[2]["title"] = "forged"
    rehashed[2]["hash"] = independent_hash(rehashed[2])  # a forger who re-hashes one entry
    assert verify(rehashed).first_bad_sequence == 4  # breaks the next link
    assert verify([]).ok and verify([]).entries == 0


@given(st.lists(st.text(max_size=30), max_size=12))
def test_any_chain_verifies_and_any_single_edit_is_detected(titles):
    entries = chain(titles)
    assert verify(entries).ok
    for i in range(len(entries)):
        tampered = [dict(e) for e in entries]
        tampered[i]["title"] = tampered[i]["title"] + "!"
        assert verify(tampered).first_bad_sequence == i + 1
