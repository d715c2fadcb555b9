"""The report's character diff is bounded: exact (difflib's answer) for lines repaired in
places, a marked coarse replacement in linear work for a line rewritten throughout."""

from __future__ import annotations

import random

import pytest

from pipeline.models import Doc, Edit, Line
from pipeline.report import segments
from pipeline.report.html import doc_detail
from pipeline.report.segments import (
    COARSE_SHOWN,
    DiffTooLarge,
    bounded_char_diff,
    char_diff,
    diff_budget,
    matching_blocks,
)


def _cafe(n: int) -> tuple[str, str]:
    before = ("CafÃ© " * (n // 7 + 1))[:n]
    return before, before.replace("Ã©", "é")


def _sides(diff: list[list[str]]) -> tuple[str, str]:
    return ("".join(t for op, t in diff if op != "+"), "".join(t for op, t in diff if op != "-"))


def test_repaired_lines_get_the_exact_diff() -> None:
    rnd = random.Random(7)
    vocab = ["the", "council", "said", "budget", "it’s", "“quoted”", "café", "—", "déjà", "&amp;", "город", ","]
    for _ in range(200):
        after = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(10, 400)))
        parts = after.split(" ")
        before = " ".join(p.encode("utf-8").decode("cp1252", errors="replace") if rnd.random() < 0.1 else p
                          for p in parts)
        diff, info = bounded_char_diff(before, after)
        assert info == {} and diff == char_diff(before, after)


def test_a_long_mojibake_line_is_over_budget_and_the_work_stays_within_it(monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = _cafe(100_000)
    work = [0]
    real = segments._longest_match

    def counted(a, b, runs, shared, alo, ahi, blo, bhi):  # type: ignore[no-untyped-def]
        out = real(a, b, runs, shared, alo, ahi, blo, bhi)
        work[0] += (ahi - alo) + out[3] * (bhi - blo + 1)
        return out

    monkeypatch.setattr(segments, "_longest_match", counted)
    budget = diff_budget(before, after)
    with pytest.raises(DiffTooLarge):
        matching_blocks(before, after, budget)
    # The last range searched may overshoot the budget by its own size, no more.
    assert budget < work[0] <= budget + 2 * (len(before) + len(after)) * 64
    work[0] = 0
    diff, info = bounded_char_diff(before, after)
    assert info["coarse"] == 1 and work[0] <= budget + 2 * (len(before) + len(after)) * 64


@pytest.mark.parametrize("n", [3_000, 100_000, 300_000, 8_000_000])
def test_coarse_diff_is_marked_and_keeps_what_the_reader_needs(n: int) -> None:
    before, after = _cafe(n)
    diff, info = bounded_char_diff(before, after)
    assert info["coarse"] == 1
    kept, taken = _sides(diff)
    assert taken == after  # the repaired text is whole
    assert len(kept) + info["cut"] == len(before) and before.startswith(kept[:len(kept) - 1000])
    assert sum(len(t) for op, t in diff if op == "-") <= COARSE_SHOWN


def test_an_8mb_mojibake_document_gets_its_reading_view() -> None:
    before, after = (s.strip() for s in _cafe(8_000_000))
    doc = Doc("big", "big.txt", "0" * 64, len(before), lines=[Line(after, 0, len(before))],
              edits=[Edit("encoding", "fix_mojibake", 0, len(before), before, after)])
    detail = doc_detail(doc, {"id": "big", "status": "kept"})
    (seg,) = detail["segments"]
    assert seg["edit"]["coarse"] == 1 and seg["edit"]["cut"] > 0
    # Size stays about that of the text: the repaired line twice (text and diff), not the input again.
    assert sum(len(t) for _, t in seg["edit"]["diff"]) <= len(after) + COARSE_SHOWN + 10
