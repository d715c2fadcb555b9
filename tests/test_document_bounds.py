"""What one document can cost: a line-count bound at decode, one time budget for all stages
together, and no pair matrix that grows with the square of a document's paragraphs."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from pipeline.config import load_config
from pipeline.dedup import repeats
from pipeline.models import Doc, split_lines
from pipeline.stages import Stage, decode, run_stage

CFG = load_config()


def _doc(text: str = "A line of an article that is long enough to be kept as a paragraph.") -> Doc:
    return Doc(id="x", source="x.txt", sha256="", size=len(text), lines=split_lines(text))


def test_a_file_of_more_lines_than_the_limit_is_rejected_at_decode() -> None:
    raw = b"a\n" * 200_000  # 400 KB: it took 3 GB and a minute in the repeats stage
    out = decode(Doc(id="a", source="a.txt", sha256="", size=len(raw)), raw, CFG)
    assert out.status == "rejected" and out.reason.startswith("too-many-lines: 200000 lines")
    small = dataclasses.replace(CFG, run=dataclasses.replace(CFG.run, max_document_lines=200_000))
    assert decode(Doc(id="a", source="a.txt", sha256="", size=len(raw)), raw, small).status == "kept"


def _sleeper(seconds: float) -> Stage:
    def apply(doc: Doc, _cfg: object) -> Doc:
        time.sleep(seconds)
        return doc
    return Stage("slow", (), apply)


def test_the_time_limit_bounds_the_stages_together() -> None:
    cfg = dataclasses.replace(CFG, run=dataclasses.replace(CFG.run, max_document_seconds=1.0))
    doc = run_stage(_sleeper(0.6), _doc(), cfg)
    assert doc.status == "kept" and doc.seconds >= 0.6
    # A second stage as slow would be within a per-stage limit; the budget left is 0.4 s.
    doc = run_stage(_sleeper(0.6), doc, cfg)
    assert doc.status == "rejected" and doc.reason.startswith("timeout: slow took more than")
    assert "the stages together more than 1 s" in doc.reason


def test_a_spent_budget_rejects_before_the_stage_runs() -> None:
    cfg = dataclasses.replace(CFG, run=dataclasses.replace(CFG.run, max_document_seconds=1.0))
    doc = _doc()
    doc.seconds = 1.5
    ran = []
    out = run_stage(Stage("next", (), lambda d, _c: ran.append(1) or d), doc, cfg)
    assert out.status == "rejected" and out.reason.startswith("timeout: the stages before next took") and not ran


def test_the_time_spent_is_no_part_of_what_a_document_equals() -> None:
    a, b = _doc(), _doc()
    b.seconds = 3.0
    assert a == b and Doc.from_record(b.to_record()).seconds == 3.0


def test_the_pair_bound_is_skipped_when_its_matrix_would_be_huge() -> None:
    """20,000 paragraphs over eight words: the pair matrices would take 16 GB (3.2 GB each)."""
    rng = np.random.default_rng(0)
    hashes = [rng.integers(0, 8, 12).astype(np.uint64) for _ in range(2_001)]
    assert repeats._possible_pairs([12] * 2_001, hashes, CFG.repeats) is None
    assert repeats._possible_pairs([12] * 50, hashes[:50], CFG.repeats) is not None
