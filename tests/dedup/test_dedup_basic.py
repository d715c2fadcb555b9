"""Repeated blocks in a document and duplicate decisions across documents."""

from __future__ import annotations

import numpy as np

from pipeline.config import load_config
from pipeline.dedup.clusters import DocSketch, cluster
from pipeline.dedup.shingles import words
from pipeline.dedup.signatures import signature_matrix
from pipeline.dedup.sketch import shingle_set, text_digest

CFG = load_config()
P = [f"Paragraph number {i} tells how the council voted on the {w} budget after a long debate in the hall."
     for i, w in enumerate(["road", "school", "water", "park", "housing"])]


def _sketch(doc_id: str, text: str) -> DocSketch:
    sh = shingle_set(words(text), CFG.dedup.shingle_words)
    return DocSketch(doc_id, len(text.split()), text_digest(text),
                     signature_matrix([sh], CFG.dedup.num_perm, CFG.dedup.seed)[0].astype(np.uint64), sh)


def test_near_duplicates_cluster_deterministically() -> None:
    body = " ".join(P)
    docs = [_sketch("b", body), _sketch("a", body + " An editor's note was added here at the end."),
            _sketch("c", " ".join(reversed(P[:2])) + " Entirely different words about the weather.")]
    d1 = cluster(docs, CFG.dedup)
    d2 = cluster(list(reversed(docs)), CFG.dedup)
    assert d1 == d2
    assert set(d1) == {"b"} and d1["b"].duplicate_of == "a" and d1["b"].containment == 1.0
