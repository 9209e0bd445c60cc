"""The pure parts of webhooks: subject patterns, the retry schedule, the SSRF address rules and the
Standard Webhooks signatures (against the specification's published test vector)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
from datetime import UTC, datetime, timedelta

import pytest
from pmo_common.contracts.events import CATALOGUE
from pmo_reporting.webhooks.policy import DEFAULT_POLICY, RetryPolicy
from pmo_reporting.webhooks.signing import SecretError, check_secret, generate_secret, signed_headers
from pmo_reporting.webhooks.subjects import PatternError, catalogue_matches, check_pattern, matches
from pmo_reporting.webhooks.targets import AllowList, TargetRefused, parse_target, refusal
from standardwebhooks import Webhook, WebhookVerificationError

# The vector the reference library's own tests check `sign` against (standard-webhooks,
# libraries/python/tests/test_webhooks.py: test_sign_function).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_PAYLOAD = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


# --- subject patterns ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("pmo.risk.risk.escalated", "pmo.risk.risk.escalated", True),
        ("pmo.risk.risk.escalated", "pmo.risk.risk.raised", False),
        ("pmo.portfolio.action.*", "pmo.portfolio.action.overdue", True),
        ("pmo.portfolio.action.*", "pmo.portfolio.action", False),
        ("pmo.*.risk.*", "pmo.risk.risk.closed", True),
        ("pmo.risk.>", "pmo.risk.response.created", True),
        ("pmo.risk.>", "pmo.risk", False),
        (">", "pmo.resource.capacity.changed", True),
        ("pmo.risk.risk", "pmo.risk.risk.escalated", False),
        ("pmo.risk.risk.escalated.v1", "pmo.risk.risk.escalated", False),
    ],
)
def test_patterns_match_subjects_as_nats_does(pattern: str, subject: str, expected: bool) -> None:
    assert matches(pattern, subject) is expected


@pytest.mark.parametrize("pattern", ["", "pmo..risk", "pmo.>.risk", "pmo.risk*", "PMO.risk", "pmo.risk. x"])
def test_malformed_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        check_pattern(pattern)


def test_catalogue_matches_lists_the_subjects_a_pattern_covers() -> None:
    assert catalogue_matches("pmo.portfolio.action.*") == [
        "pmo.portfolio.action.created",
        "pmo.portfolio.action.overdue",
        "pmo.portfolio.action.updated",
    ]
    assert catalogue_matches(">") == sorted(CATALOGUE)
    assert catalogue_matches("pmo.risk.nothing.*") == []


# --- the retry schedule -------------------------------------------------------------------------


def test_the_backoff_starts_within_five_seconds_and_doubles_to_five_minutes() -> None:
    policy = RetryPolicy(jitter=0.0)
    assert [policy.delay(n) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 300, 300, 300]


def test_jitter_only_shortens_waits_and_spreads_them() -> None:
    rng = random.Random(7)
    firsts = [DEFAULT_POLICY.delay(1, rng=rng) for _ in range(200)]
    capped = [DEFAULT_POLICY.delay(30, rng=rng) for _ in range(200)]
    assert all(3.75 <= d <= 5 for d in firsts) and len(set(firsts)) > 100
    assert all(225 <= d <= 300 for d in capped)


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(jitter=0.0)
    assert policy.delay(1, retry_after=60) == 60
    assert policy.delay(1, retry_after=7200) == 300


def test_deliveries_are_retried_for_at_least_a_day() -> None:
    created = datetime(2026, 12, 1, tzinfo=UTC)
    assert not DEFAULT_POLICY.gives_up(created, created + timedelta(hours=23, minutes=59))
    assert DEFAULT_POLICY.gives_up(created, created + timedelta(hours=24))
    # The whole schedule until then: the worst case (no jitter) makes well over 200 attempts.
    elapsed, attempts = 0.0, 1
    policy = RetryPolicy(jitter=0.0)
    while not policy.gives_up(created, created + timedelta(seconds=elapsed)):
        elapsed += policy.delay(attempts)
        attempts += 1
    assert elapsed >= 24 * 3600 and attempts > 280


# --- SSRF: which addresses a target may be reached at ----------------------------------------


def _refused(url: str, address: str, allowed: str) -> str | None:
    return refusal(parse_target(url), ipaddress.ip_address(address), AllowList.parse(allowed))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
    ],
)
def test_a_listed_name_resolving_to_an_internal_address_is_refused(address: str) -> None:
    reason = _refused("https://hooks.example.com/x", address, "hooks.example.com")
    assert reason is not None and address in reason


def test_an_internal_address_is_allowed_only_when_listed_itself() -> None:
    assert _refused("https://hooks.example.com/x", "10.1.2.3", "hooks.example.com,10.1.2.3") is None
    assert _refused("http://10.1.2.3:8080/x", "10.1.2.3", "10.1.2.3") is None
    assert _refused("http://localhost:8080/x", "127.0.0.1", "localhost") is None
    assert _refused("http://localhost:8080/x", "::1", "localhost") is None
    # Listing `localhost` lets the name localhost reach loopback, not any name that resolves there.
    assert _refused("https://evil.example.com/x", "127.0.0.1", "evil.example.com,localhost") is not None


def test_public_addresses_of_a_listed_name_are_allowed() -> None:
    assert _refused("https://hooks.example.com/x", "93.184.216.34", "hooks.example.com") is None
    assert _refused("https://hooks.example.com/x", "2606:2800:220:1::1", "hooks.example.com") is None


def test_ipv4_mapped_addresses_are_judged_as_ipv4() -> None:
    target = parse_target("https://hooks.example.com/x")
    allowed = AllowList.parse("hooks.example.com")
    from pmo_reporting.webhooks.targets import as_address

    mapped = as_address("::ffff:127.0.0.1")
    assert mapped == ipaddress.ip_address("127.0.0.1")
    assert mapped is not None and refusal(target, mapped, allowed) is not None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "file:///etc/passwd",
        "gopher://hooks.example.com/",
        "https://user:pass@hooks.example.com/x",
        "https:///x",
        "https://hooks.example.com:0/x",
        "https://hooks.example.com:99999/x",
        "https://hooks.example.com/a b",
        "https://bücher.example/x",
    ],
)
def test_urls_no_webhook_needs_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        parse_target(url)


def test_allow_list_entries_are_normalised() -> None:
    allowed = AllowList.parse(" Hooks.Example.com. , [::1], ,127.0.0.1")
    assert allowed.lists("hooks.example.com") and allowed.lists("::1") and allowed.lists("127.0.0.1")
    assert not AllowList.parse("").entries


# --- signatures -----------------------------------------------------------------------------------


def test_signatures_match_the_specifications_test_vector() -> None:
    timestamp = datetime.fromtimestamp(VECTOR_TIMESTAMP, tz=UTC)
    headers = signed_headers(VECTOR_SECRET, VECTOR_ID, timestamp, VECTOR_PAYLOAD)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body() -> None:
    """The scheme written out, as a receiver without the library would check it."""
    secret = generate_secret()
    now = datetime.now(UTC)
    body = '{"id":"e1","type":"pmo.risk.risk.escalated.v1"}'
    headers = signed_headers(secret, "d1", now, body)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, f"d1.{int(now.timestamp())}.{body}".encode(), hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    assert Webhook(secret).verify(body, headers) == {"id": "e1", "type": "pmo.risk.risk.escalated.v1"}
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_generated_secrets_are_standard_webhooks_secrets() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert check_secret(secret) == secret and generate_secret() != secret


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_",
        "whsec_not*base64",
        "whsec_" + "QUJD" * 2,
        "whsec_" + "A" * 120,
    ],
)
def test_secrets_of_another_form_are_refused(secret: str) -> None:
    with pytest.raises(SecretError):
        check_secret(secret)
