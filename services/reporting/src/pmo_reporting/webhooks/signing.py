"""Signing secrets and signatures per the Standard Webhooks specification, through its reference
library (`standardwebhooks`): the secret is `whsec_` + base64 of 24–64 random bytes, and each
attempt carries `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`."""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"
MIN_BYTES, MAX_BYTES = 24, 64  # the specification: at least 192 bits, at most 512
GENERATED_BYTES = 32


class SecretError(ValueError):
    """Why a given secret is not a Standard Webhooks secret."""


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(GENERATED_BYTES)).decode()


def check_secret(secret: str) -> str:
    """The secret as given, if it is `whsec_` + base64 of 24–64 bytes."""
    if not secret.startswith(PREFIX):
        raise SecretError(f"must start with {PREFIX!r} (a Standard Webhooks secret)")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise SecretError(f"must be {PREFIX!r} followed by standard base64") from None
    if not MIN_BYTES <= len(key) <= MAX_BYTES:
        raise SecretError(f"must encode {MIN_BYTES}–{MAX_BYTES} bytes, not {len(key)}")
    return secret


def signed_headers(secret: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt (`timestamp`: the attempt's, UTC)."""
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=timestamp, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
