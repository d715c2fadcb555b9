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

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from pipeline.models import Edit, Removal

Segment = dict[str, Any]

# Kinds sort title first, then kept text, then removals when spans start at the same offset
# (only possible for zero-width spans); the order is fixed so output bytes are stable.
_KIND_ORDER = {"t": 0, "p": 1, "r": 2}
# Beyond this many pairs to look up, one hashed table of the other line's pairs is cheaper
# than a substring search per pair (measured on the 10k bench corpus's repairs).
_LOOKUP_MAX = 64
# The hashed pair table of _pair_stops: 2**16 slots, so a line's few hundred pairs rarely share one.
_PAIR_SLOTS = 1 << 16
_PAIR_MASK = np.uint32(_PAIR_SLOTS - 1)
_PAIR_MUL = np.uint32(40503)
# The character diff's work budget, in characters scanned by substring searches: a fixed
# allowance plus this many per character of the two lines. A repaired line (a few spots)
# costs a small fraction of it; a line rewritten throughout (mojibake in every word) would
# cost time quadratic in its length, and is shown instead as one marked replacement.
# Lines longer than DIFF_MAX_CHARS (both sides together) go to the marked view directly.
DIFF_WORK_BASE = 1_000_000
DIFF_WORK_PER_CHAR = 16
DIFF_MAX_CHARS = 200_000
# In that marked replacement, how much of the replaced text is kept (the rest is counted).
COARSE_SHOWN = 2_000


class DiffTooLarge(Exception):
    """The character diff would exceed its work budget."""


def diff_budget(before: str, after: str) -> int:
    """Work allowed for the character diff of `before` and `after` (linear in their length)."""
    return DIFF_WORK_BASE + DIFF_WORK_PER_CHAR * (len(before) + len(after))


def bounded_char_diff(before: str, after: str) -> tuple[list[list[str]], dict[str, int]]:
    """`char_diff` within `diff_budget`, else a coarse diff in linear time: the common
    prefix and suffix kept, the middle shown as one replacement whose taken-out part is cut
    to COARSE_SHOWN characters. The second value is empty for an exact diff; for a coarse
    one it says so and how many characters of the taken-out part were left out, so the
    reader can mark it ("diff too large").

    >>> bounded_char_diff("AT&amp;T", "AT&T")
    ([['=', 'AT&'], ['-', 'amp;'], ['=', 'T']], {})
    >>> diff, info = bounded_char_diff("CafÃ© " * 40_000, "Café " * 40_000)
    >>> info["coarse"], info["cut"], diff[0], diff[1][0], len(diff[1][1]), diff[2][0]
    (1, 237996, ['=', 'Caf'], '-', 2000, '+')
    """
    if len(before) + len(after) <= DIFF_MAX_CHARS:
        try:
            return char_diff(before, after, diff_budget(before, after)), {}
        except DiffTooLarge:
            pass
    pre, suf = _affixes(before, after)
    mid_a, mid_b = before[pre:len(before) - suf], after[pre:len(after) - suf]
    out: list[list[str]] = [["=", before[:pre]]] if pre else []
    if mid_a:
        out.append(["-", mid_a[:COARSE_SHOWN]])
    if mid_b:
        out.append(["+", mid_b])
    if suf:
        out.append(["=", before[len(before) - suf:]])
    return out, {"coarse": 1, "cut": max(0, len(mid_a) - COARSE_SHOWN)}


def char_diff(before: str, after: str, budget: int | None = None) -> list[list[str]]:
    """Character-level diff as [op, text] pieces: '=' kept, '-' taken out, '+' put in.

    The pieces are those of difflib's SequenceMatcher(None, before, after, autojunk=False)
    opcodes (tests/report/test_segments.py compares both); autojunk off because with it,
    frequent characters (spaces) in long lines are ignored and the diff degrades to "whole
    line replaced". With a `budget` (characters scanned), raises DiffTooLarge beyond it.

    >>> char_diff("procurement .", "procurement.")
    [['=', 'procurement'], ['-', ' '], ['=', '.']]
    >>> char_diff("AT&amp;T", "AT&T")
    [['=', 'AT&'], ['-', 'amp;'], ['=', 'T']]
    >>> char_diff("a\u00a0\u00a0b", "a b")
    [['=', 'a'], ['-', '\xa0\xa0'], ['+', ' '], ['=', 'b']]
    """
    out: list[list[str]] = []
    i = j = 0
    for ai, bj, size in matching_blocks(before, after, budget):
        if i < ai:
            out.append(["-", before[i:ai]])
        if j < bj:
            out.append(["+", after[j:bj]])
        if size:
            out.append(["=", before[ai:ai + size]])
        i, j = ai + size, bj + size
    return out


