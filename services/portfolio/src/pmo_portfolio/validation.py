"""Re-validation of merged state inside services (a PATCH merged with the stored values)."""

from __future__ import annotations

from typing import Any, TypeVar

from pmo_common.errors import Unprocessable, field_errors
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def revalidate(model: type[M], data: dict[str, Any]) -> M:
    """Validate `data` as `model`; errors become a 422 naming the body fields (never a 500)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        pairs = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in ("body", *err.get("loc", ())))
            pairs.append((loc, str(err.get("msg", "invalid"))))
        summary = "; ".join(f"{f}: {m}" for f, m in pairs[:5])
        raise Unprocessable(f"The request is invalid — {summary}", errors=field_errors(pairs)) from None
