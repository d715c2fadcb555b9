"""Runs of page furniture at the edges of a document, found by structure instead of wording.

After the last paragraph of an article, extractors leak lists of other headlines, section
names, dates, share buttons and footers; before the first paragraph, the headline, byline and
dateline. No phrase list can know every site's wording, but these lines share a shape: short,
no sentence ending, often title case. Each line gets a score (positive for furniture, negative
for prose, a hard barrier for long prose) and the best-scoring run touching the edge is taken,
which absorbs the odd teaser sentence inside a headline list but never reaches past a real
paragraph of the article.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

BARRIER = float("-inf")


def best_suffix(scores: Sequence[float], min_score: float, anchors: Collection[int] | None = None) -> int | None:
    """Start of the highest-scoring run that ends at the last line, if it scores enough.

    With `anchors`, a run may only start at one of those lines (lines some rule recognised),
    so a list that merely looks like headlines is never taken without evidence at its head.
    Ties go to the shorter run: nothing is removed that does not add to the evidence.

    >>> best_suffix([-5, 1, 1, 1], 2)
    1
    >>> best_suffix([1, 1, -9, 1], 2) is None
    True
    >>> best_suffix([-5, 1, -0.5, 1, 1], 2)
    1
    >>> best_suffix([-5, 1, 2, 1, 1], 2, anchors={2})
    2
    """
    best, best_at, total = 0.0, None, 0.0
    for i in range(len(scores) - 1, -1, -1):
        total += scores[i]
        if total == BARRIER:
            break
        if total > best and (anchors is None or i in anchors):
            best, best_at = total, i
    return best_at if best_at is not None and best >= min_score else None


def best_prefix(scores: Sequence[float], min_score: float, anchors: Collection[int] | None = None) -> int | None:
    """End (exclusive) of the highest-scoring run that starts at the first line.

    With `anchors`, the run must end on one of those lines.

    >>> best_prefix([1, 1, -5, 1], 2)
    2
    >>> best_prefix([1, -9, 1], 1)
    1
    >>> best_prefix([1, 2, 1, -5], 1, anchors={1})
    2
    """
    n = len(scores)
    rev = None if anchors is None else {n - 1 - a for a in anchors}
    start = best_suffix(list(reversed(scores)), min_score, rev)
    return None if start is None else n - start
