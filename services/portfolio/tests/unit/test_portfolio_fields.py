"""Custom fields and tags: definitions checked, every value checked against them, naming the field."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pmo_portfolio.logic.fields import (
    FieldDefinition,
    check_definitions,
    check_tags,
    check_values,
    definitions_of,
    filter_value,
    invalidated,
)

PHASE = FieldDefinition(
    "phase", "Phase", "choice", ("Design", "Construction Procurement", "Construction"), True
)
BOROUGH = FieldDefinition("borough", "Borough", "text")
COST_ID = FieldDefinition("cost_id", "Cost centre", "number")
OPENED = FieldDefinition("opened", "Opened on", "date")
DEFINITIONS = [PHASE, BOROUGH, COST_ID, OPENED]


def test_values_of_each_type_are_kept_in_their_stored_form():
    stored, problems = check_values(
        DEFINITIONS, {"phase": "Design", "borough": "Brooklyn", "cost_id": 17, "opened": "2026-03-01"}
    )
    assert problems == []
    assert stored == {"phase": "Design", "borough": "Brooklyn", "cost_id": 17, "opened": "2026-03-01"}


def test_each_problem_names_its_field():
    _, problems = check_values(
        DEFINITIONS, {"phase": "Demolition", "cost_id": "17", "opened": "2026-02-30", "bureau": "x"}
    )
    assert dict(problems) == {
        "fields.bureau": "not a custom field of this portfolio",
        "fields.phase": "must be one of 'Design', 'Construction Procurement', 'Construction'",
        "fields.cost_id": "must be a number",
        "fields.opened": "must be a date YYYY-MM-DD",
    }
    assert check_values(DEFINITIONS, {})[1] == [("fields.phase", "'Phase' is required")]
    assert check_values(DEFINITIONS, {"phase": "Design", "cost_id": True})[1] == [
        ("fields.cost_id", "must be a number")
    ]


def test_definitions_are_checked():
    problems = check_definitions(
        [
            FieldDefinition("Phase", "Phase", "text"),
            FieldDefinition("borough", "B", "choice"),
            FieldDefinition("borough", "B", "text", ("x",)),
        ]
    )
    assert [field for field, _ in problems] == [
        "body[0].key",
        "body[1].choices",
        "body[2].key",
        "body[2].choices",
    ]


def test_tags_are_trimmed_deduplicated_and_bounded():
    assert check_tags([" bridges ", "bridges", "capital"]) == (["bridges", "capital"], [])
    kept, problems = check_tags(["", "x" * 41] + [f"t{i}" for i in range(21)])
    assert ("tags[0]", "a tag is 1 to 40 characters") in problems and (
        "tags[1]",
        "a tag is 1 to 40 characters",
    ) in problems
    assert ("tags", "a project has at most 20 tags") in problems and len(kept) == 21


@settings(deadline=None)  # pure and fast, but the test machine may be busy
@given(
    st.dictionaries(
        st.sampled_from(["phase", "borough", "cost_id", "opened", "other"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5)),
    )
)
def test_stored_values_are_always_valid_and_problems_name_only_given_or_required_fields(values):
    stored, problems = check_values(DEFINITIONS, values)
    assert set(stored) <= {"phase", "borough", "cost_id", "opened"}
    for field, _ in problems:
        key = field.removeprefix("fields.")
        assert key in values or key == "phase"
    assert not (set(stored) & {f.removeprefix("fields.") for f, _ in problems})


def test_a_definition_of_an_unknown_type_is_named():
    problems = check_definitions([FieldDefinition("size", "Size", "colour")])  # type: ignore[arg-type]
    assert problems == [("body[0].type", "must be one of text, number, date, choice")]


def test_numbers_are_finite_and_bounded_and_dates_only_iso():
    for bad in (float("nan"), float("inf"), 1e16, -1e16):
        assert check_values([COST_ID], {"cost_id": bad})[1] == [
            ("fields.cost_id", "must be a finite number between -1e+15 and 1e+15")
        ]
    for bad in ("20260301", "2026-W10-1", "2026-3-1", " 2026-03-01"):
        assert check_values([OPENED], {"opened": bad})[1] == [("fields.opened", "must be a date YYYY-MM-DD")]
    assert check_values([COST_ID], {"cost_id": -1e15})[0] == {"cost_id": -1e15}


def test_filter_values_are_read_in_the_fields_type():
    assert filter_value(COST_ID, "17") == (17, None)
    assert filter_value(COST_ID, "17.0") == (17, None)  # equal numbers, one form
    assert filter_value(COST_ID, "2.50") == (2.5, None)
    assert filter_value(COST_ID, "seventeen") == (None, "must be a number")
    assert filter_value(COST_ID, "nan")[1] == "must be a finite number"
    assert filter_value(OPENED, "2026-03-01") == ("2026-03-01", None)
    assert filter_value(OPENED, "2026-02-30")[1] == "must be a date YYYY-MM-DD"
    assert filter_value(PHASE, "Design") == ("Design", None)
    assert filter_value(PHASE, "design")[1] is not None  # choices are exact
    assert filter_value(BOROUGH, "Brooklyn") == ("Brooklyn", None)


@settings(deadline=None)
@given(st.one_of(st.integers(-(10**15), 10**15), st.floats(-1e15, 1e15, allow_nan=False)))
def test_a_stored_number_is_found_by_its_own_text(number):
    stored, _ = check_values([COST_ID], {"cost_id": number})
    assert filter_value(COST_ID, repr(stored["cost_id"]))[0] == stored["cost_id"]


def test_definitions_that_would_refuse_stored_values_are_found_per_project():
    projects = [
        ("A", {"phase": "Design", "borough": "Queens", "cost_id": 7}),
        ("B", {"phase": "Construction", "opened": "2026-03-01"}),
    ]
    assert invalidated(DEFINITIONS, projects) == []
    narrowed = FieldDefinition("phase", "Phase", "choice", ("Design",), True)
    assert invalidated([narrowed, BOROUGH, COST_ID, OPENED], projects) == [
        ("B", "fields.phase", "must be one of 'Design'")
    ]
    retyped = FieldDefinition("cost_id", "Cost centre", "text")
    assert invalidated([PHASE, BOROUGH, retyped, OPENED], projects) == [
        ("A", "fields.cost_id", "must be a non-empty text")
    ]
    assert invalidated([PHASE, BOROUGH, COST_ID], projects) == [
        ("B", "fields.opened", "not a custom field of this portfolio")
    ]
    required = FieldDefinition("borough", "Borough", "text", required=True)
    assert invalidated([PHASE, required, COST_ID, OPENED], projects) == [
        ("B", "fields.borough", "'Borough' is required")
    ]


def test_stored_definitions_read_back_as_definitions():
    stored = [{"key": "phase", "label": "Phase", "type": "choice", "choices": ["Design"], "required": True}]
    assert definitions_of(stored) == [FieldDefinition("phase", "Phase", "choice", ("Design",), True)]
