"""What happens to a document, stage by stage, kept apart from where it runs (tasks.py).

Each stage is a pure function Doc -> Doc built on the stage modules, plus the configuration
sections it reads; tasks.py chains them through Luigi and fingerprints each stage by those
sections, so a changed setting re-runs the stage that reads it and everything after.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from pipeline.clean.boilerplate import removed_shares, strip_to_fixpoint
from pipeline.clean.decode import UndecodableError, decode_bytes
from pipeline.clean.encoding import fix_encoding
from pipeline.clean.lineclass import is_prose, word_count
from pipeline.clean.linefreq import source_of
from pipeline.clean.structure import STAGE as STRUCTURE
from pipeline.clean.structure import extract_structure
from pipeline.config import Config
from pipeline.dedup.repeats import Tokens, collapse_repeats
from pipeline.limits import DocumentTimeout, time_limit
from pipeline.models import KEPT, REJECTED, Doc, Line, Removal, split_lines


def reject(doc: Doc, reason: str) -> Doc:
    doc.status, doc.reason, doc.lines = REJECTED, reason, []
    return doc


def decode(doc: Doc, raw: bytes, cfg: Config) -> Doc:
    """Decode raw bytes into lines; unusable input is rejected with a reason, never dropped.

    Never raises: a timeout or a crash in the detector rejects this document, not the batch."""
    limit = cfg.run.max_document_seconds
    start = time.perf_counter()
    try:
        with time_limit(limit):
            return _decode(doc, raw, cfg)
    except DocumentTimeout:
        return reject(doc, f"timeout: decode took more than {limit:g} s (run.max_document_seconds)")
    except Exception as exc:  # noqa: BLE001 - one bad file never stops a batch
        return reject(doc, f"error in decode: {type(exc).__name__}: {exc}")
    finally:
        doc.seconds += time.perf_counter() - start


def _decode(doc: Doc, raw: bytes, cfg: Config) -> Doc:
    if len(raw) > cfg.run.max_document_bytes:
        return reject(doc, f"too-large: {len(raw)} bytes > run.max_document_bytes ({cfg.run.max_document_bytes})")
    try:
        decoded = decode_bytes(raw)
    except UndecodableError as exc:
        return reject(doc, f"undecodable: {exc}")
    if "\x00" in decoded.text:
        return reject(doc, "binary: contains NUL characters")
    doc.encoding = {"encoding": decoded.encoding, "confidence": decoded.confidence, "bom": decoded.bom}
    if decoded.confidence < cfg.decode.min_confidence:
        doc.flags.append("review:low-decode-confidence")
    if decoded.unsure:
        doc.flags.append("review:unsure-decoding")
    doc.lines = split_lines(decoded.text)
    if not any(ln.text.strip() for ln in doc.lines):
        return reject(doc, "empty: no text")
    lines = sum(not ln.blank for ln in doc.lines)
    if lines > cfg.run.max_document_lines:
        return reject(doc, f"too-many-lines: {lines} lines > run.max_document_lines ({cfg.run.max_document_lines})")
    return _reject_if_unusable(doc, "decode")


def _reject_if_unusable(doc: Doc, stage: str) -> Doc:
    """A document with nothing left to read is rejected, never kept as an empty article.

    Letters in any script are what make text an article; a file of digits, symbols, control
    or invisible characters (a stray data dump, a corrupted file) has none."""
    if doc.status != KEPT:
        return doc
    texts = [ln.text for ln in doc.lines if not ln.blank] + ([doc.title] if doc.title else [])
    if not texts:
        return reject(doc, f"empty: no text left after {stage}")
    if not any(c.isalpha() for t in texts for c in t):
        return reject(doc, "junk: no letters in any script")
    return doc


def encoding(doc: Doc, cfg: Config) -> Doc:
    doc.lines, edits = fix_encoding(doc.lines, cfg.encoding)
    doc.edits.extend(edits)
    return doc


def boilerplate(doc: Doc, cfg: Config, recurring: Mapping[str, Collection[str]] | None = None) -> Doc:
    """Strip junk lines; `recurring` maps each source to its batch-recurring line keys."""
    src = source_of(doc.id, cfg.boilerplate.source_depth)
    memo: dict = {}  # each line is classified once, however many rounds look at it
    # The headline, byline and date lines the structure stage took are put back in place for
    # this stage to read (never to log: they are already accounted for): a menu above the
    # article is recognised by the byline block it leads into, as it was before they left.
    taken = {(r.start, r.end): r for r in doc.removed if r.stage == STRUCTURE}
    lines = doc.lines
    if taken:
        lines = sorted(doc.lines + [Line(r.text, r.start, r.end) for r in taken.values()], key=attrgetter("start"))
    kept, removals = strip_to_fixpoint(lines, cfg.boilerplate, (recurring or {}).get(src, ()), memo)
    if taken:
        kept = [ln for ln in kept if (ln.start, ln.end) not in taken]
        removals = [r for r in removals if (r.start, r.end) not in taken]
    if removals and not any(not ln.blank for ln in kept):
        doc.removed.extend(removals)
        return reject(doc, "only-boilerplate: every paragraph matched a boilerplate rule")
    if removals and _no_substance_left(kept, cfg):
        # A page of widgets ("You may also like" and two headlines) loses its heading to a
        # rule and keeps the headlines: a few words and no sentence are no article. A list
        # article (a race calendar) has no sentence either, but has words to read.
        doc.removed.extend(removals)
        return reject(doc, f"no-article: after {len(removals)} junk lines, what is left has no sentence and "
                      f"fewer than {cfg.boilerplate.prose_long_words} words (boilerplate.prose_long_words)")
    chars, prose = removed_shares(lines, removals + list(taken.values()), cfg.boilerplate, memo)
    if chars > cfg.boilerplate.max_removed_share or prose > cfg.boilerplate.max_removed_prose_share:
        doc.flags.append("review:boilerplate-share")
    else:
        doc.lines = kept
        doc.removed.extend(removals)
    return doc


def _no_substance_left(lines: list[Line], cfg: Config) -> bool:
    """Fewer than prose_long_words words in all, and none of the lines a sentence."""
    b = cfg.boilerplate
    texts = [ln.text.strip() for ln in lines if not ln.blank]
    return (sum(word_count(t) for t in texts) < b.prose_long_words
            and not any(is_prose(t, b.prose_min_words, b.prose_long_words) for t in texts))


def structure(doc: Doc, cfg: Config) -> Doc:
    """Take the headline, byline and date lines out of the text as fields (structure.py)."""
    doc.lines, found = extract_structure(doc.lines, cfg.structure, cfg.boilerplate.rules)
    if found.title is not None:
        doc.title, doc.title_span = found.title.text.strip(), (found.title.start, found.title.end)
    doc.authors, doc.credit = found.authors, found.credit
    doc.published, doc.updated = found.published, found.updated
    doc.removed.extend(found.removals)
    return doc


def repeats(doc: Doc, cfg: Config, tokens: list[Tokens] | None = None) -> Doc:
    """Collapse repeated blocks; `tokens`, when given, receives the words of what is left
    (repeats.Tokens), for a caller that computes the document's signature next."""
    doc.lines, removals = collapse_repeats(doc.lines, cfg.repeats, tokens)
    doc.removed.extend(removals)
    return doc


