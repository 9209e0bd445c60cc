"""Query strings, strictly (contract §7.1): an unknown parameter, a repeated scalar one, or a value
holding NUL is a 422 naming it, so a typo (`?stauts=open`) never silently returns everything. Checked once for every
route by the router-level dependency `strict_query`, from the parameters the route declares.

Also the month range (`?from=YYYY-MM&to=YYYY-MM`) that several listings share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Query, Request
from fastapi._compat.shared import field_annotation_is_sequence
from pydantic import BaseModel

from pmo_common.boundary import NUL
from pmo_common.contracts.problem import FieldError
from pmo_common.contracts.types import month_index, months_between
from pmo_common.errors import Unprocessable, invalid

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
_SPEC_ATTRIBUTE = "_pmo_query_parameters"
FIELD_PREFIX = "field."
_FIELD_PARAMETERS = FIELD_PREFIX + "<key>"


async def field_filters(request: Request) -> dict[str, str]:
    """A dependency for routes that filter by custom fields (contract §7.2, §7.8): `{key: value}` of
    every `field.<key>=<value>` parameter. Declaring it lets `strict_query` accept those names; the
    route checks the keys against the portfolio's definitions (an unknown one is the route's 422)."""
    filters: dict[str, str] = {}
    for name in dict.fromkeys(request.query_params.keys()):
        if name.startswith(FIELD_PREFIX):
            key = name.removeprefix(FIELD_PREFIX)
            if not key:
                raise invalid(f"query.{name}", "name the field: field.<key>=<value>")
            filters[key] = request.query_params[name]
    return filters


def _declared(route: Any) -> dict[str, bool]:
    """`{name: repeatable}` for the query parameters a route declares (found once, kept on the route)."""
    cached = getattr(route, _SPEC_ATTRIBUTE, None)
    if cached is not None:
        return cached
    found: dict[str, bool] = {}
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        if dependant.call is field_filters:
            found[_FIELD_PARAMETERS] = False
        for field in dependant.query_params:
            annotation = field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                for name, sub in annotation.model_fields.items():
                    found[sub.alias or name] = field_annotation_is_sequence(sub.annotation)
            else:
                found[field.alias] = field_annotation_is_sequence(annotation)
        stack.extend(dependant.dependencies)
    setattr(route, _SPEC_ATTRIBUTE, found)
    return found


async def strict_query(request: Request) -> None:
    """Router-level dependency: refuse parameters the route does not declare, and repeated scalars."""
    if not request.query_params:
        return
    declared = _declared(request.scope.get("route"))
    errors: list[FieldError] = []
    for name in dict.fromkeys(request.query_params.keys()):
        field = f"query.{name}"
        if any(NUL in value for value in request.query_params.getlist(name)) or NUL in name:
            errors.append(FieldError(field=field, message="must not contain the NUL character (U+0000)"))
        elif name.startswith(FIELD_PREFIX) and _FIELD_PARAMETERS in declared:
            if len(request.query_params.getlist(name)) > 1:
                errors.append(FieldError(field=field, message="given more than once; send it once"))
        elif name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            errors.append(
                FieldError(field=field, message=f"unknown query parameter; this one takes: {known}")
            )
        elif not declared[name] and len(request.query_params.getlist(name)) > 1:
            errors.append(FieldError(field=field, message="given more than once; send it once"))
    if errors:
        raise Unprocessable("The query string has parameters this endpoint does not take.", errors=errors)


@dataclass(frozen=True)
class MonthRange:
    """An inclusive range of calendar months."""

    first: str
    last: str

    @property
    def months(self) -> list[str]:
        return months_between(self.first, self.last)

    def __len__(self) -> int:
        return month_index(self.last) - month_index(self.first) + 1


def month_range(max_months: int) -> Any:
    """A dependency reading `from` and `to` (YYYY-MM, both included), `to` not before `from` and
    the range at most `max_months` long; each refusal is a 422 naming the parameter. Use it as
    `KpiMonths = Annotated[MonthRange, month_range(60)]`."""

    # Query objects as defaults, not in `Annotated[...]`: the annotations of this module are strings
    # (postponed evaluation) and could not see `max_months`.
    first_query = Query(alias="from", pattern=MONTH_PATTERN, description="First month, YYYY-MM.")
    last_query = Query(
        alias="to",
        pattern=MONTH_PATTERN,
        description=f"Last month, YYYY-MM; at most {max_months} months in all.",
    )

    async def dependency(
        first: str = first_query,
        last: str = last_query,
    ) -> MonthRange:
        if last < first:
            raise invalid("query.to", "must not be before `from`")
        span = MonthRange(first, last)
        if len(span) > max_months:
            raise invalid("query.to", f"the range spans at most {max_months} months")
        return span

    return Depends(dependency)
