"""Generate the AsyncAPI 3.0 document of the events from the catalogue (`make asyncapi`).

`docs/asyncapi.json` is checked in; a test regenerates it and fails on drift, so the document
cannot fall behind the code.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pmo_common.contracts.envelope import CloudEvent
from pmo_common.contracts.events import CATALOGUE, Event
from pmo_common.contracts.streams import STREAMS


def _key(subject: str) -> str:
    return subject.removeprefix("pmo.").replace(".", "_")


def _message(subject: str, event: type[Event[Any]]) -> dict[str, Any]:
    service = subject.split(".")[1]
    return {
        "name": subject,
        "title": subject,
        "summary": event.description,
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "properties": {"Nats-Msg-Id": {"type": "string", "description": "Equals the envelope `id`."}},
            "required": ["Nats-Msg-Id"],
        },
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEventEnvelope"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": f"{subject}.v1"},
                        "source": {"const": f"pmo/{service}"},
                        "data": {"$ref": f"#/components/schemas/{event.data_model.__name__}"},
                    },
                    "required": ["data"],
                },
            ]
        },
    }


def _channel_and_operation(subject: str, event: type[Event[Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    key, service = _key(subject), subject.split(".")[1]
    channel = {
        "address": subject,
        "description": f"JetStream stream {STREAMS[service].name}. {event.description}",
        "messages": {key: {"$ref": f"#/components/messages/{key}"}},
    }
    operation = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{key}"},
        "summary": f"The {service} service publishes this through its transactional outbox.",
        "messages": [{"$ref": f"#/channels/{key}/messages/{key}"}],
    }
    return channel, operation


_INFO = {
    "title": "PMO platform events",
    "version": "1.0.0",
    "description": (
        "Events of the PMO platform on NATS JetStream: one stream per owning service (PORTFOLIO, RISK, "
        "RESOURCE, REPORTING), subjects `pmo.<service>.<aggregate>.<event>`, CloudEvents 1.0 JSON envelopes "
        "whose `subject` is the aggregate id and `sequence` its version after the change. `data` carries the "
        "aggregate's full state plus `changed`, so consumers apply newest-version-wins and never call back. "
        "Delivery is at least once; the `Nats-Msg-Id` header (= envelope id) deduplicates within two minutes "
        "and consumers record handled ids. Undeliverable messages go to `dlq.<service>.<subject>` (stream DLQ)."
    ),
}


def build() -> dict[str, Any]:
    envelope = CloudEvent.model_json_schema()
    envelope["properties"].pop("data", None)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventEnvelope": envelope}
    for subject, event in sorted(CATALOGUE.items()):
        key = _key(subject)
        data_schema = event.data_model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(data_schema.pop("$defs", {}))
        schemas[event.data_model.__name__] = data_schema
        messages[key] = _message(subject, event)
        channels[key], operations[f"publish_{key}"] = _channel_and_operation(subject, event)
    return {
        "asyncapi": "3.0.0",
        "info": _INFO,
        "servers": {
            "local": {
                "host": "127.0.0.1:4222",
                "protocol": "nats",
                "description": "`make run` embedded nats-server",
            }
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
