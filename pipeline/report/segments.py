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
from difflib import SequenceMatcher
from typing import Any

from pipeline.models import Edit, Removal

Segment = dict[str, Any]

# Kinds sort title first, then kept text, then removals when spans start at the same offset
# (only possible for zero-width spans); the order is fixed so output bytes are stable.
_KIND_ORDER = {"t": 0, "p": 1, "r": 2}


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
    sm = SequenceMatcher(None, before, after, autojunk=False)
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            out.append(["=", before[a0:a1]])
            continue
        if a1 > a0:
            out.append(["-", before[a0:a1]])
        if b1 > b0:
            out.append(["+", after[b0:b1]])
    return out


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
