"""Repeated blocks inside a document and duplicates across documents."""
