"""Extraction of seed tables from the provincial plan documents."""
