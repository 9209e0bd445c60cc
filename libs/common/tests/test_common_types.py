from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pmo_common.contracts.types import Currency, Money, Month, NonNegativeMoney, months_between
from pmo_common.errors import Unprocessable
from pmo_common.http import decode_cursor, encode_cursor
from pmo_common.settings import Settings, hash_api_key, parse_api_keys
from pydantic import BaseModel, ValidationError


class Amount(BaseModel):
    value: Money


class Budget(BaseModel):
    value: NonNegativeMoney


class Period(BaseModel):
    period: Month


@pytest.mark.parametrize("raw", ["1250000.00", "1250000", "0.5", 7])
def test_money_accepts_decimal_strings_and_integers_and_serialises_two_places(raw):
    parsed = Amount(value=raw)
    assert parsed.model_dump(mode="json")["value"] == f"{Decimal(str(raw)):.2f}"


@pytest.mark.parametrize(
    "raw",
    [12.5, "12.345", "abc", "NaN", "Infinity", True, "1e30", "1e3", " 1.00", "1.00 ", "١٢٣", "+5", "1_000"],
)
def test_money_refuses_floats_excess_precision_and_non_numbers(raw):
    with pytest.raises(ValidationError):
        Amount(value=raw)


def test_non_negative_money_refuses_negative_amounts():
    with pytest.raises(ValidationError, match="negative"):
        Budget(value="-0.01")


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_money_round_trips_exactly(amount):
    assert Decimal(Amount(value=str(amount)).model_dump(mode="json")["value"]) == amount


@pytest.mark.parametrize("raw", ["2026-13", "2026-1", "26-01", "2026-00", "2026/01", 202601])
def test_month_must_be_yyyy_mm(raw):
    with pytest.raises(ValidationError, match="YYYY-MM"):
        Period(period=raw)


def test_months_between_spans_years_inclusive():
    assert months_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_cursors_round_trip_typed_values_and_refuse_tampering():
    values = [
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        uuid.uuid4(),
        Decimal("12.50"),
        date(2026, 1, 1),
        7,
        "x",
    ]
    assert decode_cursor(encode_cursor(values), len(values)) == values
    with pytest.raises(Unprocessable):
        decode_cursor(encode_cursor(values), 2)
    with pytest.raises(Unprocessable):
        decode_cursor("!!!", 1)


def test_api_keys_are_kept_only_as_digests():
    keys = parse_api_keys(
        "erp:plain-key:integration+viewer,hr:sha256=" + hash_api_key("other") + ":integration"
    )
    assert [k.name for k in keys] == ["erp", "hr"]
    assert keys[0].digest == hash_api_key("plain-key") and keys[0].roles == ("integration", "viewer")
    assert keys[1].digest == hash_api_key("other")
    assert not any(hasattr(k, "key") for k in keys)
    with pytest.raises(ValueError, match="entry 1"):
        parse_api_keys("just-a-key")


def test_production_refuses_the_development_secret():
    with pytest.raises(ValidationError, match="PMO_JWT"):
        Settings(environment="production")
    assert Settings(environment="production", jwt_secret="x" * 40).effective_jwt_secret == "x" * 40
    assert Settings().effective_database_url.endswith("var/pmo.db")


class Priced(BaseModel):
    currency: Currency


@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "JPY", "CHF", "XOF"])
def test_currencies_are_iso_4217_codes(code):
    assert Priced(currency=code).currency == code


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "XXX", "XTS", "DEM", 978])
def test_unknown_test_and_withdrawn_currencies_are_refused(code):
    with pytest.raises(ValidationError, match="ISO 4217"):
        Priced(currency=code)
