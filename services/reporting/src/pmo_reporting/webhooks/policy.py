"""When a failed delivery is tried again: exponential backoff from `first` doubling up to `cap`,
with jitter, for at least `horizon` after the event (contract §7.9). Pure, no I/O."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    first: float = 5.0  # seconds before the second attempt (at most; jitter only shortens it)
    cap: float = 300.0  # the longest wait between two attempts
    horizon: timedelta = timedelta(hours=24)  # retried at least this long after the event
    jitter: float = 0.25  # each wait is shortened by up to this fraction, at random

    def delay(
        self, attempt: int, *, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        """Seconds to wait after failed attempt number `attempt` (1, 2, ...). The jitter spreads
        retries of many deliveries that failed together; it only shortens a wait, so the first one
        stays within `first` and none exceeds `cap`. A receiver's `Retry-After` is honoured up to
        `cap`."""
        base = min(self.first * 2 ** (attempt - 1), self.cap)
        wait = base * (1 - self.jitter * (rng or random).random())
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        return wait

    def gives_up(self, created_at: datetime, now: datetime) -> bool:
        """After a failed attempt at `now`: stop only once the horizon has passed since `created_at`,
        so the last attempt is made at least `horizon` after the delivery was recorded."""
        return now - created_at >= self.horizon


DEFAULT_POLICY = RetryPolicy()
