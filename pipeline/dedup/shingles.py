"""Word shingles over a folded form of the text, shared by in-document and cross-document checks."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Casefolded word tokens; punctuation, quote style and spacing do not matter.

    >>> words("“Ankara’s” deal — AGREED.")
    ['ankara', 's', 'deal', 'agreed']
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int) -> set[str]:
    """Word k-grams; a text shorter than k words is one shingle of all its words.

    >>> sorted(shingles("a b c d", 3))
    ['a b c', 'b c d']
    >>> shingles("a b", 3)
    {'a b'}
    """
    w = words(text)
    if not w:
        return set()
    if len(w) <= k:
        return {" ".join(w)}
    return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity.

    >>> jaccard({"a", "b"}, {"b", "c"})
    0.3333333333333333
    """
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the larger one.

    >>> containment({"a", "b"}, {"a", "b", "c", "d"})
    1.0
    """
    small = min(len(a), len(b))
    if small == 0:
        return 0.0
    return len(a & b) / small
