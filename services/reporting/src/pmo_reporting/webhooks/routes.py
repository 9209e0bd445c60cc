from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pmo_common.http import Cursor, Limit, Page, SessionDep, check_if_match, set_etag, set_location
from pmo_common.responses import DELETE_RESPONSES, GET_RESPONSES

from pmo_reporting.webhooks import repository, service
from pmo_reporting.webhooks.dependencies import WebhookDep, WebhookManager
from pmo_reporting.webhooks.schemas import (
    DeliveryRead,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)
from pmo_reporting.webhooks.targets import AllowList

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

DELIVERY_DOC = """Every event whose subject matches one of `subjects` is POSTed to `url` as its CloudEvent
JSON (`Content-Type: application/cloudevents+json`), signed per the Standard Webhooks specification:

```
webhook-id: d93b31bb-b535-581b-b3d0-f3edd9c0e085        (the same on every attempt: deduplicate by it)
webhook-timestamp: 1796119211                          (this attempt's, Unix seconds)
webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" keyed with
                   the base64-decoded secret after `whsec_`>
```

Verify a delivery with the reference library (`pip install standardwebhooks`), on the raw body:

```python
from fastapi import FastAPI, HTTPException, Request
from standardwebhooks import Webhook, WebhookVerificationError

app, hook = FastAPI(), Webhook("whsec_...")  # the secret returned when you subscribed

@app.post("/pmo")
async def receive(request: Request) -> dict:
    try:
        event = hook.verify(await request.body(), dict(request.headers))  # signature, timestamp ±5 min
    except WebhookVerificationError:
        raise HTTPException(400, "bad signature")
    print(request.headers["webhook-id"], event["type"], event["data"]["id"])
    return {}
```

Answer 2xx to acknowledge. Anything else (a redirect too: they are not followed), a refused target,
no answer within 10 s or no connection within 3 s is retried: after ≤ 5 s, then doubling (with jitter)
up to 5 minutes between attempts, for at least 24 hours; each attempt is in
`GET /webhooks/{webhook_id}/deliveries`. Delivery is at least once and in no particular order."""


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Subscribe a URL to events by subject pattern",
    description=(
        'Example: `POST /reporting/v1/webhooks` with `{"url": "https://hooks.example.com/pmo", '
        '"subjects": ["pmo.risk.risk.escalated", "pmo.portfolio.action.*"]}` → 201 with the webhook '
        "and its generated `secret` (shown this once; or send your own `whsec_…` secret).\n\n"
        "422 naming `body.url` when the target is refused: its host is not in `PMO_WEBHOOK_ALLOWED_HOSTS`, "
        "or resolves to a private, loopback or link-local address that is not itself listed; naming "
        "`body.subjects.N` when a pattern is malformed or matches no catalogue subject. Only events that "
        "happen after the subscription are sent. Admin or pmo; answers 201 with `Location` and `ETag`; "
        "honours `Idempotency-Key`.\n\n" + DELIVERY_DOC
    ),
)
async def create_webhook(
    body: WebhookCreate, session: SessionDep, request: Request, response: Response, principal: WebhookManager
) -> WebhookCreated:
    allowed = AllowList.parse(request.app.state.settings.webhook_allowed_hosts)
    webhook, secret = await service.create(session, body, principal, allowed)
    set_etag(response, webhook.version)
    set_location(request, response, "webhooks", webhook.id)
    return WebhookCreated(**service.read(webhook).model_dump(), secret=secret)


@router.get(
    "",
    response_model=Page[WebhookRead],
    summary="The webhooks, oldest first",
    description='Example: `GET /reporting/v1/webhooks?limit=20` → `{"items": [{"id": …, "url": …, '
    '"subjects": ["pmo.risk.>"], "matches": ["pmo.risk.issue.opened", …]}], "next_cursor": null}`. '
    "`matches` lists the catalogue subjects the patterns cover today, to check a pattern does what you "
    "meant. Secrets are never shown. A page at a time (`limit`, `cursor`), in creation order. Admin "
    "or pmo.",
)
async def list_webhooks(
    session: SessionDep, _: WebhookManager, limit: Limit = 50, cursor: Cursor = None
) -> Page[WebhookRead]:
    rows, next_cursor = await repository.list_page(session, limit=limit, cursor=cursor)
    return Page(items=[service.read(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{webhook_id}",
    response_model=WebhookRead,
    responses=GET_RESPONSES,
    summary="One webhook (without its secret)",
    description="Example: `GET /reporting/v1/webhooks/{webhook_id}` → the webhook with its `ETag`, "
    "which `DELETE` takes as `If-Match`. A webhook cannot be changed: to change its URL or patterns, "
    "subscribe anew and delete the old one. An unknown id is a 404. Admin or pmo.",
)
async def get_webhook(webhook: WebhookDep, response: Response, _: WebhookManager) -> WebhookRead:
    set_etag(response, webhook.version)
    return service.read(webhook)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=DELETE_RESPONSES,
    summary="Unsubscribe: delete a webhook, its pending deliveries and its log",
    description='Example: `DELETE /reporting/v1/webhooks/{webhook_id}` with `If-Match: "1"` → 204; '
    "nothing more is sent to it, not even a retry. Needs `If-Match` (428 without, 412 when stale). "
    "Admin or pmo.",
)
async def delete_webhook(
    webhook: WebhookDep, session: SessionDep, request: Request, principal: WebhookManager
) -> None:
    check_if_match(request, webhook.version, required=True)
    await service.delete(session, webhook, principal)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    responses=GET_RESPONSES,
    summary="The delivery log: each event sent to the webhook, newest first, with every attempt",
    description=(
        'Example: `GET /reporting/v1/webhooks/{webhook_id}/deliveries?status=pending` → `{"items": '
        '[{"id": "d93b31bb-…", "event_id": "…", "subject": "pmo.risk.risk.escalated", "status": '
        '"pending", "attempt_count": 2, "next_attempt_at": "2026-12-01T10:00:12Z", "attempts": '
        '[{"attempt": 1, "status_code": 500, "error": "HTTP 500", "duration_ms": 12.5, …}, …]}], '
        '"next_cursor": null}`. `id` is the `webhook-id` header the receiver saw. `?status=` keeps '
        "the `pending` (still being retried), `delivered` or `failed` (given up) ones. Admin or pmo."
    ),
)
async def list_deliveries(
    webhook: WebhookDep,
    session: SessionDep,
    _: WebhookManager,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this state.")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    rows, next_cursor = await repository.deliveries_page(session, webhook.id, status, limit, cursor)
    attempts = await repository.attempts_of(session, [r.id for r in rows])
    return Page(
        items=[service.read_delivery(r, attempts.get(r.id, [])) for r in rows], next_cursor=next_cursor
    )
