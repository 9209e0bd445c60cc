"""PMO risk service."""
