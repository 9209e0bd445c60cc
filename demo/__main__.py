"""python -m demo [--again] [--seed N]: load the demo portfolio into a running stack (`make run`).

Environment: PMO_DEMO_PORTFOLIO_URL, PMO_DEMO_RISK_URL, PMO_DEMO_RESOURCE_URL, PMO_DEMO_REPORTING_URL
(default http://127.0.0.1:8001 … 8004), PMO_TOKEN (default: an admin token minted with PMO_JWT_SECRET
or the development secret), PMO_DEMO_HR_KEY (an integration API key from PMO_API_KEYS for the HR
imports; default: the admin token), PMO_DEMO_SEED, PMO_DEMO_AGAIN=1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from demo import main
from demo.client import Config, DemoError


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.split("\n")[0])
    parser.add_argument("--again", action="store_true", help="load another copy even if one exists")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default 2027)")
    args = parser.parse_args(argv)
    config = Config.from_env()
    if args.again:
        config.again = True
    if args.seed is not None:
        config.seed = args.seed
    try:
        asyncio.run(main(config))
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(cli())
