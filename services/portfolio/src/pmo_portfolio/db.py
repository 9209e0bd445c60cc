"""The portfolio service's tables share one MetaData, which already holds the outbox, inbox and
idempotency tables of `pmo_common`."""

from sqlalchemy.orm import DeclarativeBase

from pmo_common.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
