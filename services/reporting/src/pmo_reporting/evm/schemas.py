from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pmo_common.contracts.types import RAG, Money, NonNegativeMoney
from pmo_common.examples import PROJECT_ID
from pydantic import BaseModel, ConfigDict, Field

from pmo_reporting.logic.evm import Evm, rounded_ratio
from pmo_reporting.logic.schedule import EarnedSchedule

# "CRM replacement" (baseline 1: 1,200,000.00 EUR spread over 2026-03-01 – 2027-02-28) as of the end of
# November from the November report (68 % complete, AC 850,000.00, forecast 1,290,000.00 by 2027-03-31):
# PV = 274/364 of BAC, EV = 68 % of BAC; SPI 0.9034 is amber under the default targets.
EVM_EXAMPLE: dict[str, Any] = {
    "as_of": "2026-11-30",
    "baseline_number": 1,
    "bac": "1200000.00",
    "pv": "903296.70",
    "ev": "816000.00",
    "ac": "850000.00",
    "sv": "-87296.70",
    "cv": "-34000.00",
    "spi": 0.9034,
    "cpi": 0.96,
    "eac": "1290000.00",
    "etc": "440000.00",
    "vac": "-90000.00",
    "tcpi": 1.0971,
    "tcpi_eac": 0.8727,
    "schedule_slip_days": 31,
    "suggested_rag": "amber",
    "earned_schedule": {
        "es_date": "2026-11-03",
        "es_days": 247.52,
        "at_days": 274,
        "spi_t": 0.9034,
        "sv_t_days": -26.48,
        "ieac_t_date": "2027-04-07",
    },
    "report_id": "2d4f6a8c-1e3b-4d5f-9a7c-0e2b4d6f8a1c",
}
# The month before, from the October report (60 % complete, AC 745,000.00, no forecast: EAC = BAC / CPI).
EVM_OCTOBER_EXAMPLE: dict[str, Any] = {
    **EVM_EXAMPLE,
    "as_of": "2026-10-31",
    "pv": "804395.60",
    "ev": "720000.00",
    "ac": "745000.00",
    "sv": "-84395.60",
    "cv": "-25000.00",
    "spi": 0.8951,
    "cpi": 0.9664,
    "eac": "1241666.67",
    "etc": "496666.67",
    "vac": "-41666.67",
    "tcpi": 1.0549,
    "tcpi_eac": 0.9664,
    "schedule_slip_days": None,
    "earned_schedule": {
        "es_date": "2026-10-05",
        "es_days": 218.4,
        "at_days": 244,
        "spi_t": 0.8951,
        "sv_t_days": -25.6,
        "ieac_t_date": "2027-04-11",
    },
    "report_id": "1c3e5a7b-9d2f-4b6a-8c0e-2f4a6c8e0b1d",
}
EVM_POINT_EXAMPLES: list[Any] = [
    {**EVM_OCTOBER_EXAMPLE, "month": "2026-10"},
    {**EVM_EXAMPLE, "month": "2026-11"},
]


