"""Repeated blocks inside one document: every copy after the first is removed and logged.

Paragraph MinHash signatures go into an LSH index; its hits are only candidates, each verified
with exact shingle Jaccard. Long paragraphs that match an earlier one are copies on their own;
short ones ("Q:", a refrain) count only when they sit inside a run of copies that mirrors the
run they repeat, so legitimate short repeats stay.
"""

from __future__ import annotations

from datasketch import MinHashLSH

from pipeline.config import RepeatsConfig
from pipeline.dedup.shingles import jaccard, shingles, words
from pipeline.dedup.signatures import minhashes
from pipeline.models import Line, Removal

STAGE = "repeats"
RULE = "repeated-block"


def find_copies(paras: list[str], cfg: RepeatsConfig) -> dict[int, tuple[int, float]]:
    """Map each paragraph index that repeats an earlier one to (earlier index, similarity)."""
    sets = [shingles(p, cfg.shingle_words) for p in paras]
    keys = [" ".join(words(p)) for p in paras]
    sigs = minhashes(sets, cfg.num_perm)
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    match: dict[int, tuple[int, float]] = {}
    first_exact: dict[str, int] = {}
    for j, sig in enumerate(sigs):
        if not sets[j]:
            continue
        best: tuple[int, float] | None = None
        if keys[j] in first_exact:
            best = (first_exact[keys[j]], 1.0)
        else:
            for i in sorted(lsh.query(sig)):
                sim = jaccard(sets[i], sets[j])
                if sim >= cfg.threshold and (best is None or sim > best[1]):
                    best = (i, sim)
        if best is not None:
            match[j] = best
        else:
            lsh.insert(j, sig)
        first_exact.setdefault(keys[j], j)
    long_enough = {j for j in match if len(words(paras[j])) >= cfg.min_words}
    accepted = set(long_enough)
    # Short matches join a copy run when a neighbour is a copy of the matching neighbour.
    changed = True
    while changed:
        changed = False
        for j, (i, _) in match.items():
            if j in accepted:
                continue
            for d in (-1, 1):
                nb = j + d
                if nb in accepted and match[nb][0] == i + d:
                    accepted.add(j)
                    changed = True
                    break
    return {j: match[j] for j in sorted(accepted)}


def collapse_repeats(lines: list[Line], cfg: RepeatsConfig) -> tuple[list[Line], list[Removal]]:
    """Remove paragraphs that repeat earlier ones, logging the span each one repeats."""
    body = [i for i, ln in enumerate(lines) if not ln.blank]
    paras = [lines[i].text for i in body]
    copies = find_copies(paras, cfg)
    removals = []
    drop = set()
    for j, (i, sim) in copies.items():
        src, dup = lines[body[i]], lines[body[j]]
        drop.add(body[j])
        removals.append(
            Removal(STAGE, RULE, dup.text, dup.start, dup.end,
                    {"repeats": [src.start, src.end], "similarity": round(sim, 4)})
        )
    return [ln for k, ln in enumerate(lines) if k not in drop], removals
