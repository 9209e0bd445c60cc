"""`make demo`: a realistic portfolio loaded into a running stack through the public HTTP APIs.

    make run     # one terminal: NATS and the four services
    make demo    # another: loads the demo portfolio and prints the URLs to open

`await demo.main(Config(...))` does the same from Python (the end-to-end test uses it).
"""

from __future__ import annotations

from demo.client import Config, DemoError
from demo.loader import DemoResult, load

__all__ = ["Config", "DemoError", "DemoResult", "load", "main"]


async def main(config: Config | None = None, **overrides: object) -> DemoResult:
    """Load the demo; `config` defaults to the environment (see `Config.from_env`)."""
    config = config or Config.from_env()
    for key, value in overrides.items():
        setattr(config, key, value)
    return await load(config)
