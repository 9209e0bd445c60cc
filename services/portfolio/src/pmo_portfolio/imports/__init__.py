"""Imports into the portfolio: a Microsoft Project XML file (MSPDI) becomes a project."""
