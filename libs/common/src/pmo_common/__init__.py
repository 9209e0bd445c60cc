"""Shared library of the PMO platform."""
