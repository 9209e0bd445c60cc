"""The rules of webhook subscriptions: patterns that match the catalogue, a secret of the Standard
Webhooks form, and a target the SSRF rules allow (checked here, and again at every connection)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from pmo_common.auth import Principal
from pmo_common.changes import Aggregate
from pmo_common.db import new_id, utcnow
from pmo_common.errors import invalid
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from pmo_reporting.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from pmo_reporting.webhooks.schemas import AttemptRead, DeliveryRead, WebhookCreate, WebhookRead
from pmo_reporting.webhooks.signing import SecretError, check_secret, generate_secret
from pmo_reporting.webhooks.subjects import PatternError, catalogue_matches, check_pattern
from pmo_reporting.webhooks.targets import AllowList, TargetRefused, check_url


class WebhookAudit(BaseModel):
    """What the audit trail (readable by every reader) keeps of a webhook: its URL only up to the
    host, since paths and queries often carry the receiver's own tokens."""

    id: uuid.UUID
    origin: str
    subjects: list[str]
    created_by: str
    created_at: datetime


def _audit(webhook: Webhook) -> WebhookAudit:
    parts = urlsplit(webhook.url)
    origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    return WebhookAudit(
        id=webhook.id,
        origin=origin,
        subjects=webhook.subjects,
        created_by=webhook.created_by,
        created_at=webhook.created_at,
    )


WEBHOOKS = Aggregate("webhook", read=_audit)


def read(webhook: Webhook) -> WebhookRead:
    return WebhookRead(
        id=webhook.id,
        url=webhook.url,
        subjects=webhook.subjects,
        matches=sorted({s for pattern in webhook.subjects for s in catalogue_matches(pattern)}),
        created_by=webhook.created_by,
        created_at=webhook.created_at,
        version=webhook.version,
    )


def read_delivery(delivery: WebhookDelivery, attempts: Sequence[WebhookAttempt]) -> DeliveryRead:
    return DeliveryRead.model_validate(
        {
            **{c: getattr(delivery, c) for c in DeliveryRead.model_fields if c != "attempts"},
            "attempts": [AttemptRead.model_validate(a) for a in attempts],
        }
    )


def check_subjects(patterns: Sequence[str]) -> None:
    seen: set[str] = set()
    for index, pattern in enumerate(patterns):
        field = f"body.subjects.{index}"
        try:
            check_pattern(pattern)
        except PatternError as exc:
            raise invalid(field, f"{pattern!r}: {exc}") from None
        if not catalogue_matches(pattern):
            raise invalid(field, f"{pattern!r} matches no subject of the event catalogue")
        if pattern in seen:
            raise invalid(field, f"{pattern!r} is listed twice")
        seen.add(pattern)


async def create(
    session: AsyncSession, body: WebhookCreate, principal: Principal, allowed: AllowList
) -> tuple[Webhook, str | None]:
    """The new webhook, and its secret when one was generated (shown once, in the response)."""
    check_subjects(body.subjects)
    generated = None if body.secret is not None else generate_secret()
    try:
        secret = check_secret(body.secret) if body.secret is not None else generated
    except SecretError as exc:
        raise invalid("body.secret", str(exc)) from None
    try:
        await check_url(body.url, allowed)
    except TargetRefused as exc:
        raise invalid("body.url", str(exc)) from None
    assert secret is not None
    webhook = Webhook(
        id=new_id(),
        url=body.url,
        subjects=list(body.subjects),
        secret=secret,
        created_by=principal.sub,
        created_at=utcnow(),
    )
    await WEBHOOKS.create(session, webhook, principal, None)
    return webhook, generated


async def delete(session: AsyncSession, webhook: Webhook, principal: Principal) -> None:
    """Its pending deliveries and its log go with it."""
    await WEBHOOKS.delete(session, webhook, principal, None)