@dataclass(frozen=True)
class Stage:
    name: str
    sections: tuple[str, ...]
    apply: Callable[..., Doc]


# Order matters: junk removal precedes repeat detection so a repeated trailer is logged as
# boilerplate, and repeats are found on repaired text so mojibake cannot hide a copy. The
# article's headline, byline and dates are taken (as fields) before boilerplate, which owns
# everything else in the lead block and would otherwise delete them as page furniture.
STAGES: tuple[Stage, ...] = (
    Stage("encoding", ("encoding",), encoding),
    Stage("structure", ("structure", "boilerplate"), structure),
    Stage("boilerplate", ("boilerplate",), boilerplate),
    Stage("repeats", ("repeats",), repeats),
)


def run_stage(stage: Stage, doc: Doc, cfg: Config, **extra: Any) -> Doc:
    """Apply one stage to a kept document; a crash in one document rejects it, not the batch.

    `extra` carries corpus-level inputs a stage reads (e.g. `recurring` for boilerplate)."""
    if doc.status != KEPT:
        return doc
    removed, edits, limit = len(doc.removed), len(doc.edits), cfg.run.max_document_seconds
    # The limit bounds all stages together: each gets what the earlier ones left of it.
    left = limit - doc.seconds if limit > 0 else 0.0
    if limit > 0 and left <= 0:
        return reject(doc, f"timeout: the stages before {stage.name} took {doc.seconds:.0f} s of "
                      f"{limit:g} s (run.max_document_seconds)")
    start = time.perf_counter()
    try:
        with time_limit(left):
            out = stage.apply(doc, cfg, **extra)
        out.seconds = doc.seconds + (time.perf_counter() - start)
        return _reject_if_unusable(out, stage.name)
    except DocumentTimeout:
        reason = (f"timeout: {stage.name} took more than {left:.3g} s, the stages together more than {limit:g} s "
                  "(run.max_document_seconds)")
    except Exception as exc:  # noqa: BLE001 - a bad document must never stop a batch
        reason = f"error in {stage.name}: {type(exc).__name__}: {exc}"
    doc.seconds += time.perf_counter() - start
    # What an interrupted stage logged is half a story; the reason tells the whole one.
    del doc.removed[removed:], doc.edits[edits:]
    return reject(doc, reason)


def clean_document(doc: Doc, raw: bytes, cfg: Config,
                   recurring: Mapping[str, Collection[str]] | None = None) -> Doc:
    """All per-document stages in one call (what `explain` and the tests use); `recurring` is
    the batch's recurring lines per source, when the caller has counted them."""
    doc = decode(doc, raw, cfg)
    for stage in STAGES:
        extra = {"recurring": recurring} if stage.name == "boilerplate" and recurring else {}
        doc = run_stage(stage, doc, cfg, **extra)
    return doc


def removal_log(doc: Doc) -> list[Removal]:
    return sorted(doc.removed, key=lambda r: (r.start, r.end, r.stage))
