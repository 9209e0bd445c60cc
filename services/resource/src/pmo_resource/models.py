"""Every ORM model of the service, imported so that the metadata (and Alembic) sees all tables."""

from pmo_resource.allocations.models import Allocation
from pmo_resource.capacity.models import EventCounter, KnownOverallocation, MonthlyCapacity
from pmo_resource.imports.models import ImportRun
from pmo_resource.projects.models import ProjectRef
from pmo_resource.resources.models import Resource

__all__ = [
    "Allocation",
    "EventCounter",
    "ImportRun",
    "KnownOverallocation",
    "MonthlyCapacity",
    "ProjectRef",
    "Resource",
]
