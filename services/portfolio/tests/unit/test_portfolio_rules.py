"""Gate criteria rules: parsed and type-checked against the known facts, evaluated with SQL-like nulls."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pmo_portfolio.logic.rules import (
    Comparison,
    Junction,
    RuleError,
    evaluate,
    facts_of,
    parse_rule,
)

FACTS = {
    "risks.open_count": "number",
    "evm.cpi": "number",
    "status_report.overall": "text",
    "scores.complete": "boolean",
    "field.phase": "text",
    "field.opened": "date",
}


def check(rule: str, **facts) -> bool:
    values = {name.replace("__", "."): value for name, value in facts.items()}
    return evaluate(parse_rule(rule, FACTS), values)


def test_comparisons_joined_with_and_or_and_parentheses():
    rule = "risks.open_count <= 3 and (evm.cpi >= 0.9 or status_report.overall == 'green')"
    assert check(rule, risks__open_count=2, evm__cpi=0.95, status_report__overall="red")
    assert check(rule, risks__open_count=3, evm__cpi=0.5, status_report__overall="green")
    assert not check(rule, risks__open_count=4, evm__cpi=1.2, status_report__overall="green")
    assert not check(rule, risks__open_count=1, evm__cpi=0.5, status_report__overall="amber")
    assert check(
        'scores.complete == true and field.phase != "Design"', scores__complete=True, field__phase="Build"
    )


def test_and_binds_tighter_than_or():
    rule = "risks.open_count == 0 or risks.open_count > 5 and evm.cpi > 1"
    assert check(rule, risks__open_count=0, evm__cpi=0.1)  # the left side alone
    assert not check(rule, risks__open_count=6, evm__cpi=0.5)


def test_a_null_fact_makes_a_comparison_false_except_against_null():
    assert not check("evm.cpi >= 0.9", evm__cpi=None)
    assert not check("evm.cpi < 0.9", evm__cpi=None)
    assert not check("status_report.overall != 'red'", status_report__overall=None)
    assert check("evm.cpi == null", evm__cpi=None)
    assert not check("evm.cpi != null", evm__cpi=None)
    assert check("evm.cpi != null", evm__cpi=1.0)
    assert not check("evm.cpi == null", evm__cpi=1.0)
    assert not check("evm.cpi >= 0.9")  # a fact nobody supplied is null


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("risks.open_cont <= 3", "unknown fact 'risks.open_cont'"),
        ("field.budget_code == 'x'", "unknown fact 'field.budget_code'"),
        ("risks.open_count <= 'three'", "is a number"),
        ("scores.complete > true", "== or !="),
        ("evm.cpi < null", "null is compared only"),
        ("evm.cpi >= 0.9 and", "ends too early"),
        ("evm.cpi >= 0.9 evm.spi", "unexpected"),
        ("(evm.cpi >= 0.9", "not closed"),
        ("evm.cpi => 0.9", "cannot read the rule at character 8"),
        ("evm.cpi 0.9", "expected one of"),
        ("__import__('os') == 1", "cannot read"),
        ("", "empty"),
        ("(" * 11 + "evm.cpi > 1" + ")" * 11, "nest at most"),
        ("evm.cpi > 1 or " * 40 + "evm.cpi > 1", "at most 500"),
        ("field.phase >= 'Build'", "is a text: compare it with == or !="),
        ("status_report.overall < 'red'", "is a text"),
        ("field.opened >= 20270101", "is a date; compare it with a quoted date"),
        ("field.opened >= 'soon'", "is a date"),
        ("field.opened > '2027-W01-1'", "is a date"),  # a week date: not what the field stores
        ("field.opened > '2027-02-30'", "is a date"),
        ("field.opened > true", "is a date"),
    ],
)
def test_malformed_rules_and_unknown_facts_are_refused_saying_what_is_wrong(rule, message):
    with pytest.raises(RuleError, match=message.replace("(", r"\(")):
        parse_rule(rule, FACTS)


def test_facts_of_lists_each_fact_once():
    rule = parse_rule("evm.cpi > 1 or (evm.cpi == null and risks.open_count == 0)", FACTS)
    assert facts_of(rule) == ["evm.cpi", "risks.open_count"]


NUMBER_FACTS = ["risks.open_count", "evm.cpi"]
comparisons = st.builds(
    Comparison,
    st.sampled_from(NUMBER_FACTS),
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    st.integers(min_value=-5, max_value=5),
)
rules = st.recursive(
    comparisons,
    lambda inner: st.builds(Junction, st.sampled_from(["and", "or"]), st.tuples(inner, inner)),
    max_leaves=8,
)


def render(rule) -> str:
    if isinstance(rule, Comparison):
        return f"{rule.fact} {rule.op} {rule.value}"
    return "(" + f" {rule.kind} ".join(render(p) for p in rule.parts) + ")"


def reference(rule, values) -> bool:
    """The meaning written out directly, as the oracle."""
    if isinstance(rule, Junction):
        outcomes = [reference(p, values) for p in rule.parts]
        return all(outcomes) if rule.kind == "and" else any(outcomes)
    actual = values[rule.fact]
    if actual is None:
        return False
    return {
        "<": actual < rule.value,
        "<=": actual <= rule.value,
        ">": actual > rule.value,
        ">=": actual >= rule.value,
        "==": actual == rule.value,
        "!=": actual != rule.value,
    }[rule.op]


@given(rules, st.one_of(st.none(), st.integers(-6, 6)), st.one_of(st.none(), st.integers(-6, 6)))
def test_a_written_rule_means_what_it_says(rule, count, cpi):
    values = {"risks.open_count": count, "evm.cpi": cpi}
    parsed = parse_rule(render(rule), FACTS)
    assert evaluate(parsed, values) == reference(rule, values)


def test_a_date_field_is_compared_as_a_date():
    rule = "field.opened >= '2027-01-01' and field.opened < '2027-07-01'"
    assert check(rule, field__opened="2027-01-01")
    assert check(rule, field__opened="2027-06-30")
    assert not check(rule, field__opened="2026-12-31")
    assert not check(rule, field__opened="2027-07-01")
    assert not check(rule, field__opened=None)  # no value: false, as every comparison with null
    assert check("field.opened == '2027-03-04'", field__opened="2027-03-04")
    assert check("field.opened != '2027-03-04'", field__opened="2027-03-05")
    assert check("field.opened == null", field__opened=None)


YEARS = {"min_value": date(1000, 1, 1)}  # YYYY-MM-DD: four-digit years


@given(st.dates(**YEARS), st.dates(**YEARS), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
def test_a_date_comparison_agrees_with_python_s_order_of_dates(value, limit, op):
    expected = {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
        "==": value == limit,
        "!=": value != limit,
    }[op]
    assert check(f"field.opened {op} '{limit.isoformat()}'", field__opened=value.isoformat()) == expected
