"""Webhooks see every catalogue event: the subjects reporting already consumes are handed to the
recorder by their handlers (which keep doing their own work), every other subject has a
subscription of its own, and one webhook on `>` receives events from each of those paths."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from typing import Any

from pmo_common.contracts.events import (
    CATALOGUE,
    ActionCreated,
    CapacityChanged,
    IssueOpened,
    PortfolioCreated,
    ProjectCreated,
    ProjectHealthChanged,
    ResponseCreated,
    RiskEscalated,
)
from pmo_common.events.consumer import INBOX
from pmo_common.natsserver import NatsServer
from pmo_common.settings import Settings
from pmo_common.testing.harness import auth, eventually, publish_event, running
from pmo_common.testing.receiver import serving
from pmo_reporting.main import SPEC, create_app
from pmo_reporting.webhooks import recorder
from sqlalchemy import select
from standardwebhooks import Webhook

PREFIX = "/reporting/v1"
ADMIN = auth("root", "admin")


def _hands_off(handler: Any) -> bool:
    """Whether a handler (or the `after` hook of an upstream tracker) passes events to the recorder."""
    if "webhooks.record(" in inspect.getsource(handler):
        return True
    after = inspect.getclosurevars(handler).nonlocals.get("after")
    return after is not None and "webhooks.record(" in inspect.getsource(after)


def test_every_catalogue_subject_reaches_the_recorder() -> None:
    routes = {
        subject: route[1] for sub in SPEC.handlers.subscriptions for subject, route in sub.routes.items()
    }
    assert set(routes) == set(CATALOGUE)
    # A handler added for a subject must hand its events on (`await webhooks.record(session, event)`),
    # or webhooks subscribed to that subject would silently receive nothing.
    silent = sorted(s for s, fn in routes.items() if fn is not recorder.record and not _hands_off(fn))
    assert silent == []
    own = {
        sub.name
        for sub in SPEC.handlers.subscriptions
        if recorder.record in [r[1] for r in sub.routes.values()]
    }
    assert own <= {"webhooks-portfolio", "webhooks-risk", "webhooks-resource", "webhooks-reporting"}


def _events() -> list[tuple[Any, dict[str, Any]]]:
    portfolio = str(uuid.uuid4())
    ids = [str(uuid.uuid4()) for _ in range(8)]
    return [
        (
            PortfolioCreated,
            {"id": portfolio, "version": 1, "name": "P", "currency": "EUR", "budget": "1000.00"},
        ),
        (
            ProjectCreated,
            {
                "id": ids[0],
                "version": 1,
                "portfolio_id": portfolio,
                "code": "P-1",
                "name": "ERP",
                "manager": "pat",
                "budget": "100.00",
                "start_date": "2026-01-01",
                "finish_date": "2026-12-31",
                "stage": "proposal",
            },
        ),
        (
            RiskEscalated,
            {
                "id": ids[1],
                "version": 2,
                "portfolio_id": portfolio,
                "kind": "threat",
                "title": "Vendor late",
                "probability": 5,
                "impact": 5,
                "score": 25,
                "level": "critical",
                "emv": "100.00",
                "escalated": True,
                "status": "open",
            },
        ),
        (CapacityChanged, {"id": str(uuid.UUID(int=1)), "version": 1, "totals": []}),
        (
            ActionCreated,
            {"id": ids[2], "version": 1, "portfolio_id": portfolio, "title": "Call", "status": "open"},
        ),
        (
            ResponseCreated,
            {
                "id": ids[3],
                "version": 1,
                "risk_id": ids[1],
                "portfolio_id": portfolio,
                "strategy": "mitigate",
                "status": "planned",
            },
        ),
        (
            IssueOpened,
            {
                "id": ids[4],
                "version": 1,
                "portfolio_id": portfolio,
                "title": "Late",
                "priority": "high",
                "status": "open",
            },
        ),
        (ProjectHealthChanged, {"id": ids[0], "version": 1, "as_of": "2026-11-30", "overall": "red"}),
    ]


async def test_a_webhook_on_everything_receives_events_of_every_path(
    make_settings: Callable[..., Settings], nats_server: NatsServer
) -> None:
    events = _events()
    async with serving() as receiver:
        settings = make_settings("reporting", webhook_allowed_hosts="127.0.0.1")
        async with running(create_app(settings)) as client:
            created = await client.post(
                f"{PREFIX}/webhooks", json={"url": receiver.url(), "subjects": [">"]}, headers=ADMIN
            )
            hook = created.json()
            for event_class, data in events:
                await publish_event(nats_server.url, event_class, data)

            async def all_delivered() -> list[dict[str, Any]] | None:
                page = await client.get(f"{PREFIX}/webhooks/{hook['id']}/deliveries?limit=50", headers=ADMIN)
                items = [d for d in page.json()["items"] if d["status"] == "delivered"]
                return items if len(items) == len(events) else None

            items = await eventually(all_delivered, timeout=20)
            # The handlers that hand events on still did their own work.
            portfolio_id = events[0][1]["id"]
            dashboard = await client.get(f"{PREFIX}/portfolios/{portfolio_id}/dashboard", headers=ADMIN)
            assert dashboard.status_code == 200

    assert sorted(d["subject"] for d in items) == sorted(e.subject for e, _ in events)
    verifier = Webhook(hook["secret"])
    received = sorted(verifier.verify(r.body, r.headers)["type"] for r in receiver.received)
    assert received == sorted(f"{e.subject}.v1" for e, _ in events)


async def test_a_replay_sends_nothing_old_and_nothing_twice(
    make_settings: Callable[..., Settings], nats_server: NatsServer
) -> None:
    """`POST /admin/rebuild` replays every stream from its start: events from before the webhook
    existed are not sent to it, and those it already got are not sent again."""
    risk = dict(_events()[2][1])
    async with serving() as receiver:
        settings = make_settings("reporting", webhook_allowed_hosts="127.0.0.1")
        app = create_app(settings)
        async with running(app) as client:
            before = await publish_event(nats_server.url, RiskEscalated, risk)
            created = await client.post(
                f"{PREFIX}/webhooks", json={"url": receiver.url(), "subjects": ["pmo.risk.>"]}, headers=ADMIN
            )
            hook = created.json()
            first = await publish_event(nats_server.url, RiskEscalated, risk | {"version": 3})
            await eventually(lambda: _delivered(client, hook["id"], 1), timeout=15)
            rebuilt = await client.post(f"{PREFIX}/admin/rebuild", headers=ADMIN)
            assert rebuilt.status_code == 202, rebuilt.text
            # Same durable, same order: once this one is delivered, the replay has passed the others.
            last = await publish_event(nats_server.url, RiskEscalated, risk | {"version": 4})
            items = await eventually(lambda: _delivered(client, hook["id"], 2), timeout=20)
            async with app.state.db.sessionmaker() as session:  # the replayed events applied cleanly
                handled = set((await session.scalars(select(INBOX.c.event_id))).all())
            assert {before.id, first.id, last.id} <= handled

    assert sorted(d["event_id"] for d in items) == sorted([first.id, last.id])
    sent = [Webhook(hook["secret"]).verify(r.body, r.headers)["id"] for r in receiver.received]
    assert sorted(sent) == sorted([first.id, last.id]) and before.id not in sent


async def _delivered(client: Any, webhook_id: str, count: int) -> list[dict[str, Any]] | None:
    page = await client.get(f"{PREFIX}/webhooks/{webhook_id}/deliveries", headers=ADMIN)
    items = [d for d in page.json()["items"] if d["status"] == "delivered"]
    return items if len(items) >= count else None
