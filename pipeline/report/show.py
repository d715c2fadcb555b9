"""`newsclean show ID`: one article as text, with what was removed put back in place and marked.

In a terminal, removed text is coloured (struck through where the terminal supports it) and
labelled by why it went; piped or redirected, the same marks are plain text so they survive
`less`, `grep` and files: `[-(why) removed text-]` for a removed line, and inside a line that
an encoding fix changed, `[-taken out-]{+put in+}` (the wdiff convention).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from pipeline.reader import Article, Document
from pipeline.report.segments import Segment, reason_label

_RESET = "\x1b[0m"
_STYLE = {
    "head": "\x1b[1m",
    "label": "\x1b[1;97;41m",  # bold white on red
    "label-repeats": "\x1b[1;30;43m",  # black on yellow
    "label-encoding": "\x1b[1;97;45m",  # white on magenta
    "gone": "\x1b[2;9;31m",  # dim, struck through, red
    "gone-repeats": "\x1b[2;9;33m",
    "out": "\x1b[9;31m",
    "in": "\x1b[32m",
    "note": "\x1b[2m",
}


@dataclass(frozen=True)
class Marks:
    color: bool

    def style(self, name: str, text: str) -> str:
        return f"{_STYLE[name]}{text}{_RESET}" if self.color and text else text

    def removed(self, seg: Segment) -> str:
        label = reason_label(seg["stage"], seg["rule"])
        if seg.get("detail", {}).get("repeats"):
            s, e = seg["detail"]["repeats"]
            label += f", copy of @{s}-{e}"
        if "score" in seg.get("detail", {}):  # the line model's junk score
            label += f", junk score {seg['detail']['score']}"
        if not self.color:
            return f"[-({label}) {seg['text']}-]"
        suffix = "-repeats" if seg["stage"] == "repeats" else ""
        return self.style("label" + suffix, f" {label} ") + " " + self.style("gone" + suffix, seg["text"])

    def fixed(self, seg: Segment) -> str:
        edit = seg["edit"]
        parts = []
        for op, text in edit["diff"]:
            if op == "=":
                parts.append(text)
            elif op == "-":
                parts.append(self.style("out", visible(text)) if self.color else f"[-{visible(text)}-]")
            else:
                parts.append(self.style("in", visible(text)) if self.color else f"{{+{visible(text)}+}}")
        if edit.get("coarse"):
            # The character diff was over its work budget: one replacement, its taken-out part cut.
            cut = f", {edit['cut']} more characters taken out not shown" if edit.get("cut") else ""
            parts.append(self.style("note", f" (diff too large: shown as one replacement{cut})"))
        label = reason_label(edit["stage"], edit["rule"])
        tag = self.style("label-encoding", f" {label} ") if self.color else f"({label})"
        return f"{tag} {''.join(parts)}"


def visible(text: str) -> str:
    """Spell out characters a reader could not see (no-break and zero-width spaces, controls).

    >>> visible("a\\u00a0b\\u200bc d")
    'a<U+00A0>b<U+200B>c d'
    """
    return "".join(f"<U+{ord(c):04X}>" if c != " " and unicodedata.category(c) in ("Zs", "Cf", "Cc") else c
                   for c in text)


def render_article(art: Article, color: bool = False) -> str:
    m = Marks(color)
    head = [m.style("head", f"{art.id}  kept") + f"  ({art.source}, {art.record.get('chars', len(art.text))} chars)",
            _counts(art)]
    byline = [f"authors: {', '.join(art.authors)}" if art.authors else "",
              f"credit: {art.credit}" if art.credit else "",
              f"published: {art.published}" if art.published else "",
              f"updated: {art.updated}" if art.updated else ""]
    if any(byline):
        head.append("; ".join(b for b in byline if b))
    for d in art.duplicates:
        sim = d.similarity or {}
        head.append(f"duplicate: {d.id} ({d.reason}; jaccard {sim.get('jaccard')}, containment "
                    f"{sim.get('containment')})")
    return "\n".join(head) + "\n\n" + _body(art, m)


def _counts(art: Article) -> str:
    return (f"removed: {len(art.removed)} line(s); fixed in place: {len(art.edits)} line(s)"
            + (f"; flags: {', '.join(art.flags)}" if art.flags else ""))


def render_duplicate(doc: Document, own: Article | None, kept_hint: str, color: bool = False) -> str:
    """A duplicate: what it duplicates, how to see that, then its own text as the run cleaned
    it (`own`, from the run's work files; None when they are gone)."""
    m = Marks(color)
    sim = doc.similarity or {}
    head = [m.style("head", f"{doc.id}  duplicate") + f"  ({doc.source})",
            f"duplicate of: {doc.duplicate_of} ({doc.reason}; jaccard {sim.get('jaccard')}, containment "
            f"{sim.get('containment')})",
            f"the kept article: {kept_hint}"]
    if doc.flags:
        head.append(f"flags: {', '.join(doc.flags)}")
    if own is None:
        return "\n".join([*head, "(its own text is not available: the corpus's .work folder no longer holds "
                                 "the run's files; run the batch again to see it)"]) + "\n"
    return "\n".join([*head, _counts(own)]) + "\n\n" + _body(own, m)


def _body(art: Article, m: Marks) -> str:
    body = []
    for seg in art.view():
        if seg["k"] == "r":
            body.append(m.removed(seg))
        elif seg.get("edit"):
            body.append(("# " if seg["k"] == "t" else "") + m.fixed(seg))
        else:
            body.append(("# " + seg["text"]) if seg["k"] == "t" else seg["text"])
    if art.spans is None:
        body.append(m.style("note", "(spans.jsonl missing: removed lines are listed after the text, in input order)"))
    return "\n\n".join(body) + "\n"


def render_document(doc: Document) -> str:
    """A rejected document: what happened to it (it has no cleaned text)."""
    lines = [f"{doc.id}  {doc.status}  ({doc.source})"]
    if doc.reason:
        lines.append(f"reason: {doc.reason}")
    if doc.flags:
        lines.append(f"flags: {', '.join(doc.flags)}")
    return "\n".join(lines) + "\n"
