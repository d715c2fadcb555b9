"""The Spark clustering path gives exactly the in-process decisions.

First the dataflow itself (pipeline/dedup/spark_cluster.py run in one process) against
clusters.cluster on real sketches; then the real thing: `--dedup-engine spark` with a local
master through spark-submit, compared byte for byte with the in-process run of the same batch.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.dedup.clusters import cluster
from pipeline.dedup.sketch import sketch_docs
from pipeline.dedup.spark_cluster import components, partitioned_cluster
from pipeline.models import Doc
from pipeline.stages import clean_document
from tests.batch_support import contract_files, make_corpus, run, small_config


def _sketches(folder: Path) -> list:
    cfg = load_config()
    docs = []
    for p in sorted(folder.rglob("*.txt")):
        raw = p.read_bytes()
        rel = p.relative_to(folder).as_posix()
        docs.append(clean_document(Doc(id=rel, source=rel, sha256="", size=len(raw)), raw, cfg))
    return sketch_docs(docs, cfg.dedup)


def test_partitioned_dataflow_equals_in_process_cluster(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "in")
    # Exact copies too, so the digest links, the groups of identical documents and the
    # exact-duplicate decisions are exercised.
    for n, p in enumerate(sorted(corpus.glob("*.txt"))[:2]):
        for k in range(1 + 3 * n):
            shutil.copy(p, corpus / f"exact{k}-{p.name}")
    sketches = _sketches(corpus)
    cfg = load_config().dedup
    expected = cluster(sketches, cfg)
    assert any(d.reason == "near-duplicate" for d in expected.values())
    assert any(d.reason == "exact-duplicate" for d in expected.values())
    for seed in range(3):  # input order must not matter either
        shuffled = sketches[:]
        random.Random(seed).shuffle(shuffled)
        assert partitioned_cluster(shuffled, cfg) == expected


def test_components_are_order_independent() -> None:
    links = [("d", "e"), ("a", "b"), ("c", "b"), ("x", "x")]
    assert components(links) == components(list(reversed(links))) == [["a", "b", "c"], ["d", "e"], ["x"]]


def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.mark.skipif(not _spark_available() and not os.environ.get("CI"),
                    reason="needs pyspark (the `spark` extra) and a Java runtime; CI installs both")
def test_spark_engine_matches_in_process(tmp_path: Path) -> None:
    inp = make_corpus(tmp_path / "in")
    first = sorted(inp.glob("*.txt"))[0]
    for k in range(30):  # a page scraped 31 times: one group of identical documents
        shutil.copy(first, inp / f"again-{k:02d}.txt")
    cfg = small_config(tmp_path / "cfg", shards=4)
    out = tmp_path / "out"
    run(inp, out, cfg)
    local = contract_files(out)
    dedup_files = sorted((out / ".work" / "dedup").glob("*.json"))
    local_decisions = [p.read_bytes() for p in dedup_files]
    assert b"near-duplicate" in local_decisions[0] and b"exact-duplicate" in local_decisions[0]
    # Same batch, same shard outputs: only the clustering (and the corpus after it) run again.
    shutil.rmtree(out / ".work" / "dedup")
    (out / "manifest.json").unlink()
    res = run(inp, out, cfg, "--dedup-engine", "spark", "--spark-master", "local[2]")
    assert "nothing to do" not in res.stdout
    assert [p.read_bytes() for p in sorted((out / ".work" / "dedup").glob("*.json"))] == local_decisions
    assert contract_files(out) == local
    # Either engine's output satisfies the other: switching back re-runs nothing.
    assert "nothing to do" in run(inp, out, cfg).stdout
