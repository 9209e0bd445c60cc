"""Gate criteria as data (contract §7.5): a tiny expression language parsed here and never run as code.

    rule  := or
    or    := and ("or" and)*
    and   := atom ("and" atom)*
    atom  := "(" rule ")" | FACT OP VALUE
    OP    := < | <= | > | >= | == | !=
    VALUE := number | "text" | 'text' | true | false | null

A FACT is a name the platform knows about a project (`risks.open_count`, `evm.cpi`, `field.phase`); its
kind (number, text, boolean, date) is known when the rule is written, so a rule comparing a count with
text, ordering texts or booleans (only == and != mean something for them), comparing a date with anything
but a quoted ISO date (`field.opened >= "2027-01-01"`, compared as dates), or naming an unknown fact is
refused then, not discovered at a gate. A comparison
whose fact is null (unknown, e.g. no status report yet) is false, except `== null` (true) and
`!= null` (false).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pmo_portfolio.logic.fields import ISO_DATE

FactKind = Literal["number", "text", "boolean", "date"]
FactValue = float | int | str | bool | date | None
Op = Literal["<", "<=", ">", ">=", "==", "!="]

MAX_RULE_LENGTH = 500
MAX_NESTING = 10

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>"[^"\\]*"|'[^'\\]*')
      | (?P<op><=|>=|==|!=|<|>)
      | (?P<paren>[()])
      | (?P<name>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)
    )""",
    re.VERBOSE,
)


class RuleError(ValueError):
    """A rule that cannot be accepted; the message says what to fix."""


@dataclass(frozen=True)
class Comparison:
    fact: str
    op: Op
    value: FactValue


@dataclass(frozen=True)
class Junction:
    kind: Literal["and", "or"]
    parts: tuple[Rule, ...]


Rule = Comparison | Junction


def _tokens(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(f"a rule is at most {MAX_RULE_LENGTH} characters")
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise RuleError(
                f"cannot read the rule at character {position + 1}: {text[position : position + 20]!r}"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, facts: Mapping[str, FactKind]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.facts = facts
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise RuleError("the rule ends too early: a comparison `fact op value` is missing")
        self.position += 1
        return token

    def rule(self) -> Rule:
        parts = [self.conjunction()]
        while self.peek() == ("name", "or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def conjunction(self) -> Rule:
        parts = [self.atom()]
        while self.peek() == ("name", "and"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def atom(self) -> Rule:
        if self.peek() == ("paren", "("):
            self.take()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise RuleError(f"parentheses nest at most {MAX_NESTING} deep")
            inner = self.rule()
            if self.peek() != ("paren", ")"):
                raise RuleError("a `(` is not closed")
            self.take()
            self.depth -= 1
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        kind, fact = self.take()
        if kind != "name" or fact in ("and", "or", "true", "false", "null"):
            raise RuleError(f"expected a fact name, found {fact!r}")
        if fact not in self.facts:
            raise RuleError(f"unknown fact {fact!r}; known: {', '.join(sorted(self.facts))}")
        kind, op = self.take()
        if kind != "op":
            raise RuleError(f"expected one of < <= > >= == != after {fact!r}, found {op!r}")
        value = _literal(self.take())
        _check_types(fact, self.facts[fact], op, value)
        if self.facts[fact] == "date" and isinstance(value, str):
            value = date.fromisoformat(value)
        return Comparison(fact, op, value)  # type: ignore[arg-type]


def _literal(token: tuple[str, str]) -> FactValue:
    kind, text = token
    if kind == "number":
        return float(text) if "." in text else int(text)
    if kind == "string":
        return text[1:-1]
    if kind == "name" and text in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[text]
    raise RuleError(f"expected a number, a quoted text, true, false or null, found {text!r}")


def _check_types(fact: str, kind: FactKind, op: str, value: FactValue) -> None:
    if value is None:
        if op not in ("==", "!="):
            raise RuleError(f"null is compared only with == or != (in {fact} {op} null)")
        return
    given: FactKind = (
        "boolean" if isinstance(value, bool) else "number" if isinstance(value, int | float) else "text"
    )
    if kind == "date":
        if given != "text" or _as_date(value) is None:
            raise RuleError(f"{fact!r} is a date; compare it with a quoted date such as '2027-01-31'")
        return
    if given != kind:
        raise RuleError(f"{fact!r} is a {kind}; it cannot be compared with the {given} {value!r}")
    if kind == "boolean" and op not in ("==", "!="):
        raise RuleError(f"{fact!r} is true or false: compare it with == or !=")
    if kind == "text" and op not in ("==", "!="):
        raise RuleError(f"{fact!r} is a text: compare it with == or != (texts have no order here)")


def _as_date(value: FactValue) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None  # `date.fromisoformat` would also read week dates and 20270131
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_rule(text: str, facts: Mapping[str, FactKind]) -> Rule:
    """Parse and type-check a rule against the facts a project has; RuleError says what is wrong."""
    parser = _Parser(text, facts)
    if not parser.tokens:
        raise RuleError("the rule is empty")
    rule = parser.rule()
    leftover = parser.peek()
    if leftover is not None:
        raise RuleError(f"unexpected {leftover[1]!r} after a complete rule; join comparisons with and / or")
    return rule


def facts_of(rule: Rule) -> list[str]:
    """The facts a rule reads, in the order it names them (each once)."""
    if isinstance(rule, Comparison):
        return [rule.fact]
    return list(dict.fromkeys(name for part in rule.parts for name in facts_of(part)))


def evaluate(rule: Rule, facts: Mapping[str, FactValue]) -> bool:
    if isinstance(rule, Junction):
        results = (evaluate(part, facts) for part in rule.parts)
        return all(results) if rule.kind == "and" else any(results)
    actual = facts.get(rule.fact)
    if rule.value is None or actual is None:
        same = actual is None and rule.value is None
        return same if rule.op == "==" else (not same if rule.op == "!=" and rule.value is None else False)
    return _compare(actual, rule.op, rule.value)


def _compare(actual: FactValue, op: Op, expected: FactValue) -> bool:
    if isinstance(expected, date):  # a date fact holds the ISO text of the field's value
        actual = _as_date(actual)
        if actual is None:
            return False
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if isinstance(actual, date) and isinstance(expected, date):
        return bool(_ORDER[op](actual, expected))
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return bool(_ORDER[op](actual, expected))
    return False


_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
