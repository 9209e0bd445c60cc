"""The portfolio service's tables share one MetaData, which already holds the outbox, inbox and
idempotency tables of `pmo_common`."""

from pmo_common.db import service_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = service_metadata()


def import_models() -> None:
    """Register every table on `Base.metadata` (for Alembic autogenerate and the app)."""
    from pmo_portfolio.audit import models as _audit  # noqa: F401
    from pmo_portfolio.capacity import models as _capacity  # noqa: F401
    from pmo_portfolio.criteria import models as _criteria  # noqa: F401
    from pmo_portfolio.gates import models as _gates  # noqa: F401
    from pmo_portfolio.portfolios import models as _portfolios  # noqa: F401
    from pmo_portfolio.projects import models as _projects  # noqa: F401
    from pmo_portfolio.scenarios import models as _scenarios  # noqa: F401
