"""The resource service's tables share one MetaData, which already holds the outbox, inbox, audit
and idempotency tables of `pmo_common`; plus the exact decimal column type used for hours and FTE
(here, because migrations name it as `pmo_resource.db.ScaledDecimal`). Imports nothing of the
service: `pmo_resource.models` is the registry of its tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pmo_common.db import service_metadata
from sqlalchemy import BigInteger, Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    metadata = service_metadata()


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact decimal with a fixed number of places, stored as a scaled integer (hours as
    hundredths, FTE as thousandths), so equality and SQL sums are exact on SQLite too."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self.factor = 10**places

    def __repr__(self) -> str:  # what Alembic writes into revisions
        return f"ScaledDecimal({self.places})"

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * self.factor).to_integral_value())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)
