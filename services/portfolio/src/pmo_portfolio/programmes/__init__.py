"""Programmes: groups of related projects of one portfolio (contract §7.2)."""
