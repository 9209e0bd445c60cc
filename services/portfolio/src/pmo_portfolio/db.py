"""The portfolio service's declarative base. Its MetaData already holds `pmo_common`'s shared tables
(outbox, inbox, idempotency keys, audit trail); the domain tables join it when `pmo_portfolio.models`
is imported."""

from pmo_common.db import service_metadata
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    metadata = service_metadata()
