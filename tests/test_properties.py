"""Properties of the whole per-document cleaning function, `stages.clean_document` (issue 9).

Checked with hypothesis on any bytes, any string, and on generated "articles" built from the
things real pages are made of (prose, repeated paragraphs, lines that match each loaded
boilerplate rule, mojibake, entities, odd whitespace, every newline convention):

- it never raises, and no document is rejected because a stage crashed;
- it is idempotent: cleaning the clean text (the clean/<id>.txt form) changes nothing (checked
  for every stage but repeats, which has a reported finding, reproduced below);
- output paragraphs are input lines after normalisation (encoding repair + whitespace), in
  their original order, each a whole input line;
- removed plus kept text accounts for every input line that has text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean.decode import decode_bytes
from pipeline.clean.encoding import fix_line
from pipeline.config import load_config
from pipeline.models import KEPT, REJECTED, Doc, split_lines
from pipeline.stages import STAGES, clean_document, decode, run_stage

CFG = load_config()
# derandomize: the same examples on every run, so a finding is a steady failure, not a flake;
# `pytest --hypothesis-seed=N` explores further.
SETTINGS = settings(max_examples=300, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def clean(raw: bytes) -> Doc:
    return clean_document(Doc(id="p", source="p.txt", sha256="", size=len(raw)), raw, CFG)


def render(doc: Doc) -> str:
    """What clean/<id>.txt holds: the title, a blank line, then the text."""
    return (f"{doc.title}\n\n" if doc.title else "") + doc.text() + "\n"


SENTENCES = [
    "The ministry said on Tuesday that the agreement would be signed next month.",
    "Officials declined to comment on the details of the proposed package.",
    "Prices rose by 3.2 per cent in October, the statistics office said.",
    "“We are not going to accept this,” she told reporters outside the court.",
    "Der Vertrag wurde am Montag in Berlin unterzeichnet.",
    "La réunion a eu lieu à Genève sous haute sécurité.",
    "東京の株式市場は午前中に上昇した。",
    "Short line",
    "Q:",
]
ODD = ["Israelâ€™s", "cafÃ©", "AT&amp;T", "&amp;amp;", "&#8217;", "\u00a0\u00a0Washington", "so\u00adft",
       "zero\u200bwidth", "\x1b[31mred\x1b[0m", "tab\there", "  spaced   out  ", "\u200b", "…", "   ",
       "procurement .", "ﬁnance", "\ufeffBOM"]


def _rule_lines() -> st.SearchStrategy[str]:
    pats = [re.compile(r.pattern, re.IGNORECASE if "i" in r.flags else 0) for r in CFG.boilerplate.rules]
    if not pats:
        return st.nothing()
    return st.one_of(*[st.from_regex(p, fullmatch=True).map(lambda s: s.replace("\n", " ").replace("\r", " "))
                       for p in pats])


LINE = st.one_of(
    st.sampled_from(SENTENCES),
    st.sampled_from(ODD),
    _rule_lines(),
    st.text(max_size=60).map(lambda s: s.replace("\n", " ").replace("\r", " ")),
    st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=4).map(" ".join),
    st.just(""),
)
ARTICLE = st.builds(
    lambda lines, nl, bom: ("\ufeff" if bom else "") + nl.join(lines),
    st.lists(LINE, max_size=40),
    st.sampled_from(["\n", "\r\n", "\r", "\n\n"]),
    st.booleans(),
)


def _check_not_crashed(doc: Doc) -> None:
    assert doc.status in (KEPT, REJECTED)
    if doc.status == REJECTED:
        assert doc.reason, "a rejection always says why"
        assert not doc.reason.startswith(("error in", "timeout")), doc.reason
    else:
        assert doc.text() or doc.title, "a kept document has text"


@SETTINGS
@given(st.binary(max_size=4000))
def test_never_raises_on_any_bytes(raw: bytes) -> None:
    _check_not_crashed(clean(raw))


@SETTINGS
@given(st.text(max_size=2000))
def test_never_raises_on_any_string(text: str) -> None:
    _check_not_crashed(clean(text.encode("utf-8")))


@SETTINGS
@given(ARTICLE)
def test_never_raises_on_article_like_text(text: str) -> None:
    _check_not_crashed(clean(text.encode("utf-8")))


# The layout the output has: one blank line between paragraphs. Cleaning decides some things
# by layout (a first line alone before a blank line is a title candidate), and clean output
# always has this layout, so this is the domain on which cleaning clean text must be a no-op.
CANONICAL = st.lists(LINE, max_size=40).map(lambda lines: "\n\n".join(ln for ln in lines if ln.strip()))


def _check_idempotent(text: str, cleaner: Callable[[bytes], Doc]) -> None:
    first = cleaner(text.encode("utf-8"))
    if first.status != KEPT:
        return
    once = render(first)
    second = cleaner(once.encode("utf-8"))
    assert second.status == KEPT, second.reason
    assert render(second) == once
    # Clean text gives nothing more to remove; the headline found again is logged where it
    # stands (the structure stage records the line of every field it fills).
    assert second.title == first.title
    assert [(r.stage, r.rule, r.text) for r in second.removed] == (
        [("structure", "article.title@1", first.title)] if first.title else [])


def clean_without_repeats(raw: bytes) -> Doc:
    doc = decode(Doc(id="p", source="p.txt", sha256="", size=len(raw)), raw, CFG)
    for stage in STAGES:
        if stage.name != "repeats":
            doc = run_stage(stage, doc, CFG)
    return doc


@SETTINGS
@given(st.one_of(CANONICAL, st.text(max_size=500)))
def test_idempotent_up_to_repeats(text: str) -> None:
    """Idempotence of every stage but repeats. The whole function is NOT idempotent yet: see
    the repeats finding below (a minimal reproducer); once fixed, test `clean` here instead."""
    _check_idempotent(text, clean_without_repeats)


def _spans(doc: Doc) -> list[tuple[int, int]]:
    """Spans of what the document keeps, in output order (title first)."""
    return ([doc.title_span] if doc.title else []) + [(ln.start, ln.end) for ln in doc.lines if not ln.blank]


@SETTINGS
@given(ARTICLE)
def test_output_paragraphs_are_normalised_input_lines_in_order(text: str) -> None:
    raw = text.encode("utf-8")
    doc = clean(raw)
    if doc.status != KEPT:
        return
    decoded = decode_bytes(raw).text
    line_spans = {(ln.start, ln.end) for ln in split_lines(decoded)}
    spans = _spans(doc)
    outputs = ([doc.title] if doc.title else []) + doc.paragraphs()
    assert [s for s, _ in spans] == sorted(s for s, _ in spans) and len(set(spans)) == len(spans)
    for (start, end), out in zip(spans, outputs, strict=True):
        assert (start, end) in line_spans, "an output paragraph is one whole input line"
        assert out == fix_line(decoded[start:end], CFG.encoding)[0]
    assert doc.text() == "\n\n".join(outputs[1 if doc.title else 0 :])


@SETTINGS
@given(ARTICLE)
def test_removed_plus_kept_accounts_for_all_input(text: str) -> None:
    raw = text.encode("utf-8")
    doc = clean(raw)
    if doc.status == REJECTED and not doc.reason.startswith("only-boilerplate"):
        return  # the reason accounts for the whole document
    decoded = decode_bytes(raw).text
    # Every input line that still has text after normalisation...
    with_text = {(ln.start, ln.end) for ln in split_lines(decoded)
                 if fix_line(ln.text, CFG.encoding)[0].strip()}
    # The title's line is logged in `removed` by the structure stage (its provenance), so it is
    # counted there, not twice.
    kept = [(ln.start, ln.end) for ln in doc.lines if not ln.blank]
    removed = [(r.start, r.end) for r in doc.removed]
    assert doc.title is None or tuple(doc.title_span) in removed
    # ...is either kept or removed with a rule, exactly once.
    assert sorted(kept + removed) == sorted(with_text)
    for r in doc.removed:
        assert r.rule and r.stage
        assert r.text == fix_line(decoded[r.start : r.end], CFG.encoding)[0]
    # Lines normalised away entirely (invisible characters only) are recorded as edits.
    edited_away = {(e.start, e.end) for e in doc.edits if not e.after.strip()}
    for ln in split_lines(decoded):
        if ln.text.strip() and (ln.start, ln.end) not in with_text:
            assert (ln.start, ln.end) in edited_away or doc.status == REJECTED


def test_idempotent_on_a_paragraph_pasted_three_times() -> None:
    text = "\n\n".join([SENTENCES[0] + " " + SENTENCES[1]] * 3)
    once = render(clean(text.encode("utf-8")))
    assert render(clean(once.encode("utf-8"))) == once
