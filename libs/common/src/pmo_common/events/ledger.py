"""Which outbox rows the relay has published that a pending-rows read may still show as pending.

Pure bookkeeping, no I/O: the relay (`pmo_common.events.relay`) calls it around its reads and marks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


class PublishedLedger:
    """What this relay published that a pending-rows read may still show as pending (no I/O).

    A row is *unmarked* from its publish until its mark commits. After that a read may still show it
    pending if the read's snapshot was taken before the commit; so a marked seq is kept, under the
    generation of its mark, until no read begun before that generation is running. That is enough
    because every read is one autocommit statement whose snapshot is taken when it starts, after
    `begin_read`: PostgreSQL (READ COMMITTED) takes one per statement, and a SQLite WAL read
    transaction starts at the statement's first step and ends with it. So a read begun at generation
    g sees every mark up to g, and any later one only perhaps.
    """

    def __init__(self) -> None:
        self.unmarked: set[int] = set()
        self._marked: dict[int, set[int]] = {}  # generation -> the seqs whose mark committed then
        self._generation = 0
        self._reads: Counter[int] = Counter()  # generation at which each running read began

    def begin_read(self) -> int:
        """Call before the read's statement is sent; pass the result to `end_read`."""
        self._reads[self._generation] += 1
        return self._generation

    def end_read(self, began: int) -> None:
        self._reads[began] -= 1
        if self._reads[began] <= 0:
            del self._reads[began]
        self._forget()

    def skipped(self) -> set[int]:
        """The seqs a read must not take as pending: unmarked, or marked after a running read began."""
        return self.unmarked.union(*self._marked.values())

    def size(self) -> int:
        return len(self.unmarked) + sum(len(seqs) for seqs in self._marked.values())

    def published(self, seqs: Iterable[int]) -> None:
        self.unmarked.update(seqs)

    def marked(self, seqs: Iterable[int]) -> None:
        """`seqs`' mark has committed: call once the commit has returned (never before)."""
        done = set(seqs)
        self.unmarked -= done
        self._generation += 1
        self._marked[self._generation] = done
        self._forget()

    def _forget(self) -> None:
        oldest = min(self._reads, default=self._generation)
        for generation in [g for g in self._marked if g <= oldest]:
            del self._marked[generation]
