"""Whitespace normalisation after encoding repair.

Space variants become one plain space, invisible characters go, runs collapse, and a space
that a scraper put before punctuation is taken back out.
"""

from __future__ import annotations

import re

# No-break, figure, thin, ideographic and other space variants; all mean "a space" in prose.
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\x0b\x0c]")
# Zero-width space/joiners, word joiner, soft hyphen, BOM: invisible, never part of the words.
# ZWJ/ZWNJ (U+200C/D) are kept: they shape Persian, Indic scripts and emoji sequences.
_INVISIBLE = re.compile("[\u200b\u2060\u00ad\ufeff\u180e]")
_RUNS = re.compile(" {2,}")
# A space before , . ; : ! ? that follows a word character and precedes a space/end is a
# scraping artifact ("procurement ."). Not before "..." (an ellipsis), not inside numbers.
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[\w\"'”’)\]]) +([,.;:!?])(?=\s|$|[\"'”’)\]])(?!\.\.)")


def normalize_line(line: str, french: bool = False) -> str:
    """Normalise the whitespace of one line.

    >>> normalize_line("INVC NEWS\u00a0\u00a0Washington")
    'INVC NEWS Washington'
    >>> normalize_line("strategic defense procurement .")
    'strategic defense procurement.'
    >>> normalize_line("so\u00adft zero\u200bwidth")
    'soft zerowidth'
    >>> normalize_line("Wait ... what")
    'Wait ... what'
    >>> normalize_line("Il a dit : « oui » !", french=True)
    'Il a dit : « oui » !'
    """
    line = _INVISIBLE.sub("", line)
    line = _SPACES.sub(" ", line)
    line = _RUNS.sub(" ", line).strip()
    if not french:
        line = _SPACE_BEFORE_PUNCT.sub(r"\1", line)
    return line
