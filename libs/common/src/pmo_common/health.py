"""What the operational routes every service serves outside its prefix answer (`/healthz`, `/readyz`,
`/metrics`), and how OpenAPI documents them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

HEALTHZ_DESCRIPTION = (
    "Liveness: 200 while the process serves HTTP, whatever the state of its database or broker (a "
    "restart would not fix those). Open: no credentials. For a Kubernetes `livenessProbe`."
)
READYZ_DESCRIPTION = (
    "Readiness: 200 when the database answers, its migrations are at this code's head and NATS is "
    "connected; otherwise 503, a problem whose `checks` say which failed and why. Open: no "
    "credentials. For a `readinessProbe` and load balancers."
)
METRICS_DESCRIPTION = (
    "Prometheus text exposition: HTTP requests and durations by route template (unmatched paths are "
    "not recorded), outbox and consumer counters and lag, and this service's domain gauges. Open: no "
    "credentials; scrape it from inside the cluster."
)
METRICS_EXAMPLE = (
    "# HELP pmo_http_requests_total HTTP requests by route template and status.\n"
    "# TYPE pmo_http_requests_total counter\n"
    'pmo_http_requests_total{method="GET",route="/risk/v1/risks",service="risk",status="200"} 42.0\n'
    "# HELP pmo_outbox_pending Outbox events not yet published.\n"
    "# TYPE pmo_outbox_pending gauge\n"
    'pmo_outbox_pending{service="risk"} 0.0\n'
)
METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The metrics in the Prometheus text exposition format.",
        "content": {"text/plain": {"schema": {"type": "string"}, "example": METRICS_EXAMPLE}},
    }
}


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "service": "risk"}]})

    status: Literal["ok"]
    service: str = Field(description="The service's name: portfolio, risk, resource or reporting.")


class ReadinessCheck(BaseModel):
    ok: bool
    detail: str | None = Field(default=None, description="Why it failed, or what was found.")


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    "service": "risk",
                    "checks": {
                        "database": {"ok": True},
                        "migrations": {"ok": True, "detail": "at head 0002"},
                        "nats": {"ok": True},
                    },
                }
            ]
        }
    )

    status: Literal["ready"]
    service: str
    checks: dict[str, ReadinessCheck] = Field(description="`database`, `migrations` and `nats`.")
