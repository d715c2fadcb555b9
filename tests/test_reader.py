"""pipeline.reader: iterate articles with removals and duplicate links, look up, filter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.models import Removal
from pipeline.reader import Article, Corpus, CorpusError
from tests.conftest import SEEDS, load_jsonl
from tests.report.corpora import build_mixed_run

SEED0 = "000_2cb9e80f71fff0a9"


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mixed_run(tmp_path_factory)


def test_iterates_every_article_in_order_with_removals(seed_run: Path) -> None:
    corpus = Corpus(seed_run)
    arts = list(corpus.articles())
    rows = load_jsonl(seed_run / "articles.jsonl")
    assert [a.id for a in arts] == [r["id"] for r in rows]
    assert [a.text for a in arts] == [r["text"] for r in rows]
    a0 = next(a for a in arts if a.id == SEED0)
    assert all(isinstance(r, Removal) for r in a0.removed)
    assert [(r.stage, r.rule, r.text) for r in a0.removed] == \
        [(r["stage"], r["rule"], r["text"]) for r in rows[0]["removed"]]
    assert any(r.rule == "repeated-block" and r.detail["repeats"][0] < r.start for r in a0.removed)
    assert a0.record == rows[0]


def test_lookup_by_id_matches_iteration(seed_run: Path) -> None:
    corpus = Corpus(seed_run)
    by_iter = {a.id: a for a in corpus}
    for doc_id, art in by_iter.items():
        assert corpus.article(doc_id) == art
        assert corpus.document(doc_id).status == "kept"
    with pytest.raises(KeyError):
        corpus.article("no-such-id")


def test_filter_by_status_and_duplicate_links(mixed_run: Path) -> None:
    corpus = Corpus(mixed_run)
    assert [d.id for d in corpus.documents(status="rejected")] == ["bin", "empty"]
    assert {d.reason.split(":")[0] for d in corpus.documents(status="rejected")} == {"binary", "empty"}
    dups = list(corpus.documents(status="duplicate"))
    assert len(dups) == 1 and dups[0].duplicate_of in {"001_8daedd7ade3504a8", "copies/001_copy"}
    assert dups[0].similarity == {"jaccard": 1.0, "containment": 1.0}
    canonical = corpus.article(dups[0].duplicate_of)
    assert [d.id for d in canonical.duplicates] == [dups[0].id]
    assert next(a for a in corpus.articles() if a.id == canonical.id).duplicates == canonical.duplicates
    assert all(not a.duplicates for a in corpus.articles() if a.id != canonical.id)
    # A duplicate or rejected document is not a canonical article, but is a document.
    with pytest.raises(KeyError):
        corpus.article("empty")
    assert corpus.document("empty").status == "rejected"
    assert len(list(corpus.documents(status=["kept", "duplicate"]))) == 6
    assert len(list(corpus.documents())) == 8
    with pytest.raises(ValueError, match="unknown status"):
        list(corpus.documents(status="dropped"))


def _original_text(seg: dict) -> str:
    if "edit" in seg:
        return "".join(t for op, t in seg["edit"]["diff"] if op in "=-")
    return seg["text"]


@pytest.mark.parametrize("seed", sorted(p.stem for p in SEEDS.glob("*.txt")))
def test_view_puts_every_line_back_in_input_order(seed: str, seed_run: Path) -> None:
    # Kept paragraphs, title and removed lines, in view order and with fixes undone, are the
    # non-blank lines of the input: nothing lost, nothing out of place.
    view = Corpus(seed_run).article(seed).view()
    raw = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
    assert [_original_text(s).strip() for s in view] == [ln.strip() for ln in raw.splitlines() if ln.strip()]
    starts = [s["start"] for s in view]
    assert starts == sorted(starts)


def test_view_of_000_marks_also_read_between_paragraphs_and_trailer_last(seed_run: Path) -> None:
    view = Corpus(seed_run).article(SEED0).view()
    kinds = [(s["k"], s.get("rule", "").split("@")[0]) for s in view]
    i = next(i for i, s in enumerate(view) if s["text"].startswith("Also Read"))
    assert view[i - 1]["k"] == "p" and view[i + 1]["text"].startswith("Why it matters")
    assert kinds[-6:] == [("r", "trailer.you-may-also-like")] * 6
    assert view[-6]["text"] == "You may also like"


def test_old_corpus_without_spans_still_reads(seed_run: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(seed_run, old, ignore=shutil.ignore_patterns(".work", "spans.jsonl"))
    art = Corpus(old).article(SEED0)
    assert art.spans is None
    view = art.view()
    assert [s["text"] for s in view if s["k"] == "p"] == art.paragraphs
    assert [s["text"] for s in view if s["k"] == "r"] == [r.text for r in art.removed]


def test_not_a_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="manifest.json"):
        Corpus(tmp_path)


def test_article_from_record_roundtrip(seed_articles: dict[str, dict]) -> None:
    rec = seed_articles[SEED0]
    art = Article.from_record(rec)
    assert art.paragraphs == rec["text"].split("\n\n")
    assert len(art.removed) == len(rec["removed"])
