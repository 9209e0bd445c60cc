"""PMO resource service."""
