"""The event backbone: NATS connection and streams, transactional outbox, relay, durable consumers."""
