"""strip_boilerplate's per-document memo (what each line text is) must not change any answer."""

from __future__ import annotations

from pipeline.clean.boilerplate import removed_shares, strip_boilerplate
from pipeline.config import load_config
from pipeline.models import split_lines

from ..conftest import ROOT, SEEDS


def test_memo_gives_the_same_rounds_as_classifying_afresh() -> None:
    cfg = load_config(str(ROOT / "config" / "pipeline.toml")).boilerplate
    for path in sorted(SEEDS.glob("*.txt")):
        lines = split_lines(path.read_text(encoding="utf-8", errors="replace"))
        memo: dict = {}
        fresh, remembered, removed = lines, lines, []
        for _ in range(4):  # the rounds the boilerplate stage runs, until nothing more goes
            fresh, gone_fresh = strip_boilerplate(fresh, cfg)
            remembered, gone_memo = strip_boilerplate(remembered, cfg, (), memo)
            assert gone_memo == gone_fresh, path.name
            removed += gone_fresh
            assert [ln.text for ln in remembered] == [ln.text for ln in fresh]
            if not gone_fresh:
                break
        assert memo  # the memo was used
        assert removed_shares(lines, removed, cfg, memo) == removed_shares(lines, removed, cfg)


def test_line_shape_candidate_flag_is_linefreq_is_candidate() -> None:
    # The boilerplate stage derives the recurring-line candidate test from what it already
    # knows of a line; it must give linefreq's answer for every line.
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from pipeline.clean.boilerplate import _shape, freq_settings
    from pipeline.clean.linefreq import is_candidate

    cfg = load_config(str(ROOT / "config" / "pipeline.toml")).boilerplate
    fs = freq_settings(cfg)
    lines = [ln.text for path in sorted(SEEDS.glob("*.txt"))
             for ln in split_lines(path.read_text(encoding="utf-8", errors="replace"))]
    lines += ["3", "Share this:", "1 2 3 4", "Ω", "商品の改造が商標法違反に", "..."]
    for text in lines:
        shape = _shape(text, cfg)
        assert shape is None or shape[6] == is_candidate(shape[0], fs), text

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.sampled_from(["a", "b", " ", ".", "!", "1", "\u3042", " word", " Word."]), max_size=40))
    def check(parts: list[str]) -> None:
        text = "".join(parts)
        shape = _shape(text, cfg)
        assert shape is None or shape[6] == is_candidate(shape[0], fs)

    check()
