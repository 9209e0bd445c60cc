"""Import bodies: formats, encodings, malformed CSV (422 naming the row), limits, row validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pmo_common.errors import Unprocessable, UnsupportedMediaType
from pmo_resource.imports.capacity_rows import capacity_rows, plain_capacity_records, validate_capacity_rows
from pmo_resource.imports.parsing import body_format, check_row, duplicate, parse_rows, validate_rows
from pmo_resource.imports.schemas import MAX_ROWS, CapacityRow, RejectedRow
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


def _one_by_one(rows: list[Any], model: Any, key: Any, key_field: str) -> tuple[list[Any], list[Any]]:
    """The reference: each row judged by the row model on its own, in order, the first of a key kept."""
    valid, rejected, seen = [], [], {}
    for number, raw in enumerate(rows, start=1):
        checked = check_row(number, raw, model)
        if isinstance(checked, RejectedRow):
            rejected.append(checked)
        elif key(checked) in seen:
            rejected.append(duplicate(number, raw, seen[key(checked)], key_field))
        else:
            seen[key(checked)] = number
            valid.append((number, checked))
    return valid, rejected


def _by_the_row_model(rows: list[Any]) -> tuple[list[tuple[int, str, str, int]], list[Any]]:
    valid, rejected = _one_by_one(rows, CapacityRow, lambda r: (r.external_id, r.period), "period")
    return [(n, r.external_id, r.period, int(r.available_hours * 100)) for n, r in valid], rejected


_HOURS = st.one_of(
    st.integers(-5, 800),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(0, 800, places=3).map(float),
    st.sampled_from(
        ["120", "120.5", "120.50", "120.505", "007", "744.00", "744.01", " 12", "1e2", ".5", "١٢"]
    ),
    st.booleans(),
    st.none(),
)
# Half plausible, half not, so that most lists mix rows of both paths.
_PERIODS = st.one_of(
    st.sampled_from(["2026-01", "2026-12"]),
    st.sampled_from(["2026-13", "2026-1", "２０２６-01", "2026-01\n", 202601]),
)
_IDS = st.one_of(
    st.sampled_from(["HR-1", "HR-2", " HR-1 "]), st.sampled_from(["", "   ", "HR-\x00", "x" * 101, 7])
)
_FULL = st.fixed_dictionaries({"external_id": _IDS, "period": _PERIODS, "available_hours": _HOURS})
_ROWS = st.one_of(
    _FULL,
    _FULL,
    _FULL,
    st.fixed_dictionaries({"external_id": _IDS, "period": _PERIODS}),
    st.fixed_dictionaries(
        {"external_id": _IDS, "period": _PERIODS, "available_hours": _HOURS, "x": st.just(1)}
    ),
    st.sampled_from(["nonsense", None, []]),
)


@settings(max_examples=400)
@given(st.lists(_ROWS, max_size=12))
def test_the_plain_path_takes_capacity_rows_exactly_as_the_row_model_does(rows: list[Any]) -> None:
    result = validate_capacity_rows(rows)
    records, rejected = _by_the_row_model(rows)
    assert result.records == records
    assert sorted(result.rejected, key=lambda r: r.row) == rejected


def _judged(body: bytes, by_bytes: bool) -> Any:
    """What an import makes of a capacity body: (rows received, valid and rejected rows), or the
    problem that refuses the body, read from its bytes in one pass or parsed and then validated."""
    try:
        if by_bytes:
            return capacity_rows(body, "application/json")
        raw = parse_rows(body, "application/json", CapacityRow)
        return len(raw), validate_capacity_rows(raw)
    except Unprocessable as exc:
        return type(exc), exc.detail, exc.errors


@settings(max_examples=300)
@given(st.lists(_ROWS, max_size=12))
def test_a_capacity_body_read_from_its_bytes_is_judged_as_its_parsed_rows_are(rows: list[Any]) -> None:
    body = json.dumps({"rows": rows}).encode()  # NaN and Infinity too: json.loads reads them
    assert _judged(body, by_bytes=True) == _judged(body, by_bytes=False)


_PLAIN = b'{"external_id": "HR-1", "period": "2026-01", "available_hours": 120}'


@pytest.mark.parametrize(
    "body",
    [
        b"\xef\xbb\xbf" + b'{"rows": [' + _PLAIN + b"]}",  # a BOM: parse_json's reader strips it
        b'{"rows": [{"external_id": "HR-1", "external_id": "HR-2", "period": "2026-01", "available_hours": 1}]}',
        b'{"rows": [], "rows": [' + _PLAIN + b"]}",  # repeated keys: the last one counts, in both readers
        b'{"rows": [{"external_id": "HR-\\ud800", "period": "2026-01", "available_hours": 1}]}',
        b'{"rows": [{"external_id": "HR-\\u0000", "period": "2026-01", "available_hours": 1}]}',
        b'{"rows": [{"external_id": "HR\\u002d1", "period": "2026-01", "available_hours": 1e2}]}',
        b'{"rows": [{"external_id": "HR-1", "period": "2026-01", "available_hours": NaN}]}',
        b'{"rows": [{"external_id": "HR-1", "period": "2026-01", "available_hours": 1e400}]}',
        b'{"rows": [{"external_id": "HR-1", "period": "2026-01", "available_hours": 12345678901234567890123}]}',
        b'{"rows": [{"external_id": " HR-1 ", "period": "2026-01", "available_hours": "7.5"}]}',
        b'{"rows": [' + _PLAIN + b", " + _PLAIN + b"]}",
        b'{"rows": [' + _PLAIN + b'], "more": 1}',
        b'{"rows": [' + _PLAIN + b"]} trailing",
        b'{"rows": [' + _PLAIN + b"]}\n  ",
        b'{"rows": [' + b"[" * 100 + b"]" * 100 + b"]}",
        b'{"rows": ['
        + b",".join(
            b'{"external_id": "HR-%d", "period": "2026-01", "available_hours": 1}' % i
            for i in range(MAX_ROWS + 1)
        )
        + b"]}",
    ],
)
def test_odd_capacity_bodies_are_judged_alike_from_their_bytes(body: bytes) -> None:
    assert _judged(body, by_bytes=True) == _judged(body, by_bytes=False)


def test_a_body_of_plain_rows_is_read_from_its_bytes_and_any_other_is_left_to_the_row_model() -> None:
    rows = [
        {"external_id": " HR-1 ", "period": "2026-01", "available_hours": 120},
        {"external_id": "HR-1", "period": "2026-02", "available_hours": 0.5},
        {"external_id": "HR-2", "period": "2026-01", "available_hours": "99.25"},
    ]
    assert plain_capacity_records(json.dumps({"rows": rows}).encode()) == [
        (1, "HR-1", "2026-01", 12000),
        (2, "HR-1", "2026-02", 50),
        (3, "HR-2", "2026-01", 9925),
    ]
    for odd in [
        {"available_hours": 120.125},  # three decimals: the row model refuses it, with its message
        {"external_id": "HR-\x00"},
        {"period": "2026-02"},  # now a repeat of row 2: the first one wins, the report says so
        {"unknown": 1},
    ]:
        body = json.dumps({"rows": [*rows, {**rows[0], **odd}]}).encode()
        assert plain_capacity_records(body) is None


_PEOPLE = st.one_of(
    st.fixed_dictionaries(
        {"external_id": _IDS, "name": st.sampled_from(["Ada", "", "Bo\x00b"]), "role": st.just("dev")},
        optional={"fte": st.sampled_from([0.5, 2, "1", True]), "skills": st.sampled_from([["a"], "a", [1]])},
    ),
    st.sampled_from(["nonsense", None]),
)


@given(st.lists(_PEOPLE, max_size=10))
def test_rows_validated_as_a_list_are_those_validated_one_by_one(rows: list[Any]) -> None:
    result = validate_rows(rows, ResourceCreate, lambda r: r.external_id, "external_id")
    assert (result.rows, result.rejected) == _one_by_one(
        rows, ResourceCreate, lambda r: r.external_id, "external_id"
    )


def test_plain_hours_are_the_row_models_hundredths() -> None:
    rows = [
        {"external_id": "HR-1", "period": f"2026-{m:02d}", "available_hours": hours}
        for m, hours in enumerate([120, 120.5, 0.29, "99.9", 744, -0.0, 0.285, "744.000", "1.505"], start=1)
    ]
    result = validate_capacity_rows(rows)
    assert [r[3] for r in result.records] == [12000, 12050, 29, 9990, 74400, 0, 74400]
    assert [(r.row, r.errors[0].field) for r in result.rejected] == [
        (7, "available_hours"),
        (9, "available_hours"),
    ]
