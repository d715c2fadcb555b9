"""Small corpora for the downstream-format tests: the seeds, plus one that has every status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS, run_cli


def mixed_input(root: Path) -> Path:
    """The seeds plus an exact copy of 001 (a duplicate), an empty file and a binary file
    (both rejected), so every status and a duplicate cluster are present."""
    root.mkdir(parents=True, exist_ok=True)
    for p in SEEDS.glob("*.txt"):
        shutil.copy(p, root / p.name)
    (root / "copies").mkdir(exist_ok=True)
    shutil.copy(SEEDS / "001_8daedd7ade3504a8.txt", root / "copies" / "001_copy.txt")
    (root / "empty.txt").write_bytes(b"")
    (root / "bin.dat").write_bytes(b"ab\x00\x01cd")
    return root


def build_mixed_run(tmp: pytest.TempPathFactory) -> Path:
    src = mixed_input(tmp.mktemp("mixed-in"))
    out = tmp.mktemp("mixed-out")
    run_cli("run", "--input", str(src), "--output", str(out))
    return out
