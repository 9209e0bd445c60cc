"""The risk service's tables share one MetaData, which already holds the outbox, inbox and
idempotency tables of `pmo_common`."""

from pmo_common.db import service_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = service_metadata()
