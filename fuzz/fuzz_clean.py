"""Fuzz the per-document cleaning entry point, `pipeline.stages.clean_document`, with atheris.

    make fuzz                         # FUZZ_SECONDS=300 by default
    .venv/bin/python fuzz/fuzz_clean.py data/fuzz-corpus fuzz/seeds -max_total_time=60

fuzz/seeds holds the starting inputs (kept in git); new interesting inputs go to the first
folder, data/fuzz-corpus (not in git).

Not part of CI: coverage-guided fuzzing is open-ended. Each input is cleaned as raw bytes and
as text (the bytes decoded as UTF-8 with replacement), and the result is checked for what the
cleaning contract promises, not only for crashes:

- no stage crashed or timed out (a crash is caught and turned into a rejection, so "never
  raises" alone would hide it: the reason must not start with "error in" or "timeout");
- a kept document has text, and every kept line and removal points at a real span of the input;
- removed and kept lines never overlap;
- cleaning the clean output again is a no-op (see tests/test_properties.py); FUZZ_IDEMPOTENCE=0
  turns this check off.
A violation raises, and atheris saves the input as crash-<sha1> for a regression test.
"""

from __future__ import annotations

import os
import sys

import atheris

with atheris.instrument_imports(include=["pipeline"]):
    from pipeline.clean.decode import decode_bytes
    from pipeline.config import load_config
    from pipeline.models import KEPT, REJECTED, Doc
    from pipeline.stages import clean_document

CFG = load_config()
# FUZZ_IDEMPOTENCE=0 skips the idempotence check, to hunt for crashes past a known violation.
CHECK_IDEMPOTENCE = os.environ.get("FUZZ_IDEMPOTENCE", "1") != "0"


class ContractViolation(AssertionError):
    pass


def _check(doc: Doc, raw: bytes) -> None:
    if doc.status not in (KEPT, REJECTED):
        raise ContractViolation(f"status {doc.status!r}")
    if doc.status == REJECTED:
        if not doc.reason or doc.reason.startswith(("error in", "timeout")):
            raise ContractViolation(f"rejected by a crash: {doc.reason}")
        return
    if not (doc.text() or doc.title):
        raise ContractViolation("kept without text")
    size = len(decode_bytes(raw).text)
    spans = [(ln.start, ln.end) for ln in doc.lines if not ln.blank]
    spans += [doc.title_span] if doc.title_span else []
    removed = [(r.start, r.end) for r in doc.removed]
    for s, e in spans + removed:
        if not 0 <= s <= e <= size:
            raise ContractViolation(f"span {s}-{e} outside the decoded input ({size})")
    if set(spans) & set(removed):
        raise ContractViolation("a line is both kept and removed")


def _clean(raw: bytes) -> Doc:
    return clean_document(Doc(id="fuzz", source="fuzz.txt", sha256="", size=len(raw)), raw, CFG)


def test_one_input(data: bytes) -> None:
    doc = _clean(data)
    _check(doc, data)
    text = data.decode("utf-8", "replace").encode("utf-8")
    doc = _clean(text)
    _check(doc, text)
    if not CHECK_IDEMPOTENCE:
        return
    # Idempotence, on the layout clean output has (one blank line between paragraphs).
    canonical = "\n\n".join(ln for ln in text.decode("utf-8").splitlines() if ln.strip()).encode("utf-8")
    doc = _clean(canonical)
    if doc.status == KEPT:
        once = (f"{doc.title}\n\n" if doc.title else "") + doc.text() + "\n"
        again = _clean(once.encode("utf-8"))
        again_text = (f"{again.title}\n\n" if again.title else "") + again.text() + "\n"
        if again.status != KEPT or again_text != once:
            raise ContractViolation(f"not idempotent: {once[:200]!r} -> {again_text[:200]!r} ({again.reason})")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
