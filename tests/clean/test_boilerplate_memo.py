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
