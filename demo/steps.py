"""What every loading step shares: the API, the generated data, the ids the stack gave back, counts of
what was loaded and timestamped progress lines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from demo.client import Api, Config
from demo.data import DemoData

T = TypeVar("T")
Out = Callable[[str], None]


async def gather(tasks: Iterable[Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*tasks))


class Steps:
    def __init__(self, api: Api, config: Config, demo: DemoData, out: Out) -> None:
        self.api = api
        self.config = config
        self.demo = demo
        self.out = out
        self.ids: dict[str, str] = {}  # project code -> id
        self.programmes: dict[str, str] = {}  # programme code -> id
        self.people: dict[str, str] = {}  # external_id -> resource id
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        self.out(f"[{time.monotonic() - self.started:5.1f}s] {text}")

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n
