"""Consumed events: the portfolio service's projects and portfolios, kept as local read models so
that risk writes can check project ownership without calling another service."""

from __future__ import annotations

from pmo_common.events.consumer import EventHandlers
from pmo_common.upstream import track_portfolios, track_projects

from pmo_risk.catalog.models import KnownPortfolio, KnownProject

# One durable for both, under the name earlier releases used, so a running deployment resumes
# where it stopped instead of replaying the portfolio stream into a new consumer.
CATALOG = "portfolio-catalog"

handlers = EventHandlers()
track_projects(handlers, KnownProject, name=CATALOG)
track_portfolios(handlers, KnownPortfolio, name=CATALOG)
