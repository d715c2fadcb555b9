"""Output files get the mode any other tool's files get under the same umask (0666 less it),
not the 0600 of the temporary files they are written through."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.io import AtomicWriter, FileSet, atomic_write, umask
from tests.conftest import ROOT, SEEDS


def _modes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode)
            for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_every_output_file_follows_the_umask(tmp_path: Path, mask: int) -> None:
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "pipeline", "run", "--input", str(SEEDS), "--output", str(out), "-q"],
                   cwd=ROOT, check=True, preexec_fn=lambda: os.umask(mask))
    modes = _modes(out)
    assert {"articles.jsonl", "documents.jsonl", "manifest.json", "run.json", "spans.jsonl", "report.html",
            "articles.parquet", "clean/000_2cb9e80f71fff0a9.txt"} <= modes.keys()
    assert any(name.startswith(".work/") for name in modes)
    wrong = {name: oct(mode) for name, mode in modes.items() if mode != 0o666 & ~mask}
    assert not wrong


def test_writers_use_the_umask_in_process(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        assert umask() == 0o002
        atomic_write(tmp_path / "a.json", "{}")
        w = AtomicWriter(tmp_path / "b.jsonl")
        w.append("x\n")
        w.commit()
        FileSet().write(str(tmp_path / "c" / "d.txt"), b"text\n")
    finally:
        os.umask(old)
    assert _modes(tmp_path) == {"a.json": 0o664, "b.jsonl": 0o664, "c/d.txt": 0o664}
