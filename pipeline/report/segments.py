"""An article in reading order with what was removed put back in place, for people to review.

The canonical text alone cannot show where a removal sat, so the view is rebuilt from offsets
into the decoded input: every kept paragraph, the title and every removal carries its span,
and sorting by span start restores the original order. Encoding and whitespace repairs are
shown as a character diff of the line they changed, so a reviewer sees exactly which
characters the fix took out and what it put in.

Segments are plain dicts (JSON-ready, embedded as-is in report.html):
  {"k": "t"|"p"|"r", "text": str, "start": int, "end": int, ...}
  t = title, p = kept paragraph, r = removed line (with "stage", "rule", "detail"?);
  a t/p segment changed in place has "edit": {"stage", "rule", "diff": [[op, text], ...]}
  with op "=" (unchanged), "-" (taken out) or "+" (put in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import Match, SequenceMatcher
from typing import Any

import numpy as np

from pipeline.models import Edit, Removal

Segment = dict[str, Any]

# Kinds sort title first, then kept text, then removals when spans start at the same offset
# (only possible for zero-width spans); the order is fixed so output bytes are stable.
_KIND_ORDER = {"t": 0, "p": 1, "r": 2}
# The shortest `a` worth building _FastMatcher's pair table for (measured: below it the
# table costs more than the str.find calls it saves).
_GRAM_MIN = 48


def char_diff(before: str, after: str) -> list[list[str]]:
    """Character-level diff as [op, text] pieces: '=' kept, '-' taken out, '+' put in.

    >>> char_diff("procurement .", "procurement.")
    [['=', 'procurement'], ['-', ' '], ['=', '.']]
    >>> char_diff("AT&amp;T", "AT&T")
    [['=', 'AT&'], ['-', 'amp;'], ['=', 'T']]
    >>> char_diff("a\\u00a0\\u00a0b", "a b")
    [['=', 'a'], ['-', '\\xa0\\xa0'], ['+', ' '], ['=', 'b']]
    """
    out: list[list[str]] = []
    # autojunk off: with it, frequent characters (spaces) in long lines are ignored and the
    # diff degrades to "whole line replaced".
    sm = _FastMatcher(None, before, after, autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            out.append(["=", before[a0:a1]])
            continue
        if a1 > a0:
            out.append(["-", before[a0:a1]])
        if b1 > b0:
            out.append(["+", after[b0:b1]])
    return out


class _FastMatcher(SequenceMatcher):
    """SequenceMatcher with the same answers for this use (no junk, autojunk off), found by
    substring search instead of difflib's per-character table.

    difflib's find_longest_match walks every position of `b` holding each character of `a`:
    quadratic in Python on a long line full of spaces, and most of the corpus writer's time
    on a batch with mojibake. Without junk its answer is the longest common block, the one
    starting first in `a`, then first in `b`; growing the best length one character at a time
    while scanning `a` and asking `str.find` for each candidate finds exactly that block
    (tests/report/test_segments.py compares both on real and random lines).
    """

    def _SequenceMatcher__chain_b(self) -> None:  # noqa: N802 - replaces difflib's private table builder
        # The character table is only read by find_longest_match (replaced below) and by
        # ratio helpers this module does not call; building it was a cost of its own.
        self.b2j, self.bjunk, self.bpopular = {}, set(), set()
        self._reach_table: list[int] | None = None  # _reach(), built on first use

    def set_seq1(self, a: Any) -> None:
        super().set_seq1(a)
        self._reach_table = None

    def _reach(self) -> list[int]:
        """For each position i of `a`, a bound on the length of any block of `a` starting at
        i that also occurs in `b` (never below 1, so it never rules out a single character).

        A block of length L >= 2 starting at i holds the character pairs starting at
        i..i+L-2, so all of them occur in b: the first pair from i on that occurs nowhere in
        b, at m, bounds L by m - i + 1. The scan below skips every i whose bound does not
        beat the best block so far instead of asking `str.find` there, so the answers stay
        exactly the same while the stretch before each repair (a repair leaves pairs that
        occur nowhere in the other line: "â€", " .", "&a"), or a whole line whose repair left
        almost no pairs in common (mojibake of Cyrillic text), costs a list lookup per
        position. Pairs are compared as exact numbers (21 bits per code point); longer
        grams (hashed 6-grams, exact 3-grams) were measured too: tighter bounds, but their
        tables cost more than they saved.
        """
        a, b = self.a, self.b
        n = len(a)
        if n < _GRAM_MIN or len(b) < 2:
            return [n - i for i in range(n)]  # too short to pay for the table: the trivial bound
        ca = np.frombuffer(a.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        cb = np.frombuffer(b.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        pa = (ca[:-1] << 21) | ca[1:]
        pb = np.sort((cb[:-1] << 21) | cb[1:])
        pos = np.arange(n, dtype=np.int64)
        miss = np.where(pb[np.minimum(np.searchsorted(pb, pa), len(pb) - 1)] == pa, n, pos[:-1])
        reach = n - pos  # the last character: a block of one at most
        reach[:-1] = np.minimum(reach[:-1], np.minimum.accumulate(miss[::-1])[::-1] - pos[:-1] + 1)
        return reach.tolist()

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0,
                           bhi: int | None = None) -> Match:
        a, b = self.a, self.b
        ahi = len(a) if ahi is None else ahi
        bhi = len(b) if bhi is None else bhi
        best, besti = 0, alo
        find = b.find
        longest = min(ahi - alo, bhi - blo)
        reach = self._reach_table
        if reach is None:
            reach = self._reach_table = self._reach()
        for i in range(alo, ahi):
            if i + best >= ahi or best >= longest:
                break  # no longer block can start here or later
            if reach[i] <= best:
                continue
            if find(a[i:i + best + 1], blo, bhi) < 0:
                continue
            # A longer block starts at i: its length, by galloping then bisecting (a block's
            # prefixes occur wherever it does, so "occurs" is monotone in the length).
            ok, step, top = best + 1, 1, min(ahi - i, longest, reach[i])
            while ok < top:
                probe = min(ok + step, top)
                if find(a[i:i + probe], blo, bhi) < 0:
                    top = probe - 1
                    break
                ok, step = probe, step * 2
            while ok < top:
                mid = (ok + top + 1) // 2
                if find(a[i:i + mid], blo, bhi) >= 0:
                    ok = mid
                else:
                    top = mid - 1
            best, besti = ok, i
        if not best:
            return Match(alo, blo, 0)
        return Match(besti, find(a[besti:besti + best], blo, bhi), best)


def reason_label(stage: str, rule: str) -> str:
    """What a reviewer reads beside removed text.

    >>> reason_label("boilerplate", "trailer.you-may-also-like@1")
    'boilerplate rule trailer.you-may-also-like@1'
    >>> reason_label("repeats", "repeated-block")
    'repeated block'
    >>> reason_label("encoding", "unescape_html")
    'encoding fix unescape_html'
    """
    if stage == "boilerplate":
        return f"boilerplate rule {rule}"
    if stage == "repeats":
        return "repeated block" if rule == "repeated-block" else f"repeated block ({rule})"
    if stage == "encoding":
        return f"encoding fix {rule}"
    return f"{stage} {rule}"


def build_view(paragraphs: Iterable[tuple[str, int, int]], removed: Iterable[Removal], edits: Iterable[Edit],
               title: str | None = None, title_span: Sequence[int] | None = None) -> list[Segment]:
    """Merge kept paragraphs, the title and removals into one list in input order.

    Edits are matched to the kept line whose span they cover (edits are recorded per line);
    an edit on a line that was later removed is not shown twice: the removal already shows
    that text.

    >>> from pipeline.models import Removal
    >>> v = build_view([("Body.", 10, 15)], [Removal("boilerplate", "promo@1", "Also Read: x", 16, 28)],
    ...                [], "Head", (0, 4))
    >>> [(s["k"], s["text"]) for s in v]
    [('t', 'Head'), ('p', 'Body.'), ('r', 'Also Read: x')]
    """
    by_span = {(e.start, e.end): e for e in edits}
    out: list[Segment] = []

    def kept(kind: str, text: str, start: int, end: int) -> Segment:
        seg: Segment = {"k": kind, "text": text, "start": start, "end": end}
        e = by_span.get((start, end))
        if e is not None and e.after.strip() == text:
            seg["edit"] = {"stage": e.stage, "rule": e.rule, "diff": char_diff(e.before, e.after)}
        return seg

    if title is not None and title_span is not None:
        out.append(kept("t", title, int(title_span[0]), int(title_span[1])))
    for text, start, end in paragraphs:
        out.append(kept("p", text, start, end))
    for r in removed:
        seg = {"k": "r", "text": r.text, "start": r.start, "end": r.end, "stage": r.stage, "rule": r.rule}
        if r.detail:
            seg["detail"] = r.detail
        out.append(seg)
    out.sort(key=lambda s: (s["start"], _KIND_ORDER[s["k"]], s["end"], s.get("rule", "")))
    return out


def view_without_spans(text: str, removed: Iterable[Removal], title: str | None = None) -> list[Segment]:
    """Fallback for a corpus written before paragraph spans were recorded: kept text first,
    then every removal in input order, since their relative positions cannot be known."""
    out: list[Segment] = []
    if title is not None:
        out.append({"k": "t", "text": title, "start": -1, "end": -1})
    out += [{"k": "p", "text": p, "start": -1, "end": -1} for p in text.split("\n\n") if p]
    for r in sorted(removed, key=lambda r: (r.start, r.end)):
        seg = {"k": "r", "text": r.text, "start": r.start, "end": r.end, "stage": r.stage, "rule": r.rule}
        if r.detail:
            seg["detail"] = r.detail
        out.append(seg)
    return out
