"""What a single line looks like: article prose, a headline-like fragment, or neither.

Structural boilerplate detection (leading and trailing runs, corpus-recurring lines) rests on
one distinction: article prose reads as sentences (several words, ending like a sentence),
while leaked page furniture is short labels, headlines of other articles, dates and names.
The tests here are deliberately language-neutral: word counts (with CJK characters counted
roughly as words, since those scripts do not separate words by spaces) and punctuation.
"""

from __future__ import annotations

import re
import unicodedata

# Sentence-final punctuation across scripts, optionally followed by closing quotes/brackets.
_TERMINAL = re.compile(r"[.!?…。！？؟।]['\"’”»)\]]*\s*$")
_FINAL = frozenset(".!?…。！？؟।")
_CLOSERS = "'\"’”»)]"
# Characters of scripts written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER_WORD = re.compile(r"[^\W\d_]", re.UNICODE)


def word_count(text: str) -> int:
    """Words, counting two CJK characters as one word (those scripts use no spaces).

    >>> word_count("Two patients diagnosed with plague")
    5
    >>> word_count("商品の改造が商標法違反に") >= 5
    True
    """
    if text.isascii():  # most lines: no CJK to count
        return len(text.split())
    cjk = len(_CJK.findall(text))
    if not cjk:
        return len(text.split())
    spaced = len(_CJK.sub(" ", text).split())
    return spaced + cjk // 2


def ends_like_sentence(text: str) -> bool:
    """Ends with sentence-final punctuation (a closing quote or bracket may follow).

    >>> ends_like_sentence('He said “no.”')
    True
    >>> ends_like_sentence("More from Sportsnet")
    False
    """
    # Same test as _TERMINAL.search(text), without scanning the whole line for it.
    end = text.rstrip().rstrip(_CLOSERS)
    return bool(end) and end[-1] in _FINAL


def is_prose(text: str, min_words: int, long_words: int, words: int | None = None) -> bool:
    """Reads as article prose: a sentence of some length, or simply long.

    >>> is_prose("The deal was approved on Friday by the full board.", 8, 30)
    True
    >>> is_prose("Most Popular Articles", 8, 30)
    False
    >>> is_prose("Thanks for signing up!", 8, 30)
    False
    """
    n = word_count(text) if words is None else words  # a caller may have counted already
    return n >= long_words or (n >= min_words and ends_like_sentence(text))


def is_headline_like(text: str, max_words: int, words: int | None = None) -> bool:
    """Short and not ending like a sentence: a headline, label, name, date or menu item.

    >>> is_headline_like("Beware the Gift Card Scam", 20)
    True
    >>> is_headline_like("It was a good day.", 20)
    False
    """
    n = word_count(text) if words is None else words  # a caller may have counted already
    return 0 < n <= max_words and not ends_like_sentence(text.rstrip())


def title_case_share(text: str) -> float:
    """Share of letter-initial words that start with a capital (1.0 for ALL CAPS lines).

    >>> title_case_share("Beware the Gift Card Scam")
    0.8
    """
    words = [w for w in text.split() if _LETTER_WORD.match(w)]
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].isupper()) / len(words)


def normalise(text: str) -> str:
    """Comparison form of a line: NFKC, casefolded, inner whitespace collapsed.

    >>> normalise("  Share\\u00a0this  ARTICLE ")
    'share this article'
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
