"""Boilerplate removal driven by the rules in `config/boilerplate_rules.toml`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pipeline.config import BoilerplateConfig, BoilerplateRule
from pipeline.models import Line, Removal

STAGE = "boilerplate"


@lru_cache(maxsize=1024)
def _compiled(pattern: str, flags: str) -> re.Pattern[str]:
    f = re.IGNORECASE if "i" in flags else 0
    return re.compile(pattern, f)


def _match(rule: BoilerplateRule, text: str) -> bool:
    return _compiled(rule.pattern, rule.flags).search(text) is not None


def _looks_like_junk(lines: Sequence[Line]) -> bool:
    """What follows a cut marker: short lines (headlines, form labels), no long prose."""
    return all(len(ln.text.split()) <= 25 for ln in lines if not ln.blank)


def strip_boilerplate(lines: list[Line], cfg: BoilerplateConfig) -> tuple[list[Line], list[Removal]]:
    """Remove rule-matched junk lines; return kept lines and what was removed, with rule ids."""
    body = [i for i, ln in enumerate(lines) if not ln.blank]
    n = len(body)
    removed_idx: dict[int, str] = {}
    trailing_from = int(n * (1.0 - cfg.trailing_share))
    cut_at: tuple[int, str] | None = None
    for rank, i in enumerate(body):
        text = lines[i].text
        for rule in cfg.rules:
            if not _match(rule, text):
                continue
            if rule.where == "trailing" and rank < trailing_from:
                continue
            if rule.scope == "cut":
                rest = [lines[j] for j in body[rank + 1 :]]
                if _looks_like_junk(rest):
                    cut_at = (rank, rule.rule_id)
                    break
                continue
            removed_idx[i] = rule.rule_id
            break
        if cut_at:
            break
    if cut_at:
        rank, rid = cut_at
        for i in body[rank:]:
            removed_idx.setdefault(i, rid)
    removals = [
        Removal(STAGE, rid, lines[i].text, lines[i].start, lines[i].end) for i, rid in sorted(removed_idx.items())
    ]
    kept = [ln for i, ln in enumerate(lines) if i not in removed_idx]
    return kept, removals
