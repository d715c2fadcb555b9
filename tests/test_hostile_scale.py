"""A folder of 100,000 tiny files (issue 9): the batch finishes and accounts for every one.

Slow (minutes on a laptop), so it runs only when asked:

    NEWSCLEAN_SLOW=1 .venv/bin/python -m pytest -q tests/test_hostile_scale.py -s

and prints how long each part took. NEWSCLEAN_SCALE_FILES changes the count.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from tests.conftest import load_jsonl, run_cli

VOCAB = [f"{a}{b}{c}" for a in "bcdfgklmnprstvz" for b in "aeiou" for c in ("n", "r", "s", "t", "l", "")]
COUNT = int(os.environ.get("NEWSCLEAN_SCALE_FILES", "100000"))


@pytest.mark.skipif(os.environ.get("NEWSCLEAN_SLOW") != "1", reason="slow: set NEWSCLEAN_SLOW=1")
@pytest.mark.timeout(3600)
def test_a_folder_of_many_tiny_files(tmp_path: Path) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    rng = random.Random(100)
    t0 = time.perf_counter()
    for i in range(COUNT):
        sub = inp / f"d{i % 100:02d}"
        if i < 100:
            sub.mkdir(parents=True)
        # Tiny, distinct, and a mix of what a scrape leaves: text, empty, junk.
        # Distinct words per file, so duplicate detection has no giant cluster to verify.
        words = " ".join(rng.choice(VOCAB) for _ in range(12))
        body = b"" if i % 50 == 0 else (b"#%d" % i if i % 50 == 1 else f"{words.capitalize()}.".encode())
        (sub / f"f{i:06d}.txt").write_bytes(body)
    t1 = time.perf_counter()
    run_cli("run", "--input", str(inp), "--output", str(out), "--workers", "2", timeout=3600)
    t2 = time.perf_counter()
    docs = load_jsonl(out / "documents.jsonl")
    assert len(docs) == COUNT and len({d["id"] for d in docs}) == COUNT
    assert all(d["status"] in ("kept", "duplicate", "rejected") for d in docs)
    rejected = [d for d in docs if d["status"] == "rejected"]
    assert all(d["reason"] for d in rejected)
    assert sum(d["reason"].startswith("empty") for d in rejected) == COUNT // 50
    print(f"\n{COUNT} files: created in {t1 - t0:.1f} s, pipeline run {t2 - t1:.1f} s "
          f"({COUNT / (t2 - t1):.0f} files/s), {len(rejected)} rejected")
