"""`/docs` (Swagger UI 5) and `/redoc` (Redoc) served from the project's own assets (the
`fastapi-offline` wheel's), so they work on an air-gapped machine and load nothing from a CDN; the
OpenAPI document's examples kept as their models declare them; and the Content-Security-Policy of
HTML pages (`pmo_common.observability.RequestMiddleware` sets it, with `nosniff`, on every response
that has none). The docs page's own inline script is allowed by its hash, not by `'unsafe-inline'`."""

from __future__ import annotations

import base64
import hashlib
import re
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request, routing
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from pmo_common.examples import model_examples

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/docs/assets"

# HTML a service renders itself (the board report) embeds its charts and styles; it runs no script.
HTML_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def _docs_policy(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    # Redoc runs its search index in a Web Worker it builds from a blob: URL of its own bundle.
    return (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def add_offline_docs(app: FastAPI, title: str) -> None:
    """Mount the docs assets, `GET /docs` and `GET /redoc` (the app is built with `docs_url=None` and
    `redoc_url=None`, FastAPI's own pages loading their scripts from a CDN)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )
        return _with_policy(page)

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{title} — API reference",
            redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        return _with_policy(page)


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    html = bytes(page.body).decode()
    return HTMLResponse(html, headers={"Content-Security-Policy": _docs_policy(html)})


def keep_null_examples(app: FastAPI) -> None:
    """FastAPI drops every `null` from the OpenAPI document it builds, the nulls inside examples too
    (fastapi#5559): an example of a response with `"closed_at": null` would lose the field and no longer
    match its own schema. Put back the examples of every schema as its model declares them (in the
    order they are written, too, rather than with their keys sorted)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        cached = app.openapi_schema
        document = build()
        if document is not cached:  # built just now
            declared = _declared_examples(app)
            for schema in document.get("components", {}).get("schemas", {}).values():
                if "examples" in schema and schema.get("title") in declared:
                    schema["examples"] = jsonable_encoder(declared[schema["title"]])
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _declared_examples(app: FastAPI) -> dict[str, list[Any]]:
    """`{title: examples}` of every model the routes take or return, nested models included; a title
    two models share with different examples is left out rather than guessed."""
    found: dict[str, list[Any]] = {}
    ambiguous: set[str] = set()
    for model in _reachable(_route_models(app)):
        if examples := model_examples(model):
            title = model.model_config.get("title") or model.__name__
            if found.setdefault(title, examples) != examples:
                ambiguous.add(title)
    return {title: examples for title, examples in found.items() if title not in ambiguous}


def _route_models(app: FastAPI) -> Iterator[type[BaseModel]]:
    for route in routing.iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        for param in dependant.body_params:
            yield from _models(param.field_info.annotation)
        yield from _models(getattr(route, "response_model", None))


def _reachable(models: Iterable[type[BaseModel]]) -> set[type[BaseModel]]:
    """The models and every model their fields hold, however deep."""
    seen: set[type[BaseModel]] = set()
    pending = list(models)
    while pending:
        model = pending.pop()
        if model not in seen:
            seen.add(model)
            for field in model.model_fields.values():
                pending.extend(_models(field.annotation))
    return seen


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation names (`X`, `X | None`, `list[X]`, `Annotated[X, ...]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)
