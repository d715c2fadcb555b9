"""The indexed signature store decides exactly as clustering against every earlier article in
memory did: batches published one after another, old batches re-run with new text (which makes
verified pairs between stored articles), each batch checked against the in-memory oracle."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.dedup import store
from pipeline.dedup.clusters import DocSketch, cluster
from tests.dedup.test_cluster_groups import CFG, reference_cluster, sketches_of, texts


class Oracle:
    """The store as it was: every visible segment's kept articles, compared in memory."""

    def __init__(self) -> None:
        self.segments: dict[str, tuple[int, list[DocSketch]]] = {}

    def visible(self, batch: str) -> list[DocSketch]:
        own = self.segments.get(batch, (None, []))[0]
        return [DocSketch(f"{b}#{s.id}", s.words, s.digest, s.signature, s.shingles)
                for b, (seq, kept) in sorted(self.segments.items(), key=lambda kv: kv[1][0])
                if own is None or seq < own for s in kept]

    def publish(self, batch: str, kept: list[DocSketch]) -> None:
        seq = self.segments.get(batch, (1 + max((q for q, _k in self.segments.values()), default=0), []))[0]
        self.segments[batch] = (seq, kept)


def run_batches(root: Path, rnd: random.Random, steps: int) -> int:
    oracle, pool, checked = Oracle(), texts(rnd, 80), 0
    batches: list[str] = []
    for step in range(steps):
        if batches and rnd.random() < 0.3:
            batch = rnd.choice(batches)  # a re-run, with other text
        else:
            batch = f"/corpus/b{len(batches)}"
            batches.append(batch)
        docs = [rnd.choice(pool) for _ in range(rnd.randrange(1, 25))]
        new = sketches_of(f"s{step}-", docs)
        expected = reference_cluster(new, oracle.visible(batch))
        earlier, degree, searched = store.lookup(root, batch, new, CFG)  # as the Dedup task does
        got = cluster(new, CFG, earlier, degree)
        assert got == expected, (step, batch)
        kept = [s for s in new if s.id not in got]
        store.publish(root, batch, kept, CFG, searched=searched)
        oracle.publish(batch, kept)
        assert [s.id for s in store.load(root, "/corpus/next", CFG)] == [s.id for s in oracle.visible("/corpus/next")]
        checked += len(new)
    return checked


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_indexed_store_decides_as_the_in_memory_history(tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    assert run_batches(tmp_path_factory.mktemp("store"), random.Random(seed), steps=8) > 0


def test_rerun_old_batch_records_pairs_between_stored_articles(tmp_path: Path) -> None:
    rnd = random.Random(5)
    base = " ".join(f"w{rnd.randrange(40)}" for _ in range(60))
    store.publish(tmp_path, "/b1", sketches_of("x", ["unrelated text " * 9]), CFG)
    store.publish(tmp_path, "/b2", sketches_of("y", [base]), CFG)
    # /b1 re-run: it does not see /b2, so its near-copy of /b2's article is kept and stored.
    store.publish(tmp_path, "/b1", sketches_of("x", [base + " w1 w2"]), CFG)
    with sqlite3.connect(tmp_path / "store.sqlite") as con:
        assert con.execute("SELECT count(*) FROM pair").fetchone()[0] == 1
        # the replaced segment's band rows went with it
        assert con.execute("SELECT count(*) FROM band").fetchone()[0] == 2 * CFG.bands
    new = sketches_of("z", [base + " w3"])
    earlier, degree = store.candidates(tmp_path, "/b3", new, CFG)
    assert sorted(s.id for s in earlier) == ["/b1#x000", "/b2#y000"] and degree == {}
    assert cluster(new, CFG, earlier, degree) == reference_cluster(new, store.load(tmp_path, "/b3", CFG))


def test_a_batch_reads_only_its_candidates(tmp_path: Path) -> None:
    stories = [" ".join(f"v{i}x{j}" for j in range(40)) for i in range(300)]
    store.publish(tmp_path, "/b1", sketches_of("h", stories), CFG)
    new = sketches_of("n", [" ".join(f"q{j}" for j in range(50)), stories[3] + " more"])
    earlier, _degree = store.candidates(tmp_path, "/b2", new, CFG)
    assert [s.id for s in earlier] == ["/b1#h003"]
    assert cluster(new, CFG, earlier)["n001"].duplicate_of == "/b1#h003"


def test_shingles_round_trip_exactly() -> None:
    rnd = np.random.default_rng(3)
    for n in (0, 1, 2, 500):
        h = np.unique(rnd.integers(0, 2**64 - 1, size=n, dtype=np.uint64))
        assert np.array_equal(store.unpack_shingles(store.pack_shingles(h)), h)


def test_pairs_with_articles_outside_the_candidates_still_rank_them() -> None:
    # p1 and p2 are both verified against the new n; p1 also against q, which shares no band
    # with n and is not read. In memory p1 had more verified pairs than p2 (q, p2, n against
    # p2's p1, n), so n joins p1 although p2 has more words: the store must count p1-q too.
    def sig(shared: dict[int, int], own: int) -> np.ndarray:
        values = np.full(CFG.num_perm, 1000 + own, dtype=np.uint64) + np.arange(CFG.num_perm, dtype=np.uint64) * 10_000
        for band, value in shared.items():
            values[band * CFG.rows : (band + 1) * CFG.rows] = value
        return values

    def sk(doc_id: str, words: int, s: np.ndarray, shingles: list[int]) -> DocSketch:
        return DocSketch(doc_id, words, hashlib.sha256(doc_id.encode()).hexdigest(), s,
                         np.array(sorted(shingles), dtype=np.uint64))

    q = sk("q", 10, sig({1: 7}, 1), [*range(1, 10), 50, 70])
    p1 = sk("p1", 10, sig({0: 0, 1: 7}, 2), [*range(1, 10), 50])
    p2 = sk("p2", 100, sig({0: 0}, 3), [*range(1, 11), 60])
    n = sk("n", 10, sig({0: 0}, 4), list(range(1, 11)))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for batch, doc in (("/b1", q), ("/b2", p1), ("/b3", p2)):
            store.publish(root, batch, [doc], CFG)
        earlier, degree = store.candidates(root, "/b4", [n], CFG)
        assert sorted(s.id for s in earlier) == ["/b2#p1", "/b3#p2"] and degree == {"/b2#p1": 1}
        expected = reference_cluster([n], store.load(root, "/b4", CFG))
        assert expected["n"].duplicate_of == "/b2#p1"
        assert cluster([n], CFG, earlier, degree) == expected


def test_admin_info_backup_prune_vacuum(tmp_path: Path) -> None:
    from pipeline.dedup import store_admin

    root = tmp_path / "idx"
    store.publish(root, "/b1", sketches_of("a", ["first story " * 20]), CFG, published=1_000_000.0)
    store.publish(root, "/b2", sketches_of("b", ["second story here " * 20]), CFG)
    assert store_admin.info(root)["articles"] == 2
    assert store_admin.main(["backup", str(root), str(tmp_path / "bak")]) == 0
    assert len(store.load(tmp_path / "bak", "/b3", CFG)) == 2
    assert store_admin.main(["prune", str(root), "--before", "2000-01-01"]) == 0
    assert [s.id for s in store.load(root, "/b3", CFG)] == ["/b2#b000"]
    assert store_admin.main(["vacuum", str(root)]) == 0
    assert len(store.load(tmp_path / "bak", "/b3", CFG)) == 2


def test_a_format1_store_is_refused_then_migrated(tmp_path: Path) -> None:
    from pipeline.dedup import store_admin

    old = sketches_of("x", ["an article kept by an old version " * 10])
    lean = [np.frombuffer(bytes(b), dtype=np.uint8) for b in _lean_bytes(old)]
    np.savez(tmp_path / "seg-00001.npz", ids=np.array([s.id for s in old]), words=np.array([s.words for s in old]),
             digests=np.array([s.digest for s in old]), minhash=np.stack(lean),
             offsets=np.array([0, len(old[0].shingles)]), shingles=old[0].shingles)
    scheme = {k: v for k, v in store.store_scheme(CFG).items() if k not in ("bands", "rows")}
    (tmp_path / "store.json").write_text(json.dumps({"format": 1, "scheme": scheme, "segments": [
        {"seq": 1, "batch": "/b1", "file": "seg-00001.npz", "count": 1, "digest": "x"}]}))
    with pytest.raises(store.StoreError, match="store_admin migrate"):
        store.fingerprint(tmp_path, "/b2", CFG)
    assert store_admin.main(["migrate", str(tmp_path)]) == 0
    back = store.load(tmp_path, "/b2", CFG)
    assert [s.id for s in back] == ["/b1#x000"] and np.array_equal(back[0].shingles, old[0].shingles)


def _lean_bytes(sketches: list[DocSketch]) -> list[bytearray]:
    from datasketch import LeanMinHash

    out = []
    for s in sketches:
        lean = LeanMinHash(seed=CFG.seed, hashvalues=s.signature, scheme="affine32")
        buf = bytearray(lean.bytesize("<"))
        lean.serialize(buf, "<")
        out.append(buf)
    return out


def test_segments_published_after_the_lookup_are_searched_for_pairs(tmp_path: Path) -> None:
    rnd = random.Random(9)
    base = " ".join(f"w{rnd.randrange(40)}" for _ in range(60))
    store.publish(tmp_path, "/b1", sketches_of("x", ["unrelated text " * 9]), CFG)
    new = sketches_of("y", [base])
    earlier, degree, searched = store.lookup(tmp_path, "/b2", new, CFG)
    store.publish(tmp_path, "/b3", sketches_of("z", [base + " w1"]), CFG)  # another run, meanwhile
    store.publish(tmp_path, "/b2", [s for s in new if s.id not in cluster(new, CFG, earlier, degree)], CFG,
                  searched=searched)
    with sqlite3.connect(tmp_path / "store.sqlite") as con:
        assert con.execute("SELECT count(*) FROM pair").fetchone()[0] == 1  # /b2#y000 with /b3#z000
