"""Pydantic-only contracts shared by services and clients: no infrastructure imports here."""