def matching_blocks(a: str, b: str, budget: int | None = None) -> list[tuple[int, int, int]]:
    """difflib's `SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`, as plain
    tuples: the longest common block, then the same again left and right of it, adjacent
    blocks merged, ending with (len(a), len(b), 0).

    Computed here rather than by difflib because difflib's find_longest_match walks every
    position of `b` holding each character of `a`: quadratic in Python on a long line full of
    spaces, and most of the report's time on a batch with repairs. Without junk its answer
    is fully defined (longest block, then first in `a`, then first in `b`), so any method
    finding that block gives the same diff; _longest_match finds it by substring search.

    Work is counted as the characters each substring search may scan (the length of the
    range of `b` it searches) plus the length of each range of `a` scanned; past `budget`
    (None: no limit) DiffTooLarge is raised. Each range's search is cheap, but a line that
    differs everywhere splits into as many ranges as it has differences, each scanned.

    >>> matching_blocks("abxcd", "abcd")
    [(0, 0, 2), (3, 2, 2), (5, 4, 0)]
    """
    pre, suf = _affixes(a, b)
    runs = _runs(_pair_stops(a, b, pre, suf))
    shared = (pre, len(a) - suf, len(b) - len(a))
    blocks: list[tuple[int, int, int]] = []
    queue = [(0, len(a), 0, len(b))]
    left = budget if budget is not None else -1
    while queue:  # difflib's order, so equally long blocks resolve the same way
        alo, ahi, blo, bhi = queue.pop()
        i, j, k, finds = _longest_match(a, b, runs, shared, alo, ahi, blo, bhi)
        x = (i, j, k)
        if budget is not None:
            left -= (ahi - alo) + finds * (bhi - blo + 1)
            if left < 0:
                raise DiffTooLarge(f"character diff over its budget of {budget}")
        if k:
            blocks.append(x)
            if alo < i and blo < j:
                queue.append((alo, i, blo, j))
            if i + k < ahi and j + k < bhi:
                queue.append((i + k, ahi, j + k, bhi))
    blocks.sort()
    merged: list[tuple[int, int, int]] = []
    i1 = j1 = k1 = 0
    for i2, j2, k2 in blocks:
        if i1 + k1 == i2 and j1 + k1 == j2:
            k1 += k2
        else:
            if k1:
                merged.append((i1, j1, k1))
            i1, j1, k1 = i2, j2, k2
    if k1:
        merged.append((i1, j1, k1))
    merged.append((len(a), len(b), 0))
    return merged


def _affixes(a: str, b: str) -> tuple[int, int]:
    """Lengths of the longest common prefix and, in what is left, suffix of `a` and `b`.

    >>> _affixes("procurement .", "procurement."), _affixes("aXa", "aa"), _affixes("ab", "ab")
    ((11, 1), (1, 1), (2, 0))
    """
    lim = min(len(a), len(b))
    pre = _common_prefix(a, b, lim)
    return pre, _common_suffix(a, b, lim - pre)


