"""Who may do what in the resource service (contract §2 roles)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pmo_common.auth import READERS, Principal, require_roles
from pmo_common.contracts.types import Role

MANAGERS = (Role.admin, Role.pmo, Role.resource_manager)
IMPORTERS = (*MANAGERS, Role.integration)
# HR/ERP integration keys read back what they push: people, import reports, capacity.
INTEGRATION_READERS = (*READERS, Role.integration)
ALLOCATION_WRITERS = (*MANAGERS, Role.project_manager)

Manager = Annotated[Principal, Depends(require_roles(*MANAGERS))]
Importer = Annotated[Principal, Depends(require_roles(*IMPORTERS))]
IntegrationReader = Annotated[Principal, Depends(require_roles(*INTEGRATION_READERS))]
AllocationWriter = Annotated[Principal, Depends(require_roles(*ALLOCATION_WRITERS))]


def sees_cost_rate(principal: Principal) -> bool:
    """Cost rates are confidential to those who manage people (contract §7.1): project managers,
    viewers and integration keys read every other field of a person, but `cost_rate` as null."""
    return principal.has(*MANAGERS)


def manages_resources(principal: Principal) -> bool:
    return principal.has(*MANAGERS)
