"""`python -m pmo_common.cli migrate <service>|all` and `revision <service> -m MSG` (make migrate)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys

from alembic import command

from pmo_common.app import ServiceSpec
from pmo_common.db import Database
from pmo_common.migrations import alembic_config, upgrade_to_head
from pmo_common.settings import Settings

SERVICES = ("portfolio", "risk", "resource", "reporting")


def load_spec(service: str) -> ServiceSpec:
    spec: ServiceSpec = importlib.import_module(f"pmo_{service}.main").SPEC
    return spec


async def migrate(service: str, url: str | None = None) -> None:
    spec = load_spec(service)
    db = Database(url or Settings(service=service).effective_database_url)
    try:
        await upgrade_to_head(db.engine, spec.migrations)
    finally:
        await db.dispose()
    print(f"{service}: migrated to head")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pmo")
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("migrate", help="apply migrations up to head")
    m.add_argument("service", choices=[*SERVICES, "all"])
    r = sub.add_parser("revision", help="autogenerate a migration from the models")
    r.add_argument("service", choices=SERVICES)
    r.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        if args.service == "all":
            # One PMO_DATABASE_URL cannot hold four services' schemas: as `make run` does, each service
            # gets its own database next to the named one.
            from pmo_common.devstack import service_database_urls

            urls = service_database_urls()
            for service in SERVICES:
                asyncio.run(migrate(service, urls.get(service)))
        else:
            asyncio.run(migrate(args.service))
        return 0
    spec = load_spec(args.service)
    url = Settings(service=args.service).effective_database_url
    asyncio.run(migrate(args.service))
    command.revision(alembic_config(spec.migrations, url), message=args.message, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