class EarnedScheduleRead(BaseModel):
    """Earned schedule (Lipke) on the PV curve of the baseline in force: time, not money, measures
    the schedule, so SPI(t) keeps telling a late project from an on-time one after its planned finish
    (where SPI = EV / PV tends to 1 regardless). Any figure is null where it is undefined."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "es_date": "2025-05-31",
                    "es_days": 150.0,
                    "at_days": 210,
                    "spi_t": 0.7143,
                    "sv_t_days": -60.0,
                    "ieac_t_date": "2026-02-25",
                }
            ]
        }
    )

    es_date: date | None = Field(description="The whole day on which the baseline's PV curve reaches EV.")
    es_days: float | None = Field(
        description="ES: days from the baseline start until PV reaches EV (fractional, 2 decimals; "
        "0 for EV = 0; never past the day the plan completes, even for EV ≥ BAC)."
    )
    at_days: int | None = Field(description="AT: as_of − baseline start, in days (negative before it).")
    spi_t: float | None = Field(description="SPI(t) = ES / AT (null while AT ≤ 0).")
    sv_t_days: float | None = Field(description="SV(t) = ES − AT, in days (negative: behind schedule).")
    ieac_t_date: date | None = Field(
        description="IEAC(t) = baseline start + planned duration / SPI(t): the forecast finish "
        "(null while SPI(t) is null or 0)."
    )

    @classmethod
    def of(cls, schedule: EarnedSchedule) -> EarnedScheduleRead:
        return cls(
            es_date=schedule.es_date,
            es_days=schedule.es_days,
            at_days=schedule.at_days,
            spi_t=schedule.spi_t,
            sv_t_days=schedule.sv_t_days,
            ieac_t_date=schedule.ieac_t_date,
        )


class EvmRead(BaseModel):
    """PMI earned value as of a date, against the baseline in force on that date (the latest approved
    by its end; baseline 1 also for dates before it; a project's current fields while it has none).
    Money as decimal strings; ratios rounded to 4 decimals; null where an input is unknown or a
    denominator is zero."""

    model_config = ConfigDict(json_schema_extra={"examples": [EVM_EXAMPLE]})

    as_of: date
    baseline_number: int | None = Field(
        description="The baseline the figures are measured against; null: none approved yet (the "
        "project's current budget, dates and cost profile)."
    )
    bac: NonNegativeMoney = Field(description="BAC: the budget of the baseline in force.")
    pv: NonNegativeMoney | None = Field(
        description="PV: the reported planned value, else the baseline's time-phased cost (its cost "
        "profile, d/n of a month's amount by day d of an n-day month; without one, the budget spread "
        "linearly by day over the baseline dates)."
    )
    ev: NonNegativeMoney | None = Field(
        description="EV: the reported earned value, else percent_complete × the BAC in force on the "
        "report's date; null without a report or when the report gives neither (then SV, CV, SPI, CPI, "
        "the computed EAC, TCPI, TCPI(EAC) and the earned schedule are null too)."
    )
    ac: NonNegativeMoney | None = Field(
        description="AC: the reported actual cost; null when the report omits it (then CV, CPI, the "
        "computed EAC, ETC, TCPI and TCPI(EAC) are null too; a reported forecast cost stays the EAC)."
    )
    sv: Money | None
    cv: Money | None
    spi: float | None
    cpi: float | None
    eac: Money | None = Field(description="The reported forecast cost, else BAC / CPI.")
    etc: Money | None
    vac: Money | None
    tcpi: float | None = Field(
        description="(BAC − EV) / (BAC − AC): the cost efficiency needed to finish within BAC; null "
        "once AC ≥ BAC."
    )
    tcpi_eac: float | None = Field(
        description="(BAC − EV) / (EAC − AC): the cost efficiency needed to finish at EAC; null when "
        "EAC − AC ≤ 0 or EAC is unknown."
    )
    schedule_slip_days: int | None = Field(description="Forecast finish − baseline finish, in days.")
    suggested_rag: RAG | None = Field(
        description="The worst colour of SPI, CPI and the report's age (days since the report in "
        "effect, counted while the project is in progress) under the portfolio's KPI targets "
        "(`/portfolios/{portfolio_id}/kpi-targets`; by default red if SPI or CPI < 0.85 or the report "
        "is over 35 days old, green if SPI and CPI ≥ 0.95 and it is at most 31 days old, else amber); "
        "null when none of them is known."
    )
    earned_schedule: EarnedScheduleRead
    report_id: uuid.UUID | None = Field(description="The status report used (latest on or before as_of).")

    @classmethod
    def of(
        cls,
        evm: Evm,
        as_of: date,
        report_id: uuid.UUID | None,
        schedule: EarnedSchedule,
        baseline_number: int | None,
    ) -> EvmRead:
        return cls(
            as_of=as_of,
            baseline_number=baseline_number,
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
            tcpi_eac=rounded_ratio(evm.tcpi_eac),
            schedule_slip_days=evm.schedule_slip_days,
            suggested_rag=RAG(evm.suggested_rag) if evm.suggested_rag else None,
            earned_schedule=EarnedScheduleRead.of(schedule),
            report_id=report_id,
        )


class EvmPoint(EvmRead):
    """The figures as of the last day of `month`."""

    model_config = ConfigDict(json_schema_extra={"examples": EVM_POINT_EXAMPLES})

    month: str = Field(description="YYYY-MM.")


class EvmSeries(BaseModel):
    # Two points of the twelve (2026-03 … 2027-02) the project's series holds.
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"project_id": PROJECT_ID, "items": EVM_POINT_EXAMPLES}]}
    )

    project_id: uuid.UUID
    items: list[EvmPoint] = Field(
        description="One point per month (as of its last day), oldest first; each against the "
        "baseline in force on that day."
    )
