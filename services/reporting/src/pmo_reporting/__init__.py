"""PMO reporting service."""
