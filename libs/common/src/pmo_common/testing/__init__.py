"""Fixtures every service's tests share: a real nats-server per test, a migrated database (SQLite,
or a fresh PostgreSQL database when PMO_TEST_DATABASE_URL is set), tokens and a running app."""
