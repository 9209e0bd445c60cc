"""The portfolio service's projects and portfolios as the risk service keeps them (the shared read
model of `pmo_common.upstream`): who manages a project decides who writes its risks and issues."""

from __future__ import annotations

from pmo_common.upstream import UpstreamPortfolio, UpstreamProject
from sqlalchemy import Index

from pmo_risk.db import Base


class KnownPortfolio(UpstreamPortfolio, Base):
    __tablename__ = "known_portfolios"


class KnownProject(UpstreamProject, Base):
    __tablename__ = "known_projects"
    __table_args__ = (Index("ix_known_projects_portfolio_id", "portfolio_id"),)
