"""Import bodies: formats, encodings, malformed CSV (422 naming the row), limits, row validation."""

from __future__ import annotations

import pytest
from pmo_common.errors import Unprocessable, UnsupportedMediaType
from pmo_resource.imports.parsing import body_format, parse_rows, validate_rows
from pmo_resource.imports.schemas import MAX_ROWS, CapacityRow
from pmo_resource.resources.schemas import ResourceCreate


def test_content_types() -> None:
    assert body_format("application/json") == "json"
    assert body_format("text/csv; charset=utf-8") == "csv"
    for bad in (None, "text/plain", "application/xml", "text/csv; charset=latin-1"):
        with pytest.raises(UnsupportedMediaType):
            body_format(bad)


def test_csv_rows_with_defaults_and_skill_lists() -> None:
    body = b"external_id,name,role,skills,fte\nHR-1,Ada,dev,python; sql ,0.5\nHR-2,Bob,qa,,\n"
    rows = parse_rows(body, "text/csv", ResourceCreate)
    assert rows == [
        {"external_id": "HR-1", "name": "Ada", "role": "dev", "skills": ["python", "sql"], "fte": "0.5"},
        {"external_id": "HR-2", "name": "Bob", "role": "qa"},
    ]


def test_a_utf8_bom_is_accepted() -> None:
    rows = parse_rows(
        "\ufeffexternal_id,period,available_hours\nHR-1,2026-01,10\n".encode(), "text/csv", CapacityRow
    )
    assert rows == [{"external_id": "HR-1", "period": "2026-01", "available_hours": "10"}]


def test_non_utf8_bytes_are_422_naming_the_row() -> None:
    body = b"external_id,name,role\nHR-1,Ada,dev\nHR-2,Jos" + b"\xe9,dev\n"
    with pytest.raises(Unprocessable) as caught:
        parse_rows(body, "text/csv", ResourceCreate)
    assert "row 2" in (caught.value.detail or "")


def test_unterminated_quote_is_422_naming_the_row() -> None:
    body = b'external_id,name,role\nHR-1,Ada,dev\nHR-2,"Bob,dev\n'
    with pytest.raises(Unprocessable) as caught:
        parse_rows(body, "text/csv", ResourceCreate)
    assert "row 2" in (caught.value.detail or "")


def test_wrong_number_of_fields_is_422_naming_the_row() -> None:
    body = b"external_id,period,available_hours\nHR-1,2026-01,10\nHR-1,2026-02\n"
    with pytest.raises(Unprocessable) as caught:
        parse_rows(body, "text/csv", CapacityRow)
    assert "row 2" in (caught.value.detail or "")
    assert caught.value.errors and caught.value.errors[0].field == "rows[2]"


def test_unknown_or_missing_columns_are_422_naming_the_header() -> None:
    with pytest.raises(Unprocessable, match="unknown column"):
        parse_rows(b"external_id,period,hours\n", "text/csv", CapacityRow)
    with pytest.raises(Unprocessable, match="missing column"):
        parse_rows(b"external_id,period\n", "text/csv", CapacityRow)


def test_json_must_be_an_object_with_rows_within_the_limit() -> None:
    with pytest.raises(Unprocessable):
        parse_rows(b"[1, 2]", "application/json", CapacityRow)
    with pytest.raises(Unprocessable, match="not valid JSON"):
        parse_rows(b'{"rows": [', "application/json", CapacityRow)
    with pytest.raises(Unprocessable, match=str(MAX_ROWS)):
        parse_rows(
            b'{"rows": [' + b",".join([b"{}"] * (MAX_ROWS + 1)) + b"]}", "application/json", CapacityRow
        )


def test_rows_are_validated_one_by_one_and_repeats_rejected() -> None:
    rows = [
        {"external_id": "HR-1", "period": "2026-01", "available_hours": 100},
        {"external_id": "HR-1", "period": "2026-13", "available_hours": 100},
        {"external_id": "HR-1", "period": "2026-01", "available_hours": 90},
        {"external_id": "HR-2", "period": "2026-01", "available_hours": 745},
        "nonsense",
    ]
    result = validate_rows(rows, CapacityRow, lambda r: (r.external_id, r.period), "period")
    assert [n for n, _ in result.rows] == [1]
    rejected = {r.row: r for r in result.rejected}
    assert rejected[2].errors[0].field == "period"
    assert "repeats row 1" in rejected[3].errors[0].message
    assert rejected[4].errors[0].field == "available_hours" and rejected[4].external_id == "HR-2"
    assert rejected[5].errors[0].field == "row"
