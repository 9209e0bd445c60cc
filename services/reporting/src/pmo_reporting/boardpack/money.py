"""Amounts and axis values formatted for reading (Babel, CLDR), for the HTML and PDF board reports.

An amount is shown in whole units of the portfolio's currency, grouped as the locale groups digits,
followed by the ISO 4217 code: the CLDR pattern `#,##0 ¤¤` (`¤¤` is the currency code), so
44790000.49 EUR reads `44,790,000 EUR` in `en` (the default), `44.790.000 EUR` in `de`. Rounding is
half-even, as everywhere else; the exact amounts stay in the CSV and the workbook.

Chart axes are scaled to k (thousands), M (millions) or bn (billions), chosen once per axis from its
largest value so every tick shares one unit: `0`, `250k`, `500k` or `1.5M`, `3M`.
"""

from __future__ import annotations

from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal

DEFAULT_LOCALE = "en"
AMOUNT_PATTERN = "#,##0 ¤¤"
SCALES = ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "k"))


def known_locale(name: str) -> bool:
    """Whether Babel has CLDR data for the locale (`en`, `de_CH`, ...)."""
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def format_amount(value: Decimal | None, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """`44,790,000 EUR`; an unknown amount is an em dash."""
    if value is None:
        return "—"
    return format_currency(value, currency, format=AMOUNT_PATTERN, locale=locale, currency_digits=False)


def axis_scale(largest: float) -> tuple[Decimal, str]:
    """The divisor and suffix an axis whose largest absolute value is `largest` is labelled in."""
    magnitude = Decimal(str(abs(largest)))
    for divisor, suffix in SCALES:
        if magnitude >= divisor:
            return divisor, suffix
    return Decimal(1), ""


def format_scaled(value: float, divisor: Decimal, suffix: str, locale: str = DEFAULT_LOCALE) -> str:
    """A tick value in the axis's unit: `2.5M`, `750k`, `0` (at most two decimals, none trailing)."""
    if value == 0:
        return "0"
    scaled = Decimal(str(value)) / divisor
    return format_decimal(scaled, format="#,##0.##", locale=locale) + suffix
