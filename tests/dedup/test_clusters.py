"""Duplicates across documents: verification, survivor rule, determinism, signature store."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import load_config
from pipeline.dedup import store
from pipeline.dedup.clusters import DocSketch, cluster
from pipeline.dedup.sketch import sketch_docs
from pipeline.models import Doc, split_lines
from tests.conftest import load_jsonl, run_cli

CFG = load_config().dedup
VOCAB = [f"w{i}" for i in range(3000)]


def article(seed: int, paragraphs: int = 6, words: int = 40) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(VOCAB) for _ in range(words)) + "." for _ in range(paragraphs)]


def doc(doc_id: str, paras: list[str]) -> Doc:
    return Doc(id=doc_id, source=doc_id, sha256="", size=0, lines=split_lines("\n\n".join(paras)))


def sketches(docs: dict[str, list[str]]) -> list[DocSketch]:
    return sketch_docs([doc(k, v) for k, v in docs.items()], CFG)


def corpus() -> dict[str, list[str]]:
    """Originals, and syndicated copies of the kinds the issue lists."""
    docs = {f"orig{i}": article(i) for i in range(8)}
    docs["orig0-trailer"] = docs["orig0"] + article(100, 2)  # another site's junk appended
    docs["orig0-otherjunk"] = docs["orig0"] + article(101, 2)
    docs["orig1-dateline"] = ["LONDON (Reuters) -"] + docs["orig1"]
    docs["orig2-trimmed"] = docs["orig2"][:-1]  # last paragraph dropped
    edited = list(docs["orig3"])
    edited[2] = edited[2].replace(edited[2].split()[3], "changed", 1)
    docs["orig3-edited"] = edited
    docs["orig4-inserted"] = docs["orig4"][:3] + ["Editor's note: this story was updated."] + docs["orig4"][3:]
    docs["orig5-exact"] = list(docs["orig5"])
    return docs


def groups(decisions: dict, ids: list[str]) -> dict[str, str]:
    return {i: decisions[i].duplicate_of if i in decisions else i for i in ids}


def test_syndicated_copies_join_their_original_and_nothing_else() -> None:
    docs = corpus()
    decisions = cluster(sketches(docs), CFG)
    roots = groups(decisions, list(docs))
    for doc_id, root in roots.items():
        family = doc_id.split("-")[0]
        assert roots[family] == root, doc_id  # every copy with its original
    assert len(set(roots.values())) == 8  # and the eight originals stay apart
    # Both copies that carry different trailers join the clean article they share.
    assert roots["orig0-trailer"] == roots["orig0-otherjunk"] == "orig0"
    assert decisions["orig5-exact"].reason == "exact-duplicate" or decisions["orig5"].reason == "exact-duplicate"
    for d in decisions.values():
        assert d.jaccard >= CFG.jaccard or d.containment >= CFG.containment


def test_decisions_do_not_depend_on_input_order_or_shards() -> None:
    docs = corpus()
    reference = cluster(sketches(docs), CFG)
    ids = list(docs)
    for seed in range(3):
        random.Random(seed).shuffle(ids)
        # Sketches computed in separate "shards" of different sizes, then gathered in another order.
        size = 2 + seed
        parts = [sketches({k: docs[k] for k in ids[i:i + size]}) for i in range(0, len(ids), size)]
        gathered = [s for part in reversed(parts) for s in part]
        assert cluster(gathered, CFG) == reference


def test_a_tiny_text_contained_in_articles_does_not_absorb_them() -> None:
    blurb = ["Subscribe to our newsletter for the latest local news every morning."]
    docs = {"a": article(1) + blurb, "b": article(2) + blurb, "blurb": blurb}
    decisions = cluster(sketches(docs), CFG)
    assert "a" not in decisions and "b" not in decisions
    assert decisions.get("blurb") is None or decisions["blurb"].duplicate_of in {"a", "b"}


def test_unrelated_articles_sharing_a_template_are_not_chained() -> None:
    template = article(50, 2)
    docs = {f"t{i}": article(200 + i, 3) + template for i in range(4)}
    assert cluster(sketches(docs), CFG) == {}


def test_store_roundtrip_keeps_signatures_and_shingles_exactly(tmp_path: Path) -> None:
    kept = sketches({"x": article(7), "y": article(8)})
    store.publish(tmp_path, "/corpus/one", kept, CFG)
    with sqlite3.connect(tmp_path / "store.sqlite") as con:
        meta = json.loads(con.execute("SELECT value FROM meta WHERE key = 'scheme'").fetchone()[0])
        assert con.execute("SELECT count(*) FROM band").fetchone()[0] == 2 * CFG.bands
    assert meta["minhash_scheme"] == "affine32" and meta["num_perm"] == CFG.num_perm
    back = store.load(tmp_path, "/corpus/two", CFG)
    assert [s.id for s in back] == ["/corpus/one#x", "/corpus/one#y"]
    for a, b in zip(kept, back, strict=True):
        assert np.array_equal(a.signature, b.signature) and np.array_equal(a.shingles, b.shingles)
        assert (a.words, a.digest) == (b.words, b.digest)


def test_a_batch_sees_only_batches_published_before_it(tmp_path: Path) -> None:
    store.publish(tmp_path, "/b1", sketches({"x": article(7)}), CFG)
    store.publish(tmp_path, "/b2", sketches({"y": article(8)}), CFG)
    assert [s.id for s in store.load(tmp_path, "/b1", CFG)] == []
    assert [s.id for s in store.load(tmp_path, "/b2", CFG)] == ["/b1#x"]
    assert [s.id for s in store.load(tmp_path, "/b3", CFG)] == ["/b1#x", "/b2#y"]
    before = store.fingerprint(tmp_path, "/b1", CFG)
    store.publish(tmp_path, "/b1", sketches({"x": article(7), "z": article(9)}), CFG)  # a re-run
    assert store.fingerprint(tmp_path, "/b1", CFG) == before


def test_copies_of_earlier_batches_are_duplicates_of_them(tmp_path: Path) -> None:
    store.publish(tmp_path, "/b1", sketches({"x": article(7)}), CFG)
    new = sketches({"x-copy": article(7) + article(300, 1), "fresh": article(9)})
    decisions = cluster(new, CFG, *store.candidates(tmp_path, "/b2", new, CFG))
    assert set(decisions) == {"x-copy"} and decisions["x-copy"].duplicate_of == "/b1#x"


def test_a_store_made_under_another_scheme_is_refused(tmp_path: Path) -> None:
    store.publish(tmp_path, "/b1", sketches({"x": article(7)}), CFG)
    with sqlite3.connect(tmp_path / "store.sqlite") as con:
        meta = json.loads(con.execute("SELECT value FROM meta WHERE key = 'scheme'").fetchone()[0])
        meta["minhash_scheme"] = "legacy"  # what datasketch < 2.0 produced
        con.execute("UPDATE meta SET value = ? WHERE key = 'scheme'", (json.dumps(meta),))
    with pytest.raises(store.StoreError, match="minhash_scheme"):
        store.candidates(tmp_path, "/b2", sketches({"y": article(7)}), CFG)


def test_cli_index_finds_copies_of_an_earlier_batch(tmp_path: Path) -> None:
    one, two = tmp_path / "in1", tmp_path / "in2"
    one.mkdir()
    two.mkdir()
    (one / "story.txt").write_text("\n\n".join(article(11)), encoding="utf-8")
    (two / "story.txt").write_text("\n\n".join(["PARIS (AFP) -", *article(11)]), encoding="utf-8")
    (two / "other.txt").write_text("\n\n".join(article(12)), encoding="utf-8")
    index = tmp_path / "index"
    run_cli("run", "--input", str(one), "--output", str(tmp_path / "out1"), "--index", str(index))
    run_cli("run", "--input", str(two), "--output", str(tmp_path / "out2"), "--index", str(index))
    docs = {d["id"]: d for d in load_jsonl(tmp_path / "out2" / "documents.jsonl")}
    assert docs["story"]["status"] == "duplicate"
    assert docs["story"]["duplicate_of"] == f"{(tmp_path / 'out1').resolve()}#story"
    assert docs["other"]["status"] == "kept"
    again = run_cli("run", "--input", str(two), "--output", str(tmp_path / "out2"), "--index", str(index))
    assert "up to date" in again.stdout
    # The first batch, re-run, does not find its own articles in the store.
    run_cli("run", "--input", str(one), "--output", str(tmp_path / "out1"), "--index", str(index))
    assert load_jsonl(tmp_path / "out1" / "documents.jsonl")[0]["status"] == "kept"
