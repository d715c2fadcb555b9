"""A large corpus's report written straight through the real ReportWriter (no pipeline run):
every status, duplicate clusters, removals by several rules, encoding fixes, review flags,
article fields on some documents, and article-sized text, deterministic for a given size."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from pipeline.models import Doc, Edit, Line, Removal
from pipeline.report.html import ReportWriter

WORDS = ("the council said budget minister river school market police election court weather city "
         "report health water energy plan local people year week government company workers").split()
RULES = [("boilerplate", "trailer.you-may-also-like@1", "You may also like"),
         ("boilerplate", "promo.also-read@1", "Also Read: {w} {w} {w}"),
         ("boilerplate", "social.share@2", "Share this article on Facebook"),
         ("boilerplate", "byline.photo-credit@1", "Photo: {w} {w}/Reuters"),
         ("repeats", "repeated-block", "{w} {w} {w} {w} {w} {w} {w}.")]


def synthetic_doc(i: int, rnd: random.Random) -> tuple[Doc, dict[str, Any]]:
    doc_id = f"site{i % 37:02d}/{i:06d}"
    lines: list[Line] = []
    removed: list[Removal] = []
    edits: list[Edit] = []
    pos = 0
    title = f"Story {i}: the {rnd.choice(WORDS)} {rnd.choice(WORDS)}"
    title_span = (0, len(title))
    pos = len(title) + 2
    for p in range(rnd.randint(4, 12)):
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(20, 70))).capitalize() + "."
        if i % 1000 == 123 and p == 2:  # a word only in the kept text of these documents
            text += " The Zebrafish study."
        if i % 11 == 0 and p == 1:  # a repaired line
            before = text.replace("the ", "the\u00a0", 2) + " CafÃ©"
            text = text + " Café"
            edits.append(Edit("encoding", "fix_mojibake", pos, pos + len(before), before, text))
        lines.append(Line(text, pos, pos + len(text)))
        lines.append(Line("", pos + len(text) + 1, pos + len(text) + 1))
        pos += len(text) + 2
    for k in range(max(rnd.choice((0, 0, 1, 2, 3)), 1 if i % 1500 == 77 else 0)):
        stage, rule, pattern = RULES[(i + k) % len(RULES)]
        text = pattern.format(w=rnd.choice(WORDS)) if "{w}" not in pattern else \
            pattern.replace("{w}", "{}").format(*(rnd.choice(WORDS) for _ in range(pattern.count("{w}"))))
        if i % 1500 == 77 and k == 0:  # and one only in removed text
            text += " Giraffe"
        removed.append(Removal(stage, rule, text, pos, pos + len(text),
                               {"repeats": [0, 10]} if stage == "repeats" else None))
        pos += len(text) + 1
    flags = ["review:boilerplate-share"] if i % 50 == 7 else ["review:low-decode-confidence"] if i % 97 == 3 else []
    doc = Doc(id=doc_id, source=f"{doc_id}.txt", sha256="0" * 64, size=pos, lines=lines, title=title,
              title_span=title_span, removed=removed, edits=edits, flags=flags)
    row: dict[str, Any] = {"id": doc_id, "source": doc.source, "status": "kept"}
    if i % 25 == 24:
        row.update(status="rejected", reason="empty: no text after cleaning")
    elif i % 20 == 5 and i > 20:
        of = f"site{(i - 5) % 37:02d}/{i - 5:06d}"
        row.update(status="duplicate", reason="near-duplicate", duplicate_of=of,
                   similarity={"jaccard": 0.91, "containment": 0.97})
    if flags:
        row["flags"] = flags
    if i % 3 == 0:  # article fields, as the structure stage gives them
        row.update(authors=[f"Ann Writer{i % 13}", "Bo Reporter"], credit="Reuters" if i % 2 else None,
                   published=f"20{20 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                   updated=f"2026-01-{1 + i % 28:02d}T10:00:00+01:00" if i % 9 == 0 else None)
    return doc, row


def write_report(out: Path, n: int, seed: int = 14) -> dict[str, Any]:
    """report.html and report/ for `n` synthetic documents, in `out`; returns the manifest."""
    rnd = random.Random(seed)
    writer = ReportWriter(out / "report.html")
    counts = {"kept": 0, "duplicate": 0, "rejected": 0}
    removals: dict[str, dict[str, int]] = {}
    flags: dict[str, int] = {}
    for i in range(n):
        doc, row = synthetic_doc(i, rnd)
        writer.add(doc, row)
        counts[row["status"]] += 1
        for r in doc.removed:
            removals.setdefault(r.stage, {}).setdefault(r.rule, 0)
            removals[r.stage][r.rule] += 1
        for f in doc.flags:
            flags[f] = flags.get(f, 0) + 1
    manifest = {"schema_version": 1, "run_key": "synthetic", "counts": {"documents": n, **counts},
                "removals": removals, "rejections": {"empty": counts["rejected"]}, "flags": flags}
    writer.finish(manifest)
    return manifest
