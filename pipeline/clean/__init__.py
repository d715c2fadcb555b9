"""Per-document cleaning stages: pure functions, no IO, no luigi."""
