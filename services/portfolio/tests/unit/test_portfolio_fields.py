"""Custom fields and tags: definitions checked, every value checked against them, naming the field."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pmo_portfolio.logic.fields import FieldDefinition, check_definitions, check_tags, check_values

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
