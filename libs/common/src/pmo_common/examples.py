"""Example values for the OpenAPI documents.

Examples are declared one way everywhere: on the schema class, `model_config =
ConfigDict(json_schema_extra={"examples": [...]})`, so that a request body, a response and a page of
them all show the same thing. The ids below are shared so that the examples of every service tell
one story — the portfolio "Digital 2027" (EUR) and its project "CRM replacement", managed by
`alice` — and a reader can follow one id from service to service. The tests validate every example
against its model (tests/docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

PORTFOLIO_ID = "6f1c2b9e-3d4a-4c6e-9b1a-2f3e4d5c6b7a"
PROJECT_ID = "0b8e7d6c-5a4b-4c3d-8e2f-1a0b9c8d7e6f"
MANAGER = "alice"
# The project's programme ("Customer platform", code CUSTOMER) in the same portfolio.
PROGRAMME_ID = "4d2c8a61-7e3f-4b95-a0c8-5f1e9b2d3c47"
# A pmo user: takes the gate decisions and approves baselines and scenarios — never of a project
# they manage (separation of duties), so never `alice` for "CRM replacement".
APPROVER = "pat"
# The project's risk "Data migration slips past go-live" (risk service), which portfolio decisions and
# actions link to.
RISK_ID = "9a3d5e7f-1b2c-4d4e-8f60-7a8b9c0d1e2f"
CREATED_AT = "2026-11-26T09:15:00Z"
UPDATED_AT = "2026-12-03T14:40:00Z"
# What `next_cursor` looks like: opaque, to be passed back unchanged as `cursor`.
NEXT_CURSOR = "WyIyMDI2LTExLTI2VDA5OjE1OjAwKzAwOjAwIiwiYjJmMWUzYzQiXQ"


def model_examples(model: type[BaseModel]) -> list[Any]:
    """The examples a schema class declares, as written (`json_schema_extra={"examples": [...]}`, or
    a `json_schema_extra(schema, cls)` function that sets them, as `Page` does)."""
    extra = model.model_config.get("json_schema_extra")
    if callable(extra):
        schema: dict[str, Any] = {}
        extra(schema, model)  # type: ignore[call-arg]
        extra = schema
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return list(examples) if isinstance(examples, list) else []


def page_examples(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """`json_schema_extra` of `Page[X]`: a page holding X's examples, with a `next_cursor`, so every
    list operation shows its response without each service writing one."""
    args = cls.__pydantic_generic_metadata__["args"]
    item = args[0] if args else None
    if isinstance(item, type) and issubclass(item, BaseModel) and (items := model_examples(item)):
        schema["examples"] = [{"items": items, "next_cursor": NEXT_CURSOR}]
