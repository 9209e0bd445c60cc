"""The JetStream streams of contract §4: one per owning service, plus the dead-letter stream."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]


STREAMS: dict[str, StreamSpec] = {
    "portfolio": StreamSpec("PORTFOLIO", ("pmo.portfolio.>",)),
    "risk": StreamSpec("RISK", ("pmo.risk.>",)),
    "resource": StreamSpec("RESOURCE", ("pmo.resource.>",)),
    "reporting": StreamSpec("REPORTING", ("pmo.reporting.>",)),
}

# Messages a consumer could not handle after its bounded deliveries land here, under
# `dlq.<consuming service>.<original subject>`, so they are kept and can be inspected or replayed.
DEAD_LETTER_STREAM = StreamSpec("DLQ", ("dlq.>",))


def stream_for_subject(subject: str) -> StreamSpec:
    parts = subject.split(".")
    if len(parts) < 3 or parts[0] != "pmo" or parts[1] not in STREAMS:
        raise ValueError(f"{subject!r} is not a pmo.<service>.<aggregate>.<event> subject")
    return STREAMS[parts[1]]


def dead_letter_subject(service: str, subject: str) -> str:
    return f"dlq.{service}.{subject}"
