from __future__ import annotations

from pmo_common.upstream import UpstreamProject

from pmo_resource.db import Base


class ProjectRef(UpstreamProject, Base):
    """The projects allocations may point at, and who manages them: the shared read model of
    `pmo.portfolio.project.*` (newest version wins; deleted projects stay as tombstones)."""

    __tablename__ = "projects"
