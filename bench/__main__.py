"""`make bench`: starts what it needs, measures, prints a table of figures with their floors and
ratios, and writes it as JSON under var/bench/. Not part of `make test`: benchmarks are not tests.

    python -m bench [--quick] [--only http,events,imports,selection,dashboard,governance,montecarlo,boardpack,mixed,webhooks]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bench import sections
from bench.common import Row, run_section

ALL = (
    "http",
    "events",
    "imports",
    "selection",
    "dashboard",
    "governance",
    "montecarlo",
    "boardpack",
    "mixed",
    "webhooks",
)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def _imports() -> ModuleType:
    from bench import imports

    return imports


def _events() -> ModuleType:
    from bench import events

    return events


def _dashboard() -> ModuleType:
    from bench import dashboard

    return dashboard


def _boardpack() -> ModuleType:
    from bench import boardpack

    return boardpack


def _mixed() -> ModuleType:
    from bench import mixed

    return mixed


def _governance() -> ModuleType:
    from bench import governance

    return governance


def _webhooks() -> ModuleType:
    from bench import webhooks

    return webhooks


def render(rows: list[Row]) -> str:
    header = f"{'section':<11} {'figure':<62} {'value':>12} {'floor':>12} {'ratio':>8}  target"
    lines = [header, "-" * len(header)]
    for row in rows:
        value = f"{row.value:,.2f} {row.unit}"
        floor = f"{row.floor:,.2f}" if row.floor is not None else "-"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        verdict = "" if row.met is None else (" met" if row.met else " MISSED")
        lines.append(
            f"{row.section:<11} {row.figure:<62} {value:>12} {floor:>12} {ratio:>8}  {row.target}{verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument(
        "--quick", action="store_true", help="shorter runs (a smoke test of the bench itself)"
    )
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated sections")
    args = parser.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(ALL)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    quick = args.quick
    workdir = Path(tempfile.mkdtemp(prefix="pmo-bench-"))
    plan: dict[str, Callable[[], list[Row]]] = {
        "http": lambda: sections.http_section(workdir, seconds=3 if quick else 10, connections=16),
        "events": lambda: _events().events_section(workdir, rate=200, seconds=5 if quick else 30),
        "imports": lambda: _imports().imports_section(workdir, rows=10_000 if quick else 100_000),
        "selection": lambda: sections.selection_section((100, 1000) if quick else (100, 1000, 5000)),
        "dashboard": lambda: _dashboard().dashboard_section(
            workdir,
            projects=500 if quick else 5000,
            risks=5000 if quick else 50_000,
            seconds=3 if quick else 10,
        ),
        "boardpack": lambda: _boardpack().boardpack_section(
            workdir, projects=500 if quick else 5000, risks=5000 if quick else 50_000
        ),
        "governance": lambda: _governance().governance_section(
            workdir, entries=10_000, seconds=3 if quick else 10, verify_runs=3 if quick else 5
        ),
        "montecarlo": lambda: sections.montecarlo_section(),
        "mixed": lambda: _mixed().mixed_section(workdir, seconds=5 if quick else 30),
        "webhooks": lambda: _webhooks().webhooks_section(workdir, rate=200, seconds=5 if quick else 30),
    }
    rows: list[Row] = []
    failures: dict[str, str] = {}
    print(f"machine: {machine()}", flush=True)
    for name in only:
        started = time.perf_counter()
        print(f"== {name} ...", flush=True)
        try:
            rows += run_section(name, plan[name])
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    print()
    print(render(rows))
    for name, error in failures.items():
        print(f"FAILED {name}: {error}")
    out_dir = Path("var/bench")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "time": stamp,
        "machine": machine(),
        "quick": quick,
        "rows": [r.as_dict() for r in rows],
        "failures": failures,
    }
    for path in (out_dir / f"bench-{stamp}.json", out_dir / "latest.json"):
        path.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {out_dir / f'bench-{stamp}.json'}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
