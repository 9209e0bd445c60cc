from __future__ import annotations

import uuid
from datetime import date

from pmo_common.contracts.types import RAG, Money, NonNegativeMoney
from pydantic import BaseModel, Field

from pmo_reporting.logic.evm import Evm, rounded_ratio


class EvmRead(BaseModel):
    """PMI earned value as of a date. Money as decimal strings; ratios rounded to 4 decimals;
    null where an input is unknown or a denominator is zero."""

    as_of: date
    bac: NonNegativeMoney
    pv: NonNegativeMoney | None
    ev: NonNegativeMoney | None
    ac: NonNegativeMoney | None
    sv: Money | None
    cv: Money | None
    spi: float | None
    cpi: float | None
    eac: Money | None
    etc: Money | None
    vac: Money | None
    tcpi: float | None
    schedule_slip_days: int | None = Field(description="Forecast finish − baseline finish, in days.")
    suggested_rag: RAG | None = Field(
        description="Red if SPI or CPI < 0.85; green if both ≥ 0.95; else amber."
    )
    report_id: uuid.UUID | None = Field(description="The status report used (latest on or before as_of).")

    @classmethod
    def of(cls, evm: Evm, as_of: date, report_id: uuid.UUID | None) -> EvmRead:
        return cls(
            as_of=as_of,
            bac=evm.bac,
            pv=evm.pv,
            ev=evm.ev,
            ac=evm.ac,
            sv=evm.sv,
            cv=evm.cv,
            spi=rounded_ratio(evm.spi),
            cpi=rounded_ratio(evm.cpi),
            eac=evm.eac,
            etc=evm.etc,
            vac=evm.vac,
            tcpi=rounded_ratio(evm.tcpi),
            schedule_slip_days=evm.schedule_slip_days,
            suggested_rag=RAG(evm.suggested_rag) if evm.suggested_rag else None,
            report_id=report_id,
        )


class EvmPoint(EvmRead):
    month: str


class EvmSeries(BaseModel):
    project_id: uuid.UUID
    items: list[EvmPoint] = Field(description="One point per month (as of its last day), oldest first.")
