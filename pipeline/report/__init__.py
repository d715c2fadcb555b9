"""Summaries of a run for the people who read its output."""
