"""Consumed events: the projects allocations may point at, and who manages them."""

from __future__ import annotations

from pmo_common.events.consumer import EventHandlers
from pmo_common.upstream import track_projects

from pmo_resource.projects.models import ProjectRef

handlers = EventHandlers()
track_projects(handlers, ProjectRef)
