"""The API documents itself for someone learning it (issue #16): every operation of every service has
a summary, a description, an example request when it takes a JSON body and an example response for
its JSON 2xx; every example validates (against the pydantic model it documents, and against the schema
the OpenAPI document shows next to it); `/docs` and `/redoc` load nothing from outside the service.

The OpenAPI documents are built in-process from each service's app factory, as the services serve
them."""

from __future__ import annotations

import functools
import importlib
import json
import re
import typing
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI, routing
from pmo_common.testing.harness import running, service_settings
from pydantic import BaseModel

SERVICES = ["portfolio", "risk", "resource", "reporting"]
JSON = "application/json"


@functools.cache
def _app(service: str) -> FastAPI:
    """The service's app as its factory builds it; the OpenAPI document needs no database or broker."""
    module = importlib.import_module(f"pmo_{service}.main")
    settings = service_settings(service, "sqlite+aiosqlite:///:memory:", "nats://127.0.0.1:4222")
    app: FastAPI = module.create_app(settings)
    return app


def _openapi(service: str) -> dict[str, Any]:
    return _app(service).openapi()


def _operations(app: FastAPI) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(name, route, OpenAPI operation) for every documented operation, included routers' as well."""
    doc = app.openapi()
    for route in routing.iter_route_contexts(app.routes):
        if getattr(route, "include_in_schema", False) and hasattr(route, "dependant"):
            for method in sorted(route.methods):
                yield f"{method} {route.path_format}", route, doc["paths"][route.path_format][method.lower()]


def _resolved(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def _has_example(doc: dict[str, Any], media: dict[str, Any]) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    schema = media.get("schema", {})
    # An optional body (`X | None`) is `anyOf: [X, null]`: X's examples are the body's.
    candidates = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(_resolved(doc, candidate).get("examples") for candidate in candidates)


def _gaps(app: FastAPI) -> list[str]:
    """What each operation lacks, one line per gap."""
    doc = app.openapi()
    gaps: list[str] = []
    for name, route, operation in _operations(app):
        # Without `summary=` FastAPI makes one from the function name ("List Risks"): not a summary.
        if not route.summary:
            gaps.append(f"{name}: no summary")
        if not (route.description or "").strip():
            gaps.append(f"{name}: no description")
        body = operation.get("requestBody", {}).get("content", {}).get(JSON)
        if body is not None and not _has_example(doc, body):
            gaps.append(f"{name}: no request example")
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(JSON)
            if status.startswith("2") and media is not None and not _has_example(doc, media):
                gaps.append(f"{name}: no example of its {status} response")
    return gaps


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_summary_a_description_and_examples(service: str) -> None:
    """The shared operations (`/healthz`, `/readyz`, `/metrics`, `/audit`) included."""
    gaps = _gaps(_app(service))
    assert not gaps, f"{len(gaps)} gaps in {service}:\n" + "\n".join(gaps)


# --- the examples are true ---------------------------------------------------------------------------


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation names (`X`, `X | None`, `list[X]`, `Annotated[X, ...]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def _route_models(app: FastAPI) -> set[type[BaseModel]]:
    """Every model the app's routes take or return, and every model inside those."""
    pending = []
    for _, route, _ in _operations(app):
        for param in route.dependant.body_params:
            pending += _models(param.field_info.annotation)
        pending += _models(route.response_model)
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.add(model)
            for field in model.model_fields.values():
                pending += _models(field.annotation)
    return seen


@pytest.mark.parametrize("service", SERVICES)
def test_every_model_example_validates_with_its_model(service: str) -> None:
    """As JSON, through the model's validators: what the schema cannot say (min ≤ most_likely ≤ max,
    strictly increasing levels, money as a decimal string) is checked too."""
    problems: list[str] = []
    count = 0
    for model in _route_models(_app(service)):
        for example in model.model_json_schema().get("examples", []):
            count += 1
            try:
                model.model_validate_json(json.dumps(example))
            except ValueError as exc:
                problems.append(f"an example of {model.__name__} is invalid: {exc}")
    assert not problems, "\n".join(problems)
    assert count > 0


def _schema_examples(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every `examples` entry of a schema and of the schemas inside it."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list):
            for i, example in enumerate(node["examples"]):
                yield f"{path}/examples/{i}", node, example
        for key, value in node.items():
            if key != "examples":
                yield from _schema_examples(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schema_examples(value, f"{path}/{i}")


def _document_examples(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    yield from _schema_examples(doc["components"].get("schemas", {}), "#/components/schemas")
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            media_types = [(f"{where} request {m}", c) for m, c in _content(operation.get("requestBody"))]
            for status, response in operation.get("responses", {}).items():
                media_types += [(f"{where} {status} {m}", c) for m, c in _content(response)]
            for label, media in media_types:
                yield from _schema_examples(media.get("schema", {}), label)
                if "example" in media:
                    yield f"{label} example", media.get("schema", {}), media["example"]
                for key, value in (media.get("examples") or {}).items():
                    yield f"{label} examples/{key}", media.get("schema", {}), value["value"]
            for parameter in operation.get("parameters", []):
                yield from _schema_examples(parameter.get("schema", {}), f"{where} ?{parameter['name']}")


def _content(holder: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    return list((holder or {}).get("content", {}).items())


@pytest.mark.parametrize("service", SERVICES)
def test_every_example_in_the_openapi_document_matches_the_schema_it_sits_on(service: str) -> None:
    """What a reader of `/docs` sees: each example against its schema, formats (uuid, date) checked."""
    doc = _openapi(service)
    problems = []
    for where, schema, example in _document_examples(doc):
        # `$ref`s point into the document's components: validate with them at the root.
        validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": doc["components"]}, validate_formats=True
        )
        problems += [f"{where}: {error.message}" for error in validator.iter_errors(example)]
    assert not problems, "\n".join(problems)


class Thing(BaseModel):
    name: str


def test_the_completeness_check_reports_a_bare_operation_on_every_count() -> None:
    bare = FastAPI()

    @bare.post("/things")
    async def create_thing(body: Thing) -> Thing:
        return body

    gaps = [gap.split(": ", 1)[1] for gap in _gaps(bare)]
    assert gaps == ["no summary", "no description", "no request example", "no example of its 200 response"]


# --- /docs and /redoc --------------------------------------------------------------------------------

ASSET_REFERENCE = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|\burl:\s*'([^']+)'""")


@pytest.mark.parametrize("service", SERVICES)
async def test_docs_and_redoc_use_only_the_services_own_assets(service: str, make_settings) -> None:
    """The pages name only the service's own paths, and their policy lets nothing else load (Redoc's
    bundle would fetch its footer logo from a CDN: the browser refuses it)."""
    module = importlib.import_module(f"pmo_{service}.main")
    async with running(module.create_app(make_settings(service))) as client:
        for page_path, bundle_marker in (("/docs", b"SwaggerUIBundle"), ("/redoc", b"Redoc")):
            page = await client.get(page_path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            html = page.text
            assert "http://" not in html and "https://" not in html, f"{page_path} names a remote host"
            policy = page.headers["content-security-policy"]
            assert "default-src 'none'" in policy and "http" not in policy  # nothing remote may load
            references = [a or b for a, b in ASSET_REFERENCE.findall(html)]
            assert references and all(r.startswith("/") for r in references), references
            bundles = []
            for reference in references:
                asset = await client.get(reference)
                assert asset.status_code == 200, f"{page_path} references {reference}: {asset.status_code}"
                bundles.append(asset.content)
            assert any(bundle_marker in b and len(b) > 500_000 for b in bundles), f"{page_path}: no bundle"
