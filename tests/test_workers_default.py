"""`--workers` defaults to the CPUs the process may use, capped; an explicit value wins."""

from __future__ import annotations

import os

import pytest

from pipeline import cli


@pytest.mark.parametrize(("allowed", "expected"), [({0}, 1), ({0, 1}, 2), (set(range(64)), cli.MAX_DEFAULT_WORKERS)])
def test_default_workers_follow_the_affinity_mask(monkeypatch: pytest.MonkeyPatch, allowed: set[int],
                                                   expected: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: allowed, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 128)  # the machine's count is not what counts
    assert cli.default_workers() == expected


def test_help_names_the_default() -> None:
    run = next(a for a in cli.build_parser()._subparsers._group_actions if a.choices).choices["run"]
    assert "CPUs this process may use" in " ".join(run.format_help().split())
