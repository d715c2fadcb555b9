"""What happens to a document, stage by stage, kept apart from where it runs (tasks.py).

Each stage is a pure function Doc -> Doc built on the stage modules, plus the configuration
sections it reads; tasks.py chains them through Luigi and fingerprints each stage by those
sections, so a changed setting re-runs the stage that reads it and everything after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.clean.boilerplate import strip_boilerplate
from pipeline.clean.decode import UndecodableError, decode_bytes
from pipeline.clean.encoding import fix_encoding
from pipeline.clean.title import extract_title
from pipeline.config import Config
from pipeline.dedup.repeats import collapse_repeats
from pipeline.models import KEPT, REJECTED, Doc, Removal, split_lines


def reject(doc: Doc, reason: str) -> Doc:
    doc.status, doc.reason, doc.lines = REJECTED, reason, []
    return doc


def decode(doc: Doc, raw: bytes, cfg: Config) -> Doc:
    """Decode raw bytes into lines; unusable input is rejected with a reason, never dropped."""
    if len(raw) > cfg.run.max_document_bytes:
        return reject(doc, f"too-large: {len(raw)} bytes > run.max_document_bytes")
    try:
        decoded = decode_bytes(raw)
    except UndecodableError as exc:
        return reject(doc, f"undecodable: {exc}")
    if "\x00" in decoded.text:
        return reject(doc, "binary: contains NUL characters")
    doc.encoding = {"encoding": decoded.encoding, "confidence": decoded.confidence, "bom": decoded.bom}
    if decoded.confidence < cfg.decode.min_confidence:
        doc.flags.append("review:low-decode-confidence")
    doc.lines = split_lines(decoded.text)
    if not any(ln.text.strip() for ln in doc.lines):
        return reject(doc, "empty: no text")
    return doc


def encoding(doc: Doc, cfg: Config) -> Doc:
    doc.lines, edits = fix_encoding(doc.lines, cfg.encoding)
    doc.edits.extend(edits)
    return doc


def boilerplate(doc: Doc, cfg: Config) -> Doc:
    kept, removals = strip_boilerplate(doc.lines, cfg.boilerplate)
    total = sum(len(ln.text) for ln in doc.lines if not ln.blank)
    gone = sum(len(r.text) for r in removals)
    if removals and not any(not ln.blank for ln in kept):
        doc.removed.extend(removals)
        return reject(doc, "only-boilerplate: every paragraph matched a boilerplate rule")
    if total and gone / total > cfg.boilerplate.max_removed_share:
        doc.flags.append("review:boilerplate-share")
    else:
        doc.lines = kept
        doc.removed.extend(removals)
    doc.lines, title = extract_title(doc.lines, cfg.title)
    if title is not None:
        doc.title, doc.title_span = title.text, (title.start, title.end)
    return doc


def repeats(doc: Doc, cfg: Config) -> Doc:
    doc.lines, removals = collapse_repeats(doc.lines, cfg.repeats)
    doc.removed.extend(removals)
    return doc


@dataclass(frozen=True)
class Stage:
    name: str
    sections: tuple[str, ...]
    apply: Callable[[Doc, Config], Doc]


# Order matters: junk removal precedes repeat detection so a repeated trailer is logged as
# boilerplate, and repeats are found on repaired text so mojibake cannot hide a copy.
STAGES: tuple[Stage, ...] = (
    Stage("encoding", ("encoding",), encoding),
    Stage("boilerplate", ("boilerplate", "title"), boilerplate),
    Stage("repeats", ("repeats",), repeats),
)


def run_stage(stage: Stage, doc: Doc, cfg: Config) -> Doc:
    """Apply one stage to a kept document; a crash in one document rejects it, not the batch."""
    if doc.status != KEPT:
        return doc
    try:
        return stage.apply(doc, cfg)
    except Exception as exc:  # noqa: BLE001 - a bad document must never stop a batch
        return reject(doc, f"error in {stage.name}: {type(exc).__name__}: {exc}")


def clean_document(doc: Doc, raw: bytes, cfg: Config) -> Doc:
    """All per-document stages in one call (what `explain` and the tests use)."""
    doc = decode(doc, raw, cfg)
    for stage in STAGES:
        doc = run_stage(stage, doc, cfg)
    return doc


def removal_log(doc: Doc) -> list[Removal]:
    return sorted(doc.removed, key=lambda r: (r.start, r.end, r.stage))
