"""PMO portfolio service."""
