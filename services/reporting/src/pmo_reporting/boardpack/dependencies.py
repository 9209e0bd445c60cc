"""The board report's `locale` query parameter: a locale Babel has CLDR data for, else a 422."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pmo_common.errors import invalid

from pmo_reporting.boardpack.money import DEFAULT_LOCALE, known_locale


async def report_locale(
    locale: Annotated[
        str,
        Query(
            description="How amounts are written (CLDR pattern `#,##0 ¤¤`: `44,790,000 EUR` in `en`, "
            "`44.790.000 EUR` in `de`), e.g. `en`, `de`, `fr_CH`.",
            max_length=20,
            pattern=r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})*$",
        ),
    ] = DEFAULT_LOCALE,
) -> str:
    if not known_locale(locale):
        raise invalid("query.locale", f"unknown locale {locale!r} (a CLDR locale such as en, de or fr_CH)")
    return locale


ReportLocale = Annotated[str, Depends(report_locale)]
