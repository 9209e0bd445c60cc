"""Webhooks (contract §7.9): subscriptions by subject pattern, deliveries signed per the Standard
Webhooks specification, retried from a table that a JetStream durable consumer fills, and targets
limited by an SSRF-safe allow-list."""