def _pair_stops(a: str, b: str, pre: int, suf: int) -> list[int]:
    """Sorted positions k of `a` whose character pair a[k:k+2] occurs nowhere in `b`, then
    len(a) - 1 (the last character starts no pair). Leaving such a position out only makes
    the scan search more, so the list may miss some; it never holds a pair that occurs.

    They bound the blocks the scan must try: a block of length L >= 2 starting at i holds
    the pairs starting at i..i+L-2, all of which occur in `b`, so the first stop s at or
    after i bounds L by s - i + 1 (and the last character, a block of one at most). A
    repair leaves pairs that occur nowhere in the other line ("â€", " .", "&a"), so the
    scan skips the stretch before each repair with one comparison instead of a substring
    search per position.

    Only pairs touching the changed middle of `a` need looking up: a pair inside the common
    prefix or suffix of `a` and `b` (`pre` and `suf` long, from _affixes) occurs in `b` at
    the same place, and a repaired line differs from its original in a few spots, so this is
    a handful of lookups, not one per character.

    >>> _pair_stops("procurement .", "procurement.", 11, 1)
    [10, 11, 12]
    >>> _pair_stops("", "x", 0, 0), _pair_stops("ab", "", 0, 0)
    ([], [0, 1])
    """
    n = len(a)
    if n == 0:
        return []
    lo, hi = max(pre - 1, 0), min(n - suf, n - 1)  # the pairs starting in [lo, hi) are looked up
    if hi - lo <= _LOOKUP_MAX:
        stops = [k for k in range(lo, hi) if a[k:k + 2] not in b]
    else:  # a long stretch (a whole-line repair): all pairs at once, through a hashed table
        # of b's pairs. Two pairs sharing a slot only make a stop go missing, which loosens
        # the bound (one more search), never the answer; a sort-based exact table cost twice this.
        ca = np.frombuffer(a[lo:hi + 1].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cb = np.frombuffer(b.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        seen = np.zeros(_PAIR_SLOTS, dtype=bool)
        seen[(cb[:-1] * _PAIR_MUL + cb[1:]) & _PAIR_MASK] = True
        stops = (np.flatnonzero(~seen[(ca[:-1] * _PAIR_MUL + ca[1:]) & _PAIR_MASK]) + lo).tolist()
    stops.append(n - 1)
    return stops


def _common_prefix(a: str, b: str, lim: int) -> int:
    """Length of the longest common prefix of `a` and `b`, at most `lim`, by bisection over
    slice comparisons (each a memory compare, not a loop over characters)."""
    if a[:lim] == b[:lim]:
        return lim
    lo, hi = 0, lim  # a[:lo] == b[:lo], a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _common_suffix(a: str, b: str, lim: int) -> int:
    """Length of the longest common suffix of `a` and `b`, at most `lim`."""
    n, m = len(a), len(b)
    if a[n - lim:] == b[m - lim:]:
        return lim
    lo, hi = 0, lim  # the last lo characters agree, the last hi do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[n - mid:n - lo] == b[m - mid:m - lo]:
            lo = mid
        else:
            hi = mid
    return lo


def _runs(stops: list[int]) -> tuple[list[int], list[int]]:
    """The stretches where a block longer than one character can start, as parallel lists of
    first positions and of the stops that end them: position i in a stretch (first, stop)
    starts blocks of at most stop - i + 1 characters; a position outside every stretch is a
    stop right after a stop (or at 0) and starts blocks of one character at most.

    >>> _runs([10, 11, 12])
    ([0], [10])
    >>> _runs([0, 3, 4, 9])
    ([1, 5], [3, 9])
    """
    firsts: list[int] = []
    ends: list[int] = []
    prev = -1
    for stop in stops:
        if stop > prev + 1:
            firsts.append(prev + 1)
            ends.append(stop)
        prev = stop
    return firsts, ends


def _longest_match(a: str, b: str, runs: tuple[list[int], list[int]], shared: tuple[int, int, int],
                   alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int, int]:
    """The longest block a[i:i+k] == b[j:j+k] within the ranges, first in `a`, then first in
    `b` (difflib's find_longest_match without junk); (alo, blo, 0) if there is none. The
    fourth value bounds the number of substring searches made (for the work budget).

    Scans `a` growing the best length one character at a time: the first character that
    occurs in `b` starts the first block; after that, a position is worth a `str.find` only
    if a block longer than the best so far can start there, which the stretches of _runs
    rule out for whole stretches at once (and for the positions between stretches, which
    start blocks of one character at most). `shared` is (prefix length, suffix start in
    `a`, len(b) - len(a)): inside the common prefix and suffix, how long a block occurs in
    `b` is known without searching, so a line repaired in one spot costs a few searches.
    """
    find = b.find
    longest = min(ahi - alo, bhi - blo)
    if longest <= 0:
        return alo, blo, 0, 0
    i = alo
    while i < ahi and find(a[i], blo, bhi) < 0:
        i += 1
    finds = i - alo + 1
    if i >= ahi:
        return alo, blo, 0, finds
    firsts, ends = runs
    r = bisect_left(ends, i)  # the first stretch that ends at or after i
    top = min(ahi - i, longest, ends[r] - i + 1 if r < len(ends) and firsts[r] <= i else 1)
    known = _known(i, shared, len(a), blo, bhi)
    (best, grown), besti = _grow(a, find, i, max(1, min(known, top)), top, blo, bhi), i
    finds += grown
    i += 1
    nruns = len(ends)
    while r < nruns and i + best < ahi and best < longest:
        end = ends[r]
        if i < firsts[r]:
            i = firsts[r]
        if i + best > end:  # no position left in this stretch can start a longer block
            r += 1
            continue
        if i + best >= ahi:
            break
        known = _known(i, shared, len(a), blo, bhi)
        finds += 1
        if known > best or find(a[i:i + best + 1], blo, bhi) >= 0:
            top = min(ahi - i, longest, end - i + 1)
            (best, grown), besti = _grow(a, find, i, max(best + 1, min(known, top)), top, blo, bhi), i
            finds += grown
        i += 1
    return besti, find(a[besti:besti + best], blo, bhi), best, finds + 1


def _known(i: int, shared: tuple[int, int, int], alen: int, blo: int, bhi: int) -> int:
    """How many characters of `a` from i occur in b[blo:bhi] without searching: inside the
    common prefix at the same position, inside the common suffix shifted by len(b) - len(a);
    0 elsewhere. `shared` as for _longest_match.

    >>> _known(2, (5, 9, 0), 12, 0, 12), _known(10, (5, 9, 0), 12, 0, 12), _known(6, (5, 9, 0), 12, 0, 12)
    (3, 2, 0)
    """
    pre, sufa, d = shared
    if i < pre and blo <= i:
        return min(pre, bhi) - i
    if i >= sufa and i + d >= blo:
        return min(alen, bhi - d) - i
    return 0


def _grow(a: str, find: Callable[[str, int, int], int], i: int, ok: int, top: int, blo: int,
          bhi: int) -> tuple[int, int]:
    """The length of the longest block of `a` starting at i that occurs in b[blo:bhi], given
    that `ok` characters do and at most `top` can: `top` itself first (between two repairs
    the pair stops bound a block exactly, so that one search is usually the answer), then
    galloping and bisecting (a block's prefixes occur wherever it does, so "occurs" is
    monotone in the length). Returns the length and the number of searches made."""
    n = 0
    if ok < top:
        n += 1
        if find(a[i:i + top], blo, bhi) >= 0:
            return top, n
        top -= 1
    step = 1
    while ok < top:
        probe = min(ok + step, top)
        n += 1
        if find(a[i:i + probe], blo, bhi) < 0:
            top = probe - 1
            break
        ok, step = probe, step * 2
    while ok < top:
        mid = (ok + top + 1) // 2
        n += 1
        if find(a[i:i + mid], blo, bhi) >= 0:
            ok = mid
        else:
            top = mid - 1
    return ok, n


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
    # Each segment beside its sort key, sorted with a C key function: this runs for every
    # paragraph of every document.
    keyed: list[tuple[tuple[int, int, int, str], Segment]] = []
    if title is not None and title_span is not None:
        start, end = int(title_span[0]), int(title_span[1])
        keyed.append(((start, _KIND_ORDER["t"], end, ""), _kept("t", title, start, end, by_span)))
    p_order = _KIND_ORDER["p"]
    for text, start, end in paragraphs:
        if by_span:
            seg = _kept("p", text, start, end, by_span)
        else:
            seg = {"k": "p", "text": text, "start": start, "end": end}
        keyed.append(((start, p_order, end, ""), seg))
    r_order = _KIND_ORDER["r"]
    # The structure stage logs the title's line as a removal too (its provenance); the "t"
    # segment already shows that line in place.
    title_at = (int(title_span[0]), int(title_span[1])) if title is not None and title_span is not None else None
    for r in removed:
        if title_at is not None and r.stage == "structure" and (r.start, r.end) == title_at:
            continue
        seg = {"k": "r", "text": r.text, "start": r.start, "end": r.end, "stage": r.stage, "rule": r.rule}
        if r.detail:
            seg["detail"] = r.detail
        keyed.append(((r.start, r_order, r.end, r.rule), seg))
    keyed.sort(key=itemgetter(0))
    return [seg for _, seg in keyed]


def _kept(kind: str, text: str, start: int, end: int, by_span: dict[tuple[int, int], Edit]) -> Segment:
    """A title or kept paragraph, with the character diff of the edit recorded on its line."""
    seg: Segment = {"k": kind, "text": text, "start": start, "end": end}
    e = by_span.get((start, end))
    if e is not None and e.after.strip() == text:
        diff, info = bounded_char_diff(e.before, e.after)
        seg["edit"] = {"stage": e.stage, "rule": e.rule, "diff": diff, **info}
    return seg


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
